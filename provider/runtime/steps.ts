// The steps every resource's read, update and delete share, in one order with one set of messages: read the
// object (gone is undefined), refuse to touch one pulumi-mold does not own, bring its tags to the declared ones,
// delete it and confirm by reading. A resource says only how to read and remove its kind.
import type { MoldClient } from "../client/client";
import type { ResourceTag } from "../client/tags";
import { applyTags, assertOwned } from "./common";
import { jsonEqual } from "./equal";
import type { HookContext, RunnerState } from "./hooks";
import { deleteConfirmed } from "./reconcile";

/** The declared tags, as a resource's new inputs carry them. */
export type Tagged = { tags?: Record<string, string> };
/** Old outputs' tags (null once cleared). */
type OldTags = RunnerState & { tags?: Record<string, string> | null };

/** How the runner reaches one Mold object of a kind. */
export interface ObjectKind<T> {
    /** How messages name it ("firewall rule"). */
    what: string;
    /** The resource type its tags are filed under (createTags' resourcetype). */
    tagType: string;
    /** The object by id, or undefined once it is gone. */
    get(client: MoldClient, id: string): Promise<T | undefined>;
    /** Its tags (default: its `tags` field). */
    tagsOf?(obj: T): ResourceTag[] | undefined;
    /** Whether Mold still lists it although it is as good as gone (a released address, an expunging VM). */
    gone?(obj: T): boolean;
}

function tagsOf<T>(kind: ObjectKind<T>, obj: T): ResourceTag[] | undefined {
    return kind.tagsOf ? kind.tagsOf(obj) : (obj as { tags?: ResourceTag[] }).tags;
}

/** The object as Mold has it now, or undefined when it is gone (read's and delete's first step). */
export async function current<T>(client: MoldClient, kind: ObjectKind<T>, id: string): Promise<T | undefined> {
    const obj = await kind.get(client, id);
    return obj === undefined || kind.gone?.(obj) ? undefined : obj;
}

/**
 * update's first steps: the object as Mold has it now, refused unless pulumi-mold owns it. Gone is an error
 * (an update cannot bring it back; refresh drops it from the state).
 */
export async function ownedForChange<T>(ctx: HookContext, kind: ObjectKind<T>, id: string, olds: RunnerState, get = kind.get): Promise<T> {
    const obj = await get(ctx.client(), id);
    if (obj === undefined || kind.gone?.(obj)) throw new Error(`${kind.what} ${id} no longer exists in Mold; run refresh`);
    assertOwned(ctx, id, tagsOf(kind, obj), `change ${kind.what}`, olds);
    return obj;
}

/** Whether the tags must be written: they changed, or an earlier create or adoption did not finish. */
export function tagsNeedWork(olds: OldTags, news: Tagged): boolean {
    return !jsonEqual(olds.tags ?? undefined, news.tags) || olds.createIncomplete === true;
}

/** Brings the object's tags to the declared ones (plus the ownership tag) when they need it. */
export async function convergeTags<T>(ctx: HookContext, kind: ObjectKind<T>, id: string, olds: OldTags, news: Tagged): Promise<void> {
    if (tagsNeedWork(olds, news)) await applyTags(ctx.client(), kind.tagType, id, news);
}

/** The whole update of a kind whose only in-place change is its tags. */
export async function updateTags<T, O>(
    ctx: HookContext,
    kind: ObjectKind<T>,
    id: string,
    olds: RunnerState,
    news: Tagged,
    outputsOf: (obj: T) => O | Promise<O>,
): Promise<O> {
    const obj = await ownedForChange(ctx, kind, id, olds);
    await applyTags(ctx.client(), kind.tagType, id, news);
    return await outputsOf(obj);
}

/**
 * The whole delete: gone already is success; an object pulumi-mold does not own is refused; the delete is
 * confirmed by reading (see deleteConfirmed), so a lost answer or an out-of-band delete is not an error.
 */
export async function deleteOwned<T>(
    ctx: HookContext,
    kind: ObjectKind<T>,
    id: string,
    olds: RunnerState,
    remove: (client: MoldClient, obj: T) => Promise<void>,
    verb = "delete",
): Promise<void> {
    const client = ctx.client();
    const obj = await current(client, kind, id);
    if (obj === undefined) return;
    assertOwned(ctx, id, tagsOf(kind, obj), `${verb} ${kind.what}`, olds);
    await deleteConfirmed(
        () => remove(client, obj),
        async () => (await current(client, kind, id)) !== undefined,
    );
}
