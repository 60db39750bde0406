// Engine bench: what pulumi-mold costs when Pulumi runs it, measured through the test engine's CLI
// (one process per run, @pulumi/pulumi's real dynamic-provider host) against an in-process simulator.
//   providerSerialization  bytes of each resource type's serialized provider (`__provider`) and what it
//                          costs per resource in a real state file (it is stored in inputs AND outputs)
//   noOpUp                 API calls of an unchanged second `up` (state-changing ones must be 0)
//   startup                wall time of an `up` of a program that declares nothing (engine + program +
//                          SDK load) and of a `preview` of the dependent program (+ provider host, check)
//   criticalPath           wall time of an `up` with known job latencies, against the longest chain of
//                          simulated jobs (dependent program, then the fanout program: 3 independent chains)
// Every figure comes from the runs made here; the programs run from test/programs (they require
// "pulumi-mold", which resolves to the repository's dist/ build).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { JobRecord } from "../../simulator/types";
import { RunningSimulator, startSimulatorServer } from "../../simulator/server";
import { cleanEnv, EngineRun, mutatingSince, programDir, runEngine } from "../helpers/engine";
import * as sdk from "../../sdk";
import { dynamicProvider } from "../../sdk/dynamic";

export interface EngineBenchOptions {
    /** Runs per timed scenario (median reported). */
    repeat?: number;
    /** Job latencies (ms, time factor 1) for the critical-path runs. */
    latencies?: Record<string, number>;
    progress?: (line: string) => void;
}

/**
 * One step of a create: a job, or jobs that run side by side (the step lasts as long as the longest). An async
 * create answered with the new object's id tags it beside its create job (provider/runtime/common.ts createTagged).
 */
export type JobStep = string | readonly string[];

/** Simulated jobs each resource type's create waits for, in order (sync calls take no simulated time). */
const CREATE_JOBS: Record<string, JobStep[]> = {
    Network: ["createTags"], // createNetwork is synchronous; the ownership + user tags are a job
    PublicIpAddress: [["associateIpAddress", "createTags"]],
    FirewallRule: [["createFirewallRule", "createTags"]],
};

export const stepJobs = (step: JobStep): readonly string[] => (typeof step === "string" ? [step] : step);
export const stepMs = (step: JobStep, latencyOf: (command: string) => number) => Math.max(...stepJobs(step).map(latencyOf));
/** The same steps with every job after the one before (the model before tags ran beside creates). */
export const sequential = (steps: JobStep[]): JobStep[] => steps.flatMap((s) => [...stepJobs(s)]);

/**
 * Lateness a chain of steps may add, bounded above from the latest any job of each command was noticed: a step
 * ends when its last job is noticed, so a short job noticed late adds only what it overruns the step's longest.
 */
export function stepsLateness(steps: JobStep[], latencyOf: (command: string) => number, worstByCommand: Record<string, number>): number {
    return steps.reduce((sum, step) => {
        const jobs = stepJobs(step);
        const ends = Math.max(...jobs.map((c) => latencyOf(c) + (worstByCommand[c] ?? 0)));
        return sum + Math.max(0, ends - stepMs(step, latencyOf));
    }, 0);
}

export const DEFAULT_BENCH_LATENCIES: Record<string, number> = { associateIpAddress: 2000, createFirewallRule: 1500, createTags: 300 };

const DYNAMIC_TYPE = /^pulumi-nodejs:dynamic(?:\/[^:]+)?:(.+)$/;
export const kindOf = (type: string) => DYNAMIC_TYPE.exec(type)?.[1];
export const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export const round = (v: number, digits = 0) => Number(v.toFixed(digits));
const diffCounts = (before: Record<string, number>, now: Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const [k, n] of Object.entries(now)) if (n - (before[k] ?? 0) > 0) out[k] = n - (before[k] ?? 0);
    return out;
};
const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

// ---------------------------------------------------------------------------------------------------
// 1. __provider bytes

