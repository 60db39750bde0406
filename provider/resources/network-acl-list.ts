// mold:index:NetworkAclList — a network ACL list of a VPC; its rules are NetworkAclRule resources, one each.
// name and description change in place (updateNetworkACLList); the VPC replaces it.
//
// Ownership: Mold cannot tag lists (NetworkACLList is not taggable), so a list is ours by the id recorded at
// create or adoption, as affinity groups are. Mold's default lists (default_allow, default_deny) are never
// created, changed or deleted: their names are refused, adopting one is refused, and `get` by name reads one.
import type { MoldClient } from "../client/client";
import { isRefusal, MoldJobError, rowsUnlessGone } from "../client/errors";
import {
    createNetworkAclList,
    DEFAULT_ACL_LIST_NAMES,
    deleteNetworkAclList,
    listNetworkAclLists,
    NetworkAclList,
    updateNetworkAclList,
} from "../client/network-acl";
import { networkAclListSchema } from "../generated/schema";
import type { NetworkAclListInputs, NetworkAclListOutputs } from "../generated/types";
import type { Reported, ResourceDefinition } from "../runtime/hooks";
import { changeIdempotent, createOnce, deleteConfirmed } from "../runtime/reconcile";
import { Validator } from "../runtime/validate";

const isDefaultName = (name: unknown) => typeof name === "string" && (DEFAULT_ACL_LIST_NAMES as readonly string[]).includes(name);

/** The list a resource id stands for: by id, or a default list by its name (`NetworkAclList.get(n, "default_allow")`). */
export async function lookupAclList(client: MoldClient, id: string): Promise<NetworkAclList | undefined> {
    if (isDefaultName(id)) return (await listNetworkAclLists(client, { name: id })).find((l) => l.name === id && !l.vpcid);
    return (await rowsUnlessGone(listNetworkAclLists(client, { id }))).find((l) => l.id === id);
}

function outputsOf(l: NetworkAclList): Reported<NetworkAclListInputs, NetworkAclListOutputs> {
    // No description stays absent, so a program that gives none sees no change.
    // A default list belongs to no VPC: no vpc at all (so adopting one is refused by update, with the reason).
    return { ...(l.vpcid ? { vpc: l.vpcid } : {}), name: l.name, ...(l.description ? { description: l.description } : {}), listId: l.id, isDefault: !l.vpcid };
}

function refuseDefault(l: NetworkAclList, action: string): void {
    if (!l.vpcid) throw new Error(`refusing to ${action} network ACL list '${l.name}' (${l.id}): it is one of Mold's default lists, which cannot be changed`);
}

export const networkAclList: ResourceDefinition<NetworkAclListInputs, NetworkAclListOutputs> = {
    kind: "NetworkAclList",
    inputs: networkAclListSchema.inputs,
    replaceOnChanges: networkAclListSchema.replaceOnChanges,
    handles: {
        vpc: "createNetworkACLList vpcid",
        name: "createNetworkACLList name; update: updateNetworkACLList name",
        description: "createNetworkACLList description; update: updateNetworkACLList description (Mold cannot clear it: removing it keeps Mold's)",
    },

    check(news) {
        const v = new Validator("NetworkAclList");
        v.string("vpc", news.vpc, { required: true });
        v.string("name", news.name, { required: true });
        if (isDefaultName(news.name))
            v.fail("name", `'${news.name}' is the name of one of Mold's default lists: choose another (refer to Mold's with NetworkAclList.get)`);
        v.string("description", news.description, { text: true });
        return { inputs: { ...news }, failures: v.failures };
    },

    async create(ctx, inputs) {
        const client = ctx.client();
        // Names need not be unique in a VPC: after a lost answer, ours is the list of this name that was not there before.
        const before = new Set((await listNetworkAclLists(client, { vpcid: inputs.vpc, name: inputs.name })).map((l) => l.id));
        const made = await createOnce(
            () =>
                createNetworkAclList(client, {
                    name: inputs.name,
                    vpcid: inputs.vpc,
                    ...(inputs.description !== undefined ? { description: inputs.description } : {}),
                }),
            async () => (await listNetworkAclLists(client, { vpcid: inputs.vpc, name: inputs.name })).find((l) => l.name === inputs.name && !before.has(l.id)),
        );
        return { id: made.id, outs: outputsOf(made) };
    },

    async read(ctx, id) {
        const l = await lookupAclList(ctx.client(), id);
        if (!l) return undefined;
        return {
            outs: outputsOf(l),
            inputs: { ...(l.vpcid ? { vpc: l.vpcid } : {}), name: l.name, ...(l.description ? { description: l.description } : {}) },
        };
    },

    async update(ctx, id, olds, news) {
        const client = ctx.client();
        const l = await lookupAclList(client, id);
        if (!l) throw new Error(`network ACL list ${id} no longer exists in Mold; run refresh`);
        refuseDefault(l, "change");
        const changes = {
            ...(news.name !== l.name ? { name: news.name } : {}),
            ...(news.description !== undefined && news.description !== l.description ? { description: news.description } : {}),
        };
        if (Object.keys(changes).length === 0) return outputsOf(l);
        return outputsOf(await changeIdempotent(() => updateNetworkAclList(client, l.id, changes)));
    },

    async delete(ctx, id) {
        const client = ctx.client();
        const l = await lookupAclList(client, id);
        if (!l) return;
        if (!l.vpcid) return ctx.log(`network ACL list '${l.name}' is one of Mold's default lists: it is never deleted`);
        try {
            await deleteConfirmed(
                () => deleteNetworkAclList(client, l.id),
                async () => (await lookupAclList(client, l.id)) !== undefined,
            );
        } catch (e) {
            // Mold refuses while a tier or private gateway still uses the list: say what to do.
            if (isRefusal(e)) {
                const text = e instanceof MoldJobError ? e.errortext : (e as Error).message;
                throw new Error(`network ACL list '${l.name}' (${l.id}) was not deleted: ${text}. Put its tiers on another list (their aclList) first.`, {
                    cause: e,
                });
            }
            throw e;
        }
    },
};
