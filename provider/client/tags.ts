// Typed wrappers for resource tags (mold-api-network.md §9). createTags/deleteTags are async.
import { MoldClient, Params, tagsParam, WaitOptions } from "./client";

/** ResourceTagResponse; `resourcetype` is the canonical enum name (e.g. "UserVm"). */
export interface ResourceTag {
    key: string;
    value: string;
    resourcetype: string;
    resourceid: string;
    account?: string;
    domainid?: string;
    domain?: string;
    domainpath?: string;
    customer?: string;
    [field: string]: unknown;
}

/** Adds tags to resources; fails (job 530) when a key is already on one of them. */
export async function createTags(
    client: MoldClient,
    resourcetype: string,
    resourceids: string[],
    tags: Record<string, string>,
    wait?: WaitOptions,
): Promise<void> {
    await client.callAsync("createTags", { resourcetype, resourceids, tags: tagsParam(tags) }, wait);
}

/**
 * Removes tags: all of them without `tags`, else those whose key (and value, when not undefined) match.
 * Mold fails the job with "Failed to delete tags" when nothing matches.
 */
export async function deleteTags(
    client: MoldClient,
    resourcetype: string,
    resourceids: string[],
    tags?: Record<string, string | undefined>,
    wait?: WaitOptions,
): Promise<void> {
    const entries: Record<string, string>[] | undefined = tags
        ? Object.entries(tags).map(([key, value]): Record<string, string> => (value === undefined ? { key } : { key, value }))
        : undefined;
    await client.callAsync("deleteTags", { resourcetype, resourceids, tags: entries?.length ? entries : undefined }, wait);
}

export function listTags(client: MoldClient, filter: Params = {}): Promise<ResourceTag[]> {
    return client.list<ResourceTag>("listTags", filter, "tag");
}
