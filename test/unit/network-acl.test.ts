// The simulator's network ACL lists and items through the client (provider/client/network-acl.ts ↔
// simulator/handlers/network-acl.ts): Mold's default lists, numbering, its refusal texts, partial and full
// updates, and a tier's list.
import test, { ExecutionContext } from "ava";
import {
    createNetwork,
    createNetworkAcl,
    createNetworkAclList,
    deleteNetworkAcl,
    deleteNetworkAclList,
    getNetworkAcl,
    listNetworkAclLists,
    listNetworkAcls,
    createVpc,
    listNetworkOfferings,
    listVpcOfferings,
    MoldJobError,
    replaceNetworkAclList,
    updateNetworkAclItem,
    updateNetworkAclList,
} from "../../provider/client";
import { apiError, inWorld, NetworkWorld } from "../helpers/network-world";

/** A VPC made through the API, and a tier of it (a network inside its CIDR); each call gives the next /24. */
let tiers = 0;
async function vpcWithTier(w: NetworkWorld): Promise<{ vpcId: string; tierId: string }> {
    const n = ++tiers;
    const offering = (await listVpcOfferings(w.client, {}))[0];
    const vpc = await createVpc(w.client, { name: `vpc${n}`, displaytext: "vpc", zoneid: w.zoneId, vpcofferingid: offering.id, cidr: `10.${100 + n}.0.0/16` });
    const tierOffering = (await listNetworkOfferings(w.client, { forvpc: true }))[0];
    const tier = await createNetwork(w.client, {
        name: `tier${n}`,
        zoneid: w.zoneId,
        networkofferingid: tierOffering.id,
        vpcid: vpc.id,
        gateway: `10.${100 + n}.1.1`,
        netmask: "255.255.255.0",
    });
    return { vpcId: vpc.id, tierId: tier.id };
}

async function jobError(t: ExecutionContext, p: Promise<unknown>, code: number, text: string | RegExp): Promise<void> {
    const e = await t.throwsAsync(p);
    t.true(e instanceof MoldJobError, String(e));
    if (typeof text === "string") t.is((e as MoldJobError).errortext, text);
    else t.regex((e as MoldJobError).errortext, text);
    t.is((e as MoldJobError).errorcode, code);
}

test(
    "default_allow and default_deny are seeded with one ingress and one egress rule each, and listed with every VPC's lists",
    inWorld(async (t, w) => {
        const { vpcId } = await vpcWithTier(w);
        const own = await createNetworkAclList(w.client, { name: "web", vpcid: vpcId, description: "web tier" });
        t.like(own, { name: "web", description: "web tier", vpcid: vpcId, fordisplay: true });
        t.regex(String(own.vpcname), /^vpc\d+$/);
        const lists = await listNetworkAclLists(w.client, { vpcid: vpcId });
        t.deepEqual(lists.map((l) => l.name).sort(), ["default_allow", "default_deny", "web"]);
        const allow = lists.find((l) => l.name === "default_allow")!;
        t.is(allow.vpcid, undefined);
        const items = await listNetworkAcls(w.client, { aclid: allow.id });
        t.deepEqual(
            items.map((i) => [i.number, i.action, i.traffictype, i.protocol, i.cidrlist]),
            [
                [1, "Allow", "Ingress", "all", "0.0.0.0/0"],
                [2, "Allow", "Egress", "all", "0.0.0.0/0"],
            ],
        );
        t.deepEqual((await listNetworkAclLists(w.client, { name: "default_deny" })).length, 1);
    }),
);

