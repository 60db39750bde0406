// Job-waiting bench: the real client waits for real jobs on a real HTTP simulator, for the same set of job durations
// (0.2 s to 600 s) under each way of waiting, and measures per job
//   lateness (overshoot) = when the wait returned − when the job finished in the simulator (its `finishedAt`)
//   polls               = requests spent on it (a listAsyncJobs answering for n jobs counts 1/n for each).
// Each way of waiting is a phase with its own simulator and `concurrency` jobs in flight at a time (the phases run
// side by side, so they share the machine's load):
//   watcher (list)   the endpoint's job watcher as shipped: one listAsyncJobs answers for every job in flight;
//   watcher (query)  the same schedule, one queryAsyncJobResult per due job (the due-job scheduler alternative);
//   watcher (alone)  each job on a watcher of its own (nothing to share: what one lone job costs);
//   per-job (old)    the per-job schedule before the watcher (job-wait.ts);
//   fixed 2 s, fixed 1 s, cloudstack-go: other clients' schedules.
// Time is compressed: jobs run `timeFactor` times faster and every schedule is compressed the same way, so figures
// scaled back by k are what the policy gives on real durations. Loopback round trips and timer slop are not
// compressed, so they weigh k times more in the scaled-back figures (reported as `measurementFloorMs`).
import * as os from "os";
import {
    cloudstackGoSchedule,
    compressedWatcherPolicy,
    DEFAULT_JOB_WAIT_POLICY,
    DEFAULT_WATCHER_POLICY,
    fixedSchedule,
    JobWaitPolicy,
    JobWatcher,
    MoldClient,
    PollSchedule,
    pulumiMoldSchedule,
    WatcherPolicy,
    AsyncJob,
} from "../../provider/client";
import { mulberry32 } from "../../simulator/faults";
import { startSimulatorServer } from "../../simulator/server";

export type ShortSpread = "log" | "linear";

export interface JobWaitBenchOptions {
    /** Jobs run this many times faster than the durations reported. */
    timeFactor?: number;
    /** Jobs in flight at once in each phase. */
    concurrency?: number;
    /** Jobs per bucket: <10 s, 10–60 s, 60–600 s. */
    perBucket?: [number, number, number];
    /** How the <10 s durations are spread over 0.2–10 s: log-uniform (default) or uniform. */
    shortSpread?: ShortSpread;
    /** The per-job policy measured as the old one (default DEFAULT_JOB_WAIT_POLICY). */
    policy?: JobWaitPolicy;
    /** The watcher policy measured (default DEFAULT_WATCHER_POLICY; `mode` is set per phase). */
    watcherPolicy?: WatcherPolicy;
    seed?: number;
    progress?: (line: string) => void;
}

interface Bucket {
    name: string;
    from: number;
    to: number;
    log: boolean;
}
const BUCKETS: Bucket[] = [
    { name: "<10s", from: 200, to: 10_000, log: true },
    { name: "10-60s", from: 10_000, to: 60_000, log: false },
    { name: "60-600s", from: 60_000, to: 600_000, log: true },
];

interface JobSample {
    durationMs: number;
    overshootMs: number;
    polls: number;
}

interface Figures {
    jobs: number;
    medianOvershootMs: number;
    p90OvershootMs: number;
    meanOvershootMs: number;
    meanPolls: number;
    /** Median of lateness / max(0.5 s, 2 % of the job's duration): at most 1 meets the bound. */
    medianLatenessToBound: number;
}

/** Stratified durations: one job per equal slice of each bucket, at a random point inside the slice. */
export function benchDurations(perBucket: [number, number, number], shortSpread: ShortSpread, seed: number): number[] {
    // Seeded, so every run measures the same durations.
    const random = mulberry32(seed);
    const out: number[] = [];
    BUCKETS.forEach((b, i) => {
        const n = perBucket[i];
        for (let j = 0; j < n; j++) {
            const u = (j + random()) / n;
            const log = b.log && (i > 0 || shortSpread === "log");
            out.push(Math.round(log ? b.from * Math.pow(b.to / b.from, u) : b.from + (b.to - b.from) * u));
        }
    });
    return out;
}

