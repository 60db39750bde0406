// PlatformCluster's wiring under Pulumi's standard mocks (no Mold, no Pulumi CLI): which resources it
// registers, with what inputs. Each test runs in its own process (node --test), so setMocks starts clean.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, any>;
}
const registered: Registered[] = [];

pulumi.runtime.setMocks(
    {
        newResource: (args) => {
            registered.push({ type: args.type, name: args.name, inputs: args.inputs });
            const state: Record<string, any> = { ...args.inputs };
            // What Mold reports back that the component reads: cluster nodes, the ingress address.
            if (args.name === "shop") {
                state.nodes = [
                    { id: "vm-c1", name: "shop-control-1", role: "control", state: "Running", privateIp: "10.20.0.10" },
                    { id: "vm-w1", name: "shop-node-1", role: "worker", state: "Running", privateIp: "10.20.0.11" },
                    { id: "vm-w2", name: "shop-node-2", role: "worker", state: "Running", privateIp: "10.20.0.12" },
                ];
                state.endpoint = "https://198.51.100.5:6443";
            }
            if (args.name === "shop-ingress") state.ipAddress = "198.51.100.9";
            return { id: `${args.name}-id`, state };
        },
        call: () => ({}),
    },
    "platform",
    "test",
    true, // preview: a kubeadm cluster's SSH steps are not run
);

// Loaded after setMocks, as Pulumi's mocks require.
const { PlatformCluster, validateArgs } = require("../src") as typeof import("../src");

/** Registrations finish asynchronously (inputs that are outputs resolve first): wait for `count` of them, with a deadline. */
async function registeredWith(prefix: string, count: number): Promise<Registered[]> {
    const deadline = Date.now() + 20_000;
    for (;;) {
        const mine = registered.filter((r) => r.name.startsWith(prefix));
        if (mine.length >= count) return mine;
        if (Date.now() > deadline) assert.fail(`${mine.length} of ${count} registrations of ${prefix}: ${mine.map((r) => r.name).join(", ")}`);
        await new Promise((r) => setTimeout(r, 20));
    }
}

const output = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));
const dynamicInputs = (name: string) => {
    const r = registered.find((x) => x.name === name);
    assert.ok(r, `${name} is registered (registered: ${registered.map((x) => x.name).join(", ")})`);
    // A dynamic resource's inputs also carry its serialized provider; the wiring is the rest.
    const { __provider, ...rest } = r.inputs;
    void __provider;
    return rest;
};

test("managed: a network, a Mold-managed cluster on it, an ingress IP, one LB rule and one firewall rule per ingress port", async () => {
    registered.length = 0;
    const p = new PlatformCluster("shop", {
        kind: "managed",
        zone: "zone1",
        kubernetesVersion: "1.32.5",
        serviceOffering: "2C-4GB",
        workers: 2,
        allowedCidrs: ["10.0.0.0/8", "192.168.0.0/16"],
        ingress: [
            { name: "http", port: 80, nodePort: 30080 },
            { name: "https", port: 443, nodePort: 30443 },
        ],
        tags: { team: "shop", environment: "test", costCenter: "42" },
    });
    assert.deepEqual(await output(p.workerIds), ["vm-w1", "vm-w2"]);
    assert.deepEqual(await output(p.ingressUrls), ["http://198.51.100.9:80", "https://198.51.100.9:443"]);
    assert.equal(await output(p.endpoint), "https://198.51.100.5:6443");

    const tags = { team: "shop", environment: "test", costCenter: "42", "managed-by": "platform-package", "platform-cluster": "shop" };
    const mine = await registeredWith("shop", 8);
    assert.deepEqual(mine.map((r) => r.name).sort(), ["shop", "shop", "shop-http", "shop-http", "shop-https", "shop-https", "shop-ingress", "shop-net"]);
    assert.equal(registered.filter((r) => r.type === "platform:index:PlatformCluster").length, 1);
    const net = dynamicInputs("shop-net");
    assert.deepEqual(net, { name: "shop-net", zone: "zone1", gateway: "10.20.0.1", netmask: "255.255.255.0", tags });

    const cluster = registered.find((r) => r.name === "shop" && r.type !== "platform:index:PlatformCluster")!.inputs;
    assert.equal(cluster.network, "shop-net-id");
    assert.equal(cluster.size, 2);
    assert.equal(cluster.kubernetesVersion, "1.32.5");

    assert.deepEqual(dynamicInputs("shop-ingress"), { network: "shop-net-id", tags });
    const rules = registered.filter((r) => r.name === "shop-http").map((r) => r.inputs);
    const lb = rules.find((r) => r.algorithm)!;
    const fw = rules.find((r) => r.cidrList)!;
    assert.equal(lb.publicIpAddressId, "shop-ingress-id");
    assert.equal(lb.publicPort, 80);
    assert.equal(lb.privatePort, 30080);
    assert.equal(lb.openFirewall, false);
    assert.deepEqual(lb.members, ["vm-w1", "vm-w2"]);
    assert.deepEqual(lb.tags, tags);
    assert.deepEqual(
        { ip: fw.ipAddressId, protocol: fw.protocol, port: fw.startPort, cidrs: fw.cidrList, tags: fw.tags },
        {
            ip: "shop-ingress-id",
            protocol: "tcp",
            port: 80,
            cidrs: ["10.0.0.0/8", "192.168.0.0/16"],
            tags,
        },
    );
    const httpsFw = registered.filter((r) => r.name === "shop-https").find((r) => r.inputs.cidrList)!.inputs;
    assert.deepEqual(httpsFw.cidrList, ["10.0.0.0/8", "192.168.0.0/16"]);
});