test(
    "items: string ports, numbering (next after the highest), duplicate numbers refused with Mold's text and nothing stored",
    inWorld(async (t, w) => {
        const { vpcId } = await vpcWithTier(w);
        const list = await createNetworkAclList(w.client, { name: "web", vpcid: vpcId });
        const r = await w.client.callAsync<any>("createNetworkACL", { aclid: list.id, protocol: "TCP", startport: 80, number: 10, cidrlist: ["10.0.0.0/8"] });
        t.is(r.job.cmd, "org.apache.cloudstack.api.command.user.network.CreateNetworkACLCmd");
        t.deepEqual(r.result.networkacl, {
            id: r.id,
            protocol: "TCP",
            startport: "80",
            endport: "80",
            traffictype: "Ingress",
            state: "Active",
            cidrlist: "10.0.0.0/8",
            tags: [],
            aclid: list.id,
            aclname: "web",
            number: 10,
            action: "Allow",
            fordisplay: true,
        });
        const icmp = await createNetworkAcl(w.client, { aclid: list.id, protocol: "1", action: "DENY", traffictype: "egress" });
        t.like(icmp, { number: 11, protocol: "icmp", icmptype: -1, icmpcode: -1, action: "Deny", traffictype: "Egress", cidrlist: "0.0.0.0/0" });
        await apiError(
            t,
            createNetworkAcl(w.client, { aclid: list.id, protocol: "udp", startport: 53, number: 10 }),
            431,
            4350,
            `ACL item with number 10 already exists in ACL: ${list.id}`,
        );
        await apiError(
            t,
            createNetworkAcl(w.client, { aclid: list.id, protocol: "tcp", icmptype: 8 }),
            431,
            4350,
            "Can specify icmpCode and icmpType for ICMP protocol only",
        );
        await apiError(
            t,
            createNetworkAcl(w.client, { aclid: list.id, protocol: "icmp", startport: 1 }),
            431,
            4350,
            "Can't specify start/end port when protocol is ICMP",
        );
        await apiError(t, createNetworkAcl(w.client, { aclid: list.id, protocol: "gre" }), 431, 4350, "Invalid protocol: gre");
        await apiError(t, createNetworkAcl(w.client, { aclid: list.id, protocol: "300" }), 431, 4350, "Invalid protocol number: 300");
        await apiError(
            t,
            createNetworkAcl(w.client, { aclid: list.id, protocol: "tcp", action: "drop" }),
            431,
            4350,
            "Invalid action. Allowed actions are Allow and Deny",
        );
        await apiError(t, createNetworkAcl(w.client, { aclid: list.id, protocol: "tcp", traffictype: "both" }), 431, 4350, "Invalid traffic type both");
        await apiError(
            t,
            createNetworkAcl(w.client, { aclid: list.id, protocol: "tcp", startport: 90, endport: 80 }),
            431,
            4350,
            "Start port can't be bigger than end port",
        );
        await apiError(
            t,
            createNetworkAcl(w.client, { aclid: list.id, protocol: "tcp", cidrlist: ["10.0.0.0/33"] }),
            431,
            9999,
            "Source cidrs formatting error 10.0.0.0/33",
        );
        t.is((await listNetworkAcls(w.client, { aclid: list.id })).length, 2);
    }),
);

test(
    "default lists: no item added, changed or deleted, the list neither updated nor deleted",
    inWorld(async (t, w) => {
        const deny = (await listNetworkAclLists(w.client, { name: "default_deny" }))[0];
        const item = (await listNetworkAcls(w.client, { aclid: deny.id }))[0];
        await apiError(t, createNetworkAcl(w.client, { aclid: deny.id, protocol: "tcp", startport: 22 }), 431, 4350, "Default ACL cannot be modified");
        await jobError(t, updateNetworkAclItem(w.client, item.id, { cidrlist: ["10.0.0.0/8"] }), 431, "Default ACL cannot be modified");
        await jobError(t, deleteNetworkAcl(w.client, item.id), 431, "ACL Items in default ACL cannot be deleted");
        await jobError(t, updateNetworkAclList(w.client, deny.id, { name: "mine" }), 431, "Default ACL cannot be modified");
        await jobError(t, deleteNetworkAclList(w.client, deny.id), 431, "Default ACL cannot be removed");
        t.like(await getNetworkAcl(w.client, item.id), { state: "Active", cidrlist: "0.0.0.0/0", action: "Deny" });
        t.is((await listNetworkAclLists(w.client, { name: "default_deny" })).length, 1);
    }),
);

