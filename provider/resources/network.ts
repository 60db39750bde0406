// mold:index:Network — an isolated guest network, or a tier of a VPC (`vpc`). Name, display text, offering and
// network domain change in place (updateNetwork), a tier's ACL list too (replaceNetworkACLList); zone, VPC,
// gateway and netmask (the CIDR) replace it. A tier's CIDR is checked at preview against the VPC's CIDR and the
// other tiers: from Mold when the VPC exists, else from what the SDK passes (vpcCidr, vpcTiers).
import { findNetworkOffering, findZone, listNetworkOfferings, NetworkOffering } from "../client/catalog";
import { createNetwork, deleteNetwork, getNetwork, listNetworks, Network, updateNetwork } from "../client/network";
import { getNetworkAclList, listNetworkAclLists, NetworkAclList, replaceNetworkAclList } from "../client/network-acl";
import { pickOne } from "../client/catalog";
import { findVpc, Vpc } from "../client/vpc";
import { tierCidr, tierProblem } from "../net/vpc-cidr";
import { lookupFailures } from "./check-names";
import { networkSchema } from "../generated/schema";
import type { NetworkInputs, NetworkOutputs } from "../generated/types";
import type { HookContext, Reported, ResourceDefinition } from "../runtime/hooks";
import { currentTags } from "../runtime/tags";
import { Validator } from "../runtime/validate";
import { isOwned } from "../runtime/tags";
import { namesInMold } from "./check-names";
import { createTagged } from "../runtime/common";
import { changeIdempotent } from "../runtime/reconcile";
import { convergeTags, current, deleteOwned, ObjectKind, ownedForChange } from "../runtime/steps";

/** A label of a network domain, as Mold's createNetwork/updateNetwork check it. */
const DOMAIN_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

const NETWORK: ObjectKind<Network> = { what: "network", tagType: "Network", get: getNetwork };

function outputsOf(n: Network): Reported<NetworkInputs, NetworkOutputs> {
    return {
        name: n.name,
        displayText: n.displaytext,
        networkId: n.id,
        cidr: n.cidr ?? "",
        gateway: n.gateway ?? "",
        netmask: n.netmask ?? "",
        // No `state`: Mold moves it on its own (Allocated → Implemented when the first VM starts, Shutdown when
        // the network is garbage-collected), so create and a later read would never agree and every refresh
        // would report the network changed.
        type: n.type,
        zoneId: n.zoneid,
        zoneName: n.zonename ?? "",
        networkOfferingId: n.networkofferingid,
        networkOfferingName: n.networkofferingname ?? "",
        networkDomain: n.networkdomain ?? "",
        vpcId: n.vpcid ?? "",
        aclListId: n.aclid ?? "",
        aclListName: n.aclname ?? "",
    };
}

/** An ACL list a tier of this VPC can use, by id or name: the VPC's own or one of Mold's defaults. */
async function findAclList(ctx: HookContext, nameOrId: string, vpcId: string | undefined): Promise<NetworkAclList> {
    const client = ctx.client();
    const byId = await getNetworkAclList(client, nameOrId);
    if (byId) return byId;
    const usable = (await listNetworkAclLists(client)).filter((l) => !l.vpcid || !vpcId || l.vpcid === vpcId);
    return pickOne("network ACL list", nameOrId, usable);
}

/** The VPC's tiers other than this one (same name = this one, before or after a replacement), name → CIDR. */
async function otherTiers(ctx: HookContext, vpc: Vpc, name: unknown): Promise<Record<string, string>> {
    const tiers = await listNetworks(ctx.client(), { vpcid: vpc.id });
    return Object.fromEntries(tiers.filter((t) => t.name !== name && t.cidr).map((t) => [t.name, t.cidr!]));
}

/**
 * The offering Mold itself defaults to: for isolated networks the default one with source NAT, for tiers the
 * default VPC tier offering (offerings serve VPC tiers or isolated networks, never both).
 */
async function defaultIsolatedOffering(ctx: HookContext, tier = false): Promise<NetworkOffering> {
    const offerings = await listNetworkOfferings(ctx.client(), { guestiptype: "Isolated", state: "Enabled", forvpc: tier });
    const withSourceNat = offerings.filter((o) => (o.service ?? []).some((s: { name: string }) => s.name === "SourceNat"));
    const chosen = withSourceNat.find((o) => o.isdefault) ?? withSourceNat[0];
    if (!chosen) throw new Error(`networkOffering is not set and Mold has no enabled ${tier ? "VPC tier" : "isolated network"} offering with source NAT`);
    return chosen;
}

