// Helpers shared by resource modules: ownership, tags, lookups and partial failures.
import { pickOne } from "../client/catalog";
import type { MoldClient, WaitOptions } from "../client/client";
import { MoldJobError, MoldJobTimeoutError } from "../client/errors";
import { getNetwork, listNetworks, Network } from "../client/network";
import { createTags, deleteTags, listTags, ResourceTag } from "../client/tags";
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
 * Creates a Mold object and puts the ownership tag and the user's tags on it.
 * - A create whose closure passes `wait` on to its async command tags beside the create job: Mold's answer
 *   names the object (`id` with the `jobid`), and createTags only needs the row to exist (it does from the
 *   synchronous step on), so the tag job runs while the create job does instead of after it. Both are waited
 *   for. Others (and a create recovered after a lost answer) tag after the create, as before.
 * - A lost answer is reconciled with `find` (see createOnce), never by blindly sending again — and never once
 *   Mold's answer named the object (it may be tagged already, so `find`, which looks for untagged objects,
 *   would miss it): then the error carries the id.
 * - A create job that timed out (the object may still appear) or a failure after the object exists is
 *   reported with the object's id, so Pulumi records it instead of leaking it.
 * - A job that failed was rolled back by Mold: a plain error. Mold drops a rolled-back object's tags with it
 *   and refuses tags on what is left (a freed address has no owner), so our tags go too; should any remain
 *   (a tag job that ended after the rollback on a Mold that kept them), they are deleted before the error.
 */
export async function createTagged<T extends { id: string }, Outs extends Wire>(
    client: MoldClient,
    resourceType: string,
    inputs: { tags?: Record<string, string> },
    create: (wait?: WaitOptions) => Promise<T>,
    outputsOf: (created: T) => Outs,
    find?: () => Promise<T | undefined>,
): Promise<{ id: string; outs: Outs }> {
    let named: string | undefined;
    let tagging: Promise<unknown> | undefined;
    const wait: WaitOptions = {
        onSubmitted: ({ id }) => {
            if (id === undefined || named !== undefined) return;
            named = id;
            // One try on a fresh object (nothing to read first); a failure is repaired by applyTags below.
            tagging = createTags(client, resourceType, [id], tagsForCreate(inputs.tags)).then(
                () => true,
                (e: unknown) => e,
            );
        },
    };
    const findUnlessNamed =
        find &&
        (async () => {
            if (named !== undefined) throw partialFailure(`created ${named} but lost track of its create job`, named, { ...inputs, createIncomplete: true });
            return find();
        });
    let created: T;
    try {
        created = await createOnce(() => create(wait), findUnlessNamed);
    } catch (e) {
        const tagged = await tagging;
        if (e instanceof MoldJobTimeoutError && e.entityId) {
            throw partialFailure(e.message, e.entityId, { ...inputs, createIncomplete: true }, e);
        }
        if (tagged === true && named !== undefined && e instanceof MoldJobError) await untagRolledBack(client, resourceType, named, inputs, e);
        throw e;
    }
    const outs = outputsOf(created);
    const tagged = await tagging;
    // Tagged beside the job (and it was this object); otherwise, or when that tag job failed, tag now.
    if (tagged !== true || named !== created.id) {
        await afterCreate(created.id, { ...inputs, ...outs }, () => applyTags(client, resourceType, created.id, inputs));
    }
    return { id: created.id, outs };
}

/** After a failed create job: our tags off whatever of the object Mold kept (normally nothing is left). */
async function untagRolledBack(client: MoldClient, resourceType: string, id: string, inputs: { tags?: Record<string, string> }, failure: MoldJobError) {
    const ours = tagsForCreate(inputs.tags);
    try {
        const left = (await listTags(client, { resourcetype: resourceType, resourceid: id })).filter((t) => ours[t.key] === t.value);
        if (left.length) await deleteTags(client, resourceType, [id], Object.fromEntries(left.map((t) => [t.key, t.value])));
    } catch (e) {
        failure.message += `; the tags put on ${id} beside the create job could not be removed: ${(e as Error).message}`;
    }
}

/** A guest network by id or name; unknown or ambiguous names fail with the candidates listed. */
export async function findNetwork(client: MoldClient, nameOrId: string): Promise<Network> {
    const byId = await getNetwork(client, nameOrId);
    if (byId) return byId;
    return pickOne("network", nameOrId, await listNetworks(client));
}
