// Typed wrappers for affinity groups (mold-api-network.md §12.4).
import type { MoldClient, Params, WaitOptions } from "./client";

export type AffinityGroupType = "host anti-affinity" | "host affinity" | "non-strict host anti-affinity" | "non-strict host affinity" | "ExplicitDedication";

/** AffinityGroupResponse; note the camel-case `virtualmachineIds`, absent while the group is empty. */
export interface AffinityGroup {
    id: string;
    name: string;
    description?: string;
    type: AffinityGroupType | string;
    account: string;
    domainid: string;
    domain: string;
    domainpath?: string;
    projectid?: string;
    project?: string;
    virtualmachineIds?: string[];
    [field: string]: unknown;
}

export interface CreateAffinityGroupArgs {
    name: string;
    type: AffinityGroupType | string;
    description?: string;
}

/** Async-create: the group exists at once; the job returns it. */
export async function createAffinityGroup(client: MoldClient, args: CreateAffinityGroupArgs, wait?: WaitOptions): Promise<AffinityGroup> {
    const r = await client.callAsync<{ affinitygroup: AffinityGroup }>("createAffinityGroup", { ...args }, wait);
    return r.result.affinitygroup;
}

export function listAffinityGroups(client: MoldClient, filter: Params = {}): Promise<AffinityGroup[]> {
    return client.list<AffinityGroup>("listAffinityGroups", filter, "affinitygroup");
}

/** Deletes by id or by name (exactly one of them). */
export async function deleteAffinityGroup(client: MoldClient, by: { id: string } | { name: string }, wait?: WaitOptions): Promise<void> {
    await client.callAsync("deleteAffinityGroup", { ...by }, wait);
}