interface TypeSerialization {
    kind: string;
    textBytes: number;
    /** The text as a JSON string value (escaped), i.e. one copy in a state file. */
    jsonStringBytes: number;
    /** Whether the SDK's own path (setMocks, args.inputs.__provider) produced the same text. */
    sameAsSdk: boolean;
}

/** Serializes each exported dynamic resource type's provider, directly and through the SDK under mocks. */
async function serializeProviders(): Promise<TypeSerialization[]> {
    const captured: Record<string, string> = {};
    await pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                const kind = kindOf(args.type);
                if (kind) captured[kind] = args.inputs.__provider;
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
        },
        "bench",
        "bench",
        false,
    );
    const resources: pulumi.Resource[] = [];
    for (const [name, cls] of Object.entries(sdk)) {
        if (typeof cls === "function" && cls.prototype instanceof pulumi.dynamic.Resource) {
            resources.push(new (cls as any)(`bench-${name}`, {}));
        }
    }
    await Promise.all(resources.map((r) => new Promise((resolve) => r.urn.apply(resolve))));
    const out: TypeSerialization[] = [];
    for (const [kind, sdkText] of Object.entries(captured).sort()) {
        const provider = dynamicProvider(kind);
        const { text } = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
        out.push({ kind, textBytes: Buffer.byteLength(text), jsonStringBytes: Buffer.byteLength(JSON.stringify(text)), sameAsSdk: text === sdkText });
    }
    return out;
}

/** __provider's share of a real state file written by the engine (indent 1, as StateStore saves it). */
function stateCost(stateFile: string, types: TypeSerialization[]) {
    const text = fs.readFileSync(stateFile, "utf8");
    const state = JSON.parse(text);
    const dynamic = state.resources.filter((r: any) => kindOf(r.type));
    // Exact bytes of every `"__provider": "…",` line in the file (with its indentation and newline).
    const lines = text.match(/^[ \t]*"__provider": ".*",?\n?/gm) ?? [];
    const providerLineBytes = lines.reduce((a, l) => a + Buffer.byteLength(l), 0);
    const perResource = dynamic.map((r: any) => {
        const record = Buffer.byteLength(JSON.stringify(r, null, 1));
        const copies = [r.inputs?.__provider, r.outputs?.__provider].filter((x) => typeof x === "string");
        const providerBytes = copies.reduce((a: number, x: string) => a + Buffer.byteLength(JSON.stringify(x)), 0);
        return {
            urn: r.urn,
            kind: kindOf(r.type),
            copies: copies.length,
            providerBytesInState: providerBytes,
            recordBytes: record,
            providerShare: round(providerBytes / record, 3),
            matchesSerializedText: copies.every((c) => types.find((t) => t.kind === kindOf(r.type))?.textBytes === Buffer.byteLength(c)),
        };
    });
    return {
        stateFileBytes: Buffer.byteLength(text),
        dynamicResources: dynamic.length,
        providerCopiesInFile: lines.length,
        providerLineBytes,
        providerShareOfFile: round(providerLineBytes / Buffer.byteLength(text), 3),
        meanProviderBytesPerResource: round(providerLineBytes / Math.max(1, dynamic.length)),
        perResource,
    };
}

// ---------------------------------------------------------------------------------------------------
// Timed engine runs with an API trace

export interface ApiTrace {
    /** Every API call: when, which command, and the bytes of its answer's body. */
    calls: { t: number; command: string; bytes?: number }[];
    /** When a queryAsyncJobResult first answered a finished job, by job id. */
    noticedAt: Record<string, number>;
}

