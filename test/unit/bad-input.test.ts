// Bad input is refused at check, naming the property, with zero API calls: every hook runs here with
// no Mold settings at all, so a check that tried to reach Mold would fail with a configuration error
// instead of the expected message. One row per case; each resource's rows in its own block.
import test from "ava";
import { runHook } from "../../provider";
import { CP, EGRESS, K8S, LB, NG, PF, Row, VM } from "./bad-input/common";
import { CLUSTER_ROWS } from "./bad-input/cluster-rows";
import { CSI_ROWS } from "./bad-input/csi-rows";
import { LIMIT_ROWS } from "./bad-input/limit-rows";
import { NAT_ROWS } from "./bad-input/nat-rows";
import { NETWORKING_ROWS } from "./bad-input/networking-rows";
import { NETWORK_ACL_ROWS } from "./bad-input/network-acl-rows";
import { REPAIR_ROWS } from "./bad-input/repair-rows";
import { SPREAD_ROWS } from "./bad-input/spread-rows";
import { UPGRADE_ROWS } from "./bad-input/upgrade-rows";
import { VOLUME_ROWS } from "./bad-input/volume-rows";
import { VPC_ROWS } from "./bad-input/vpc-rows";

const ROWS: Row[] = [
    ...NETWORKING_ROWS,
    ...CLUSTER_ROWS,
    ...LIMIT_ROWS,
    ...REPAIR_ROWS,
    ...UPGRADE_ROWS,
    ...SPREAD_ROWS,
    ...VOLUME_ROWS,
    ...CSI_ROWS,
    ...NETWORK_ACL_ROWS,
    ...VPC_ROWS,
    ...NAT_ROWS,
];

for (const row of ROWS) {
    test(`${row.kind}: ${row.case}`, async (t) => {
        const result = await runHook(row.kind, "check", undefined, [row.olds ?? {}, { __provider: "p", ...row.inputs }]);
        const failure = result.failures.find((f: { property: string }) => f.property === row.property);
        t.truthy(failure, `no failure for ${row.property}; got ${JSON.stringify(result.failures)}`);
        t.regex(failure!.reason, row.message);
        t.regex(failure!.reason, new RegExp(`^mold:${row.kind}: `), "the message names the resource");
    });
}

test("NodeGroup: every problem at once, and valid groups pass", async (t) => {
    const bad = await runHook("NodeGroup", "check", undefined, [
        {},
        { __provider: "p", ...CP, count: 2, cni: "weave", podCidr: "10.96.0.0/16", labels: { "a b": "x" }, taints: [{ key: "k", effect: "Never" }] },
    ]);
    t.deepEqual(bad.failures.map((f: { property: string }) => f.property).sort(), ["cni", "count", "labels.a b", "podCidr", "taints[0].effect"]);
    for (const inputs of [NG, CP]) {
        const ok = await runHook("NodeGroup", "check", undefined, [{}, { __provider: "p", ...inputs }]);
        t.deepEqual(ok.failures, [], JSON.stringify(ok.failures));
    }
    const ok = await runHook("NodeGroup", "check", undefined, [{}, { __provider: "p", ...CP }]);
    t.is(ok.inputs.podCidr, "10.244.0.0/16");
    t.is(ok.inputs.cni, "flannel");
});

/**
 * The one whitespace rule: a name, a reference to one (zone, offering, network…) or a CIDR with leading or
 * trailing whitespace is refused, naming the property, in every resource that takes one.
 */
