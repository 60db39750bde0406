// NetworkAclList and NetworkAclRule hooks against the simulator: what checkInMold refuses at preview (a number
// held by a rule pulumi-mold does not manage, a default list, a list that does not exist), default lists never
// adopted or deleted, the refusal of a list a tier still uses, and the list lookup the VPC tiers use.
import test from "ava";
import { runHook } from "../../provider";
import {
    createNetwork,
    createNetworkAcl,
    createNetworkAclList,
    createVpc,
    findNetworkAclList,
    listNetworkAclLists,
    listNetworkOfferings,
    listVpcOfferings,
    replaceNetworkAclList,
} from "../../provider/client";
import type { HookName } from "../../provider/runtime/hooks";
import { withSimulator } from "../helpers/sim";

async function world(t: { teardown(fn: () => Promise<void>): void }) {
    const s = await withSimulator();
    t.teardown(s.stop);
    const settings = { apiUrl: s.sim.url, apiKey: s.sim.apiKey, secretKey: s.sim.secretKey };
    const hook = (kind: string, name: HookName, ...args: unknown[]) => runHook(kind, name, settings, args) as Promise<any>;
    const zoneid = s.sim.inventory().zones[0].id;
    const offering = (await listVpcOfferings(s.client, {}))[0];
    const vpc = await createVpc(s.client, { name: "vpc1", displaytext: "vpc1", zoneid, vpcofferingid: offering.id, cidr: "10.30.0.0/16" });
    const tierOffering = (await listNetworkOfferings(s.client, { forvpc: true }))[0];
    const tier = () =>
        createNetwork(s.client, { name: "tier1", zoneid, networkofferingid: tierOffering.id, vpcid: vpc.id, gateway: "10.30.1.1", netmask: "255.255.255.0" });
    return { ...s, hook, vpc, tier };
}

const check = (w: Awaited<ReturnType<typeof world>>, inputs: object) => w.hook("NetworkAclRule", "check", {}, { __provider: "p", ...inputs });

