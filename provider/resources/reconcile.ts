// Creating, changing and deleting safely when Mold's answer can be lost. The client never re-sends a
// state-changing request whose answer was lost (MoldOutcomeUnknownError); these helpers look at what
// Mold now holds and only then send again, so nothing is created twice and nothing is left behind.
import { MoldApiError, MoldOutcomeUnknownError } from "../client/errors";

const ATTEMPTS = 3;

/** Mold's answer for a UUID that no longer resolves (mold-api-core.md §3.4). */
export function isGone(e: unknown): boolean {
    return e instanceof MoldApiError && e.errorcode === 431 && /entity does not exist|Unable to find/i.test(e.errortext);
}

/**
 * Sends a create; when its answer is lost, `find` looks for the object it may have made (by name, or by
 * the rule's exact attributes, which Mold keeps unique). Found: that is ours. Not found: it did not
 * happen, so send again.
 */
export async function createOnce<T>(create: () => Promise<T>, find?: () => Promise<T | undefined>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await create();
        } catch (e) {
            if (!(e instanceof MoldOutcomeUnknownError) || !find || attempt >= ATTEMPTS) throw e;
            const existing = await find();
            if (existing) return existing;
        }
    }
}

/** An in-place change that is idempotent (sets values): re-sent when its answer was lost. */
export async function changeIdempotent<T>(change: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await change();
        } catch (e) {
            if (!(e instanceof MoldOutcomeUnknownError) || attempt >= ATTEMPTS) throw e;
        }
    }
}

/** A delete that succeeds when the object is gone, however that happened (lost answer, already deleted). */
export async function deleteConfirmed(remove: () => Promise<void>, exists: () => Promise<boolean>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
        try {
            await remove();
            return;
        } catch (e) {
            if (isGone(e)) return;
            // A failed job is Mold's definite answer (e.g. "source NAT address"): only a lost answer is retried.
            if (!(e instanceof MoldOutcomeUnknownError) || attempt >= ATTEMPTS) throw e;
            if (!(await exists())) return;
        }
    }
}

/** Polls `probe` until it returns a value (or undefined for "gone"), for objects whose create job ran unseen. */
export async function waitFor<T>(probe: () => Promise<{ done: boolean; value?: T }>, timeoutMs = 600_000): Promise<T | undefined> {
    const start = Date.now();
    for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
        const r = await probe();
        if (r.done) return r.value;
        if (Date.now() - start > timeoutMs) throw new Error(`still not settled after ${Math.round(timeoutMs / 1000)} s`);
        await new Promise((resolve) => setTimeout(resolve, delay));
    }
}
