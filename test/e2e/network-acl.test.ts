// NetworkAclList and NetworkAclRule through the real dynamic-provider host, against one simulator: create →
// no-op up (zero state-changing calls, also with equivalent spellings) → insert a rule in the middle (only that
// rule is created) → CIDRs, action and the list's name changed in place → duplicate numbers refused at preview
// with zero calls → refresh after an out-of-band delete → destroy leaves only Mold's default lists.
import test from "ava";
import { createVpc, deleteNetworkAcl, listVpcOfferings } from "../../provider/client";
import { mutatingSince } from "../helpers/engine";
import { programWorld } from "../helpers/program-world";

const WEB = { name: "https", number: 10, protocol: "tcp", startPort: 443 };
const SSH = { name: "ssh", number: 20, protocol: "tcp", startPort: 22, cidrList: ["10.0.0.0/8"] };
const DENY = { name: "deny-rest", number: 30, protocol: "all", action: "deny", reason: "everything else" };
const rules = (...r: object[]) => `rules=${JSON.stringify(r)}`;

test("network ACL: up → no-op → respelled no-op → insert in the middle → in place → duplicate refused → out-of-band delete + refresh → destroy", async (t) => {
    const w = await programWorld(t, "network-acl");
    const inv = () => w.sim.inventory();
    const items = (aclId: string) =>
        inv()
            .networkAcls.filter((i: any) => i.aclid === aclId)
            .sort((a: any, b: any) => a.number - b.number);
    const offering = (await listVpcOfferings(w.client, {}))[0];
    const vpc = await createVpc(w.client, { name: "vpc1", displaytext: "vpc1", zoneid: inv().zones[0].id, vpcofferingid: offering.id, cidr: "10.20.0.0/16" });
    const vpcId = `vpcId=${vpc.id}`;
    // Every run has the tier on the list; the config pair is passed as one string after vpcId.
    const withTier = "withTier=true";

    // ---- create: the list and three rules; default_allow read by name ----
    const first = await w.run("up", vpcId, withTier, rules(WEB, SSH, DENY));
    t.like(first.result!.steps, { create: 5, update: 0, replace: 0, delete: 0 });
    const out = first.result!.outputs;
    const listId: string = out.listId;
    t.like(
        inv().networks.find((n: any) => n.id === out.tierId),
        { vpcid: vpc.id, aclid: listId, aclname: "web" },
        "the tier uses the list",
    );
    t.like(
        inv().networkAclLists.find((l: any) => l.id === listId),
        { name: "web", description: "web tier", vpcid: vpc.id },
    );
    t.deepEqual(
        items(listId).map((i: any) => [i.number, i.action, i.protocol, i._startport ?? null, i._cidrs.join(","), i.state]),
        [
            [10, "Allow", "tcp", 443, "0.0.0.0/0", "Active"],
            [20, "Allow", "tcp", 22, "10.0.0.0/8", "Active"],
            [30, "Deny", "all", null, "0.0.0.0/0", "Active"],
        ],
    );
    const defaultAllow = inv().networkAclLists.find((l: any) => l.name === "default_allow");
    t.is(out.defaultAllowId, defaultAllow.id);
    t.true(out.defaultAllowIsDefault);
    const ids = out.ruleIds as Record<string, string>;
    t.deepEqual(Object.keys(ids).sort(), ["10", "20", "30"]);
    t.true(inv().tags.some((x: any) => x.resourceid === ids["20"] && x.resourcetype === "NetworkACL" && x.key === "pulumi-mold:managed-by"));

    // ---- the same program, then equivalent spellings: not one state-changing call ----
    let before = { ...w.sim.requestCounts };
    t.like((await w.run("up", vpcId, withTier, rules(WEB, SSH, DENY))).result!.steps, { create: 0, update: 0, replace: 0, delete: 0 });
    const respelled = [
        { ...WEB, endPort: 443, action: "ALLOW", trafficType: "Ingress", cidrList: ["0.0.0.0/0"], protocol: "TCP" },
        { ...SSH, cidrList: ["10.1.2.3/8"] },
        { ...DENY, action: "Deny" },
    ];
    t.like((await w.run("up", vpcId, withTier, rules(...respelled))).result!.steps, { create: 0, update: 0, replace: 0, delete: 0 });
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), {});

    // ---- insert a rule between 10 and 20: only that rule is created, the others keep their ids ----
    const ICMP = { name: "ping", number: 15, protocol: "icmp", icmpType: 8, cidrList: ["192.168.0.0/16"] };
    before = { ...w.sim.requestCounts };
    const inserted = await w.run("up", vpcId, withTier, rules(WEB, ICMP, SSH, DENY));
    t.like(inserted.result!.steps, { create: 1, update: 0, replace: 0, delete: 0 });
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), { createNetworkACL: 1, createTags: 1 });
    const ids2 = inserted.result!.outputs.ruleIds as Record<string, string>;
    for (const n of ["10", "20", "30"]) t.is(ids2[n], ids[n], `rule ${n} kept its id`);
    t.deepEqual(
        items(listId).map((i: any) => [i.number, i.protocol, i.icmptype ?? null]),
        [
            [10, "tcp", null],
            [15, "icmp", 8],
            [20, "tcp", null],
            [30, "all", null],
        ],
    );

    // ---- CIDRs and action of rule 20 and the list's name change in place ----
    before = { ...w.sim.requestCounts };
    const SSH2 = { ...SSH, cidrList: ["10.0.0.0/8", "172.16.0.0/12"], action: "deny" };
    const changed = await w.run("up", vpcId, withTier, "listName=web-tier", rules(WEB, ICMP, SSH2, DENY));
    t.like(changed.result!.steps, { create: 0, update: 2, replace: 0, delete: 0 });
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), { updateNetworkACLItem: 1, updateNetworkACLList: 1 });
    t.like(
        inv().networkAcls.find((i: any) => i.id === ids["20"]),
        { number: 20, action: "Deny", _cidrs: ["10.0.0.0/8", "172.16.0.0/12"], _startport: 22 },
    );
    t.is(inv().networkAclLists.find((l: any) => l.id === listId).name, "web-tier");
    t.is(inv().networks.find((n: any) => n.id === out.tierId).aclname, "web-tier", "the tier shows the list's new name");

    // ---- two rules with one number in the list: refused at preview, nothing sent ----
    before = { ...w.sim.requestCounts };
    const dup = await w.exec(
        "preview",
        vpcId,
        withTier,
        "listName=web-tier",
        rules(WEB, ICMP, SSH2, DENY, { name: "dns", number: 20, protocol: "udp", startPort: 53 }),
    );
    t.not(dup.code, 0);
    t.regex(dup.stderr, /'dns': number 20 is already used by rule 'ssh' in the same list/);
    const belowOne = await w.exec("preview", vpcId, withTier, "listName=web-tier", rules(WEB, { name: "zero", number: 0, protocol: "tcp", startPort: 80 }));
    t.not(belowOne.code, 0);
    t.regex(belowOne.stderr, /mold:NetworkAclRule: number must be a rule number/);
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), {});

    // ---- a rule deleted out of band: refresh drops it, the next up creates it again (and only it) ----
    await deleteNetworkAcl(w.client, ids2["15"]);
    const refreshed = await w.run("refresh", vpcId, withTier, "listName=web-tier", rules(WEB, ICMP, SSH2, DENY));
    // The only refreshed change: the tier's aclListName output, stale since the list's rename (Network's output,
    // which its update does not rewrite when only the list's name changed). No rule or list drifts.
    const drifted = refreshed.stderr.split("\n").filter((l: string) => l.startsWith("refresh:"));
    t.deepEqual(drifted, [`refresh: urn:pulumi:dev::network-acl::pulumi:pulumi:Stack$pulumi-nodejs:dynamic/mold:Network::tier changed aclListName`]);
    t.like(refreshed.result!.steps, { update: 1, replace: 0 });
    t.false(
        w.state().resources.some((r: any) => String(r.urn).endsWith("::ping")),
        "refresh dropped the deleted rule from the state",
    );
    before = { ...w.sim.requestCounts };
    const again = await w.run("up", vpcId, withTier, "listName=web-tier", rules(WEB, ICMP, SSH2, DENY));
    t.like(again.result!.steps, { create: 1, update: 0, replace: 0, delete: 0 });
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), { createNetworkACL: 1, createTags: 1 });
    t.is(items(listId).length, 4);

    // ---- destroy: the tier goes before its list; nothing left but Mold's default lists and their rules ----
    await w.run("destroy", vpcId, withTier, "listName=web-tier", rules(WEB, ICMP, SSH2, DENY));
    t.deepEqual(
        inv()
            .networkAclLists.map((l: any) => l.name)
            .sort(),
        ["default_allow", "default_deny"],
    );
    t.is(inv().networkAcls.length, 4);
    t.true(inv().networkAcls.every((i: any) => i.aclid !== listId));
    t.false(inv().networks.some((n: any) => n.id === out.tierId));
});