/** A tier: gateway and netmask required, the CIDR inside the VPC's and clear of the other tiers the program declares. */
function checkTier(v: Validator, news: Partial<NetworkInputs>): void {
    if (news.vpc === undefined) {
        if (news.aclList !== undefined) v.fail("aclList", "applies to VPC tiers only: set vpc too");
        return;
    }
    // The VPC's id is unknown at the preview that creates it: the SDK's vpcCidr and vpcTiers still tell.
    if (news.gateway === undefined && news.netmask === undefined) {
        v.fail("gateway", "and netmask are required for a VPC tier (Mold: Gateway/netmask are required when create network for VPC)");
        return;
    }
    const { gateway, netmask, vpcCidr, vpcTiers } = news;
    if (typeof gateway !== "string" || typeof netmask !== "string" || !v.known(gateway) || !v.known(netmask) || !v.known(vpcCidr) || !v.known(vpcTiers)) return;
    if (v.failures.some((f) => f.property === "gateway" || f.property === "netmask")) return;
    const cidr = tierCidr(gateway, netmask);
    const problem = cidr && tierProblem(cidr, typeof vpcCidr === "string" ? vpcCidr : undefined, (vpcTiers as Record<string, string> | undefined) ?? {});
    if (problem) v.fail("gateway", problem);
}

