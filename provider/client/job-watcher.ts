// One job watcher per endpoint and account: every async job a process waits for is checked by one loop.
//
// Why one loop: a job is noticed only when someone asks, so noticing it within L costs one request every
// ~2L. Asked per job, that is a choice between lateness and polls (see job-wait.ts: a per-job schedule cannot
// be below a fixed 1 s poll's lateness and below a fixed 2 s poll's request count at once). Asked for all jobs
// in flight by one listAsyncJobs, one request serves every job, so lateness stays under a second at any job
// length while the requests per job fall with the number of jobs that overlap (a node group, 50 rules).
//
// The loop (measured with `npm run bench`, section job-wait):
// - every job has a next-due time from its own age (`jobDelay`): looks every 200 ms while it is under 2 s old, a steady one
//   second while it is 4–25 s old, then a growing fraction of its age, capped by `capFor(n)`;
// - a tick happens when the earliest job is due; in "list" mode one listAsyncJobs (filtered by `startdate`
//   to the oldest job in flight) answers for every job, and any due job absent from the answer is asked about
//   with queryAsyncJobResult; a lone job is asked about directly (same one request, a smaller answer);
// - Mold cannot filter the listing by status, so its answer also holds every job that ended since `startdate`:
//   with 2,000 rules queued on one network each tick read thousands of rows (260 MB of answers in one `up`,
//   most of the provider host's garbage). So the listing is read page by page and stops once every job it is
//   for has been seen, and once a listing from the oldest job in flight takes more than one page, listings
//   start at the oldest DUE job (at its exact creation second once an answer showed it) for a while, and a
//   job found on page p of a listing gets p times the shared cap on its delay (see capFor);
//   "query" mode asks queryAsyncJobResult for the due jobs only (one request each);
// - a throttling answer (429) from any request on the endpoint slows the whole loop (every job's delays
//   and the gap between ticks) by `throttleFactor`, up to `maxSlowdown`; clean ticks bring it back.
// The schedule and the transport are injected, so unit tests drive it with a fake clock.
import type { AsyncJob } from "./async-job";

export interface WatcherPolicy {
    /** "list": one listAsyncJobs for all jobs in flight; "query": one queryAsyncJobResult per due job. */
    mode: "list" | "query";
    /** First look at a job, ms after it was submitted (tags and rules end almost at once). */
    firstDelayMs: number;
    /** Smallest delay between two looks at one job, ms. */
    minDelayMs: number;
    /** Jobs younger than this are looked at every `youngDelayMs` (tags, rules and addresses end within ~2 s). */
    youngUntilMs: number;
    /** The delay between looks at a young job, ms (it is noticed on average half of it late). */
    youngDelayMs: number;
    /** Young jobs: the delay is this fraction of the job's age (while below steadyDelayMs). */
    earlyGrowth: number;
    /** The delay a job settles on until `growth` × age exceeds it, ms (median lateness half of it). */
    steadyDelayMs: number;
    /** Old jobs: the delay is this fraction of the job's age (0.02: lateness ≈ 1 % of the duration, half the bound). */
    growth: number;
    /** Largest delay of a job watched alone, ms; with n jobs in flight, max(sharedMaxDelayMs, maxDelayMs / n). */
    maxDelayMs: number;
    /** Largest delay once several jobs share the ticks, ms. */
    sharedMaxDelayMs: number;
    /** Smallest gap between two ticks, ms (coalesces jobs that fall due close together). */
    minGapMs: number;
    /** A 429 multiplies every delay by this... */
    throttleFactor: number;
    /** ...up to this slowdown. */
    maxSlowdown: number;
    /** Each tick without a 429 multiplies the slowdown by this (down to 1). */
    recovery: number;
}

