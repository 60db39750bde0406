// ServiceLoadBalancer under Pulumi's mocks: bad input is refused at construction (every problem at once, the
// property named, nothing registered); valid input makes one LoadBalancerRule and one FirewallRule per port with
// the workers as members, for both cluster kinds and for a NodePort Service's ports.
import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { checkPorts } from "../../sdk/service-load-balancer-check";

const registered: { type: string; name: string; inputs: any }[] = [];

test.before(async () => {
    await pulumi.runtime.setMocks({
        newResource: (args) => {
            registered.push({ type: args.type, name: args.name, inputs: args.inputs });
            const state = args.type.endsWith("mold:KubernetesCluster")
                ? {
                      ...args.inputs,
                      networkId: "net-1",
                      ipAddressId: "ip-cks",
                      ipAddress: "192.0.2.10",
                      nodes: [
                          { id: "vm-c", name: "c", role: "control", state: "Running", privateIp: "10.0.0.2" },
                          { id: "vm-w2", name: "w2", role: "worker", state: "Running", privateIp: "10.0.0.4" },
                          { id: "vm-w1", name: "w1", role: "worker", state: "Running", privateIp: "10.0.0.3" },
                      ],
                  }
                : args.type.endsWith("mold:NodeGroup")
                  ? { ...args.inputs, nodes: [], virtualMachineIds: [`${args.name}-vm`], kubeconfig: "k", endpoint: "https://127.0.0.1:6443" }
                  : args.type.endsWith("mold:PublicIpAddress")
                    ? { ...args.inputs, ipAddress: "192.0.2.20" }
                    : args.inputs;
            return { id: `${args.name}-id`, state };
        },
        call: () => ({}),
    });
});

const settle = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
const mold = () => require("../../sdk") as typeof import("../../sdk");

const cks = (name: string) => new (mold().KubernetesCluster)(name, { name, zone: "zone1", kubernetesVersion: "1.32.5", serviceOffering: "2C-4GB", size: 2 });
const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
const kubeadm = (name: string) =>
    new (mold().KubeadmCluster)(name, {
        zone: "zone1",
        network: "net",
        kubernetesVersion: "1.32.5",
        serviceOffering: "2C-4GB",
        template: "ubuntu-22.04",
        keyPair: "k",
        sshPrivateKey: KEY,
        registerInMold: false,
        workerGroups: { web: { count: 2 }, batch: { count: 1 } },
    });

const ROWS: [string, unknown, RegExp][] = [
    ["public port 0", [{ publicPort: 0, nodePort: 30080 }], /^ports\[0\]\.publicPort: must be an integer from 1 to 65535 \(got 0\)$/],
    ["public port above 65535", [{ publicPort: 65536, nodePort: 30080 }], /^ports\[0\]\.publicPort: .*65536/],
    ["NodePort below 30000", [{ publicPort: 80, nodePort: 8080 }], /^ports\[0\]\.nodePort: must be a NodePort from 30000 to 32767 \(got 8080\)$/],
    ["NodePort above 32767", [{ publicPort: 80, nodePort: 32768 }], /^ports\[0\]\.nodePort: .*32768/],
    [
        "duplicate public port",
        [
            { publicPort: 80, nodePort: 30080 },
            { publicPort: 80, nodePort: 30081, protocol: "udp" },
        ],
        /^ports\[1\]\.publicPort: 80 is already published by ports\[0\]$/,
    ],
    ["protocol not tcp/udp", [{ publicPort: 80, nodePort: 30080, protocol: "sctp" }], /^ports\[0\]\.protocol: must be tcp or udp/],
    ["no ports", [], /^ports: give at least one port$/],
];
for (const [what, ports, message] of ROWS) {
    test(`checkPorts: ${what}`, (t) => {
        const { problems } = checkPorts(ports);
        t.is(problems.length, 1, JSON.stringify(problems));
        t.regex(problems[0], message);
    });
}

test("checkPorts: valid ports pass, protocol lower-cased with tcp by default", (t) => {
    const r = checkPorts([
        { publicPort: 80, nodePort: 30000 },
        { publicPort: 53, nodePort: 32767, protocol: "UDP" },
    ]);
    t.deepEqual(r.problems, []);
    t.deepEqual(r.ports, [
        { publicPort: 80, nodePort: 30000, protocol: "tcp" },
        { publicPort: 53, nodePort: 32767, protocol: "udp" },
    ]);
});

test("a cluster that is not a pulumi-mold cluster: refused naming cluster, with every other problem, nothing registered", async (t) => {
    const { ServiceLoadBalancer, LoadBalancerRule } = mold();
    const notACluster = [
        {},
        "my-cluster",
        new LoadBalancerRule("x", { name: "x", algorithm: "roundrobin", publicIpAddressId: "ip", publicPort: 1, privatePort: 1 }),
    ];
    for (const cluster of notACluster) {
        const e = t.throws(() => new ServiceLoadBalancer("bad", { cluster: cluster as any, ports: [{ publicPort: 0, nodePort: 80 }], cidrList: ["everyone"] }));
        t.regex(e!.message, /^mold:ServiceLoadBalancer bad: cluster: must be a pulumi-mold KubernetesCluster or KubeadmCluster \(got /);
        t.regex(e!.message, /ports\[0\]\.publicPort: /);
        t.regex(e!.message, /ports\[0\]\.nodePort: /);
        t.regex(e!.message, /cidrList\[0\]: "everyone" is not an IPv4 CIDR/);
    }
    // Every registration started so far has reached the mocks (the SDK's own wait for its RPC queue).
    const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void> };
    await waitForRPCs();
    t.truthy(
        registered.find((r) => r.name === "x"),
        "the mocks saw the rule made next to it",
    );
    t.deepEqual(
        registered.filter((r) => r.name.startsWith("bad")),
        [],
        "nothing registered by a refused component",
    );
});

