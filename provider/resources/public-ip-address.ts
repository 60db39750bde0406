// mold:index:PublicIpAddress — a public address associated to an isolated network, a VPC (or a zone).
// Released on delete; a change of network, zone or requested address replaces it. The first address of an isolated
// network becomes its source NAT, which Mold only releases together with the network.
import { associateIpAddress, disassociateIpAddress, getPublicIpAddress, listPublicIpAddresses, PublicIpAddress } from "../client/address";
import { findZone } from "../client/catalog";
import { isInternalError } from "../client/errors";
import { publicIpAddressSchema } from "../generated/schema";
import type { PublicIpAddressInputs, PublicIpAddressOutputs } from "../generated/types";
import type { Reported, ResourceDefinition } from "../runtime/hooks";
import { currentTags } from "../runtime/tags";
import { Validator } from "../runtime/validate";
import { isOwned } from "../runtime/tags";
import { lookupFailures, namesInMold } from "./check-names";
import { findVpc } from "../client/vpc";
import { createTagged, findNetwork } from "../runtime/common";
import { waitFor } from "../runtime/reconcile";
import { current, deleteOwned, ObjectKind, updateTags } from "../runtime/steps";

/** A released address goes back to Free (through Releasing): Mold keeps its row for the next caller. */
const ADDRESS: ObjectKind<PublicIpAddress> = {
    what: "public IP",
    tagType: "PublicIpAddress",
    get: getPublicIpAddress,
    gone: (ip) => ip.state === "Free" || ip.state === "Releasing",
};

function outputsOf(ip: PublicIpAddress): Reported<PublicIpAddressInputs, PublicIpAddressOutputs> {
    return {
        ipAddress: ip.ipaddress,
        isSourceNat: ip.issourcenat,
        isStaticNat: ip.isstaticnat,
        networkId: ip.associatednetworkid ?? "",
        zoneId: ip.zoneid,
        vpcId: ip.vpcid ?? "",
        state: ip.state,
    };
}

export const publicIpAddress: ResourceDefinition<PublicIpAddressInputs, PublicIpAddressOutputs> = {
    kind: "PublicIpAddress",
    inputs: publicIpAddressSchema.inputs,
    replaceOnChanges: publicIpAddressSchema.replaceOnChanges,
    // Left out, Mold picks the address: the output holds it, and an unset input is no opinion.
    computedInputs: ["ipAddress"],
    // A replacement asking for the address the old one holds (a new network, say) can only get it once released.
    deleteBeforeReplace: (olds, news) => news.ipAddress !== undefined && news.ipAddress === olds.ipAddress,
    handles: {
        network: "associateIpAddress networkid (found by name or id)",
        zone: "associateIpAddress zoneid, without a network",
        vpc: "associateIpAddress vpcid (found by name or id), without a network",
        ipAddress: "associateIpAddress ipaddress",
        tags: "createTags with the ownership tag; update: createTags/deleteTags",
    },

    check(news) {
        const v = new Validator("PublicIpAddress");
        v.string("network", news.network);
        v.string("zone", news.zone);
        v.ipv4("ipAddress", news.ipAddress);
        v.string("vpc", news.vpc);
        if (news.network === undefined && news.zone === undefined && news.vpc === undefined)
            v.fail("network", "or zone is required (or vpc, for an address of a VPC)");
        // Mold ignores networkid when vpcid is given: two answers to "where" would leave one of them unheeded.
        if (news.vpc !== undefined && news.network !== undefined) v.fail("vpc", "and network are exclusive: a VPC's address is tied to a tier by its rules");
        v.tags("tags", news.tags);
        return { inputs: news, failures: v.failures };
    },

    async checkInMold(ctx, inputs) {
        const failures = await namesInMold(ctx, "PublicIpAddress", inputs, { zone: "zone", networks: ["network"] });
        failures.push(...(await lookupFailures(ctx, "PublicIpAddress", [{ property: "vpc", value: inputs.vpc, find: findVpc }])));
        return failures;
    },

    async create(ctx, inputs) {
        const client = ctx.client();
        const network = inputs.network !== undefined ? await findNetwork(client, inputs.network) : undefined;
        const vpc = inputs.vpc !== undefined ? await findVpc(client, inputs.vpc) : undefined;
        const networkid = network?.id;
        const vpcid = vpc?.id;
        const zoneid = network || vpc ? undefined : (await findZone(client, inputs.zone!)).id;
        // After a lost answer: an untagged address allocated since we asked is ours. Mold ties it to the
        // network only when its job ends, so wait while it is Allocating, then check the network.
        const askedAt = Date.now() - 2000;
        const find = () =>
            waitFor(async () => {
                const fresh = (await listPublicIpAddresses(client, { zoneid: network?.zoneid ?? vpc?.zoneid ?? zoneid }))
                    .filter((ip) => !isOwned(ip.tags) && ip.allocated !== undefined && Date.parse(ip.allocated.replace(/(\d\d)(\d\d)$/, "$1:$2")) >= askedAt)
                    .filter((ip) => ip.state === "Allocating" || !networkid || ip.associatednetworkid === networkid)
                    .filter((ip) => ip.state === "Allocating" || !vpcid || ip.vpcid === vpcid)
                    .filter((ip) => inputs.ipAddress === undefined || ip.ipaddress === inputs.ipAddress)
                    // A VPC's new address is tied to no tier yet and is not its source NAT (a tied one is e.g. Mold's Kubernetes service's).
                    .filter((ip) => !vpcid || ip.state === "Allocating" || (!ip.associatednetworkid && !ip.issourcenat));
                // Beside ours, a source NAT that Mold took itself while implementing the network (a VM deployed
                // meanwhile): ours would be the source NAT only if the network had none, and then Mold takes no other.
                const candidates = fresh.length > 1 ? fresh.filter((ip) => !ip.issourcenat) : fresh;
                // Several: another create of this run has not tagged its own yet; guessing could give two resources
                // one address, so wait until only ours is untagged.
                if (candidates.length > 1) return { done: false };
                return { done: !candidates[0] || candidates[0].state !== "Allocating", value: candidates[0] };
            }, 60_000);
        return createTagged(
            client,
            "PublicIpAddress",
            inputs,
            (wait) => associateIpAddress(client, { networkid, vpcid, zoneid, ipaddress: inputs.ipAddress }, wait),
            outputsOf,
            find,
        );
    },

    async read(ctx, id, olds) {
        const ip = await current(ctx.client(), ADDRESS, id);
        if (!ip) return undefined;
        return { outs: outputsOf(ip), inputs: { tags: currentTags(olds.tags, ip.tags) } };
    },

    update: (ctx, id, olds, news) => updateTags(ctx, ADDRESS, id, olds, news, outputsOf),

    async delete(ctx, id, olds) {
        let sourceNat: PublicIpAddress | undefined;
        try {
            await deleteOwned(
                ctx,
                ADDRESS,
                id,
                olds,
                (client, ip) => {
                    sourceNat = ip.issourcenat ? ip : undefined;
                    return disassociateIpAddress(client, id);
                },
                "release",
            );
        } catch (e) {
            // Mold keeps a network's source-NAT address until the network itself is deleted: it refuses the
            // release with 530 (an IllegalArgumentException in the job), which the address's own flag explains.
            if (sourceNat && isInternalError(e)) {
                ctx.log(`${sourceNat.ipaddress} is the source NAT of its network; Mold releases it with the network`);
                return;
            }
            throw e;
        }
    },
};
