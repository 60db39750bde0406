// mold:index:Vpc — a VPC: tiers inside one CIDR behind one virtual router (its source-NAT address). Name and
// display text change in place (updateVPC); zone, CIDR, offering and network domain replace it. Mold deletes a
// VPC only once its tiers are gone (the engine deletes the tiers first: they depend on it) and releases its
// public addresses with it.
import { findZone } from "../client/catalog";
import { listPublicIpAddresses } from "../client/address";
import { createVpc, deleteVpc, findVpcOffering, getVpc, listVpcOfferings, listVpcs, updateVpc, Vpc, VpcOffering } from "../client/vpc";
import { vpcSchema } from "../generated/schema";
import type { VpcInputs, VpcOutputs } from "../generated/types";
import type { HookContext, Reported, ResourceDefinition } from "../runtime/hooks";
import { createTagged } from "../runtime/common";
import { changeIdempotent } from "../runtime/reconcile";
import { convergeTags, current, deleteOwned, ObjectKind, ownedForChange } from "../runtime/steps";
import { currentTags, isOwned } from "../runtime/tags";
import { Validator } from "../runtime/validate";
import { vpcCidrProblem } from "../net/vpc-cidr";
import { lookupFailures } from "./check-names";

const VPC: ObjectKind<Vpc> = { what: "VPC", tagType: "Vpc", get: getVpc };

/** Outputs, with the router's source-NAT address (read separately: VpcResponse does not carry it). */
async function outputsOf(ctx: HookContext, v: Vpc): Promise<Reported<VpcInputs, VpcOutputs>> {
    const [snat] = await listPublicIpAddresses(ctx.client(), { vpcid: v.id, issourcenat: true });
    return { ...vpcOutputs(v), sourceNatIpAddress: snat?.ipaddress ?? "", sourceNatIpAddressId: snat?.id ?? "" };
}

function vpcOutputs(v: Vpc): Reported<VpcInputs, VpcOutputs> {
    return {
        name: v.name,
        displayText: v.displaytext,
        cidr: v.cidr,
        networkDomain: v.networkdomain ?? "",
        vpcId: v.id,
        zoneId: v.zoneid,
        zoneName: v.zonename ?? "",
        vpcOfferingId: v.vpcofferingid,
        vpcOfferingName: v.vpcofferingname ?? "",
        sourceNatIpAddress: "",
        sourceNatIpAddressId: "",
    };
}

/** The offering Mold itself would pick: the default VPC offering. */
async function defaultOffering(ctx: HookContext): Promise<VpcOffering> {
    const offerings = await listVpcOfferings(ctx.client(), { state: "Enabled" });
    const chosen = offerings.find((o) => o.isdefault) ?? offerings[0];
    if (!chosen) throw new Error("vpcOffering is not set and Mold has no enabled VPC offering");
    return chosen;
}

export const vpc: ResourceDefinition<VpcInputs, VpcOutputs> = {
    kind: "Vpc",
    inputs: vpcSchema.inputs,
    replaceOnChanges: vpcSchema.replaceOnChanges,
    handles: {
        name: "createVPC name; update: updateVPC",
        displayText: "createVPC displaytext (default: the name); update: updateVPC",
        zone: "createVPC zoneid (found by name or id)",
        cidr: "createVPC cidr",
        vpcOffering: "createVPC vpcofferingid (found by name or id; default: Mold's default VPC offering)",
        networkDomain: "createVPC networkdomain",
        tags: "createTags with the ownership tag; update: createTags/deleteTags",
    },
    computedInputs: ["displayText", "vpcOffering", "networkDomain"],

    check(news) {
        const v = new Validator("Vpc");
        v.string("name", news.name, { required: true });
        v.string("displayText", news.displayText, { text: true });
        v.string("zone", news.zone, { required: true });
        v.string("vpcOffering", news.vpcOffering);
        v.string("networkDomain", news.networkDomain, { maxLength: 190 });
        v.cidr("cidr", news.cidr, { required: true });
        if (typeof news.cidr === "string" && v.known(news.cidr) && !v.failures.some((f) => f.property === "cidr")) {
            const problem = vpcCidrProblem(news.cidr);
            if (problem) v.fail("cidr", problem);
        }
        v.tags("tags", news.tags);
        return { inputs: news, failures: v.failures };
    },

    checkInMold: (ctx, inputs) =>
        lookupFailures(ctx, "Vpc", [
            { property: "zone", value: inputs.zone, find: findZone },
            { property: "vpcOffering", value: inputs.vpcOffering, find: findVpcOffering },
        ]),

    async create(ctx, inputs) {
        const client = ctx.client();
        const zone = await findZone(client, inputs.zone);
        const offering = inputs.vpcOffering ? await findVpcOffering(client, inputs.vpcOffering) : await defaultOffering(ctx);
        const create = () =>
            createVpc(client, {
                name: inputs.name,
                displaytext: inputs.displayText ?? inputs.name,
                zoneid: zone.id,
                vpcofferingid: offering.id,
                cidr: inputs.cidr,
                networkdomain: inputs.networkDomain,
            });
        // After a lost answer: the untagged VPC of that name and CIDR in that zone is the one just made.
        const find = async () =>
            (await listVpcs(client, { name: inputs.name, zoneid: zone.id }))
                .filter((x) => x.name === inputs.name && x.cidr === inputs.cidr && !isOwned(x.tags))
                .pop();
        const made = await createTagged(client, "Vpc", inputs, create, vpcOutputs, find);
        const [snat] = await listPublicIpAddresses(client, { vpcid: made.id, issourcenat: true });
        return { id: made.id, outs: { ...made.outs, sourceNatIpAddress: snat?.ipaddress ?? "", sourceNatIpAddressId: snat?.id ?? "" } };
    },

    async read(ctx, id, olds) {
        const x = await current(ctx.client(), VPC, id);
        if (!x) return undefined;
        // Without an old offering id (an adoption) there is nothing to drift from: the program's value is compared.
        const offeringDrifted = olds.vpcOfferingId !== undefined && x.vpcofferingid !== olds.vpcOfferingId;
        return {
            outs: await outputsOf(ctx, x),
            inputs: {
                name: x.name,
                vpcOffering: offeringDrifted ? x.vpcofferingid : olds.vpcOffering,
                tags: currentTags(olds.tags, x.tags),
            },
        };
    },

    async update(ctx, id, olds, news) {
        const client = ctx.client();
        const now = await ownedForChange(ctx, VPC, id, olds);
        const changes: Record<string, string> = {};
        if (now.name !== news.name) changes.name = news.name;
        if (news.displayText !== undefined && now.displaytext !== news.displayText) changes.displaytext = news.displayText;
        let updated: Vpc = now;
        if (Object.keys(changes).length) updated = await changeIdempotent(() => updateVpc(client, id, changes));
        await convergeTags(ctx, VPC, id, olds, news);
        return outputsOf(ctx, updated);
    },

    delete: (ctx, id, olds) => deleteOwned(ctx, VPC, id, olds, (client) => deleteVpc(client, id)),
};
