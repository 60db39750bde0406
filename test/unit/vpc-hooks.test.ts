// The VPC-related diffs: what replaces, what changes in place, and the SDK's check-only inputs that never do.
import test from "ava";
import { diffInputs } from "../../provider/runtime/hooks";
import { RESOURCES } from "../../provider/resources";

const TIER = { __provider: "p", name: "web", zone: "zone1", vpc: "shop", gateway: "10.10.1.1", netmask: "255.255.255.0", aclList: "default_deny" };

test("a tier: the ACL list changes in place, the VPC replaces it; vpcCidr and vpcTiers never make a change", (t) => {
    const net = RESOURCES.Network;
    const olds = { ...TIER, vpcCidr: "10.10.0.0/16", vpcTiers: {} };
    t.false(diffInputs(net, olds, { ...olds }).changes);
    t.false(diffInputs(net, olds, { ...olds, vpcTiers: { app: "10.10.2.0/24" } }).changes, "a tier declared before it changes nothing");
    t.false(diffInputs(net, olds, { ...olds, vpcCidr: undefined, vpcTiers: undefined }).changes, "nor a VPC given by id instead of object");
    const acl = diffInputs(net, olds, { ...olds, aclList: "default_allow" });
    t.true(acl.changes);
    t.deepEqual(acl.replaces, []);
    t.deepEqual(diffInputs(net, olds, { ...olds, vpc: "other" }).replaces, ["vpc"]);
    t.false(diffInputs(net, { ...olds, aclListId: "x" }, { ...olds, aclList: undefined }).changes, "no aclList declared: Mold's default stands");
});

test("a VPC: name and display text in place, CIDR and offering replace; rules and addresses: the tier and the VPC replace", (t) => {
    const vpc = RESOURCES.Vpc;
    const olds = { __provider: "p", name: "shop", zone: "zone1", cidr: "10.10.0.0/16" };
    t.deepEqual(diffInputs(vpc, olds, { ...olds, name: "shop2", displayText: "x" }).replaces, []);
    t.true(diffInputs(vpc, olds, { ...olds, displayText: "x" }).changes);
    t.deepEqual(diffInputs(vpc, olds, { ...olds, cidr: "10.20.0.0/16" }).replaces, ["cidr"]);
    t.deepEqual(diffInputs(vpc, olds, { ...olds, vpcOffering: "Redundant VPC offering" }).replaces, ["vpcOffering"]);
    const pf = { __provider: "p", ipAddressId: "ip", protocol: "tcp", publicPort: 22, privatePort: 22, virtualMachine: "vm", network: "web" };
    t.deepEqual(diffInputs(RESOURCES.PortForwardingRule, pf, { ...pf, network: "db" }).replaces, ["network"]);
    const ip = { __provider: "p", vpc: "shop" };
    t.deepEqual(diffInputs(RESOURCES.PublicIpAddress, ip, { ...ip, vpc: "other" }).replaces, ["vpc"]);
});
