// Whether traffic reaches a VM through a VPC address (simulator/records/routing.ts): the tier's ACL list, first
// matching ingress item in number order, implicit deny; a non-VPC address still goes by its firewall rules.
import test from "ava";
import { aclOpens, ingressOpens } from "../../simulator/records/routing";

const item = (id: string, number: number, action: string, protocol: string, start?: number, end?: number) => ({
    id,
    aclid: "L",
    number,
    action,
    traffictype: "Ingress",
    protocol,
    _startport: start,
    _endport: end ?? start,
    state: "Active",
});

function state(items: any[]) {
    return {
        tables: {
            networks: { T1: { id: "T1", vpcid: "V", aclid: "L" }, T2: { id: "T2", vpcid: "V" } },
            networkAcls: Object.fromEntries(items.map((i) => [i.id, i])),
            publicIps: { VIP: { id: "VIP", vpcid: "V", associatednetworkid: "T1" }, IIP: { id: "IIP" } },
            firewallRules: { F: { id: "F", ipaddressid: "IIP", protocol: "tcp", startport: 2222, endport: 2222, state: "Active" } },
        },
    } as any;
}

test("aclOpens: the first matching ingress item decides; no match, no list or an egress-only list deny", (t) => {
    const s = state([item("a", 1, "Allow", "tcp", 22), item("b", 2, "Deny", "all"), item("c", 3, "Allow", "tcp", 6443)]);
    t.true(aclOpens(s, "T1", 22));
    t.false(aclOpens(s, "T1", 6443), "#2 denies everything before #3 is reached");
    t.false(aclOpens(s, "T2", 22), "a tier without a list");
    t.false(aclOpens(s, undefined, 22));
    t.false(aclOpens(state([item("x", 5, "Allow", "udp", 22)]), "T1", 22), "udp does not carry SSH");
    t.true(aclOpens(state([item("y", 5, "Allow", "tcp", 1, 1024)]), "T1", 22));
    t.false(aclOpens(state([{ ...item("z", 1, "Allow", "all"), traffictype: "Egress" }]), "T1", 22));
});

test("ingressOpens: a VPC address by the tier's ACL on the private port, another address by its firewall on the public port", (t) => {
    const s = state([item("a", 1, "Allow", "tcp", 22)]);
    t.true(ingressOpens(s, { ipaddressid: "VIP", networkid: "T1" }, 22000, 22));
    t.false(ingressOpens(s, { ipaddressid: "VIP", networkid: "T1" }, 22000, 2379));
    t.true(ingressOpens(s, { ipaddressid: "IIP" }, 2222, 22));
    t.false(ingressOpens(s, { ipaddressid: "IIP" }, 2223, 22));
});
