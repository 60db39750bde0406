// mold:index:Network — an isolated guest network. Name, display text, offering and network domain
// change in place (updateNetwork); zone, gateway and netmask (the CIDR) replace it.
import { findNetworkOffering, findZone, listNetworkOfferings, NetworkOffering } from "../client/catalog";
import { createNetwork, deleteNetwork, getNetwork, listNetworks, Network, updateNetwork } from "../client/network";
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
    };
}

/** The offering Mold itself defaults to for isolated networks: the default one with source NAT. */
async function defaultIsolatedOffering(ctx: HookContext): Promise<NetworkOffering> {
    const offerings = await listNetworkOfferings(ctx.client(), { guestiptype: "Isolated", state: "Enabled" });
    const withSourceNat = offerings.filter((o) => (o.service ?? []).some((s: { name: string }) => s.name === "SourceNat"));
    const chosen = withSourceNat.find((o) => o.isdefault) ?? withSourceNat[0];
    if (!chosen) throw new Error("networkOffering is not set and Mold has no enabled isolated network offering with source NAT");
    return chosen;
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
        tags: "createTags with the ownership tag; update: createTags/deleteTags",
    },
    computedInputs: ["displayText", "networkOffering", "gateway", "netmask", "networkDomain"],

    check(news) {
        const v = new Validator("Network");
        v.string("name", news.name, { required: true });
        v.string("displayText", news.displayText, { text: true });
        v.string("zone", news.zone, { required: true });
        v.string("networkOffering", news.networkOffering);
        v.subnet("gateway", news.gateway, "netmask", news.netmask);
        v.string("networkDomain", news.networkDomain, { maxLength: 190 });
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

    checkInMold: (ctx, inputs) => namesInMold(ctx, "Network", inputs, { zone: "zone", networkOffering: "networkOffering" }),

    async create(ctx, inputs) {
        const client = ctx.client();
        const zone = await findZone(client, inputs.zone);
        const offering = inputs.networkOffering ? await findNetworkOffering(client, inputs.networkOffering) : await defaultIsolatedOffering(ctx);
        const create = () =>
            createNetwork(client, {
                name: inputs.name,
                displaytext: inputs.displayText ?? inputs.name,
                zoneid: zone.id,
                networkofferingid: offering.id,
                gateway: inputs.gateway,
                netmask: inputs.netmask,
                networkdomain: inputs.networkDomain,
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
        await convergeTags(ctx, NETWORK, id, olds, news);
        return outputsOf(updated);
    },

    delete: (ctx, id, olds) => deleteOwned(ctx, NETWORK, id, olds, (client) => deleteNetwork(client, id)),
};