/** Wraps the simulator's request handler to time every API call and when each job's completion was seen. */
export function traceApi(sim: RunningSimulator): ApiTrace {
    const trace: ApiTrace = { calls: [], noticedAt: {} };
    const simulator = sim.simulator;
    const original = simulator.handleApi.bind(simulator);
    simulator.handleApi = (raw: Record<string, string>) => {
        const answer = original(raw);
        const t = Date.now();
        trace.calls.push({ t, command: raw.command ?? "", bytes: answer.body.length });
        if (raw.command === "queryAsyncJobResult" && raw.jobid && trace.noticedAt[raw.jobid] === undefined) {
            const job = jobsOf(sim)[raw.jobid];
            if (job && job.jobstatus !== 0) trace.noticedAt[raw.jobid] = t;
        }
        // The job watcher's listAsyncJobs tells the end of every job it lists (those created since startdate).
        if (raw.command === "listAsyncJobs") {
            const from = raw.startdate ? Date.parse(raw.startdate.replace(/([+-]\d\d)(\d\d)$/, "$1:$2")) : -Infinity;
            for (const job of Object.values(jobsOf(sim))) {
                const created = Date.parse(job.created.replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
                if (job.jobstatus !== 0 && created >= from && trace.noticedAt[job.jobid] === undefined) trace.noticedAt[job.jobid] = t;
            }
        }
        return answer;
    };
    return trace;
}

export const jobsOf = (sim: RunningSimulator) => (sim.simulator.state.tables.jobs ?? {}) as Record<string, JobRecord>;

export interface TimedRun {
    run: EngineRun;
    startedAt: number;
    endedAt: number;
    wallMs: number;
}

export async function timed(args: string[], env: NodeJS.ProcessEnv): Promise<TimedRun> {
    const startedAt = Date.now();
    const run = await runEngine(args, env);
    const endedAt = Date.now();
    if (run.code !== 0) throw new Error(`engine ${args.join(" ")} exited ${run.code}:\n${run.stderr}`);
    return { run, startedAt, endedAt, wallMs: endedAt - startedAt };
}

export const simEnv = (sim: RunningSimulator) => cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });

// ---------------------------------------------------------------------------------------------------
// 3. Critical path

/**
 * The longest chain of simulated job time through a dependency graph: each resource weighs the sum of
 * its create jobs' latencies, and a resource starts when the heaviest of its dependencies is done.
 */
export function longestJobChain(
    resources: any[],
    jobsOf: (r: any) => JobStep[],
    latencyOf: (command: string) => number,
    depsOf: (r: any) => string[],
    label: (r: any, ms: number) => string,
) {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const weight = (r: any) => jobsOf(r).reduce((a, step) => a + stepMs(step, latencyOf), 0);
    const memo = new Map<string, { ms: number; chain: string[] }>();
    const longest = (urn: string): { ms: number; chain: string[] } => {
        const hit = memo.get(urn);
        if (hit) return hit;
        const r = byUrn.get(urn)!;
        let best = { ms: 0, chain: [] as string[] };
        for (const dep of depsOf(r).filter((d) => byUrn.has(d))) {
            const d = longest(dep);
            if (d.ms > best.ms || best.chain.length === 0) best = d;
        }
        const out = { ms: best.ms + weight(r), chain: [...best.chain, label(r, weight(r))] };
        memo.set(urn, out);
        return out;
    };
    let best = { ms: 0, chain: [] as string[] };
    for (const r of resources) {
        const l = longest(r.urn);
        if (l.ms > best.ms) best = l;
    }
    const expectedJobs: Record<string, number> = {};
    for (const r of resources) for (const cmd of jobsOf(r).flatMap(stepJobs)) expectedJobs[cmd] = (expectedJobs[cmd] ?? 0) + 1;
    return { criticalPathMs: best.ms, chain: best.chain, serialSumMs: resources.reduce((a, r) => a + weight(r), 0), expectedJobs };
}

/** Critical path of the dynamic resources of an engine state, for the latencies set. */
function criticalPath(state: any, latencies: Record<string, number>, order: (steps: JobStep[]) => JobStep[] = (s) => s) {
    const dynamic = (state.resources as any[]).filter((r) => kindOf(r.type));
    return longestJobChain(
        dynamic,
        (r) => order(CREATE_JOBS[kindOf(r.type)!] ?? []),
        (cmd) => latencies[cmd] ?? NaN,
        (r) => r.dependencies ?? [],
        (r) => `${r.name}(${kindOf(r.type)})`,
    );
}

