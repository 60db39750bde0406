// Job-waiting bench: the real client polls queryAsyncJobResult on a real HTTP simulator, once per job and
// poll schedule, for the same set of job durations (0.2 s to 60 s). For each job it measures
//   overshoot = when waitForJob returned − when the job finished in the simulator (its `finishedAt`)
//   polls     = queryAsyncJobResult requests sent for that job (counted from the client's log).
// Time is compressed: jobs run `timeFactor` times faster and every schedule is scaled the same way
// (a delay of d ms at elapsed e becomes schedule(e × k) / k), so figures scaled back by k are what the
// policy would give on real durations. Loopback round trips and timer slop are not compressed, so they
// weigh k times more in the scaled-back figures (reported as `measurementFloorMs`).
import {
    cloudstackGoSchedule,
    DEFAULT_JOB_WAIT_POLICY,
    fixedSchedule,
    JobWaitPolicy,
    MoldClient,
    PollSchedule,
    pulumiMoldSchedule,
} from "../../provider/client";
import { mulberry32 } from "../../simulator/faults";
import { startSimulatorServer } from "../../simulator/server";

export type ShortSpread = "log" | "linear";

export interface JobWaitBenchOptions {
    /** Jobs run this many times faster than the durations reported. */
    timeFactor?: number;
    /** Jobs waited on at once. */
    concurrency?: number;
    /** Jobs per bucket: <10 s, 10–30 s, 30–60 s. */
    perBucket?: [number, number, number];
    /** How the <10 s durations are spread over 0.2–10 s: log-uniform (default) or uniform. */
    shortSpread?: ShortSpread;
    /** The pulumi-mold policy to measure (default DEFAULT_JOB_WAIT_POLICY). */
    policy?: JobWaitPolicy;
    seed?: number;
    progress?: (line: string) => void;
}

interface Bucket {
    name: string;
    from: number;
    to: number;
}
const BUCKETS: Bucket[] = [
    { name: "<10s", from: 200, to: 10_000 },
    { name: "10-30s", from: 10_000, to: 30_000 },
    { name: ">30s", from: 30_000, to: 60_000 },
];

interface JobSample {
    policy: string;
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
            const log = i === 0 && shortSpread === "log";
            out.push(Math.round(log ? b.from * Math.pow(b.to / b.from, u) : b.from + (b.to - b.from) * u));
        }
    });
    return out;
}

/** The same schedule in compressed time. */
export function scaledSchedule(schedule: PollSchedule, factor: number): PollSchedule {
    return { name: schedule.name, delay: (attempt, elapsedMs) => schedule.delay(attempt, elapsedMs * factor) / factor };
}

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
    };
}

