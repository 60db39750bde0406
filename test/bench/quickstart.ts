// Quickstart bench (issue 5): the wall time of `up` of examples/quickstart through the test engine's CLI, against
// the critical path of the simulated jobs it waits for, then `destroy`.
//
// Two scenarios, each on a fresh in-process simulator (loopback, latency profile "fast", time factor 1):
//   overrides     every job on the program's chains has an explicitly set latency (QUICKSTART_BENCH_LATENCIES), the
//                 cluster create dominating; median of `repeat` runs (default 2: the section stays under a minute).
//   fastDefaults  the fast profile as it ships (no overrides): the time issue 5 wants under a minute for the demo.
//
// The model (critical path): a DAG over the state file's resources, edges = each resource's `dependencies` plus its
// `provider` reference (the @pulumi/kubernetes resources reach the cluster through the Kubernetes Provider). Weight
// of a resource = the sum of the simulated latencies of the async jobs its create waits for, one after another
// (QUICKSTART_CREATE_JOBS); synchronous API calls count 0, and so do:
//   - the KubernetesCluster's health gate (getKubernetesClusterConfig + one HTTPS GET /healthz on the cluster's
//     loopback IP): ~0 against the simulator, measured separately as clusterReadyToDependentsMs;
//   - the Kubernetes Provider, Deployment and Service, which the engine records without a plugin.
// Mold's network for the cluster is made inside the createKubernetesCluster job (no job of its own). The critical
// path is the longest chain of weights; jobsMatchModel checks that the simulator ran exactly the jobs the model
// expects (by command and count).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { compressedWatcherPolicy, DEFAULT_WATCHER_POLICY } from "../../provider/client";
import type { LatencyProfileName } from "../../simulator/latency";
import { RunningSimulator, startSimulatorServer } from "../../simulator/server";
import { programDir } from "../helpers/engine";
import { JobStep, jobsOf, kindOf, latenessByCommand, longestJobChain, median, round, simEnv, stepsLateness, timed, traceApi } from "./engine";
import { realisticFigures } from "./realistic-figures";

/** examples/quickstart, in the source tree (dist/test/bench → repository root). */
const QUICKSTART = path.resolve(__dirname, "../../../examples/quickstart");

/** Simulated jobs each pulumi-mold resource type's create waits for, in order (the model's weights). */
export const QUICKSTART_CREATE_JOBS: Record<string, JobStep[]> = {
    // createKubernetesCluster: Created for 10 % of its latency, then Starting, then Running (job done); then
    // the health gate (kubeconfig + /healthz), counted 0.
    KubernetesCluster: ["createKubernetesCluster"],
    // The tags go on beside the create job (createTagged: Mold's answer names the new object).
    PublicIpAddress: [["associateIpAddress", "createTags"]],
    FirewallRule: [["createFirewallRule", "createTags"]],
    // create with the ownership tag beside it, then the members (one assign job for all of them).
    LoadBalancerRule: [["createLoadBalancerRule", "createTags"], "assignToLoadBalancerRule"],
};

/** Set explicitly for the overrides scenario (ms, time factor 1): the cluster create dominates. */
export const QUICKSTART_BENCH_LATENCIES: Record<string, number> = {
    createKubernetesCluster: 5000,
    associateIpAddress: 400,
    createLoadBalancerRule: 300,
    assignToLoadBalancerRule: 300,
    createFirewallRule: 250,
    createTags: 200,
};

/** Commands of the cluster's own create (lookups, submit, polling, health gate) — not a dependent's first call. */
const CLUSTER_CREATE_COMMANDS = new Set([
    "listZones",
    "listKubernetesSupportedVersions",
    "listServiceOfferings",
    "createKubernetesCluster",
    "listKubernetesClusters",
    "queryAsyncJobResult",
    "getKubernetesClusterConfig",
]);

const shortType = (type: string) => kindOf(type) ?? type;

/** Longest chain of simulated job time through the state's dependency graph (dependencies + provider references). */
export function quickstartCriticalPath(state: any, latencyOf: (command: string) => number) {
    const resources = (state.resources as any[]).filter((r) => r.type !== "pulumi:pulumi:Stack");
    const jobsOfResource = (r: any) => QUICKSTART_CREATE_JOBS[kindOf(r.type) ?? ""] ?? [];
    const depsOf = (r: any): string[] => {
        const deps = new Set<string>(r.dependencies ?? []);
        // A provider reference is "<urn>::<id>"; the URN itself contains "::".
        if (typeof r.provider === "string" && r.provider) deps.add(r.provider.slice(0, r.provider.lastIndexOf("::")));
        return [...deps];
    };
    const chain = longestJobChain(resources, jobsOfResource, latencyOf, depsOf, (r, ms) => `${r.name}(${shortType(r.type)}) ${ms} ms`);
    return {
        ...chain,
        resources: resources.length,
        weightedResources: resources.filter((r) => jobsOfResource(r).length > 0).length,
    };
}