/** Per command: the median and the latest lateness with which a job's end was noticed (ms). */
export function latenessByCommand(jobs: JobRecord[], noticedAt: Record<string, number>) {
    const by: Record<string, number[]> = {};
    for (const j of jobs) {
        if (j.finishedAt === undefined || noticedAt[j.jobid] === undefined) continue;
        (by[j.command] ??= []).push(noticedAt[j.jobid] - j.finishedAt);
    }
    const median_ = Object.fromEntries(Object.entries(by).map(([c, xs]) => [c, median(xs)]));
    const worst = Object.fromEntries(Object.entries(by).map(([c, xs]) => [c, Math.max(...xs)]));
    return { median: median_, worst };
}

async function criticalPathRun(program: string, latencies: Record<string, number>, dir: string, tag: string) {
    const sim = await startSimulatorServer({ port: 0 });
    try {
        sim.setLatency(latencies, 1);
        const trace = traceApi(sim);
        const jobsBefore = new Set(Object.keys(jobsOf(sim)));
        const stateFile = path.join(dir, `${tag}.json`);
        const t = await timed(["up", programDir(program), "--state", stateFile], simEnv(sim));
        const state = JSON.parse(fs.readFileSync(stateFile, "utf8"));
        const cp = criticalPath(state, latencies);
        const tagsAfter = criticalPath(state, latencies, sequential);
        const jobs = Object.values(jobsOf(sim)).filter((j) => !jobsBefore.has(j.jobid));
        const lateness = latenessByCommand(jobs, trace.noticedAt);
        const chainKinds = cp.chain.map((label) => /\(([^)]+)\)/.exec(label)?.[1] ?? "");
        const chainLatenessMs = stepsLateness(
            chainKinds.flatMap((kind) => CREATE_JOBS[kind] ?? []),
            (cmd) => latencies[cmd] ?? 0,
            lateness.worst,
        );
        const jobsByCommand: Record<string, number> = {};
        for (const j of jobs) jobsByCommand[j.command] = (jobsByCommand[j.command] ?? 0) + 1;
        const overshoots = jobs
            .filter((j) => j.finishedAt !== undefined && trace.noticedAt[j.jobid] !== undefined)
            .map((j) => trace.noticedAt[j.jobid] - j.finishedAt!);
        const calls = trace.calls.filter((c) => c.t >= t.startedAt && c.t <= t.endedAt);
        const firstApi = calls[0]?.t ?? t.startedAt;
        const lastApi = calls[calls.length - 1]?.t ?? t.endedAt;
        const apiSpanMs = lastApi - firstApi;
        return {
            steps: t.run.result?.steps,
            wallMs: t.wallMs,
            ...cp,
            criticalPathTagsAfterCreateMs: tagsAfter.criticalPathMs,
            latenessByCommandMs: lateness,
            chainLatenessMs,
            jobsByCommand,
            jobsMatchModel: JSON.stringify(Object.entries(jobsByCommand).sort()) === JSON.stringify(Object.entries(cp.expectedJobs).sort()),
            jobsFailed: jobs.filter((j) => j.jobstatus !== 1).length,
            apiCalls: calls.length,
            startupToFirstApiMs: firstApi - t.startedAt,
            apiSpanMs,
            lastApiToExitMs: t.endedAt - lastApi,
            pollOvershootMs: {
                perJobMean: round(overshoots.reduce((a, b) => a + b, 0) / Math.max(1, overshoots.length)),
                max: Math.max(0, ...overshoots),
                sum: overshoots.reduce((a, b) => a + b, 0),
            },
        };
    } finally {
        await sim.stop();
    }
}

