// The job watcher's logic, driven by a fake clock and a fake Mold (no sockets, no sleeps); then once through the
// real client against the simulator.
import test from "ava";
import {
    AsyncJob,
    capFor,
    DEFAULT_WATCHER_POLICY,
    formatMoldDate,
    jobDelay,
    Limiter,
    JobWatcher,
    MoldJobError,
    parseMoldDate,
    resolveClientConfig,
    WatcherClock,
    WatcherPolicy,
    WatcherTransport,
} from "../../provider/client";
import { runHook } from "../../provider";
import { startSimulatorServer } from "../../simulator/server";
import { withSimulator } from "../helpers/sim";

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Time moves only by `advance`; timers fire in order, each followed by the promise work it started. */
class FakeClock implements WatcherClock {
    t = 1_700_000_000_000;
    private timers: { at: number; fn: () => void; id: number }[] = [];
    private seq = 0;
    now() {
        return this.t;
    }
    setTimer(fn: () => void, ms: number) {
        const id = ++this.seq;
        this.timers.push({ at: this.t + Math.max(0, ms), fn, id });
        return () => {
            this.timers = this.timers.filter((x) => x.id !== id);
        };
    }
    async advance(ms: number) {
        const end = this.t + ms;
        await flush();
        for (;;) {
            this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
            const next = this.timers[0];
            if (!next || next.at > end) break;
            this.timers.shift();
            this.t = Math.max(this.t, next.at);
            next.fn();
            for (let i = 0; i < 5; i++) await flush();
        }
        this.t = end;
    }
}

interface FakeJob {
    endsAt: number;
    createdMs: number;
    status?: number;
}

/** A fake Mold: jobs end at set times; records every request; the server's clock is `skewMs` ahead, in `zone`. */
class FakeMold implements WatcherTransport {
    jobs = new Map<string, FakeJob>();
    log: { command: string; at: number; startdate?: string; jobid?: string; page?: number }[] = [];
    /** Pages of this many rows, handed one by one while the watcher asks for more (default: one page). */
    pageSize = Infinity;
    hidden = new Set<string>();
    listError?: Error;
    /** Lists ended jobs without their jobresult (as a server might). */
    listWithoutResults = false;
    constructor(
        private readonly clock: FakeClock,
        private readonly zone = "+0900",
        private readonly skewMs = 0,
    ) {}
    submit(jobid: string, durationMs: number, status = 1) {
        this.jobs.set(jobid, { endsAt: this.clock.now() + durationMs, createdMs: this.clock.now() + this.skewMs, status });
    }
    private render(jobid: string): AsyncJob {
        const j = this.jobs.get(jobid)!;
        const done = this.clock.now() >= j.endsAt;
        return {
            jobid,
            jobstatus: done ? (j.status ?? 1) : 0,
            jobresultcode: done && j.status === 2 ? 530 : 0,
            jobresult: done ? (j.status === 2 ? { errorcode: 530, errortext: "boom" } : { success: true }) : undefined,
            created: formatMoldDate(Math.floor(j.createdMs / 1000) * 1000, this.zone),
        };
    }
    async queryAsyncJobResult(jobid: string) {
        this.log.push({ command: "queryAsyncJobResult", at: this.clock.now(), jobid });
        return this.render(jobid);
    }
    async listAsyncJobs(startdate: string | undefined, visit: (page: AsyncJob[]) => boolean) {
        this.log.push({ command: "listAsyncJobs", at: this.clock.now(), startdate });
        if (this.listError) throw this.listError;
        const from = startdate ? parseMoldDate(startdate)!.ms : -Infinity;
        // Mold compares creation times to the second.
        const rows = [...this.jobs.entries()]
            .filter(([id, j]) => Math.floor(j.createdMs / 1000) * 1000 >= from && !this.hidden.has(id))
            .map(([id]) => this.render(id))
            .map((job) => (this.listWithoutResults ? { ...job, jobresult: undefined } : job));
        for (let page = 1; ; page++) {
            if (page > 1) this.log.push({ command: "listAsyncJobs", at: this.clock.now(), startdate, page });
            const batch = rows.slice((page - 1) * this.pageSize, page * this.pageSize);
            this.listedRows += batch.length;
            if (!visit(batch) || page * this.pageSize >= rows.length) return;
        }
    }
    /** Rows every listAsyncJobs answered, in all. */
    listedRows = 0;
    count(command: string) {
        return this.log.filter((e) => e.command === command).length;
    }
}