/** What a simulator still holds after destroy (all should be 0). */
function leftBehind(sim: RunningSimulator) {
    const inv = sim.inventory() as any;
    return {
        kubernetesClusters: (inv.kubernetesClusters ?? []).length,
        vms: (inv.vms ?? []).length,
        networks: (inv.networks ?? []).length,
        firewallRules: (inv.firewallRules ?? []).length,
        loadBalancerRules: (inv.loadBalancerRules ?? []).length,
        allocatedPublicIps: (inv.publicIps ?? []).filter((ip: any) => ip.state !== "Free").length,
        kubeApiEndpoints: sim.kubeApiEndpoints().length,
    };
}

interface RunSetup {
    /** Latency profile of the simulator (default fast). */
    profile?: LatencyProfileName;
    /** Jobs run this many times faster (default 1); the job watcher's policy is compressed the same way. */
    compression?: number;
}

/** One up (timed, traced) + destroy of the quickstart on a fresh simulator; overrides undefined = the profile as is. */
async function quickstartRun(overrides: Record<string, number> | undefined, dir: string, tag: string, setup: RunSetup = {}) {
    const sim = await startSimulatorServer({ port: 0, latencyProfile: setup.profile ?? "fast" });
    const k = setup.compression ?? 1;
    try {
        if (overrides || k !== 1) sim.setLatency(overrides ?? {}, 1 / k);
        const latencyOf = (cmd: string) => sim.simulator.latency.of(cmd);
        const env = simEnv(sim);
        // The provider host's job watcher runs in compressed time too (MOLD_JOB_WATCH takes a policy as JSON).
        if (k !== 1) env.MOLD_JOB_WATCH = JSON.stringify(compressedWatcherPolicy(DEFAULT_WATCHER_POLICY, k));
        const trace = traceApi(sim);
        const stateFile = path.join(dir, `${tag}.json`);
        const up = await timed(["up", QUICKSTART, "--state", stateFile], env);
        const state = JSON.parse(fs.readFileSync(stateFile, "utf8"));
        const cp = quickstartCriticalPath(state, latencyOf);
        const jobs = Object.values(jobsOf(sim));
        const jobsByCommand: Record<string, number> = {};
        for (const j of jobs) jobsByCommand[j.command] = (jobsByCommand[j.command] ?? 0) + 1;
        const calls = trace.calls.filter((c) => c.t >= up.startedAt && c.t <= up.endedAt);
        const firstApi = calls[0]?.t ?? up.startedAt;
        const lastApi = calls[calls.length - 1]?.t ?? up.endedAt;
        const noticed_ = jobs.filter((j) => j.finishedAt !== undefined && trace.noticedAt[j.jobid] !== undefined);
        const overshoots = noticed_.map((j) => trace.noticedAt[j.jobid] - j.finishedAt!);
        // Lateness on the critical chain, bounded above: for each job of a chain resource, the latest any job of
        // that command was noticed.
        const chainLatenessMs = stepsLateness(
            cp.chain.map((label) => /\(([^)]+)\)/.exec(label)?.[1] ?? "").flatMap((kind) => QUICKSTART_CREATE_JOBS[kind] ?? []),
            latencyOf,
            latenessByCommand(jobs, trace.noticedAt).worst,
        );
        // The cluster's job: when it finished, when the provider saw it, and when a dependent made its first call
        // (health gate + the cluster's final read + engine hand-off to the dependents' creates).
        const clusterJob = jobs.find((j) => j.command === "createKubernetesCluster");
        // The cluster's create polls listKubernetesClusters (100 ms doubling to 3 s) until it leaves Created/Starting.
        const finishedAt = clusterJob?.finishedAt;
        const noticed =
            finishedAt !== undefined
                ? calls.find((c) => c.t >= finishedAt && (c.command === "listKubernetesClusters" || c.command === "queryAsyncJobResult"))?.t
                : undefined;
        const firstDependentCall = noticed !== undefined ? calls.find((c) => c.t >= noticed && !CLUSTER_CREATE_COMMANDS.has(c.command)) : undefined;
        const submitted = calls.find((c) => c.command === "createKubernetesCluster");
        const destroy = await timed(["destroy", QUICKSTART, "--state", stateFile], env);
        return {
            steps: up.run.result?.steps,
            clusterState: up.run.result?.outputs?.clusterState,
            wallMs: up.wallMs,
            ...cp,
            latenciesUsedMs: Object.fromEntries(
                Object.keys(jobsByCommand)
                    .sort()
                    .map((c) => [c, latencyOf(c)]),
            ),
            jobsByCommand,
            jobsMatchModel: JSON.stringify(Object.entries(jobsByCommand).sort()) === JSON.stringify(Object.entries(cp.expectedJobs).sort()),
            jobsFailed: jobs.filter((j) => j.jobstatus !== 1).length,
            apiCalls: calls.length,
            startupToFirstApiMs: firstApi - up.startedAt,
            apiSpanMs: lastApi - firstApi,
            lastApiToExitMs: up.endedAt - lastApi,
            /** Submit answered → job finished (simulator clock). */
            clusterJobMs: finishedAt !== undefined && submitted ? finishedAt - submitted.t : undefined,
            clusterJobPollOvershootMs: finishedAt !== undefined && noticed !== undefined ? noticed - finishedAt : undefined,
            clusterReadyToDependentsMs: noticed !== undefined && firstDependentCall ? firstDependentCall.t - noticed : undefined,
            /** Jobs polled through queryAsyncJobResult (all but the cluster's): job finished → seen finished. */
            pollOvershootMs: { jobs: overshoots.length, sum: overshoots.reduce((a, b) => a + b, 0), max: Math.max(0, ...overshoots) },
            chainLatenessMs,
            compression: k,
            destroy: { steps: destroy.run.result?.steps, wallMs: destroy.wallMs, leftBehind: leftBehind(sim) },
        };
    } finally {
        await sim.stop();
    }
}