function summarize(samples: Awaited<ReturnType<typeof criticalPathRun>>[], startupMedianMs: number) {
    const first = samples[0];
    const wall = median(samples.map((s) => s.wallMs));
    const span = median(samples.map((s) => s.apiSpanMs));
    return {
        criticalPathMs: first.criticalPathMs,
        /** The same chain with each tag job after its create job (the model, and the code, before tags ran beside). */
        criticalPathTagsAfterCreateMs: first.criticalPathTagsAfterCreateMs,
        wallToTagsAfterCreateCriticalPathRatio: round(wall / first.criticalPathTagsAfterCreateMs, 2),
        criticalChain: first.chain,
        serialSumOfJobsMs: first.serialSumMs,
        steps: first.steps,
        jobsByCommand: first.jobsByCommand,
        jobsMatchModel: samples.every((s) => s.jobsMatchModel),
        jobsFailed: samples.reduce((a, s) => a + s.jobsFailed, 0),
        wallMs: wall,
        overheadMs: wall - first.criticalPathMs,
        wallToCriticalPathRatio: round(wall / first.criticalPathMs, 2),
        /** wall − critical path − the empty-program up: what is left for the provider host, hooks and polling. */
        overheadBeyondEngineStartupMs: wall - first.criticalPathMs - startupMedianMs,
        breakdownMedianMs: {
            startupToFirstApi: median(samples.map((s) => s.startupToFirstApiMs)),
            firstToLastApi: span,
            firstToLastApiMinusCriticalPath: span - first.criticalPathMs,
            lastApiToExit: median(samples.map((s) => s.lastApiToExitMs)),
        },
        pollOvershootMs: samples.map((s) => s.pollOvershootMs),
        /** Upper bound of what noticing the chain's job ends added (per step: its jobs' latest lateness beyond its longest job). */
        chainLatenessMs: median(samples.map((s) => s.chainLatenessMs)),
        latenessByCommandMs: samples.map((s) => s.latenessByCommandMs),
        samples: samples.map((s) => ({
            wallMs: s.wallMs,
            startupToFirstApiMs: s.startupToFirstApiMs,
            apiSpanMs: s.apiSpanMs,
            lastApiToExitMs: s.lastApiToExitMs,
            apiCalls: s.apiCalls,
        })),
    };
}

// ---------------------------------------------------------------------------------------------------

