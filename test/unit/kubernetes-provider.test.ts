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
            const state = args.type.endsWith("mold:KubernetesCluster") ? { ...args.inputs, kubeconfig: clusterKubeconfig, state: "Running" } : args.inputs;
            return { id: `${args.name}-id`, state };
        },
        call: () => ({}),
    });
});

const settle = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

test.serial("the provider gets the kubeconfig as a secret and the cluster's id as clusterIdentifier", async (t) => {
    const mold = require("../../sdk");
    const cluster = new mold.KubernetesCluster("c1", { name: "c1", zone: "zone1", kubernetesVersion: "1.32.5", serviceOffering: "2C-4GB" });
    const provider = mold.kubernetesProvider(cluster);
    await settle(provider.urn);
    // Let the registration's inputs resolve.
    await new Promise((r) => setTimeout(r, 50));
    const reg = registered.find((r) => r.type === "pulumi:providers:kubernetes" && r.name === "c1-k8s");
    t.truthy(reg, "registered as <cluster name>-k8s");
    t.deepEqual(reg!.inputs.kubeconfig, { [SIG_KEY]: SECRET_SIG, value: KUBECONFIG }, "a secret");
    t.is(reg!.inputs.clusterIdentifier, "c1-id");
    t.is(provider.constructor.name, "Provider");

    const named = mold.kubernetesProvider(cluster, { name: "apps", namespace: "web" });
    await settle(named.urn);
    await new Promise((r) => setTimeout(r, 50));
    const reg2 = registered.find((r) => r.name === "apps");
    t.is(reg2!.inputs.namespace, "web");
});

test("a cluster without a kubeconfig fails the provider instead of falling back to ~/.kube/config", (t) => {
    const { requireKubeconfig } = require("../../sdk/kubernetes-provider");
    const urn = "urn:pulumi:dev::p::pulumi-nodejs:dynamic/mold:KubernetesCluster::c2";
    for (const empty of ["", undefined]) {
        const e = t.throws(() => requireKubeconfig(empty, "Stopped", urn));
        t.is(e!.message, `pulumi-mold: ${urn} has no kubeconfig (state Stopped): a Kubernetes provider needs a Running cluster whose API answered its health check`);
    }
    t.is(requireKubeconfig(KUBECONFIG, "Running", urn), KUBECONFIG);
});