type Run = Awaited<ReturnType<typeof quickstartRun>>;

function summarize(samples: Run[], emptyUpMs: number) {
    const first = samples[0];
    const wall = median(samples.map((s) => s.wallMs));
    const opt = (xs: (number | undefined)[]) => median(xs.filter((x): x is number => x !== undefined));
    const left = samples.map((s) => s.destroy.leftBehind);
    return {
        latenciesUsedMs: first.latenciesUsedMs,
        criticalPathMs: first.criticalPathMs,
        criticalChain: first.chain,
        serialSumOfJobsMs: first.serialSumMs,
        steps: first.steps,
        clusterState: first.clusterState,
        jobsByCommand: first.jobsByCommand,
        expectedJobs: first.expectedJobs,
        jobsMatchModel: samples.every((s) => s.jobsMatchModel),
        jobsFailed: samples.reduce((a, s) => a + s.jobsFailed, 0),
        wallMs: wall,
        overheadMs: wall - first.criticalPathMs,
        wallToCriticalPathRatio: round(wall / first.criticalPathMs, 2),
        engineStartup: {
            /** The empty-program up (engine + program + SDK load, no provider host), as a share of this up. */
            emptyProgramUpMs: emptyUpMs,
            shareOfWall: round(emptyUpMs / wall, 3),
            shareOfOverhead: round(emptyUpMs / (wall - first.criticalPathMs), 3),
            /** This program's own start: to its first API call (adds @pulumi/kubernetes, the provider host, checks). */
            startupToFirstApiMs: median(samples.map((s) => s.startupToFirstApiMs)),
            startupToFirstApiShareOfWall: round(median(samples.map((s) => s.startupToFirstApiMs)) / wall, 3),
        },
        overheadBeyondEngineStartupMs: wall - first.criticalPathMs - emptyUpMs,
        breakdownMedianMs: {
            startupToFirstApi: median(samples.map((s) => s.startupToFirstApiMs)),
            firstToLastApi: median(samples.map((s) => s.apiSpanMs)),
            firstToLastApiMinusCriticalPath: median(samples.map((s) => s.apiSpanMs)) - first.criticalPathMs,
            lastApiToExit: median(samples.map((s) => s.lastApiToExitMs)),
            clusterJob: opt(samples.map((s) => s.clusterJobMs)),
            clusterJobPollOvershoot: opt(samples.map((s) => s.clusterJobPollOvershootMs)),
            /** Cluster seen Running → a dependent's first API call: health gate (kubeconfig + /healthz) + engine hand-off. */
            clusterReadyToDependents: opt(samples.map((s) => s.clusterReadyToDependentsMs)),
        },
        pollOvershootMs: samples.map((s) => s.pollOvershootMs),
        destroy: {
            steps: first.destroy.steps,
            wallMs: median(samples.map((s) => s.destroy.wallMs)),
            leftBehind: left[0],
            clean: left.every((l) => Object.values(l).every((n) => n === 0)),
        },
        samples: samples.map((s) => ({
            wallMs: s.wallMs,
            startupToFirstApiMs: s.startupToFirstApiMs,
            apiSpanMs: s.apiSpanMs,
            lastApiToExitMs: s.lastApiToExitMs,
            apiCalls: s.apiCalls,
            destroyWallMs: s.destroy.wallMs,
        })),
    };
}