function setup(policy: Partial<WatcherPolicy> = {}, zone?: string, skewMs?: number) {
    const clock = new FakeClock();
    const mold = new FakeMold(clock, zone, skewMs);
    const watcher = new JobWatcher({ ...DEFAULT_WATCHER_POLICY, ...policy }, () => mold, clock);
    /** Submits a job and watches it; resolves to when it was noticed and what it cost. */
    const run = (jobid: string, durationMs: number, status = 1, timeoutMs = 3_600_000) => {
        mold.submit(jobid, durationMs, status);
        const endsAt = clock.now() + durationMs;
        return watcher.watch(jobid, { timeoutMs }).then((o) => ({ ...o, latenessMs: clock.now() - endsAt }));
    };
    return { clock, mold, watcher, run };
}

test("jobDelay: quick looks at young jobs, a steady second, then 2 % of the age, capped by the jobs in flight", (t) => {
    const p = DEFAULT_WATCHER_POLICY;
    t.is(jobDelay(0, 1), p.firstDelayMs);
    t.is(jobDelay(500, 1), p.youngDelayMs); // under 2 s old: every 200 ms
    t.is(jobDelay(1900, 1), p.youngDelayMs);
    t.is(jobDelay(2000, 1), 500); // then 0.25 × age, at least minDelayMs
    t.is(jobDelay(10_000, 1), 1000); // steady
    t.is(jobDelay(50_000, 1), 1000); // steady until 2 % of the age is more
    t.is(jobDelay(100_000, 1), 2000); // 2 % of the age
    t.is(jobDelay(600_000, 1), p.maxDelayMs); // a lone job's cap
    t.is(capFor(1), 4000);
    t.is(capFor(2), 2000);
    t.is(capFor(16), p.sharedMaxDelayMs);
    t.is(jobDelay(600_000, 16), p.sharedMaxDelayMs);
    let last = 0;
    for (let age = 1; age < 900_000; age += 733) {
        const d = jobDelay(age, 1);
        t.true(d >= last && d >= (age < p.youngUntilMs ? p.youngDelayMs : p.minDelayMs) && d <= p.maxDelayMs, `delay ${d} at age ${age}`);
        last = d;
    }
});

test("Mold dates: parsed with their zone, formatted back in it", (t) => {
    t.deepEqual(parseMoldDate("2025-01-01T09:00:00+0900"), { ms: Date.parse("2025-01-01T00:00:00Z"), zone: "+0900" });
    t.is(formatMoldDate(Date.parse("2025-01-01T00:00:00Z"), "+0900"), "2025-01-01T09:00:00+0900");
    t.is(formatMoldDate(Date.parse("2025-01-01T00:00:00Z"), "-0530"), "2024-12-31T18:30:00-0530");
    t.is(parseMoldDate("yesterday"), undefined);
});

test("jobs under 2 s (tags, rules, an address) are looked at every 200 ms while young: noticed less than 200 ms late, at most 11 looks", async (t) => {
    for (const duration of [300, 700, 1_500, 1_950]) {
        const { clock, run } = setup();
        const done = run(`job-${duration}`, duration);
        await clock.advance(duration + 5_000);
        const o = await done;
        t.true(o.latenessMs < 200, `${duration} ms job noticed ${o.latenessMs} ms late`);
        t.true(o.polls <= 11, `${duration} ms job: ${o.polls} looks`);
    }
    // Before (no young pace: 400 ms floor, then 0.25 × age), a 0.3 s and a 1.5 s job were each noticed 200 ms late.
    for (const duration of [300, 1_500]) {
        const { clock, run } = setup({ youngUntilMs: 1 });
        const done = run("old", duration);
        await clock.advance(5_000);
        t.is((await done).latenessMs, 200);
    }
});