test("KubernetesCluster: one rule and one firewall rule per port, the workers as members, a new IP on the cluster's network", async (t) => {
    const { ServiceLoadBalancer } = mold();
    const cluster = cks("c1");
    const slb = new ServiceLoadBalancer("web1", {
        cluster,
        ports: [
            { publicPort: 80, nodePort: 30080 },
            { publicPort: 53, nodePort: 30053, protocol: "udp" },
        ],
        cidrList: ["198.51.100.0/24"],
        tags: { app: "web" },
    });
    t.deepEqual(await settle(slb.memberVmIds), ["vm-w1", "vm-w2"]);
    t.deepEqual(await settle(slb.urls), { "80": "tcp://192.0.2.20:80", "53": "udp://192.0.2.20:53" });
    t.deepEqual(await settle(slb.loadBalancerRuleIds), { "80": "web1-80-id", "53": "web1-53-id" });
    const of = (type: string) => registered.filter((r) => r.type.endsWith(`mold:${type}`) && r.name.startsWith("web1"));
    t.deepEqual(
        of("PublicIpAddress").map((r) => [r.name, r.inputs.network]),
        [["web1", "net-1"]],
    );
    const rules = of("LoadBalancerRule");
    t.deepEqual(rules.map((r) => r.name).sort(), ["web1-53", "web1-80"]);
    for (const r of rules) {
        t.deepEqual(r.inputs.members, ["vm-w1", "vm-w2"]);
        t.is(r.inputs.openFirewall, false);
        t.is(r.inputs.publicIpAddressId, "web1-id");
        t.deepEqual(r.inputs.tags, { app: "web" });
    }
    t.is(rules.find((r) => r.name === "web1-53")!.inputs.protocol, "udp");
    const fws = of("FirewallRule");
    t.deepEqual(fws.map((f) => [f.name, f.inputs.startPort, f.inputs.protocol, f.inputs.cidrList]).sort(), [
        ["web1-53", 53, "udp", ["198.51.100.0/24"]],
        ["web1-80", 80, "tcp", ["198.51.100.0/24"]],
    ]);
});

test("KubernetesCluster: its own IP is used as given (no new IP); nodeGroups is refused", async (t) => {
    const { ServiceLoadBalancer } = mold();
    const cluster = cks("c2");
    const slb = new ServiceLoadBalancer("web2", { cluster, ports: [{ publicPort: 80, nodePort: 30080 }], publicIpAddressId: cluster.ipAddressId });
    t.is(await settle(slb.publicIp), "192.0.2.10");
    t.is(await settle(slb.publicIpAddressId), "ip-cks");
    t.deepEqual(
        registered.filter((r) => r.type.endsWith("mold:PublicIpAddress") && r.name === "web2"),
        [],
    );
    const e = t.throws(() => new ServiceLoadBalancer("web3", { cluster, ports: [{ publicPort: 80, nodePort: 30080 }], nodeGroups: ["workers"] }));
    t.regex(e!.message, /nodeGroups: a KubernetesCluster's workers are one pool/);
});

test("KubeadmCluster: all worker groups by default, or the named ones; an unknown group is refused", async (t) => {
    const { ServiceLoadBalancer } = mold();
    const cluster = kubeadm("k1");
    const all = new ServiceLoadBalancer("all", { cluster, ports: [{ publicPort: 80, nodePort: 30080 }] });
    t.deepEqual(await settle(all.memberVmIds), ["k1-batch-vm", "k1-web-vm"]);
    const web = new ServiceLoadBalancer("web", { cluster, ports: [{ publicPort: 80, nodePort: 30080 }], nodeGroups: ["web"] });
    t.deepEqual(await settle(web.memberVmIds), ["k1-web-vm"]);
    const e = t.throws(() => new ServiceLoadBalancer("bad-groups", { cluster, ports: [{ publicPort: 80, nodePort: 30080 }], nodeGroups: ["web", "gpu"] }));
    t.regex(e!.message, /nodeGroups: "gpu" is not a worker group of the cluster \(web, batch\)/);
});

test("a NodePort Service's ports are published (port → publicPort); ports and service together are refused", async (t) => {
    const { ServiceLoadBalancer } = mold();
    const cluster = cks("c4");
    class FakeService extends pulumi.CustomResource {
        public readonly spec: pulumi.Output<any>;
        constructor(name: string, spec: any) {
            super("kubernetes:core/v1:Service", name, { spec });
            this.spec = pulumi.output(spec);
        }
    }
    const svc = new FakeService("nginx", { type: "NodePort", ports: [{ port: 8080, nodePort: 31000, protocol: "TCP" }] });
    const slb = new ServiceLoadBalancer("svc", { cluster, service: svc });
    t.deepEqual(await settle(slb.loadBalancerRuleIds), { "8080": "svc-8080-id" });
    const rule = registered.find((r) => r.type.endsWith("mold:LoadBalancerRule") && r.name === "svc-8080")!;
    t.is(rule.inputs.privatePort, 31000);
    t.is(rule.inputs.protocol, "tcp");
    const e = t.throws(() => new ServiceLoadBalancer("both", { cluster, service: svc, ports: [{ publicPort: 80, nodePort: 30080 }] }));
    t.regex(e!.message, /ports: give ports or service, not both/);
    const e2 = t.throws(() => new ServiceLoadBalancer("none", { cluster }));
    t.regex(e2!.message, /ports: give ports or a NodePort service/);
});
