// NetworkAclRule's pure logic (canonical form, what update sends) and the SDK's refusal of two rules with one
// number in one list (at preview: while the program is read, before any call).
import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { runHook } from "../../provider";
import { diffInputs } from "../../provider/runtime/hooks";
import { networkAclRule } from "../../provider/resources/network-acl-rule";
import { itemArgs, normalizeRule, ruleInputsInMold } from "../../provider/resources/network-acl-rules";
import { NetworkAclList, NetworkAclRule } from "../../sdk";

test.before(async () => {
    await pulumi.runtime.setMocks({ newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: () => ({}) });
});

const RULE = { aclList: "acl-1", number: 10, protocol: "tcp", startPort: 443, cidrList: ["10.0.0.0/8", "192.168.1.0/24"] };

test("equivalent spellings make no diff: CIDR host bits and order, defaults written out, protocol number 1, upper case", (t) => {
    const olds = { ...RULE, ruleId: "r", state: "Active" };
    const same = [
        { ...RULE, cidrList: ["192.168.1.7/24", "10.1.2.3/8"] },
        { ...RULE, endPort: 443, action: "allow", trafficType: "ingress" },
        { ...RULE, action: "ALLOW", trafficType: "Ingress", protocol: "TCP" },
    ];
    for (const news of same) t.false(diffInputs(networkAclRule, olds, news).changes, JSON.stringify(news));
    const icmp = { aclList: "acl-1", number: 5, protocol: "icmp" };
    t.false(diffInputs(networkAclRule, { ...icmp, icmpType: -1, icmpCode: -1 }, { ...icmp, protocol: "1" }).changes);
    t.false(diffInputs(networkAclRule, { ...RULE, cidrList: undefined }, { ...RULE, cidrList: ["0.0.0.0/0"] }).changes);
    // Real changes are updates in place, the list alone replaces.
    for (const news of [
        { ...RULE, cidrList: ["10.0.0.0/16"] },
        { ...RULE, number: 15 },
        { ...RULE, action: "deny" },
        { ...RULE, startPort: 80 },
    ]) {
        t.deepEqual(diffInputs(networkAclRule, olds, news), { changes: true, replaces: [], deleteBeforeReplace: false }, JSON.stringify(news));
    }
    t.deepEqual(diffInputs(networkAclRule, olds, { ...RULE, aclList: "acl-2" }).replaces, ["aclList"]);
});

test("a listed Mold item reads back as the inputs that made it (string ports, Mold's capitals)", (t) => {
    const listed = {
        id: "r",
        aclid: "acl-1",
        number: 10,
        action: "Allow",
        traffictype: "Ingress",
        protocol: "tcp",
        startport: "443",
        endport: "443",
        cidrlist: "10.0.0.0/8,192.168.1.0/24",
        state: "Active",
        tags: [],
    };
    const json = (o: object) => JSON.parse(JSON.stringify(o));
    t.deepEqual(json(normalizeRule(ruleInputsInMold(listed))), json(normalizeRule(RULE)));
});

test("update sends every attribute (so a dropped one is cleared): ports gone from an all rule, defaults written out", (t) => {
    t.deepEqual(itemArgs({ ...RULE, protocol: "all", startPort: undefined, action: "deny" }), {
        number: 10,
        action: "deny",
        traffictype: "ingress",
        protocol: "all",
        cidrlist: ["10.0.0.0/8", "192.168.1.0/24"],
    });
    t.deepEqual(itemArgs({ aclList: "a", number: 1, protocol: "tcp", startPort: 22, reason: "ssh" }), {
        number: 1,
        action: "allow",
        traffictype: "ingress",
        protocol: "tcp",
        cidrlist: ["0.0.0.0/0"],
        startport: 22,
        endport: 22,
        reason: "ssh",
    });
});

test("valid rules pass check, every problem of a bad one is reported at once", async (t) => {
    for (const inputs of [
        RULE,
        { aclList: "a", number: 1, protocol: "all", action: "deny" },
        { aclList: "a", number: 2, protocol: "icmp", icmpType: 8 },
        { aclList: "a", number: 3, protocol: "50" },
    ]) {
        const ok = await runHook("NetworkAclRule", "check", undefined, [{}, { __provider: "p", ...inputs }]);
        t.deepEqual(ok.failures, [], JSON.stringify(inputs));
    }
    const bad = await runHook("NetworkAclRule", "check", undefined, [
        {},
        { __provider: "p", aclList: "a", number: 0, protocol: "all", startPort: 22, icmpType: 3, action: "drop" },
    ]);
    t.deepEqual(bad.failures.map((f: { property: string }) => f.property).sort(), ["action", "icmpType", "number", "startPort"]);
});

test("the SDK refuses two rules with one number in one list, named by id or by the list's output", (t) => {
    new NetworkAclRule("a", { aclList: "acl-x", number: 10, protocol: "tcp", startPort: 80 });
    new NetworkAclRule("b", { aclList: "acl-x", number: 20, protocol: "tcp", startPort: 443 });
    new NetworkAclRule("c", { aclList: "acl-y", number: 10, protocol: "tcp", startPort: 80 });
    const e = t.throws(() => new NetworkAclRule("d", { aclList: "acl-x", number: 10, protocol: "udp", startPort: 53 }));
    t.regex(e!.message, /'d': number 10 is already used by rule 'a' in the same list/);
    const list = new NetworkAclList("web", { vpc: "vpc-1", name: "web" });
    const other = new NetworkAclList("app", { vpc: "vpc-1", name: "app" });
    new NetworkAclRule("e", { aclList: list.id, number: 10, protocol: "tcp", startPort: 80 });
    new NetworkAclRule("f", { aclList: other.id, number: 10, protocol: "tcp", startPort: 80 });
    t.throws(() => new NetworkAclRule("g", { aclList: list.id, number: 10, protocol: "tcp", startPort: 8080 }), {
        message: /'g': number 10 is already used by rule 'e'/,
    });
});