export async function runEngineBench(options: EngineBenchOptions = {}) {
    const repeat = options.repeat ?? 3;
    const latencies = options.latencies ?? DEFAULT_BENCH_LATENCIES;
    const progress = options.progress ?? (() => undefined);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-engine-"));
    const started = Date.now();
    const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
    try {
        // 1. Serialized providers, then 2. no-op up (its first up's state file gives the state cost).
        const types = await serializeProviders();
        progress(`engine: serialized ${types.length} provider(s), ${elapsed()}`);

        const sim = await startSimulatorServer({ port: 0 });
        let noOpUp: Record<string, unknown>;
        let providerState: ReturnType<typeof stateCost>;
        try {
            const env = simEnv(sim);
            const stateFile = path.join(dir, "noop.json");
            const before1 = { ...sim.requestCounts };
            const first = await timed(["up", programDir("dependent"), "--state", stateFile], env);
            const firstCalls = diffCounts(before1, sim.requestCounts);
            providerState = stateCost(stateFile, types);
            const before2 = { ...sim.requestCounts };
            const second = await timed(["up", programDir("dependent"), "--state", stateFile], env);
            const secondCalls = diffCounts(before2, sim.requestCounts);
            const mutating = mutatingSince(before2, sim.requestCounts);
            noOpUp = {
                program: "test/programs/dependent",
                firstUp: { steps: first.run.result?.steps, wallMs: first.wallMs, apiCalls: sum(firstCalls), apiCallsByCommand: firstCalls },
                secondUp: {
                    steps: second.run.result?.steps,
                    wallMs: second.wallMs,
                    apiCalls: sum(secondCalls),
                    apiCallsByCommand: secondCalls,
                    stateChangingCalls: sum(mutating),
                    stateChangingByCommand: mutating,
                },
                holds: sum(mutating) === 0 && second.run.result?.steps.same === 3,
            };
        } finally {
            await sim.stop();
        }
        progress(`engine: no-op up done, ${elapsed()}`);

        // Startup: an up that declares nothing (fanout with chains=0), and a preview of the dependent program.
        const emptyUp: number[] = [];
        const preview: number[] = [];
        const startSim = await startSimulatorServer({ port: 0 });
        try {
            const env = simEnv(startSim);
            for (let i = 0; i < repeat; i++) {
                emptyUp.push((await timed(["up", programDir("fanout"), "--state", path.join(dir, `empty-${i}.json`), "--config", "chains=0"], env)).wallMs);
                const before = { ...startSim.requestCounts };
                preview.push((await timed(["preview", programDir("dependent"), "--state", path.join(dir, `preview-${i}.json`)], env)).wallMs);
                if (sum(mutatingSince(before, startSim.requestCounts))) throw new Error("preview made state-changing API calls");
            }
        } finally {
            await startSim.stop();
        }
        const emptyUpMs = median(emptyUp);
        const startup = {
            emptyProgramUpMs: emptyUpMs,
            emptyProgramUpSamples: emptyUp,
            note: "up of test/programs/fanout with chains=0: node + engine + ts-node + @pulumi/pulumi runtime + loading pulumi-mold, no provider host",
            dependentPreviewMs: median(preview),
            dependentPreviewSamples: preview,
            previewNote: "preview of test/programs/dependent: adds the provider host start, configure and 3 check RPCs (no API calls)",
            providerHostAndChecksMs: median(preview) - emptyUpMs,
        };
        progress(`engine: startup done, ${elapsed()}`);

        const dependent: Awaited<ReturnType<typeof criticalPathRun>>[] = [];
        const fanout: Awaited<ReturnType<typeof criticalPathRun>>[] = [];
        for (let i = 0; i < repeat; i++) {
            dependent.push(await criticalPathRun("dependent", latencies, dir, `dependent-${i}`));
            progress(`engine: dependent critical-path run ${i + 1}/${repeat}, ${elapsed()}`);
            fanout.push(await criticalPathRun("fanout", latencies, dir, `fanout-${i}`));
            progress(`engine: fanout critical-path run ${i + 1}/${repeat}, ${elapsed()}`);
        }
        const dep = summarize(dependent, emptyUpMs);
        const fan = summarize(fanout, emptyUpMs);

        return {
            description:
                "Each engine run is its own process (test/engine/cli.js) against an in-process simulator on loopback; timed figures are medians of `repeat` runs. " +
                "Critical path = the longest dependency chain's sum of simulated job latencies (synchronous calls count 0).",
            repeat,
            providerSerialization: {
                method: "pulumi.runtime.serializeFunction(() => dynamicProvider(kind), { allowSecrets: true }); sameAsSdk compares with args.inputs.__provider under setMocks",
                perType: types,
                state: { program: "test/programs/dependent after one up", ...providerState },
            },
            noOpUp,
            startup,
            criticalPath: {
                jobLatenciesMs: latencies,
                timeFactor: 1,
                jobsPerCreate: CREATE_JOBS,
                dependent: { program: "test/programs/dependent", ...dep },
                fanout: {
                    program: "test/programs/fanout (3 independent chains)",
                    ...fan,
                    wallVsSingleChainCriticalPath: round(fan.wallMs / fan.criticalPathMs, 2),
                    wallVsSerialSum: round(fan.wallMs / fan.serialSumOfJobsMs, 2),
                    extraWallOverDependentMs: fan.wallMs - dep.wallMs,
                    /** The API span stays under 2× one chain's critical path (run one after another it would be ≥ the serial sum). */
                    parallel: fan.breakdownMedianMs.firstToLastApi < 2 * fan.criticalPathMs,
                },
            },
            wallClockMs: Date.now() - started,
        };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