/** The same schedule in compressed time. */
export function scaledSchedule(schedule: PollSchedule, factor: number): PollSchedule {
    return { name: schedule.name, delay: (attempt, elapsedMs) => schedule.delay(attempt, elapsedMs * factor) / factor };
}

/** The bound on a job's lateness: max(0.5 s, 2 % of its duration). */
export const latenessBoundMs = (durationMs: number) => Math.max(500, 0.02 * durationMs);

const quantile = (values: number[], q: number): number => {
    if (values.length === 0) return NaN;
    const s = [...values].sort((a, b) => a - b);
    const pos = (s.length - 1) * q;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return s[lo] + (s[hi] - s[lo]) * (pos - lo);
};
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const round = (v: number, digits = 0) => Number(v.toFixed(digits));

function figures(samples: JobSample[]): Figures {
    const o = samples.map((s) => s.overshootMs);
    return {
        jobs: samples.length,
        medianOvershootMs: round(quantile(o, 0.5)),
        p90OvershootMs: round(quantile(o, 0.9)),
        meanOvershootMs: round(mean(o)),
        meanPolls: round(mean(samples.map((s) => s.polls)), 2),
        medianLatenessToBound: round(
            quantile(
                samples.map((s) => s.overshootMs / latenessBoundMs(s.durationMs)),
                0.5,
            ),
            2,
        ),
    };
}

type Way =
    | { name: string; kind: "schedule"; schedule: PollSchedule }
    | { name: string; kind: "watcher"; policy: WatcherPolicy }
    | { name: string; kind: "alone"; policy: WatcherPolicy };

export const WATCHER_LIST = "pulumi-mold watcher (listAsyncJobs)";
export const WATCHER_QUERY = "pulumi-mold watcher (queryAsyncJobResult per due job)";
export const WATCHER_ALONE = "pulumi-mold watcher, each job alone";
export const OLD = "pulumi-mold per-job (before the watcher)";
const FIXED2 = "fixed 2 s (cloudmonkey, cs)";
const FIXED1 = "fixed 1 s (libcloud)";

