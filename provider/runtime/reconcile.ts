// Creating, changing and deleting safely when Mold's answer can be lost. The client never re-sends a
// state-changing request whose answer was lost (MoldOutcomeUnknownError); these helpers look at what
// Mold now holds and only then send again, so nothing is created twice and nothing is left behind.
import { isRefusal, MoldOutcomeUnknownError } from "../client/errors";

// As many sends as the client's default retries: each one after a lost answer is preceded by a read, so more
// attempts never make a duplicate; they only ride out longer runs of cut connections.
const ATTEMPTS = 6;

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

/**
 * A delete that succeeds when the object is gone, however that happened: deleted out of band, or by an
 * earlier send whose answer was lost. A lost answer is followed by a read, and the delete is sent again only
 * if the object is still there. A refusal (error envelope or failed job) is judged by reading too, never by
 * its text: Mold refuses a delete of a gone object differently per kind (431 for hard-deleted rules, 431
 * "doesn't exist" or a failed job for kinds that keep removed rows, a 530 job for clusters), and the same
 * codes also mean real refusals (a system network, VMs still in it), which the read tells apart. After a
 * lost answer the first send may still be finishing, so a refusal then gives the object a few seconds to go
 * (a real refusal, e.g. of a network's source-NAT address, must not hold the run for long).
 */
export async function deleteConfirmed(remove: () => Promise<void>, exists: () => Promise<boolean>, settleMs = 10_000): Promise<void> {
    let lostOne = false;
    for (let attempt = 1; ; attempt++) {
        try {
            await remove();
            return;
        } catch (e) {
            if (isRefusal(e)) {
                if (!(await exists())) return;
                if (lostOne && (await goneWithin(exists, settleMs))) return;
                throw e;
            }
            if (!(e instanceof MoldOutcomeUnknownError) || attempt >= ATTEMPTS) throw e;
            lostOne = true;
            if (!(await exists())) return;
        }
    }
}

/** Whether `exists` turns false within `ms` (polled with backoff). */
async function goneWithin(exists: () => Promise<boolean>, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (let delay = 200; Date.now() < deadline; delay = Math.min(delay * 2, 5000)) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now()))));
        if (!(await exists())) return true;
    }
    return false;
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