export const network: ResourceDefinition<NetworkInputs, NetworkOutputs> = {
    kind: "Network",
    inputs: networkSchema.inputs,
    replaceOnChanges: networkSchema.replaceOnChanges,
    handles: {
        name: "createNetwork name; update: updateNetwork",
        displayText: "createNetwork displaytext (default: the name); update: updateNetwork",
        zone: "createNetwork zoneid (found by name or id)",
        networkOffering: "createNetwork networkofferingid (default: Mold's isolated one with source NAT); update: updateNetwork",
        gateway: "createNetwork gateway",
        netmask: "createNetwork netmask",
        networkDomain: "createNetwork networkdomain; update: updateNetwork",
        vpc: "createNetwork vpcid (found by name or id)",
        aclList: "createNetwork aclid (found by name or id; default: Mold's default_deny); update: replaceNetworkACLList",
        vpcCidr: "checked at preview only (the tier inside it); never sent",
        vpcTiers: "checked at preview only (no overlap with them); never sent",
        tags: "createTags with the ownership tag; update: createTags/deleteTags",
    },
    computedInputs: ["displayText", "networkOffering", "gateway", "netmask", "networkDomain", "aclList"],
    // vpcCidr and vpcTiers only feed the check: they never make a change (a tier declared later changes them).
    normalize: (props) => ({ ...props, vpcCidr: undefined, vpcTiers: undefined }),

    check(news) {
        const v = new Validator("Network");
        v.string("name", news.name, { required: true });
        v.string("displayText", news.displayText, { text: true });
        v.string("zone", news.zone, { required: true });
        v.string("networkOffering", news.networkOffering);
        v.subnet("gateway", news.gateway, "netmask", news.netmask);
        v.string("networkDomain", news.networkDomain, { maxLength: 190 });
        v.string("vpc", news.vpc);
        v.string("aclList", news.aclList);
        checkTier(v, news);
        if (
            typeof news.networkDomain === "string" &&
            v.known(news.networkDomain) &&
            news.networkDomain.length <= 190 &&
            !news.networkDomain.split(".").every((l) => DOMAIN_LABEL.test(l))
        ) {
            v.fail(
                "networkDomain",
                `'${news.networkDomain}' is not a domain Mold accepts: labels of 1 to 63 letters, digits and hyphens, not starting or ending with a hyphen`,
            );
        }
        v.tags("tags", news.tags);
        return { inputs: news, failures: v.failures };
    },

    async checkInMold(ctx, inputs) {
        const failures = await namesInMold(ctx, "Network", inputs, { zone: "zone", networkOffering: "networkOffering" });
        let vpc: Vpc | undefined;
        failures.push(
            ...(await lookupFailures(ctx, "Network", [
                {
                    property: "vpc",
                    value: inputs.vpc,
                    find: async (c, value) => (vpc = await findVpc(c, value)),
                },
            ])),
        );
        // An existing VPC: its CIDR and its tiers in Mold (read-only), as createNetwork will judge them.
        if (vpc && typeof inputs.gateway === "string" && typeof inputs.netmask === "string") {
            const cidr = tierCidr(inputs.gateway, inputs.netmask);
            const problem = cidr && tierProblem(cidr, vpc.cidr, await otherTiers(ctx, vpc, inputs.name));
            if (problem) failures.push({ property: "gateway", reason: `mold:Network: gateway ${problem} (VPC '${vpc.name}' in Mold)` });
        }
        if (vpc && typeof inputs.aclList === "string" && !failures.length) {
            const vpcId = vpc.id;
            failures.push(
                ...(await lookupFailures(ctx, "Network", [
                    { property: "aclList", value: inputs.aclList, find: (_c, value) => findAclList(ctx, value, vpcId) },
                ])),
            );
        }
        return failures;
    },

    async create(ctx, inputs) {
        const client = ctx.client();
        const zone = await findZone(client, inputs.zone);
        const vpc = inputs.vpc ? await findVpc(client, inputs.vpc) : undefined;
        const offering = inputs.networkOffering ? await findNetworkOffering(client, inputs.networkOffering) : await defaultIsolatedOffering(ctx, !!vpc);
        const acl = vpc && inputs.aclList ? await findAclList(ctx, inputs.aclList, vpc.id) : undefined;
        const create = () =>
            createNetwork(client, {
                name: inputs.name,
                displaytext: inputs.displayText ?? inputs.name,
                zoneid: zone.id,
                networkofferingid: offering.id,
                gateway: inputs.gateway,
                netmask: inputs.netmask,
                networkdomain: inputs.networkDomain,
                vpcid: vpc?.id,
                aclid: acl?.id,
            });
        // After a lost answer: the untagged network of that name in that zone is the one just made.
        const find = async () =>
            (await listNetworks(client, { name: inputs.name, zoneid: zone.id })).filter((n) => n.name === inputs.name && !isOwned(n.tags)).pop();
        return createTagged(client, "Network", inputs, create, outputsOf, find);
    },

    async read(ctx, id, olds) {
        const n = await current(ctx.client(), NETWORK, id);
        if (!n) return undefined;
        const offeringDrifted = n.networkofferingid !== olds.networkOfferingId;
        return {
            outs: outputsOf(n),
            inputs: {
                name: n.name,
                networkOffering: offeringDrifted ? n.networkofferingid : olds.networkOffering,
                // A list replaced out of band shows as its id, so the next up puts the declared one back.
                ...(n.vpcid ? { aclList: n.aclid === olds.aclListId ? olds.aclList : n.aclid } : {}),
                tags: currentTags(olds.tags, n.tags),
            },
        };
    },

    async update(ctx, id, olds, news) {
        const client = ctx.client();
        const now = await ownedForChange(ctx, NETWORK, id, olds);
        const changes: Record<string, string | undefined> = {};
        if (olds.name !== news.name) changes.name = news.name;
        if (news.displayText !== undefined && olds.displayText !== news.displayText) changes.displaytext = news.displayText;
        if (olds.networkDomain !== news.networkDomain && news.networkDomain !== undefined) changes.networkdomain = news.networkDomain;
        if (olds.networkOffering !== news.networkOffering) {
            const offering = news.networkOffering ? await findNetworkOffering(client, news.networkOffering) : await defaultIsolatedOffering(ctx);
            if (offering.id !== now.networkofferingid) changes.networkofferingid = offering.id;
        }
        let updated: Network = now;
        if (Object.keys(changes).length) updated = await changeIdempotent(() => updateNetwork(client, id, changes));
        if (now.vpcid && news.aclList !== undefined && news.aclList !== olds.aclList) {
            const acl = await findAclList(ctx, news.aclList, now.vpcid);
            if (acl.id !== now.aclid) {
                await changeIdempotent(() => replaceNetworkAclList(client, { networkid: id }, acl.id));
                updated = (await getNetwork(client, id)) ?? updated;
            }
        }
        await convergeTags(ctx, NETWORK, id, olds, news);
        return outputsOf(updated);
    },

    delete: (ctx, id, olds) => deleteOwned(ctx, NETWORK, id, olds, (client) => deleteNetwork(client, id)),
};
