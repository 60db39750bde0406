// kubernetesProvider(cluster): a @pulumi/kubernetes Provider on the cluster's kubeconfig (secret), identified by
// the cluster's id, depending on the cluster; a cluster without a kubeconfig fails instead of letting the
// provider fall back to ~/.kube/config.
import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { SECRET_SIG, SIG_KEY } from "../engine/secrets";

const KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\n";
const registered: { type: string; name: string; inputs: any }[] = [];
const clusterKubeconfig = KUBECONFIG;

test.before(async () => {
    await pulumi.runtime.setMocks({
        newResource: (args) => {
            registered.push({ type: args.type, name: args.name, inputs: args.inputs });
            const state = args.type.endsWith("mold:KubernetesCluster")
                ? { ...args.inputs, kubeconfig: clusterKubeconfig, state: "Running" }
                : args.type.endsWith("mold:NodeGroup")
                  ? { ...args.inputs, nodes: [], kubeconfig: clusterKubeconfig, endpoint: "https://127.0.0.1:6443" }
                  : args.inputs;
            return { id: `${args.name}-id`, state };
        },
        call: () => ({}),
    });
});

/** A resource's urn settles once the mocks answered its registration: `registered` holds it then, no sleep needed. */
const settle = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

/**
 * Every registration started so far has reached the mocks: the SDK's own wait for its RPC queue to drain (what
 * `disconnect` waits for). "Nothing registered" is only true after it, never after a sleep.
 */
async function allRegistrationsDone(): Promise<void> {
    const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs?: () => Promise<void> };
    if (typeof waitForRPCs !== "function") throw new Error("@pulumi/pulumi/runtime/settings no longer exports waitForRPCs");
    await waitForRPCs();
}

test.serial("the provider gets the kubeconfig as a secret and the cluster's id as clusterIdentifier", async (t) => {
    const mold = require("../../sdk");
    const cluster = new mold.KubernetesCluster("c1", { name: "c1", zone: "zone1", kubernetesVersion: "1.32.5", serviceOffering: "2C-4GB" });
    const provider = mold.kubernetesProvider(cluster);
    await settle(provider.urn);
    const reg = registered.find((r) => r.type === "pulumi:providers:kubernetes" && r.name === "c1-k8s");
    t.truthy(reg, "registered as <cluster name>-k8s");
    t.deepEqual(reg!.inputs.kubeconfig, { [SIG_KEY]: SECRET_SIG, value: KUBECONFIG }, "a secret");
    t.is(reg!.inputs.clusterIdentifier, "c1-id");
    t.is(provider.constructor.name, "Provider");

    const named = mold.kubernetesProvider(cluster, { name: "apps", namespace: "web" });
    await settle(named.urn);
    const reg2 = registered.find((r) => r.name === "apps");
    t.is(reg2!.inputs.namespace, "web");
});

test("a cluster without a kubeconfig fails the provider instead of falling back to ~/.kube/config", (t) => {
    const { requireKubeconfig } = require("../../sdk/kubernetes-provider");
    const urn = "urn:pulumi:dev::p::pulumi-nodejs:dynamic/mold:KubernetesCluster::c2";
    for (const empty of ["", undefined]) {
        const e = t.throws(() => requireKubeconfig(empty, "Stopped", urn));
        t.is(
            e!.message,
            `pulumi-mold: ${urn} has no kubeconfig (state Stopped): a Kubernetes provider needs a Running cluster whose API answered its health check`,
        );
    }
    t.is(requireKubeconfig(KUBECONFIG, "Running", urn), KUBECONFIG);
});

test.serial("KubernetesCluster.provider is the cluster's default provider, the same resource as kubernetesProvider(cluster)", async (t) => {
    const mold = require("../../sdk");
    const cluster = new mold.KubernetesCluster("c3", { name: "c3", zone: "zone1", kubernetesVersion: "1.32.5", serviceOffering: "2C-4GB" });
    await settle(cluster.urn);
    await allRegistrationsDone();
    t.false(
        registered.some((r) => r.name === "c3-k8s"),
        "no provider until one is asked for",
    );
    const provider = cluster.provider;
    t.is(provider.constructor.name, "Provider");
    t.is(cluster.provider, provider, "made once");
    t.is(mold.kubernetesProvider(cluster), provider, "the function gives the same provider");
    await settle(provider.urn);
    const regs = registered.filter((r) => r.type === "pulumi:providers:kubernetes" && r.name === "c3-k8s");
    t.is(regs.length, 1);
    t.is(regs[0].inputs.clusterIdentifier, "c3-id");
});

test.serial("KubeadmCluster.provider has the same shape: a Provider named <name>-k8s, made once, on first use", async (t) => {
    const mold = require("../../sdk");
    const cluster = new mold.KubeadmCluster("kc", {
        zone: "zone1",
        network: "net-1",
        networkCidr: "10.1.0.0/24",
        kubernetesVersion: "1.32.5",
        cni: "flannel",
        serviceOffering: "2C-4GB",
        template: "ubuntu-22.04",
        keyPair: "k",
        sshPrivateKey: "not-used-by-mocks",
        controlPlane: { count: 1 },
        workerGroups: { general: { count: 1 } },
    });
    await settle(cluster.urn);
    await allRegistrationsDone();
    t.false(
        registered.some((r) => r.name === "kc-k8s"),
        "no provider until one is asked for",
    );
    const provider = cluster.provider;
    t.is(provider.constructor.name, "Provider");
    t.is(cluster.provider, provider, "made once");
    await settle(provider.urn);
    t.is(registered.filter((r) => r.type === "pulumi:providers:kubernetes" && r.name === "kc-k8s").length, 1);
    // Both classes expose it the same way: a getter on the class.
    for (const Class of [mold.KubeadmCluster, mold.KubernetesCluster])
        t.is(typeof Object.getOwnPropertyDescriptor(Class.prototype, "provider")?.get, "function", Class.name);
});

test("a missing @pulumi/kubernetes gives an error naming the package and the install command", (t) => {
    const { loadKubernetesProviderClass } = require("../../sdk/kubernetes-provider");
    const missing = (id: string) => {
        const e: NodeJS.ErrnoException = new Error(
            `Cannot find module '${id}'\nRequire stack:\n- /app/node_modules/pulumi-mold/dist/sdk/kubernetes-provider.js`,
        );
        e.code = "MODULE_NOT_FOUND";
        throw e;
    };
    const e = t.throws(() => loadKubernetesProviderClass(missing));
    t.is(
        e!.message,
        "pulumi-mold: a Kubernetes provider needs the package @pulumi/kubernetes, which is not installed (it is an optional " +
            "peer dependency of pulumi-mold): run `npm install @pulumi/kubernetes` in your program's folder",
    );
    // A module missing inside an installed @pulumi/kubernetes is not reported as the package missing.
    const inner = () => {
        const err: NodeJS.ErrnoException = new Error("Cannot find module 'shell-quote'");
        err.code = "MODULE_NOT_FOUND";
        throw err;
    };
    t.is(t.throws(() => loadKubernetesProviderClass(inner))!.message, "Cannot find module 'shell-quote'");
    t.is(loadKubernetesProviderClass().name, "Provider");
});