const WHITESPACE: [kind: string, valid: Record<string, unknown>, property: string][] = [
    ["Network", { name: "n", zone: "zone1" }, "name"],
    ["Network", { name: "n", zone: "zone1" }, "zone"],
    ["Network", { name: "n", zone: "zone1" }, "networkOffering"],
    ["Network", { name: "n", zone: "zone1", netmask: "255.255.255.0" }, "gateway"],
    ["PublicIpAddress", { network: "net" }, "network"],
    ["PublicIpAddress", { zone: "zone1" }, "zone"],
    ["FirewallRule", { ipAddressId: "ip", protocol: "tcp", startPort: 22 }, "ipAddressId"],
    ["FirewallRule", { ipAddressId: "ip", protocol: "tcp", startPort: 22 }, "cidrList[0]"],
    ["EgressFirewallRule", EGRESS, "network"],
    ["EgressFirewallRule", EGRESS, "cidrList[0]"],
    ["EgressFirewallRule", EGRESS, "destCidrList[0]"],
    ["PortForwardingRule", PF, "virtualMachine"],
    ["PortForwardingRule", PF, "vmGuestIp"],
    ["PortForwardingRule", PF, "cidrList[0]"],
    ["LoadBalancerRule", LB, "name"],
    ["LoadBalancerRule", LB, "publicIpAddressId"],
    ["LoadBalancerRule", LB, "cidrList[0]"],
    ["VirtualMachine", VM, "name"],
    ["VirtualMachine", VM, "zone"],
    ["VirtualMachine", VM, "template"],
    ["VirtualMachine", VM, "serviceOffering"],
    ["VirtualMachine", VM, "networks[0]"],
    ["VirtualMachine", VM, "keyPair"],
    ["VirtualMachine", VM, "affinityGroups[0]"],
    ["SshKeyPair", { name: "k" }, "name"],
    ["KubernetesCluster", K8S, "zone"],
    ["KubernetesCluster", K8S, "serviceOffering"],
    ["KubernetesCluster", K8S, "network"],
    ["KubernetesCluster", K8S, "keyPair"],
    ["NodeGroup", CP, "zone"],
    ["NodeGroup", CP, "network"],
    ["NodeGroup", CP, "template"],
    ["NodeGroup", CP, "serviceOffering"],
    ["NodeGroup", CP, "keyPair"],
    ["NodeGroup", CP, "podCidr"],
    ["NodeGroup", CP, "serviceCidr"],
    ["NodeGroup", CP, "networkCidr"],
    ["NodeGroup", CP, "sshCidrs[0]"],
    ["ExternalKubernetesCluster", { name: "ha", zone: "zone1", network: "net" }, "name"],
    ["ExternalKubernetesCluster", { name: "ha", zone: "zone1", network: "net" }, "network"],
];

/** Puts a value with stray whitespace at `property` ("cidrList[0]" makes a one-element list). */
function spoil(valid: Record<string, unknown>, property: string): Record<string, unknown> {
    const m = /^(\w+)\[0\]$/.exec(property);
    const cidr = /cidr/i.test(property);
    const ip = property === "gateway" || property === "vmGuestIp";
    const value = cidr ? " 10.0.0.0/8" : ip ? "10.1.1.1 " : "name ";
    return m ? { ...valid, [m[1]]: [value] } : { ...valid, [property]: value };
}

for (const [kind, valid, property] of WHITESPACE) {
    test(`${kind}: stray whitespace in ${property} is refused`, async (t) => {
        const result = await runHook(kind, "check", undefined, [{}, { __provider: "p", ...spoil(valid, property) }]);
        const failure = result.failures.find((f: { property: string }) => f.property === property);
        t.truthy(failure, `no failure for ${property}; got ${JSON.stringify(result.failures)}`);
        t.regex(failure!.reason, new RegExp(`^mold:${kind}: ${property.replace(/[[\]]/g, "\\$&")} has leading or trailing whitespace`));
    });
}

test("Network: every problem at once, each naming its property", async (t) => {
    const result = await runHook("Network", "check", undefined, [
        {},
        {
            __provider: "p",
            name: "n".repeat(256),
            zone: " zone1",
            gateway: "10.1.1.0",
            netmask: "255.255.255.0",
            displayText: "d".repeat(300),
            tags: { team: "t".repeat(256) },
        },
    ]);
    t.deepEqual(result.failures.map((f: { property: string }) => f.property).sort(), ["displayText", "gateway", "name", "tags.team", "zone"]);
});

test("VirtualMachine: user data up to the limit passes, and userDataMaxLength raises it", async (t) => {
    const atLimit = await runHook("VirtualMachine", "check", undefined, [{}, { __provider: "p", ...VM, userData: "x".repeat(24_576) }]);
    t.deepEqual(atLimit.failures, [], "32768 base64 characters is Mold's default maximum, inclusive");
    const raised = await runHook("VirtualMachine", "check", undefined, [
        {},
        { __provider: "p", ...VM, userData: "x".repeat(40_000), userDataMaxLength: 65_536 },
    ]);
    t.deepEqual(raised.failures, []);
});

test("all problems are reported at once", async (t) => {
    const result = await runHook("FirewallRule", "check", undefined, [{}, { __provider: "p", protocol: "sctp", startPort: 0, cidrList: ["x"] }]);
    t.deepEqual(result.failures.map((f: { property: string }) => f.property).sort(), ["cidrList[0]", "ipAddressId", "protocol", "startPort"]);
});