export const DEFAULT_WATCHER_POLICY: WatcherPolicy = {
    mode: "list",
    firstDelayMs: 100,
    minDelayMs: 400,
    // A program's short jobs chain one after another (network tags → address 2 s → rule 1.5 s), each noticed on
    // average half a delay late: 200 rather than 400 ms until 2 s old costs a lone job 5 more looks.
    youngUntilMs: 2000,
    youngDelayMs: 200,
    earlyGrowth: 0.25,
    steadyDelayMs: 1000,
    // 2 % rather than 4 %: a VM deploy (a minute) or a cluster create (minutes) is what a program waits for, and a
    // lone job's look every 2 % of its age costs it ~10 more looks from 50 s to 200 s, where the 4 s cap takes over.
    growth: 0.02,
    maxDelayMs: 4000,
    sharedMaxDelayMs: 500,
    minGapMs: 50,
    throttleFactor: 2,
    maxSlowdown: 16,
    recovery: 0.8,
};

/**
 * The cap on a job's delay when `inFlight` jobs share the ticks and the listing reaches it on page `page`: a shared
 * look is cheap only while it is one request, so a job found deep in a long listing (page p costs p requests)
 * gets a cap p times the shared one, never above a lone job's.
 */
export function capFor(inFlight: number, policy: WatcherPolicy = DEFAULT_WATCHER_POLICY, page = 1): number {
    const shared = Math.min(policy.maxDelayMs, policy.sharedMaxDelayMs * Math.max(1, page));
    return Math.max(shared, policy.maxDelayMs / Math.max(1, inFlight));
}

/** Delay until the next look at a job of age `ageMs`, with `inFlight` jobs watched (before any slowdown). */
export function jobDelay(ageMs: number, inFlight: number, policy: WatcherPolicy = DEFAULT_WATCHER_POLICY, page = 1): number {
    if (ageMs <= 0) return policy.firstDelayMs;
    if (ageMs < policy.youngUntilMs) return Math.round(Math.min(capFor(inFlight, policy), policy.youngDelayMs));
    const wanted = Math.min(policy.earlyGrowth * ageMs, Math.max(policy.steadyDelayMs, policy.growth * ageMs));
    return Math.round(Math.min(capFor(inFlight, policy, page), Math.max(policy.minDelayMs, wanted)));
}

/** The same policy in time compressed `factor` times (for the bench): every duration divided by it. */
export function compressedWatcherPolicy(policy: WatcherPolicy, factor: number): WatcherPolicy {
    const d = (ms: number) => ms / factor;
    return {
        ...policy,
        firstDelayMs: d(policy.firstDelayMs),
        minDelayMs: d(policy.minDelayMs),
        youngUntilMs: d(policy.youngUntilMs),
        youngDelayMs: d(policy.youngDelayMs),
        steadyDelayMs: d(policy.steadyDelayMs),
        maxDelayMs: d(policy.maxDelayMs),
        sharedMaxDelayMs: d(policy.sharedMaxDelayMs),
        minGapMs: d(policy.minGapMs),
    };
}

/** What the watcher needs from the outside: time and the two Mold commands. */
export interface WatcherClock {
    now(): number;
    /** Calls `fn` after `ms`; returns a cancel function. */
    setTimer(fn: () => void, ms: number): () => void;
}

export interface WatcherTransport {
    queryAsyncJobResult(jobId: string): Promise<AsyncJob>;
    /**
     * listAsyncJobs with `startdate` (Mold's DATE form) when given: each page goes to `visit` as it arrives, and
     * the next one is asked for only while `visit` returns true.
     */
    listAsyncJobs(startdate: string | undefined, visit: (page: AsyncJob[]) => boolean): Promise<void>;
}

export const realClock: WatcherClock = {
    now: () => Date.now(),
    setTimer: (fn, ms) => {
        const t = setTimeout(fn, Math.max(0, ms));
        return () => clearTimeout(t);
    },
};

export interface WatchOptions {
    timeoutMs: number;
    /** Called after every look that finds the job still running. */
    onPoll?: (elapsedMs: number, polls: number) => void;
}