/**
 * The realistic scenario (issue 16 §5): the simulator's "realistic" latencies (a cluster create 4 min, rules seconds)
 * compressed k times, the job watcher compressed the same way. Time that scales with k (the jobs and the lateness of
 * noticing them) is told apart from time that does not (process and engine start, synchronous calls, hand-offs),
 * so the ratio at real durations is estimated from one compressed run.
 */
function summarizeRealistic(samples: Run[], emptyUpMs: number) {
    return {
        ...realisticFigures(samples, emptyUpMs, samples[0].compression),
        destroy: {
            wallMs: median(samples.map((s) => s.destroy.wallMs)),
            clean: samples.every((s) => Object.values(s.destroy.leftBehind).every((n) => n === 0)),
        },
    };
}

export interface QuickstartBenchOptions {
    /** Runs of the overrides scenario (median reported; default 2 to stay under a minute); fast defaults run once. */
    repeat?: number;
    latencies?: Record<string, number>;
    /** Runs of the realistic scenario (default 1) and its time compression (default 10). */
    realisticRepeat?: number;
    compression?: number;
    progress?: (line: string) => void;
}

export async function runQuickstartBench(options: QuickstartBenchOptions = {}) {
    const repeat = options.repeat ?? 2;
    const compression = options.compression ?? 10;
    const latencies = options.latencies ?? QUICKSTART_BENCH_LATENCIES;
    const progress = options.progress ?? (() => undefined);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-quickstart-"));
    const started = Date.now();
    const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
    try {
        // Engine startup, as the engine section measures it: an up of test/programs/fanout with chains=0.
        const emptyUp: number[] = [];
        const startSim = await startSimulatorServer({ port: 0 });
        try {
            for (let i = 0; i < repeat; i++) {
                emptyUp.push(
                    (await timed(["up", programDir("fanout"), "--state", path.join(dir, `empty-${i}.json`), "--config", "chains=0"], simEnv(startSim))).wallMs,
                );
            }
        } finally {
            await startSim.stop();
        }
        const emptyUpMs = median(emptyUp);
        progress(`quickstart: engine startup ${emptyUpMs} ms, ${elapsed()}`);

        const runs: Run[] = [];
        for (let i = 0; i < repeat; i++) {
            runs.push(await quickstartRun(latencies, dir, `overrides-${i}`));
            progress(`quickstart: overrides run ${i + 1}/${repeat} up ${runs[i].wallMs} ms, ${elapsed()}`);
        }
        const fast = await quickstartRun(undefined, dir, "fast-defaults");
        progress(`quickstart: fast-defaults run up ${fast.wallMs} ms, ${elapsed()}`);
        const realisticRuns: Run[] = [];
        for (let i = 0; i < (options.realisticRepeat ?? 1); i++) {
            realisticRuns.push(await quickstartRun(undefined, dir, `realistic-${i}`, { profile: "realistic", compression }));
            progress(`quickstart: realistic run ${i + 1} (×${compression} compressed) up ${realisticRuns[i].wallMs} ms, ${elapsed()}`);
        }

        const overrides = summarize(runs, emptyUpMs);
        const defaults = summarize([fast], emptyUpMs);
        return {
            description:
                "examples/quickstart through the engine CLI (one process per run, @pulumi/pulumi's dynamic-provider host) against a fresh in-process simulator " +
                "(loopback, latency profile fast, time factor 1) per run: up, then destroy. Critical path = the longest chain through the state's dependency " +
                "graph (dependencies + provider references) of the sum of each resource's create jobs (jobsPerCreate); synchronous calls, the cluster's " +
                "health gate (kubeconfig + /healthz, measured as breakdownMedianMs.clusterReadyToDependents) and the plugin-less Kubernetes resources count 0.",
            program: "examples/quickstart",
            repeat,
            jobsPerCreate: QUICKSTART_CREATE_JOBS,
            engineStartup: {
                emptyProgramUpMs: emptyUpMs,
                emptyProgramUpSamples: emptyUp,
                note: "up of test/programs/fanout with chains=0 (as the engine section's startup): node + engine + ts-node + @pulumi/pulumi + pulumi-mold, no provider host",
            },
            overrides: { jobLatenciesSetMs: latencies, ...overrides },
            fastDefaults: {
                note: "the fast profile without overrides (issue 5: the demo finishes in under a minute with it); one run",
                ...defaults,
                upUnderOneMinute: defaults.wallMs < 60_000,
                upPlusDestroyMs: defaults.wallMs + defaults.destroy.wallMs,
            },
            realistic: {
                note: "the simulator's realistic latencies (CKS create 4 min, VM deploy 40 s, rules 1.5 s, tags 0.3 s) compressed k times, the job watcher too",
                ...summarizeRealistic(realisticRuns, emptyUpMs),
            },
            wallClockMs: Date.now() - started,
        };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