test("a lone job is asked about directly and noticed within its next delay, at any length", async (t) => {
    for (const duration of [150, 3_000, 30_000, 300_000]) {
        const { clock, mold, run } = setup();
        const done = run(`job-${duration}`, duration);
        await clock.advance(duration + 10_000);
        const o = await done;
        t.is(o.job?.jobstatus, 1);
        t.false(o.timedOut);
        t.is(mold.count("listAsyncJobs"), 0, "one job: queryAsyncJobResult, whose answer is smaller");
        t.true(o.latenessMs <= Math.max(DEFAULT_WATCHER_POLICY.minDelayMs, jobDelay(duration, 1)), `${duration} ms job noticed ${o.latenessMs} ms late`);
        t.is(o.polls, mold.count("queryAsyncJobResult"));
    }
});

test("overlapping jobs share one listAsyncJobs per tick: each noticed within the shared cap, at a fraction of the polls", async (t) => {
    const { clock, mold, run } = setup();
    const n = 20;
    const duration = 60_000;
    const runs = Array.from({ length: n }, (_, i) => run(`node-${i}`, duration + i * 37));
    await clock.advance(duration + 5_000);
    const outcomes = await Promise.all(runs);
    outcomes.forEach((o, i) => {
        t.is(o.job?.jobstatus, 1);
        // Within the cap for the n − i jobs still in flight when it ended: the shared cap while 8 or more are
        // left, longer for the last few (the last one ends alone and is looked at on its own delay).
        const bound = jobDelay(duration + 1000, n - i);
        if (i < n - 8) t.is(bound, DEFAULT_WATCHER_POLICY.sharedMaxDelayMs);
        t.true(o.latenessMs <= bound, `job ${i} noticed ${o.latenessMs} ms late`);
    });
    const requests = mold.log.length;
    // A fixed 2 s poll per job would send n × 30 requests; the shared ticks come every 0.5 s at most.
    t.true(requests < (duration / DEFAULT_WATCHER_POLICY.sharedMaxDelayMs) * 1.5, `${requests} requests for ${n} jobs`);
    t.true(requests / n < duration / 2000 / 4, `${(requests / n).toFixed(2)} requests per job`);
    // The attributed shares add up to the requests sent.
    const shares = outcomes.reduce((a, o) => a + o.polls, 0);
    t.true(Math.abs(shares - requests) < 1e-6, `shares ${shares} vs requests ${requests}`);
    // Until the server's clock is known one job is asked directly; from then on, lists filtered by startdate.
    t.is(mold.log[0].command, "queryAsyncJobResult");
    t.true(mold.count("listAsyncJobs") > 0.9 * requests);
});

test("startdate: the oldest DUE job, in the server's own zone (less a margin while only estimated); jobs outside the list are asked directly", async (t) => {
    // The server runs 90 s ahead in +0900.
    const { clock, mold, run, watcher } = setup({}, "+0900", 90_000);
    const first = run("a", 20_000);
    await clock.advance(3_000);
    const second = run("b", 10_000);
    await clock.advance(2_000);
    const lists = mold.log.filter((e) => e.command === "listAsyncJobs");
    t.true(lists.length > 0);
    const aCreated = mold.jobs.get("a")!.createdMs;
    for (const l of lists) {
        const sd = parseMoldDate(l.startdate)!;
        t.is(sd.zone, "+0900");
        // Never earlier than a's creation less the margin of an estimate, and never later than b's.
        t.true(sd.ms >= aCreated - 3_000 && sd.ms <= mold.jobs.get("b")!.createdMs, `startdate ${l.startdate}`);
    }
    // Once a's creation time was seen, a listing for it starts at that very second.
    t.true(
        lists.some((l) => parseMoldDate(l.startdate)!.ms === Math.floor(aCreated / 1000) * 1000),
        `startdates ${lists.map((l) => l.startdate).join(", ")} for a job created at ${formatMoldDate(aCreated, "+0900")}`,
    );
    // A job the list leaves out (an older one, another account's view) is still watched: asked directly when due.
    mold.hidden.add("b");
    const queriedBefore = mold.log.filter((e) => e.jobid === "b").length;
    await clock.advance(20_000);
    const [a, b] = await Promise.all([first, second]);
    t.is(a.job?.jobstatus, 1);
    t.is(b.job?.jobstatus, 1);
    t.true(mold.log.filter((e) => e.jobid === "b").length > queriedBefore);
    t.is(watcher.inFlight, 0);
});