export interface WatchOutcome {
    /** The job as last seen: ended (jobstatus ≠ 0) unless timedOut. */
    job?: AsyncJob;
    timedOut: boolean;
    /** Requests spent on this job: a list answer counts 1/n for each of the n jobs it covered. */
    polls: number;
    /** Answers that told this job's status. */
    looks: number;
}

interface Watched {
    jobId: string;
    submittedAt: number;
    deadline: number;
    lastLook: number;
    nextAt: number;
    /** Server time of creation (epoch ms) and its zone suffix, once an answer showed it. */
    createdMs?: number;
    polls: number;
    looks: number;
    /** The page of the last listing that showed it (1 when asked directly). */
    page: number;
    options: WatchOptions;
    resolve: (o: WatchOutcome) => void;
    reject: (e: unknown) => void;
}

/** "2025-01-01T00:00:00+0900" → epoch ms and "+0900"; undefined when not in Mold's date form. */
export function parseMoldDate(text: unknown): { ms: number; zone: string } | undefined {
    const m = typeof text === "string" ? /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)([+-]\d\d)(\d\d)$/.exec(text) : null;
    if (!m) return undefined;
    const ms = Date.parse(`${m[1]}${m[2]}:${m[3]}`);
    return Number.isFinite(ms) ? { ms, zone: `${m[2]}${m[3]}` } : undefined;
}

/** Epoch ms → Mold's yyyy-MM-dd'T'HH:mm:ssZ in the zone `zone` ("+0900"). */
export function formatMoldDate(ms: number, zone: string): string {
    const sign = zone.startsWith("-") ? -1 : 1;
    const offsetMs = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) * 60_000;
    return `${new Date(ms + offsetMs).toISOString().slice(0, 19)}${zone}`;
}

/** How long listings stay narrow (from the due jobs) after a wide one took several pages. */
const NARROW_FOR_MS = 10_000;

/** Margin taken off a creation time we only estimated (from the submit time and the server's clock offset). */
const STARTDATE_MARGIN_MS = 2000;

export class JobWatcher {
    private readonly jobs = new Map<string, Watched>();
    private cancelTimer?: () => void;
    private timerAt = Infinity;
    private ticking = false;
    private lastTickAt = -Infinity;
    private slowdown = 1;
    private throttledUntil = -Infinity;
    private throttledSinceTick = false;
    /** Server creation time − local submit time, learned from answers (min seen); and the server's zone. */
    private serverOffsetMs?: number;
    private serverZone?: string;
    /** Set when listAsyncJobs is refused (permissions, an old server): ask per job from then on. */
    private listRefused = false;
    /**
     * Until when listings start at the DUE jobs only: set when a listing from the oldest job in flight took more
     * than one page. While one page holds every job since the oldest, that listing costs one request like any
     * other and looks at every job in flight at once (the job-wait bench's lateness depends on those looks).
     */
    private narrowUntil = -Infinity;
    /** Requests sent, by command (for tests and the bench). */
    readonly requests = { listAsyncJobs: 0, queryAsyncJobResult: 0 };

    constructor(
        readonly policy: WatcherPolicy,
        private readonly transport: () => WatcherTransport,
        private readonly clock: WatcherClock = realClock,
    ) {}

    /** Jobs being watched now. */
    get inFlight(): number {
        return this.jobs.size;
    }

    /** The current slowdown factor (1 = none). */
    get currentSlowdown(): number {
        return this.slowdown;
    }

