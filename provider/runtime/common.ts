// Helpers shared by resource modules: ownership, tags, lookups and partial failures.
import { pickOne } from "../client/catalog";
import type { MoldClient } from "../client/client";
import { MoldJobTimeoutError } from "../client/errors";
import { getNetwork, listNetworks, Network } from "../client/network";
import type { ResourceTag } from "../client/tags";
import { partialFailure } from "./errors";
import type { HookContext, RunnerState, Wire } from "./hooks";
import { isOwned, OWNER_TAG_KEY, OWNER_TAG_VALUE, setTags } from "./tags";
import { createOnce } from "./reconcile";

/** Tags to put on a new object: the user's plus the ownership tag. */
export function tagsForCreate(user: Record<string, string> | undefined): Record<string, string> {
    return { ...(user ?? {}), [OWNER_TAG_KEY]: OWNER_TAG_VALUE };
}

/**
 * Refuses to change or delete an object pulumi-mold did not create. An object whose create did not
 * finish (`createIncomplete` in its outputs) is ours even before its ownership tag is on.
 */
export function assertOwned(ctx: HookContext, id: string, tags: ResourceTag[] | undefined, action: string, olds?: RunnerState): void {
    if (!isOwned(tags) && !olds?.createIncomplete) {
        throw new Error(
            `refusing to ${action} ${id}: it has no ${OWNER_TAG_KEY}=${OWNER_TAG_VALUE} tag, so pulumi-mold did not create it. ` +
                `Tag it to let pulumi-mold manage it, or remove it from the stack state.`,
        );
    }
    void ctx;
}

/**
 * Runs the steps after a Mold object exists (tags, waits). If one fails, the error carries the id so
 * Pulumi records the object instead of leaking it; the next `up` repairs it.
 */
export async function afterCreate<T>(id: string, outs: Wire, step: () => Promise<T>): Promise<T> {
    try {
        return await step();
    } catch (e) {
        throw partialFailure(`created ${id} but could not finish: ${(e as Error).message}`, id, { ...outs, createIncomplete: true }, e);
    }
}

/** Brings an object's tags to the declared ones plus the ownership tag (idempotent). */
export function applyTags(client: MoldClient, resourceType: string, id: string, news: { tags?: Record<string, string> }): Promise<void> {
    return setTags(client, resourceType, id, tagsForCreate(news.tags));
}

/**
 * Creates a Mold object, then puts the ownership tag and the user's tags on it.
 * - A lost answer is reconciled with `find` (see createOnce), never by blindly sending again.
 * - A create job that timed out (the object may still appear) or a failure after the object exists is
 *   reported with the object's id, so Pulumi records it instead of leaking it.
 * - A job that failed was rolled back by Mold: a plain error.
 */
export async function createTagged<T extends { id: string }, Outs extends Wire>(
    client: MoldClient,
    resourceType: string,
    inputs: { tags?: Record<string, string> },
    create: () => Promise<T>,
    outputsOf: (created: T) => Outs,
    find?: () => Promise<T | undefined>,
): Promise<{ id: string; outs: Outs }> {
    let created: T;
    try {
        created = await createOnce(create, find);
    } catch (e) {
        if (e instanceof MoldJobTimeoutError && e.entityId) {
            throw partialFailure(e.message, e.entityId, { ...inputs, createIncomplete: true }, e);
        }
        throw e;
    }
    const outs = outputsOf(created);
    await afterCreate(created.id, { ...inputs, ...outs }, () => applyTags(client, resourceType, created.id, inputs));
    return { id: created.id, outs };
}

/** A guest network by id or name; unknown or ambiguous names fail with the candidates listed. */
export async function findNetwork(client: MoldClient, nameOrId: string): Promise<Network> {
    const byId = await getNetwork(client, nameOrId);
    if (byId) return byId;
    return pickOne("network", nameOrId, await listNetworks(client));
}