test("once a listing from the oldest job takes several pages, ticks list from their oldest due job: a long job in flight does not make every look read every job since", async (t) => {
    const { clock, mold, run } = setup();
    mold.pageSize = 20;
    // One long job, then a short job every second for 100 s (rules while a cluster is created).
    const long = run("long", 120_000);
    const shorts: ReturnType<typeof run>[] = [];
    for (let i = 0; i < 100; i++) {
        shorts.push(run(`short-${i}`, 300));
        await clock.advance(1_000);
    }
    await clock.advance(30_000);
    const outcomes = await Promise.all([long, ...shorts]);
    for (const o of outcomes) t.is(o.job?.jobstatus, 1);
    for (const o of outcomes.slice(1)) t.true(o.latenessMs <= DEFAULT_WATCHER_POLICY.steadyDelayMs, `a short job noticed ${o.latenessMs} ms late`);
    t.true(outcomes[0].latenessMs <= DEFAULT_WATCHER_POLICY.sharedMaxDelayMs * 4, `the long job noticed ${outcomes[0].latenessMs} ms late`);
    const lists = mold.count("listAsyncJobs");
    // Listed from the long job's creation every time, a listing holds ~50 jobs on average; from the due ones, the
    // short jobs' looks read a few rows and only the long job's own looks (every 2 s) read all since it.
    t.true(mold.listedRows / lists < 20, `${(mold.listedRows / lists).toFixed(1)} rows per listing (${lists} listings)`);
    const longCreated = mold.jobs.get("long")!.createdMs;
    t.true(mold.log.some((e) => e.command === "listAsyncJobs" && parseMoldDate(e.startdate)!.ms > longCreated));
});

test("a listing is read page by page and stops once every due job has been seen", async (t) => {
    const { clock, mold, run } = setup();
    mold.pageSize = 5;
    // Five long jobs, then ten short ones that end at once: Mold keeps listing them after the long ones.
    const long = Array.from({ length: 5 }, (_, i) => run(`long-${i}`, 30_000));
    await clock.advance(1_000);
    const short = Array.from({ length: 10 }, (_, i) => run(`short-${i}`, 100));
    await clock.advance(2_000);
    const before = mold.log.length;
    await clock.advance(30_000);
    const outcomes = await Promise.all([...long, ...short]);
    for (const o of outcomes) t.is(o.job?.jobstatus, 1);
    const later = mold.log.slice(before);
    t.true(later.filter((e) => e.command === "listAsyncJobs").length > 10);
    // Every look at the long jobs found them all on the first page and asked for no second one.
    t.deepEqual(
        later.filter((e) => e.page !== undefined),
        [],
    );
    // The shares still add up to the requests sent.
    const shares = outcomes.reduce((a, o) => a + o.polls, 0);
    t.true(Math.abs(shares - mold.log.length) < 1e-6, `shares ${shares} vs requests ${mold.log.length}`);
});