test(
    "updateNetworkACLItem: partial by default, full with partialupgrade=false (ports and ICMP fields cleared); numbers stay unique",
    inWorld(async (t, w) => {
        const { vpcId } = await vpcWithTier(w);
        const list = await createNetworkAclList(w.client, { name: "app", vpcid: vpcId });
        const a = await createNetworkAcl(w.client, { aclid: list.id, protocol: "tcp", startport: 22, number: 10, cidrlist: ["10.0.0.0/8"] });
        await createNetworkAcl(w.client, { aclid: list.id, protocol: "tcp", startport: 443, number: 20 });
        const partial = await updateNetworkAclItem(w.client, a.id, { cidrlist: ["192.168.0.0/16", "10.0.0.0/8"] });
        t.like(partial, { id: a.id, startport: "22", endport: "22", cidrlist: "192.168.0.0/16,10.0.0.0/8", number: 10, state: "Active" });
        const full = await updateNetworkAclItem(w.client, a.id, { partialupgrade: false, protocol: "all", number: 15, action: "deny", traffictype: "ingress" });
        t.like(full, { protocol: "all", number: 15, action: "Deny", cidrlist: "0.0.0.0/0" });
        t.is(full.startport, undefined);
        await jobError(t, updateNetworkAclItem(w.client, a.id, { number: 20 }), 431, `ACL item with number 20 already exists in ACL: ${list.id}`);
        t.is((await getNetworkAcl(w.client, a.id))!.number, 15);
        await deleteNetworkAcl(w.client, a.id);
        t.is(await getNetworkAcl(w.client, a.id), undefined);
    }),
);

test(
    "replaceNetworkACLList puts a tier on a list of its VPC or a default one; a list in use is not deleted",
    inWorld(async (t, w) => {
        const { vpcId, tierId } = await vpcWithTier(w);
        const list = await createNetworkAclList(w.client, { name: "db", vpcid: vpcId });
        await replaceNetworkAclList(w.client, { networkid: tierId }, list.id);
        const tier = w.sim.inventory().networks.find((n: any) => n.id === tierId);
        t.like(tier, { aclid: list.id, aclname: "db" });
        t.deepEqual(
            (await listNetworkAclLists(w.client, { networkid: tierId })).map((l) => l.id),
            [list.id],
        );
        await jobError(t, deleteNetworkAclList(w.client, list.id), 530, `ACL is still associated with 1 tier(s). Cannot delete network ACL: ${list.id}`);
        const allow = (await listNetworkAclLists(w.client, { name: "default_allow" }))[0];
        await replaceNetworkAclList(w.client, { networkid: tierId }, allow.id);
        await createNetworkAcl(w.client, { aclid: list.id, protocol: "tcp", startport: 5432 });
        await deleteNetworkAclList(w.client, list.id);
        t.deepEqual(await listNetworkAclLists(w.client, { vpcid: vpcId }).then((ls) => ls.map((l) => l.name).sort()), ["default_allow", "default_deny"]);
        t.false(w.sim.inventory().networkAcls.some((i: any) => i.aclid === list.id));
        const plain = await w.newNetwork();
        await jobError(t, replaceNetworkAclList(w.client, { networkid: plain.id }, allow.id), 431, `Network is not part of a VPC: ${plain.id}`);
        const other = await vpcWithTier(w);
        const foreign = await createNetworkAclList(w.client, { name: "x", vpcid: other.vpcId });
        await jobError(t, replaceNetworkAclList(w.client, { networkid: tierId }, foreign.id), 431, /do not belong to the same VPC/);
    }),
);