export async function runJobWaitBench(options: JobWaitBenchOptions = {}) {
    const factor = options.timeFactor ?? 10;
    const concurrency = options.concurrency ?? 16;
    const perBucket = options.perBucket ?? [30, 15, 15];
    const shortSpread = options.shortSpread ?? "log";
    const seed = options.seed ?? 7;
    const policy = options.policy ?? DEFAULT_JOB_WAIT_POLICY;
    const progress = options.progress ?? (() => undefined);

    const schedules: PollSchedule[] = [
        pulumiMoldSchedule(policy),
        fixedSchedule("fixed 2 s (cloudmonkey, cs)", 2000),
        fixedSchedule("fixed 1 s (libcloud)", 1000),
        cloudstackGoSchedule,
    ];
    const pulumiName = schedules[0].name;
    const durations = benchDurations(perBucket, shortSpread, seed);

    // Every (duration, schedule) pair once, in a shuffled order so that all schedules share the load evenly.
    const random = mulberry32(seed + 1);
    const tasks = durations.flatMap((durationMs) => schedules.map((schedule) => ({ durationMs, schedule })));
    for (let i = tasks.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [tasks[i], tasks[j]] = [tasks[j], tasks[i]];
    }

    const sim = await startSimulatorServer({ port: 0, latencyProfile: "fast" });
    const pollsByJob: Record<string, number> = {};
    const pollRoundTrips: number[] = [];
    const client = new MoldClient({
        apiUrl: sim.url,
        apiKey: sim.apiKey,
        secretKey: sim.secretKey,
        signature: sim.signature,
        maxConcurrency: concurrency * 2,
        logger: (e) => {
            if (e.command !== "queryAsyncJobResult") return;
            pollsByJob[e.params.jobid] = (pollsByJob[e.params.jobid] ?? 0) + 1;
            pollRoundTrips.push(e.durationMs);
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

    const samples: JobSample[] = [];
    const started = Date.now();
    let next = 0;
    let done = 0;
    const worker = async () => {
        while (next < tasks.length) {
            const index = next++;
            const { durationMs, schedule } = tasks[index];
            const jobId = await submit(durationMs, `bench-${index}`);
            await client.waitForJob("createTags", jobId, { schedule: scaledSchedule(schedule, factor) });
            const noticed = Date.now();
            const job = jobRecord(jobId);
            if (job?.jobstatus !== 1 || job.finishedAt === undefined) throw new Error(`bench job ${jobId} did not succeed`);
            samples.push({ policy: schedule.name, durationMs, overshootMs: (noticed - job.finishedAt) * factor, polls: pollsByJob[jobId] ?? 0 });
            if (++done % 40 === 0 || done === tasks.length) {
                progress(`job-wait: ${done}/${tasks.length} jobs, ${((Date.now() - started) / 1000).toFixed(1)} s`);
            }
        }
    };
    try {
        await Promise.all(Array.from({ length: concurrency }, worker));
    } finally {
        client.close();
        await sim.stop();
    }
    const wallClockMs = Date.now() - started;

    const results: Record<string, Record<string, Figures>> = {};
    for (const s of schedules) {
        const mine = samples.filter((x) => x.policy === s.name);
        results[s.name] = { all: figures(mine) };
        for (const b of BUCKETS) results[s.name][b.name] = figures(mine.filter((x) => x.durationMs >= b.from && x.durationMs < b.to));
    }

    const ours = results[pulumiName];
    const others = schedules.slice(1).map((s) => s.name);
    const shortChecks = others.map((name) => ({
        versus: name,
        pulumiMoldMs: ours["<10s"].medianOvershootMs,
        otherMs: results[name]["<10s"].medianOvershootMs,
        /** How much lower pulumi-mold's median is, as a fraction of the other's. */
        margin: round(1 - ours["<10s"].medianOvershootMs / results[name]["<10s"].medianOvershootMs, 3),
    }));
    const fixedNames = [schedules[1].name, schedules[2].name];
    const longChecks = fixedNames.map((name) => ({
        versus: name,
        pulumiMoldPolls: ours[">30s"].meanPolls,
        otherPolls: results[name][">30s"].meanPolls,
        margin: round(1 - ours[">30s"].meanPolls / results[name][">30s"].meanPolls, 3),
    }));

    return {
        description:
            "Overshoot = time the client noticed a job's completion minus the job's finishedAt in the simulator; polls = queryAsyncJobResult requests per job. " +
            "Durations and overshoots are in real-time ms (measured ×timeFactor).",
        timeFactor: factor,
        concurrency,
        durations: {
            jobsPerPolicy: durations.length,
            perBucket: Object.fromEntries(BUCKETS.map((b, i) => [b.name, perBucket[i]])),
            shortSpread: shortSpread === "log" ? "log-uniform 0.2-10 s" : "uniform 0.2-10 s",
            otherBuckets: "uniform 10-30 s and 30-60 s",
            seed,
        },
        pulumiMoldPolicy: policy,
        measurementFloorMs: {
            note: "loopback round trip of one poll, scaled back by timeFactor; included in every overshoot",
            medianPollRoundTrip: round(quantile(pollRoundTrips, 0.5) * factor),
            p90PollRoundTrip: round(quantile(pollRoundTrips, 0.9) * factor),
        },
        results,
        targets: {
            shortJobsLowestMedianOvershoot: { holds: shortChecks.every((c) => c.margin > 0), checks: shortChecks },
            longJobsFewerPollsThanFixed: { holds: longChecks.every((c) => c.margin > 0), checks: longChecks },
        },
        wallClockMs,
    };
}