test("a 429 anywhere on the endpoint slows every job's looks; clean ticks bring the pace back", async (t) => {
    const { clock, mold, run, watcher } = setup();
    const t0 = clock.now();
    const runs = Array.from({ length: 4 }, (_, i) => run(`j${i}`, 120_000));
    await clock.advance(60_000);
    const gaps = (from: number, to: number) => {
        const ticks = mold.log.filter((e) => e.at >= from && e.at < to).map((e) => e.at);
        return ticks.slice(1).map((x, i) => x - ticks[i]);
    };
    const before = gaps(t0 + 50_000, t0 + 60_000);
    t.true(before.length >= 5 && before.every((g) => g <= capFor(4) + 1), `gaps before ${before}`);
    watcher.noteThrottled(1500);
    watcher.noteThrottled(1500);
    t.is(watcher.currentSlowdown, 4);
    const throttledAt = clock.now();
    await clock.advance(1_000);
    t.is(mold.log.filter((e) => e.at > throttledAt).length, 0, "nothing is sent before Mold's retry-after");
    await clock.advance(9_000);
    const after = gaps(throttledAt, throttledAt + 10_000);
    t.true(after.length > 0 && after[0] >= 2 * capFor(4), `gaps after ${after}`);
    // Each clean tick multiplies the slowdown by 0.8: back to 1 after a few ticks.
    await clock.advance(30_000);
    t.is(watcher.currentSlowdown, 1);
    await clock.advance(30_000);
    for (const o of await Promise.all(runs)) t.is(o.job?.jobstatus, 1);
});

test("query mode asks per due job; a refused listAsyncJobs falls back to it for good", async (t) => {
    const q = setup({ mode: "query" });
    const qRuns = [q.run("x", 5_000), q.run("y", 5_000)];
    await q.clock.advance(10_000);
    await Promise.all(qRuns);
    t.is(q.mold.count("listAsyncJobs"), 0);
    t.true(q.mold.count("queryAsyncJobResult") >= 2 * 5);

    const l = setup();
    l.mold.listError = Object.assign(new Error("The user is not allowed to request the API command or the API command does not exist"), { errorcode: 432 });
    const lRuns = [l.run("x", 5_000), l.run("y", 5_000), l.run("z", 5_000)];
    await l.clock.advance(10_000);
    for (const o of await Promise.all(lRuns)) t.is(o.job?.jobstatus, 1);
    t.is(l.mold.count("listAsyncJobs"), 1, "asked once, then never again");
});

test("a job past its timeout ends the wait as timed out; a failed request rejects the jobs it covered", async (t) => {
    const { clock, mold, run, watcher } = setup();
    const slow = run("slow", 600_000, 1, 30_000);
    await clock.advance(31_000);
    const o = await slow;
    t.true(o.timedOut);
    t.is(o.job?.jobstatus, 0);
    t.is(watcher.inFlight, 0);

    const a = run("a", 10_000);
    const b = run("b", 10_000);
    await clock.advance(3_000);
    mold.listError = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    await clock.advance(2_000);
    await t.throwsAsync(a, { message: /socket hang up/ });
    await t.throwsAsync(b, { message: /socket hang up/ });
    t.is(watcher.inFlight, 0);
});

test("through the client: jobs in flight together are watched with listAsyncJobs; a failed one throws MoldJobError", async (t) => {
    const env = await withSimulator({ latencyProfile: "fast" });
    try {
        const { sim, client } = env;
        sim.setLatency({ createTags: 1500, deleteTags: 1500 }, 1);
        const templateId = sim.inventory().templates[0].id;
        const settled: { polls: number; looks: number }[] = [];
        const tag = (key: string) =>
            client.callAsync(
                "createTags",
                { resourcetype: "Template", resourceids: [templateId], tags: [{ key, value: "v" }] },
                { onSettled: (s) => settled.push(s) },
            );
        await Promise.all(Array.from({ length: 6 }, (_, i) => tag(`k${i}`)));
        t.is(settled.length, 6);
        const lists = client.requestCounts.listAsyncJobs ?? 0;
        const queries = client.requestCounts.queryAsyncJobResult ?? 0;
        t.true(lists > 0, "listAsyncJobs used");
        const shares = settled.reduce((a, s) => a + s.polls, 0);
        t.true(Math.abs(shares - (lists + queries)) < 1e-6, `shares ${shares} vs ${lists} lists + ${queries} queries`);
        // Six 1.5 s jobs polled alone (0.1, 0.5, 0.9, 1.3, 1.7 s…) would take ≥ 30 requests.
        t.true(lists + queries < 15, `${lists} lists + ${queries} queries`);

        sim.setFaults({ jobFailureRate: 1 });
        await t.throwsAsync(tag("doomed"), { instanceOf: MoldJobError, message: /injected fault/ });

        // A 429 on any command (here a plain read, retried by the client) slows the endpoint's watcher.
        t.is(client.jobWatcher!.currentSlowdown, 1);
        sim.setFaults({ throttleRate: 1, limit: 1, commands: ["listZones"] });
        await client.list("listZones", {}, "zone");
        t.is(sim.simulator.faults.injected.throttle, 1);
        t.is(client.jobWatcher!.currentSlowdown, DEFAULT_WATCHER_POLICY.throttleFactor);
    } finally {
        await env.stop();
    }
});