test("kubeadm: the kubeadm cluster on the same network, its API opened to allowedCidrs", async () => {
    registered.length = 0;
    new PlatformCluster("edge", {
        kind: "kubeadm",
        zone: "zone1",
        kubernetesVersion: "1.32.5",
        serviceOffering: "2C-4GB",
        allowedCidrs: ["203.0.113.0/24"],
        tags: { team: "edge", environment: "test" },
        kubeadm: { template: "ubuntu-22.04", keyPair: "edge-key", sshPrivateKey: pulumi.secret("KEY") },
    });
    await registeredWith("edge-", 6);
    const kubeadm = registered.find((r) => r.type === "mold:index:KubeadmCluster");
    assert.ok(kubeadm, `a KubeadmCluster component (registered: ${registered.map((x) => `${x.type} ${x.name}`).join(", ")})`);
    assert.equal(kubeadm.name, "edge");
    // Its API firewall rule carries allowedCidrs; the ingress rules too.
    const cidrRules = registered.filter((r) => r.name.startsWith("edge") && Array.isArray(r.inputs.cidrList));
    assert.ok(cidrRules.length >= 3, `${cidrRules.length} firewall rules`);
    for (const r of cidrRules) assert.deepEqual(r.inputs.cidrList, ["203.0.113.0/24"], r.name);
    assert.ok(
        cidrRules.some((r) => r.inputs.startPort === 6443),
        "the API's rule",
    );
    assert.equal(registered.find((r) => r.name === "edge-net")!.inputs.gateway, "10.20.0.1");
});

test("bad args: every problem at once, nothing registered", () => {
    registered.length = 0;
    const args = {
        kind: "kubeadm" as const,
        zone: "zone1",
        kubernetesVersion: "1.32.5",
        serviceOffering: "2C-4GB",
        allowedCidrs: ["10.0.0.0/33x"],
        ingress: [
            { name: "Web", port: 80, nodePort: 80 },
            { name: "web2", port: 80, nodePort: 30081 },
        ],
        tags: { team: "", environment: "prod" },
    };
    assert.deepEqual(validateArgs("bad", args), [
        "PlatformCluster bad: allowedCidrs: '10.0.0.0/33x' is not an IPv4 CIDR",
        "PlatformCluster bad: tags.team is required",
        "PlatformCluster bad: ingress 'Web': name takes lowercase letters, digits and '-'",
        "PlatformCluster bad: ingress 'Web': nodePort 80 is outside Kubernetes' NodePort range 30000-32767",
        "PlatformCluster bad: ingress 'web2': port 80 is used twice",
        'PlatformCluster bad: kind "kubeadm" needs kubeadm: { template, keyPair, sshPrivateKey }',
    ]);
    assert.throws(() => new PlatformCluster("bad", args), /tags\.team is required/);
    assert.deepEqual(
        registered.filter((r) => r.type !== "platform:index:PlatformCluster").map((r) => r.name),
        [],
    );
});
