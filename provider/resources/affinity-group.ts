// mold:index:AffinityGroup — a Mold affinity group: VMs in a "host anti-affinity" group run on distinct hosts,
// in a "host affinity" group on one host. Mold has no update for groups, so every input replaces it.
//
// Ownership: Mold cannot tag affinity groups, so the ownership tag other resources carry is impossible. A group
// is ours by the id recorded at create (or adoption): delete goes by that id only, so a group of the same name
// made by someone after ours was deleted is never touched.
import { AffinityGroup, createAffinityGroup, deleteAffinityGroup, listAffinityGroups } from "../client/affinity";
import type { MoldClient } from "../client/client";
import { rowsUnlessGone } from "../client/errors";
import { affinityGroupSchema } from "../generated/schema";
import type { AffinityGroupInputs, AffinityGroupOutputs } from "../generated/types";
import type { ResourceDefinition } from "../runtime/hooks";
import { createOnce, deleteConfirmed } from "../runtime/reconcile";
import { Validator } from "../runtime/validate";

/** The types a user may create (ExplicitDedication is an administrator's, made through dedication). */
export const GROUP_TYPES = ["host anti-affinity", "host affinity", "non-strict host anti-affinity", "non-strict host affinity"] as const;
const DEFAULT_TYPE = "host anti-affinity";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The group a resource id stands for: by id (a UUID), else by name (an importId may be a name). */
async function lookup(client: MoldClient, id: string): Promise<AffinityGroup | undefined> {
    if (UUID.test(id)) return (await rowsUnlessGone(listAffinityGroups(client, { id }))).find((g) => g.id === id);
    return (await listAffinityGroups(client, { name: id })).find((g) => g.name === id);
}

function outputsOf(g: AffinityGroup): Omit<AffinityGroupOutputs, "importId"> {
    // No description stays absent, so a program that gives none sees no change.
    return { name: g.name, type: g.type, ...(g.description ? { description: g.description } : {}), virtualMachineIds: g.virtualmachineIds ?? [] };
}

export const affinityGroup: ResourceDefinition<AffinityGroupInputs, AffinityGroupOutputs> = {
    kind: "AffinityGroup",
    inputs: affinityGroupSchema.inputs,
    replaceOnChanges: affinityGroupSchema.replaceOnChanges,
    handles: {
        name: "createAffinityGroup name",
        type: "createAffinityGroup type",
        description: "createAffinityGroup description",
    },

    check(news) {
        const v = new Validator("AffinityGroup");
        v.string("name", news.name, { required: true });
        v.oneOf("type", news.type, GROUP_TYPES);
        v.string("description", news.description, { maxLength: 4096, text: true });
        const inputs = { ...news };
        if (inputs.type === undefined) inputs.type = DEFAULT_TYPE;
        else if (typeof inputs.type === "string" && v.known(inputs.type)) inputs.type = inputs.type.toLowerCase() as AffinityGroupInputs["type"];
        return { inputs, failures: v.failures };
    },

    async create(ctx, inputs) {
        const client = ctx.client();
        const type = inputs.type ?? DEFAULT_TYPE;
        const byName = async () => (await listAffinityGroups(client, { name: inputs.name })).find((g) => g.name === inputs.name);
        // Mold keeps names unique per account: say how to take an existing one over instead of Mold's bare refusal.
        const existing = await byName();
        if (existing)
            throw new Error(`an affinity group named '${inputs.name}' already exists in Mold (${existing.id}); choose another name or adopt it with importId`);
        // After a lost answer: the group of this name and type is the one just created (the name was free).
        const made = await createOnce(
            () => createAffinityGroup(client, { name: inputs.name, type, ...(inputs.description !== undefined ? { description: inputs.description } : {}) }),
            async () => {
                const g = await byName();
                return g && g.type === type ? g : undefined;
            },
        );
        return { id: made.id, outs: outputsOf(made) };
    },

    async read(ctx, id) {
        const g = await lookup(ctx.client(), id);
        if (!g) return undefined;
        return {
            outs: outputsOf(g),
            inputs: { name: g.name, type: g.type as AffinityGroupInputs["type"], ...(g.description ? { description: g.description } : {}) },
        };
    },

    // Nothing changes in place: this runs only to finish an adoption (importId), whose inputs the runner
    // compared with Mold's already.
    async update(ctx, id) {
        const g = await lookup(ctx.client(), id);
        if (!g) throw new Error(`affinity group ${id} no longer exists in Mold; run refresh`);
        return outputsOf(g);
    },

    async delete(ctx, id) {
        const client = ctx.client();
        const g = await lookup(client, id);
        if (!g) return;
        const members = g.virtualmachineIds ?? [];
        // Mold deletes a group with members and drops their memberships: say which VMs lose the rule.
        if (members.length) ctx.log(`affinity group '${g.name}' still holds VMs ${members.join(", ")}: Mold removes them from it with the group`);
        await deleteConfirmed(
            () => deleteAffinityGroup(client, { id: g.id }),
            async () => (await lookup(client, g.id)) !== undefined,
        );
    },
};