test("checkInMold: a number held by a rule pulumi-mold does not manage, a default list, an unknown list", async (t) => {
    const w = await world(t);
    const list = await createNetworkAclList(w.client, { name: "web", vpcid: w.vpc.id });
    const foreign = await createNetworkAcl(w.client, { aclid: list.id, protocol: "tcp", startport: 80, number: 10 });
    const before = { ...w.sim.requestCounts };
    const held = await check(w, { aclList: list.id, number: 10, protocol: "tcp", startPort: 443 });
    t.deepEqual(
        held.failures.map((f: any) => f.property),
        ["number"],
    );
    t.regex(held.failures[0].reason, new RegExp(`10 is already taken in list 'web' by rule ${foreign.id}, which pulumi-mold does not manage`));
    t.deepEqual((await check(w, { aclList: list.id, number: 11, protocol: "tcp", startPort: 443 })).failures, []);
    const deny = (await listNetworkAclLists(w.client, { name: "default_deny" }))[0];
    const onDefault = await check(w, { aclList: deny.id, number: 5, protocol: "all" });
    t.regex(onDefault.failures[0].reason, /is Mold's default list 'default_deny', which cannot be changed/);
    const unknown = await check(w, { aclList: "0b7c2c1e-0000-4000-8000-000000000000", number: 5, protocol: "all" });
    t.regex(unknown.failures[0].reason, /aclList names no network ACL list in Mold/);
    const mutating = Object.keys(w.sim.requestCounts).filter((c) => !/^(list|query)/.test(c) && w.sim.requestCounts[c] !== before[c]);
    t.deepEqual(mutating, [], "preview checks only read");
});

test("a rule pulumi-mold manages does not block its own number; update in place keeps the id", async (t) => {
    const w = await world(t);
    const list = await createNetworkAclList(w.client, { name: "web", vpcid: w.vpc.id });
    const inputs = { aclList: list.id, number: 10, protocol: "tcp", startPort: 443 };
    const made = await w.hook("NetworkAclRule", "create", inputs);
    t.deepEqual((await check(w, inputs)).failures, []);
    const news = { ...inputs, protocol: "all", startPort: undefined, action: "deny", reason: "closed" };
    const outs = await w.hook("NetworkAclRule", "update", made.id, { ...inputs, ...made.outs }, news);
    t.is(outs.outs.ruleId, made.id);
    const item = w.sim.inventory().networkAcls.find((i: any) => i.id === made.id);
    t.like(item, { protocol: "all", action: "Deny", reason: "closed", number: 10 });
    t.is(item._startport, undefined, "the dropped ports are cleared (partialupgrade=false)");
});

test("default lists: read by name, never adopted, never deleted", async (t) => {
    const w = await world(t);
    const read = await w.hook("NetworkAclList", "read", "default_allow", {});
    t.like(read.props, { name: "default_allow", isDefault: true });
    t.is(read.props.vpc, undefined);
    const allow = (await listNetworkAclLists(w.client, { name: "default_allow" }))[0];
    t.is(read.props.listId, allow.id);
    const e = await t.throwsAsync(w.hook("NetworkAclList", "create", { vpc: w.vpc.id, name: "mine", importId: allow.id }));
    t.regex(e!.message, /one of Mold's default lists, which cannot be changed/);
    await w.hook("NetworkAclList", "delete", allow.id, { name: "default_allow" });
    t.is((await listNetworkAclLists(w.client, { name: "default_allow" })).length, 1);
});

test("a list a tier still uses is not deleted: the error says Mold's reason and what to do; name changes in place", async (t) => {
    const w = await world(t);
    const made = await w.hook("NetworkAclList", "create", { vpc: w.vpc.id, name: "db", description: "db tier" });
    const tier = await w.tier();
    await replaceNetworkAclList(w.client, { networkid: tier.id }, made.id);
    const e = await t.throwsAsync(w.hook("NetworkAclList", "delete", made.id, made.outs));
    t.regex(e!.message, /network ACL list 'db' .* was not deleted: ACL is still associated with 1 tier\(s\).*Put its tiers on another list/);
    const renamed = await w.hook(
        "NetworkAclList",
        "update",
        made.id,
        { vpc: w.vpc.id, ...made.outs },
        { vpc: w.vpc.id, name: "database", description: "db tier" },
    );
    t.like(renamed.outs, { name: "database", listId: made.id });
    t.is(w.sim.inventory().networks.find((n: any) => n.id === tier.id).aclname, "database");
});

test("findNetworkAclList: by id, by name in the VPC (defaults included), unknown names list the candidates", async (t) => {
    const w = await world(t);
    const list = await createNetworkAclList(w.client, { name: "web", vpcid: w.vpc.id });
    t.is((await findNetworkAclList(w.client, list.id)).id, list.id);
    t.is((await findNetworkAclList(w.client, "web", w.vpc.id)).id, list.id);
    t.is((await findNetworkAclList(w.client, "default_deny", w.vpc.id)).name, "default_deny");
    const e = await t.throwsAsync(findNetworkAclList(w.client, "nope", w.vpc.id));
    t.regex(e!.message, /no network ACL list 'nope' for VPC .*candidates: .*default_allow.*web/);
    await createNetworkAclList(w.client, { name: "web", vpcid: w.vpc.id });
    await t.throwsAsync(findNetworkAclList(w.client, "web", w.vpc.id), { message: /ambiguous/ });
});

test("lost answers: a list and a rule whose create answers were cut after Mold made them exist once each; a lost delete is confirmed by reading", async (t) => {
    const w = await world(t);
    w.sim.setFaults({ dropRate: 1, dropPhase: "after", limit: 1, commands: ["createNetworkACLList"] });
    const list = await w.hook("NetworkAclList", "create", { vpc: w.vpc.id, name: "web" });
    t.is(w.sim.inventory().networkAclLists.filter((l: any) => l.name === "web").length, 1);
    t.is(list.outs.listId, list.id);
    w.sim.setFaults({ dropRate: 1, dropPhase: "after", limit: 1, commands: ["createNetworkACL"] });
    const inputs = { aclList: list.id, number: 10, protocol: "tcp", startPort: 443, cidrList: ["10.0.0.0/8"] };
    const rule = await w.hook("NetworkAclRule", "create", inputs);
    const items = w.sim.inventory().networkAcls.filter((i: any) => i.aclid === list.id);
    t.deepEqual(
        items.map((i: any) => i.id),
        [rule.id],
        "one item, the one recorded",
    );
    t.true(w.sim.inventory().tags.some((x: any) => x.resourceid === rule.id && x.key === "pulumi-mold:managed-by"));
    w.sim.setFaults({ dropRate: 1, dropPhase: "after", limit: 1, commands: ["deleteNetworkACL"] });
    await w.hook("NetworkAclRule", "delete", rule.id, { ...inputs, ...rule.outs });
    t.is(w.sim.inventory().networkAcls.filter((i: any) => i.aclid === list.id).length, 0);
    t.true(Object.values(w.sim.simulator.faults.injected).reduce((a: number, b) => a + (b as number), 0) >= 3, "the faults were injected");
});