test("listAsyncJobs: startdate filters by creation time; a bad date is 431 'Unable to parse date'", async (t) => {
    const env = await withSimulator({ latencyProfile: "fast" });
    try {
        const { sim, client } = env;
        const templateId = sim.inventory().templates[0].id;
        await client.callAsync("createTags", { resourcetype: "Template", resourceids: [templateId], tags: [{ key: "a", value: "v" }] });
        const all = await client.list<AsyncJob>("listAsyncJobs", {}, "asyncjobs");
        t.true(all.length >= 1);
        const created = parseMoldDate(all[0].created)!;
        t.is((await client.list<AsyncJob>("listAsyncJobs", { startdate: formatMoldDate(created.ms, "+0000") }, "asyncjobs")).length, all.length);
        t.is((await client.list<AsyncJob>("listAsyncJobs", { startdate: formatMoldDate(created.ms + 60_000, "+0000") }, "asyncjobs")).length, 0);
        t.is(
            (await client.list<AsyncJob>("listAsyncJobs", { startdate: formatMoldDate(created.ms, "+0900") }, "asyncjobs")).length,
            all.length,
            "the same instant in another zone",
        );
        t.is((await client.list<AsyncJob>("listAsyncJobs", { startdate: "2000-01-01" }, "asyncjobs")).length, all.length);
        await t.throwsAsync(client.list("listAsyncJobs", { startdate: "tomorrow" }, "asyncjobs"), { message: /431.*Unable to parse date tomorrow/ });
    } finally {
        await env.stop();
    }
});

test("jobWatch setting: list (default), query, off, a policy object or JSON; bad values are named", (t) => {
    const base = { apiUrl: "http://127.0.0.1:1/client/api", apiKey: "k", secretKey: "s" };
    t.deepEqual(resolveClientConfig(base, {}).jobWatch, DEFAULT_WATCHER_POLICY);
    t.is((resolveClientConfig(base, { MOLD_JOB_WATCH: "query" }).jobWatch as WatcherPolicy).mode, "query");
    t.is(resolveClientConfig(base, { MOLD_JOB_WATCH: "off" }).jobWatch, "off");
    t.is((resolveClientConfig({ ...base, jobWatch: { sharedMaxDelayMs: 250 } }, {}).jobWatch as WatcherPolicy).sharedMaxDelayMs, 250);
    t.is((resolveClientConfig(base, { MOLD_JOB_WATCH: '{"firstDelayMs":10}' }).jobWatch as WatcherPolicy).firstDelayMs, 10);
    t.throws(() => resolveClientConfig(base, { MOLD_JOB_WATCH: "sometimes" }), { message: /MOLD_JOB_WATCH.*list, query or off, got 'sometimes'/ });
    t.throws(() => resolveClientConfig({ ...base, jobWatch: { growth: -1, mode: "batch" as "list" } }, {}), { message: /jobWatch.*mode 'batch', growth '-1'/ });
    t.throws(() => resolveClientConfig(base, { MOLD_JOB_WATCH: '{"sharedMax":1}' }), { message: /MOLD_JOB_WATCH.*unknown field\(s\) sharedMax/ });
    t.throws(() => resolveClientConfig(base, { MOLD_JOB_WATCH: "{oops" }), { message: /MOLD_JOB_WATCH.*not valid JSON/ });
});

