// Tags on Mold objects: the user's tags are kept in sync in place, and an ownership tag marks what
// pulumi-mold created, so it never changes or deletes objects it did not create.
import { MoldJobError, MoldOutcomeUnknownError } from "../client/errors";
import { createTags, deleteTags, listTags, ResourceTag } from "../client/tags";
import type { MoldClient } from "../client/client";

export const OWNER_TAG_KEY = "pulumi-mold:managed-by";
export const OWNER_TAG_VALUE = "pulumi-mold";

export function userTags(tags: ResourceTag[] | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const t of tags ?? []) if (t.key !== OWNER_TAG_KEY) out[t.key] = t.value;
    return out;
}

/** The user tags to report on refresh: unset stays unset while Mold has none. */
export function currentTags(declared: Record<string, string> | undefined, tags: ResourceTag[] | undefined): Record<string, string> | undefined {
    const current = userTags(tags);
    return declared === undefined && Object.keys(current).length === 0 ? undefined : current;
}

export function isOwned(tags: ResourceTag[] | undefined): boolean {
    return (tags ?? []).some((t) => t.key === OWNER_TAG_KEY && t.value === OWNER_TAG_VALUE);
}

/**
 * Brings an object's tags to exactly `wanted` (the user's plus the ownership tag). It reads what is
 * there first, so it is idempotent: after a lost answer or a failed tag job it simply runs again.
 */
export async function setTags(client: MoldClient, resourceType: string, id: string, wanted: Record<string, string>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
        try {
            const present: Record<string, string> = {};
            for (const t of await listTags(client, { resourcetype: resourceType, resourceid: id })) present[t.key] = t.value;
            const removed: Record<string, string> = {};
            const added: Record<string, string> = {};
            for (const [k, v] of Object.entries(present)) if (wanted[k] !== v) removed[k] = v;
            for (const [k, v] of Object.entries(wanted)) if (present[k] !== v) added[k] = v;
            if (Object.keys(removed).length) await deleteTags(client, resourceType, [id], removed);
            if (Object.keys(added).length) await createTags(client, resourceType, [id], added);
            return;
        } catch (e) {
            const retryable = e instanceof MoldOutcomeUnknownError || e instanceof MoldJobError;
            // As many rounds as the client has retries: each reads first, so none tags twice.
            if (!retryable || attempt >= 6) throw e;
        }
    }
}