    /** Watches a job submitted just now; resolves when it ended or timed out, rejects when a request failed. */
    watch(jobId: string, options: WatchOptions): Promise<WatchOutcome> {
        const existing = this.jobs.get(jobId);
        if (existing) {
            // Two waits on one job share its looks.
            return new Promise((resolve, reject) => {
                const [r0, j0] = [existing.resolve, existing.reject];
                existing.resolve = (o) => (r0(o), resolve(o));
                existing.reject = (e) => (j0(e), reject(e));
            });
        }
        const now = this.clock.now();
        return new Promise((resolve, reject) => {
            const w: Watched = {
                jobId,
                submittedAt: now,
                deadline: now + options.timeoutMs,
                lastLook: now,
                nextAt: Math.min(now + this.policy.firstDelayMs * this.slowdown, now + options.timeoutMs),
                polls: 0,
                looks: 0,
                page: 1,
                options,
                resolve,
                reject,
            };
            this.jobs.set(jobId, w);
            this.schedule();
        });
    }

    /** A 429 on this endpoint (any command): slow every job down. `retryAfterMs` is Mold's own hint. */
    noteThrottled(retryAfterMs?: number): void {
        const now = this.clock.now();
        const before = this.slowdown;
        this.slowdown = Math.min(this.policy.maxSlowdown, this.slowdown * this.policy.throttleFactor);
        const stretch = this.slowdown / before;
        for (const w of this.jobs.values()) w.nextAt = Math.min(w.deadline, w.lastLook + (w.nextAt - w.lastLook) * stretch);
        this.throttledUntil = Math.max(this.throttledUntil, now + (retryAfterMs ?? 0));
        this.throttledSinceTick = true;
        this.schedule();
    }

    private schedule(): void {
        if (this.ticking || this.jobs.size === 0) return;
        let at = Infinity;
        for (const w of this.jobs.values()) at = Math.min(at, w.nextAt);
        at = Math.max(at, this.lastTickAt + this.policy.minGapMs * this.slowdown, this.throttledUntil);
        if (at >= this.timerAt && this.cancelTimer) return;
        this.cancelTimer?.();
        this.timerAt = at;
        this.cancelTimer = this.clock.setTimer(() => {
            this.cancelTimer = undefined;
            this.timerAt = Infinity;
            void this.tick();
        }, at - this.clock.now());
    }

    private async tick(): Promise<void> {
        this.ticking = true;
        const now = this.clock.now();
        this.lastTickAt = now;
        try {
            const due = [...this.jobs.values()].filter((w) => w.nextAt <= now);
            if (due.length > 0) await this.lookAt(due);
        } finally {
            this.ticking = false;
            if (!this.throttledSinceTick) this.slowdown = Math.max(1, this.slowdown * this.policy.recovery);
            this.throttledSinceTick = false;
            this.schedule();
        }
    }

    private async lookAt(due: Watched[]): Promise<void> {
        const all = [...this.jobs.values()];
        const useList = this.policy.mode === "list" && !this.listRefused && all.length > 1;
        if (!useList) {
            await Promise.all(due.map((w) => this.query(w)));
            return;
        }
        const wide = this.clock.now() >= this.narrowUntil;
        const startdate = this.startdate(wide ? all : due);
        if (startdate === undefined) {
            // The server's clock is not known yet: one job asked directly tells it; the rest follow at once.
            await this.query(due[0]);
            return;
        }
        // Each page is settled as it arrives; the listing stops once every due job (every job, when wide) has been seen.
        const unseen = new Set((wide ? all : due).map((w) => w.jobId));
        const visited = new Set<string>();
        const incomplete: Watched[] = [];
        let pages = 0;
        // Requests not yet charged to a job: a page is shared by the jobs it answered for (one without any of
        // ours is charged to the next page's).
        let owed = 0;
        const visit = (page: AsyncJob[]): boolean => {
            pages++;
            owed++;
            this.requests.listAsyncJobs++;
            const ours: [Watched, AsyncJob][] = [];
            for (const job of page) {
                const w = this.jobs.get(job.jobid);
                if (!w || visited.has(w.jobId)) continue;
                visited.add(w.jobId);
                unseen.delete(w.jobId);
                ours.push([w, job]);
            }
            for (const [w, job] of ours) {
                w.polls += owed / ours.length;
                w.page = pages;
                // An ended job listed without its result (a server that leaves it out of lists): its own answer has it.
                if (job.jobstatus !== 0 && job.jobresult === undefined) incomplete.push(w);
                else this.seen(w, job);
            }
            if (ours.length > 0) owed = 0;
            return unseen.size > 0;
        };
        try {
            await this.transport().listAsyncJobs(startdate, visit);
        } catch (e) {
            this.requests.listAsyncJobs++;
            if (pages === 0 && isRefusal(e)) {
                this.listRefused = true;
                await Promise.all(due.map((w) => this.query(w)));
                return;
            }
            for (const w of all) this.fail(w, e);
            return;
        }
        // A wide listing of several pages: list from the due jobs for a while, then try again.
        if (wide && pages > 1) this.narrowUntil = this.clock.now() + NARROW_FOR_MS;
        // Not in the answer (older than startdate after a clock jump, another account's job): ask directly.
        const missing = due.filter((w) => unseen.has(w.jobId) && this.jobs.get(w.jobId) === w);
        await Promise.all([...missing, ...incomplete].map((w) => this.query(w)));
    }