test("the endpoint's request limit lets the watcher's looks go first: a poll never waits behind queued submissions", async (t) => {
    const limiter = new Limiter(1);
    const order: string[] = [];
    let release!: () => void;
    const holding = limiter.run(() => new Promise<void>((r) => (release = r)));
    const queued = ["submit-1", "submit-2", "submit-3"].map((name) => limiter.run(async () => void order.push(name)));
    const look = limiter.run(async () => void order.push("look"), true);
    release();
    await Promise.all([holding, ...queued, look]);
    t.deepEqual(order, ["look", "submit-1", "submit-2", "submit-3"]);
});

test("jobs watched together converge through 5xx, 429 and dropped connections on listAsyncJobs; each submit is sent once", async (t) => {
    const env = await withSimulator({ latencyProfile: "fast" });
    try {
        const { sim, client } = env;
        sim.setLatency({ createTags: 600 }, 1);
        const templateId = sim.inventory().templates[0].id;
        sim.setFaults({ serverErrorRate: 0.25, throttleRate: 0.1, dropRate: 0.2, commands: ["listAsyncJobs"], seed: 11 });
        const keys = ["k1", "k2", "k3", "k4", "k5", "k6"];
        const results = await Promise.all(
            keys.map((key) => client.callAsync("createTags", { resourcetype: "Template", resourceids: [templateId], tags: [{ key, value: "x" }] })),
        );
        for (const r of results) t.is(r.job.jobstatus, 1);
        t.is(sim.requestCounts.createTags, keys.length);
        t.true((client.requestCounts.listAsyncJobs ?? 0) > 0);
        const injected = Object.values(sim.simulator.faults.injected).reduce((a, b) => a + b, 0);
        t.true(injected >= 2, `only ${injected} faults were injected`);
    } finally {
        await env.stop();
    }
});

test("a cluster create waits for its job through the watcher: the cluster is read before and after, not polled; a failed job ends it with Mold's text and the id", async (t) => {
    t.timeout(90_000);
    const sim = await startSimulatorServer({ port: 0 });
    try {
        const settings = { apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey };
        const inputs = { name: "watched-k8s", zone: "zone1", kubernetesVersion: "1.31.9", serviceOffering: "2C-4GB", size: 1, controlNodes: 1 };
        sim.setLatency({ createKubernetesCluster: 4000 }, 1);
        const created = await runHook("KubernetesCluster", "create", settings, [inputs]);
        t.is(created.outs.state, "Running");
        // Polling the cluster on the per-job schedule (0.1, 0.5, 0.9 … s) would list it ~9 times in 4 s.
        const lists = sim.requestCounts.listKubernetesClusters ?? 0;
        t.true(lists <= 4, `listKubernetesClusters sent ${lists} times`);

        sim.setFaults({ jobFailureRate: 1, seed: 3 });
        const err: any = await t.throwsAsync(runHook("KubernetesCluster", "create", settings, [{ ...inputs, name: "doomed-k8s" }]));
        const doomed = sim.inventory().kubernetesClusters.find((c: { name: string }) => c.name === "doomed-k8s");
        t.is(err.id, doomed.id);
        t.regex(err.message, /cluster .* is not ready: .*state Error[\s\S]*injected fault/);
    } finally {
        await sim.stop();
    }
});

test("a job the list shows ended but without its result is asked about directly, so the caller gets the result", async (t) => {
    const { clock, mold, run } = setup();
    mold.listWithoutResults = true;
    const t0 = clock.now();
    const runs = [run("r1", 3_000), run("r2", 3_000), run("r3", 9_000)];
    await clock.advance(12_000);
    for (const o of await Promise.all(runs)) t.deepEqual(o.job?.jobresult, { success: true });
    // r1 and r2 end while three jobs are in flight: a list sees them ended, then each is asked for its result.
    const listedEnd = mold.log.find((e) => e.command === "listAsyncJobs" && e.at >= t0 + 3_000);
    t.truthy(listedEnd);
    for (const id of ["r1", "r2"])
        t.truthy(
            mold.log.find((e) => e.jobid === id && e.at === listedEnd!.at),
            `${id} asked in the same tick`,
        );
});