/** One phase: its own simulator and client, `concurrency` jobs in flight, every duration once in the given order. */
async function runPhase(way: Way, durations: number[], factor: number, concurrency: number, progress: (line: string) => void) {
    const sim = await startSimulatorServer({ port: 0, latencyProfile: "fast" });
    const roundTrips: number[] = [];
    const requests: Record<string, number> = {};
    const client = new MoldClient({
        apiUrl: sim.url,
        apiKey: sim.apiKey,
        secretKey: sim.secretKey,
        signature: sim.signature,
        maxConcurrency: concurrency * 2,
        jobWatch: way.kind === "watcher" ? compressedWatcherPolicy(way.policy, factor) : "off",
        logger: (e) => {
            if (e.command !== "queryAsyncJobResult" && e.command !== "listAsyncJobs") return;
            requests[e.command] = (requests[e.command] ?? 0) + 1;
            roundTrips.push(e.durationMs);
        },
    });
    const templateId: string = sim.inventory().templates[0].id;
    const jobRecord = (jobId: string) => sim.simulator.state.tables.jobs?.[jobId] as { finishedAt?: number; jobstatus: number } | undefined;

    // The job's duration is the createTags latency when it is queued, so submissions take turns.
    let submitTurn: Promise<unknown> = Promise.resolve();
    const submit = (durationMs: number, key: string): Promise<string> => {
        const mine = submitTurn.then(async () => {
            sim.setLatency({ createTags: durationMs }, 1 / factor);
            const r = await client.call<{ jobid: string }>("createTags", {
                resourcetype: "Template",
                resourceids: [templateId],
                tags: [{ key, value: "bench" }],
            });
            return r.jobid;
        });
        submitTurn = mine.catch(() => undefined);
        return mine;
    };
    const transport = {
        queryAsyncJobResult: (jobid: string) => client.call<AsyncJob>("queryAsyncJobResult", { jobid }),
        listAsyncJobs: (startdate: string | undefined, visit: (page: AsyncJob[]) => boolean) =>
            client.listPages<AsyncJob>("listAsyncJobs", { startdate }, "asyncjobs", visit),
    };

    const samples: JobSample[] = [];
    const started = Date.now();
    let next = 0;
    const worker = async () => {
        // "alone": a watcher per worker, so no job ever shares a look with another.
        const own = way.kind === "alone" ? new JobWatcher(compressedWatcherPolicy(way.policy, factor), () => transport) : undefined;
        while (next < durations.length) {
            const index = next++;
            const durationMs = durations[index];
            const jobId = await submit(durationMs, `bench-${index}`);
            let polls = 0;
            if (own) {
                const o = await own.watch(jobId, { timeoutMs: 3_600_000 });
                if (o.timedOut) throw new Error(`bench job ${jobId} timed out`);
                polls = o.polls;
            } else {
                const schedule = way.kind === "schedule" ? scaledSchedule(way.schedule, factor) : undefined;
                await client.waitForJob("createTags", jobId, { schedule, onSettled: (s) => (polls = s.polls) });
            }
            const noticed = Date.now();
            const job = jobRecord(jobId);
            if (job?.jobstatus !== 1 || job.finishedAt === undefined) throw new Error(`bench job ${jobId} did not succeed`);
            samples.push({ durationMs, overshootMs: (noticed - job.finishedAt) * factor, polls });
        }
    };
    try {
        await Promise.all(Array.from({ length: concurrency }, worker));
    } finally {
        client.close();
        await sim.stop();
    }
    progress(`job-wait: ${way.name} done, ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const byBucket: Record<string, Figures> = { all: figures(samples) };
    for (const b of BUCKETS) byBucket[b.name] = figures(samples.filter((x) => x.durationMs >= b.from && x.durationMs < b.to));
    // The jobs a short chain waits for (tags 0.3 s, rules 1.5 s, an address 2 s): where a dense early look pays.
    byBucket["<2s"] = figures(samples.filter((x) => x.durationMs < 2_000));
    const totalRequests = Object.values(requests).reduce((a, b) => a + b, 0);
    return {
        figures: byBucket,
        requests: { ...requests, perJob: round(totalRequests / samples.length, 2) },
        /** Loopback round trip of one look, scaled back by timeFactor; part of every lateness. */
        roundTripMs: { median: round(quantile(roundTrips, 0.5) * factor), p90: round(quantile(roundTrips, 0.9) * factor) },
        wallClockMs: Date.now() - started,
    };
}

export async function runJobWaitBench(options: JobWaitBenchOptions = {}) {
    const factor = options.timeFactor ?? 10;
    const concurrency = options.concurrency ?? 16;
    const perBucket = options.perBucket ?? [30, 15, 15];
    const shortSpread = options.shortSpread ?? "log";
    const seed = options.seed ?? 7;
    const policy = options.policy ?? DEFAULT_JOB_WAIT_POLICY;
    const watcherPolicy = options.watcherPolicy ?? DEFAULT_WATCHER_POLICY;
    const progress = options.progress ?? (() => undefined);

    const ways: Way[] = [
        { name: WATCHER_LIST, kind: "watcher", policy: { ...watcherPolicy, mode: "list" } },
        { name: WATCHER_QUERY, kind: "watcher", policy: { ...watcherPolicy, mode: "query" } },
        { name: WATCHER_ALONE, kind: "alone", policy: { ...watcherPolicy, mode: "list" } },
        { name: OLD, kind: "schedule", schedule: { ...pulumiMoldSchedule(policy), name: OLD } },
        { name: FIXED2, kind: "schedule", schedule: fixedSchedule(FIXED2, 2000) },
        { name: FIXED1, kind: "schedule", schedule: fixedSchedule(FIXED1, 1000) },
        { name: cloudstackGoSchedule.name, kind: "schedule", schedule: cloudstackGoSchedule },
    ];
    // One shuffled order of the durations, the same for every phase.
    const durations = benchDurations(perBucket, shortSpread, seed);
    const random = mulberry32(seed + 1);
    for (let i = durations.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [durations[i], durations[j]] = [durations[j], durations[i]];
    }
    const started = Date.now();
    const loadBefore = os.loadavg()[0];
    const phases = await Promise.all(ways.map((w) => runPhase(w, durations, factor, concurrency, progress)));
    const results = Object.fromEntries(ways.map((w, i) => [w.name, phases[i]]));
    const fig = (name: string, bucket: string) => results[name].figures[bucket];

    const peers = [FIXED2, FIXED1, cloudstackGoSchedule.name];
    const long = ["10-60s", "60-600s"];
    const check = (holds: boolean, detail: Record<string, unknown>) => ({ holds, ...detail });
    const targets = {
        /** Issue 16: median lateness ≤ max(0.5 s, 2 %) and below fixed 1 s; polls per job below fixed 2 s (jobs overlapping). */
        longJobs: Object.fromEntries(
            long.map((b) => {
                const ours = fig(WATCHER_LIST, b);
                return [
                    b,
                    {
                        latenessWithinBound: check(ours.medianLatenessToBound <= 1, { medianLatenessToBound: ours.medianLatenessToBound }),
                        latenessBelowFixed1s: check(ours.medianOvershootMs < fig(FIXED1, b).medianOvershootMs, {
                            pulumiMoldMs: ours.medianOvershootMs,
                            fixed1sMs: fig(FIXED1, b).medianOvershootMs,
                            oldMs: fig(OLD, b).medianOvershootMs,
                        }),
                        pollsBelowFixed2s: check(ours.meanPolls < fig(FIXED2, b).meanPolls, {
                            pulumiMoldPolls: ours.meanPolls,
                            fixed2sPolls: fig(FIXED2, b).meanPolls,
                            oldPolls: fig(OLD, b).meanPolls,
                        }),
                    },
                ];
            }),
        ),
        /** No regression: jobs under 10 s are noticed sooner than by every peer. */
        shortJobsLowestMedianOvershoot: check(
            peers.every((p) => fig(WATCHER_LIST, "<10s").medianOvershootMs < fig(p, "<10s").medianOvershootMs),
            { pulumiMoldMs: fig(WATCHER_LIST, "<10s").medianOvershootMs, peersMs: Object.fromEntries(peers.map((p) => [p, fig(p, "<10s").medianOvershootMs])) },
        ),
        /** Which batching the measurements favour: requests per job of list vs query mode at the same schedule. */
        listVersusQuery: {
            requestsPerJob: { list: results[WATCHER_LIST].requests.perJob, query: results[WATCHER_QUERY].requests.perJob },
            medianOvershootMs: { list: fig(WATCHER_LIST, "all").medianOvershootMs, query: fig(WATCHER_QUERY, "all").medianOvershootMs },
        },
    };

    return {
        description:
            "Lateness (overshoot) = time the client noticed a job's end minus the job's finishedAt in the simulator; polls = requests per job " +
            "(a listAsyncJobs answering for n jobs counts 1/n). Durations and latenesses are in real-time ms (measured ×timeFactor). " +
            "Each way of waiting runs in its own phase (own simulator) with `concurrency` jobs in flight; the phases run side by side.",
        timeFactor: factor,
        concurrency,
        durations: {
            jobsPerPhase: durations.length,
            perBucket: Object.fromEntries(BUCKETS.map((b, i) => [b.name, perBucket[i]])),
            shortSpread: shortSpread === "log" ? "log-uniform 0.2-10 s" : "uniform 0.2-10 s",
            otherBuckets: "uniform 10-60 s, log-uniform 60-600 s",
            seed,
        },
        watcherPolicy,
        oldPerJobPolicy: policy,
        results,
        targets,
        /** 1-minute load average of the machine before and after (2 cores here: above 2, every timer runs late). */
        loadAverage: { before: round(loadBefore, 1), after: round(os.loadavg()[0], 1) },
        wallClockMs: Date.now() - started,
    };
}