    private async query(w: Watched): Promise<void> {
        let job: AsyncJob;
        try {
            this.requests.queryAsyncJobResult++;
            w.polls += 1;
            w.page = 1;
            job = await this.transport().queryAsyncJobResult(w.jobId);
        } catch (e) {
            this.fail(w, e);
            return;
        }
        this.seen(w, job);
    }

    /** An answer about `w`: settle it, time it out, or set its next look. */
    private seen(w: Watched, job: AsyncJob): void {
        if (this.jobs.get(w.jobId) !== w) return;
        const now = this.clock.now();
        w.looks++;
        // Parsed once per job: thousands of pending jobs are seen every tick.
        const created = w.createdMs === undefined ? parseMoldDate(job.created) : undefined;
        if (created) {
            w.createdMs = created.ms;
            this.serverZone = created.zone;
            const offset = created.ms - w.submittedAt;
            this.serverOffsetMs = this.serverOffsetMs === undefined ? offset : Math.min(this.serverOffsetMs, offset);
        }
        if (job.jobstatus !== 0) {
            this.jobs.delete(w.jobId);
            w.resolve({ job, timedOut: false, polls: w.polls, looks: w.looks });
            return;
        }
        if (now >= w.deadline) {
            this.jobs.delete(w.jobId);
            w.resolve({ job, timedOut: true, polls: w.polls, looks: w.looks });
            return;
        }
        w.options.onPoll?.(now - w.submittedAt, w.polls);
        w.lastLook = now;
        const delay = jobDelay(now - w.submittedAt, this.jobs.size, this.policy, w.page) * this.slowdown;
        w.nextAt = Math.min(w.deadline, now + delay);
    }

    private fail(w: Watched, e: unknown): void {
        if (this.jobs.get(w.jobId) !== w) return;
        this.jobs.delete(w.jobId);
        w.reject(e);
    }

    /**
     * Where a listing for `jobs` starts: the oldest one's creation time in the server's zone, exact (to the
     * second, as Mold keeps it) once an answer showed it, else estimated less a margin; undefined while the
     * server's clock is unknown.
     */
    private startdate(jobs: Watched[]): string | undefined {
        if (this.serverOffsetMs === undefined || this.serverZone === undefined) return undefined;
        let oldest = Infinity;
        for (const w of jobs) oldest = Math.min(oldest, w.createdMs ?? w.submittedAt + this.serverOffsetMs - STARTDATE_MARGIN_MS);
        return formatMoldDate(oldest, this.serverZone);
    }
}

/** Mold refused listAsyncJobs itself (not permitted, unknown command), as opposed to a failed exchange. */
function isRefusal(e: unknown): boolean {
    const code = (e as { errorcode?: unknown })?.errorcode;
    return code === 401 || code === 432 || code === 531 || code === 532;
}
