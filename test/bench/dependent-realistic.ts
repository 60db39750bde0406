// Critical path of a dependent program at realistic, time-compressed job durations (issue 16 §5: "VM deploy a
// minute, rules seconds"): test/programs/dependent-realistic — network → VM → port forwarding, beside network →
// public IP → two firewall rules — through the engine CLI against a simulator with the "realistic" latency profile
// (deployVirtualMachine set to 60 s) compressed k times, the provider host's job watcher compressed the same way.
//
// As for the quickstart's realistic scenario: time that scales with k (the jobs, and the lateness of noticing their
// ends) is told apart from time that does not (process and engine start, synchronous calls, hand-offs), so the
// ratio at real durations is estimated from a compressed run. Critical path = the longest chain through the state's
// dependencies of each resource's create steps (REALISTIC_CREATE_JOBS; tags beside an async create count as the
// longer of the two); the chain with every tag job after its create is reported beside it.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { compressedWatcherPolicy, DEFAULT_WATCHER_POLICY } from "../../provider/client";
import { startSimulatorServer } from "../../simulator/server";
import { programDir } from "../helpers/engine";
import { JobStep, jobsOf, kindOf, latenessByCommand, longestJobChain, median, sequential, simEnv, stepsLateness, timed, traceApi } from "./engine";
import { realisticFigures } from "./realistic-figures";

export const REALISTIC_CREATE_JOBS: Record<string, JobStep[]> = {
    Network: ["createTags"], // createNetwork is synchronous
    VirtualMachine: [["deployVirtualMachine", "createTags"]],
    PublicIpAddress: [["associateIpAddress", "createTags"]],
    FirewallRule: [["createFirewallRule", "createTags"]],
    PortForwardingRule: [["createPortForwardingRule", "createTags"]],
};

/** On top of the realistic profile (ms at real durations): the "VM deploy a minute". */
export const REALISTIC_DEPENDENT_OVERRIDES: Record<string, number> = { deployVirtualMachine: 60_000 };

async function realisticRun(dir: string, tag: string, k: number) {
    const sim = await startSimulatorServer({ port: 0, latencyProfile: "realistic" });
    try {
        sim.setLatency(REALISTIC_DEPENDENT_OVERRIDES, 1 / k);
        const latencyOf = (cmd: string) => sim.simulator.latency.of(cmd);
        const env = simEnv(sim);
        env.MOLD_JOB_WATCH = JSON.stringify(compressedWatcherPolicy(DEFAULT_WATCHER_POLICY, k));
        const trace = traceApi(sim);
        const stateFile = path.join(dir, `${tag}.json`);
        const up = await timed(["up", programDir("dependent-realistic"), "--state", stateFile], env);
        const state = JSON.parse(fs.readFileSync(stateFile, "utf8"));
        const dynamic = (state.resources as any[]).filter((r) => kindOf(r.type));
        const model = (order: (s: JobStep[]) => JobStep[]) =>
            longestJobChain(
                dynamic,
                (r) => order(REALISTIC_CREATE_JOBS[kindOf(r.type)!] ?? []),
                latencyOf,
                (r) => r.dependencies ?? [],
                (r) => `${r.name}(${kindOf(r.type)})`,
            );
        const cp = model((s) => s);
        const tagsAfter = model(sequential);
        const jobs = Object.values(jobsOf(sim));
        const jobsByCommand: Record<string, number> = {};
        for (const j of jobs) jobsByCommand[j.command] = (jobsByCommand[j.command] ?? 0) + 1;
        const lateness = latenessByCommand(jobs, trace.noticedAt);
        const chainSteps = cp.chain.map((label) => /\(([^)]+)\)/.exec(label)?.[1] ?? "").flatMap((kind) => REALISTIC_CREATE_JOBS[kind] ?? []);
        const calls = trace.calls.filter((c) => c.t >= up.startedAt && c.t <= up.endedAt);
        const firstApi = calls[0]?.t ?? up.startedAt;
        const lastApi = calls[calls.length - 1]?.t ?? up.endedAt;
        return {
            steps: up.run.result?.steps,
            wallMs: up.wallMs,
            ...cp,
            criticalPathTagsAfterCreateMs: tagsAfter.criticalPathMs,
            latenciesUsedMs: Object.fromEntries(Object.keys(jobsByCommand).map((c) => [c, latencyOf(c)])),
            jobsByCommand,
            jobsMatchModel: JSON.stringify(Object.entries(jobsByCommand).sort()) === JSON.stringify(Object.entries(cp.expectedJobs).sort()),
            jobsFailed: jobs.filter((j) => j.jobstatus !== 1).length,
            apiCalls: calls.length,
            startupToFirstApiMs: firstApi - up.startedAt,
            apiSpanMs: lastApi - firstApi,
            lastApiToExitMs: up.endedAt - lastApi,
            latenessByCommandMs: lateness,
            chainLatenessMs: stepsLateness(chainSteps, latencyOf, lateness.worst),
        };
    } finally {
        await sim.stop();
    }
}

/** `emptyUpMs`: the engine emulation's startup (an up of a program that declares nothing), measured by the caller. */
export async function runRealisticDependent(emptyUpMs: number, options: { repeat?: number; compression?: number; progress?: (l: string) => void } = {}) {
    const k = options.compression ?? 10;
    const samples: Awaited<ReturnType<typeof realisticRun>>[] = [];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-realistic-"));
    try {
        for (let i = 0; i < (options.repeat ?? 1); i++) {
            samples.push(await realisticRun(dir, `realistic-${i}`, k));
            options.progress?.(`engine: realistic dependent run ${i + 1} (×${k} compressed) up ${samples[i].wallMs} ms`);
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    const first = samples[0];
    const figures = realisticFigures(samples, emptyUpMs, k);
    return {
        program: "test/programs/dependent-realistic",
        note: "the simulator's realistic latencies (deployVirtualMachine 60 s, associateIpAddress 2 s, rules 1.5 s, tags 0.3 s) compressed k times, the job watcher too",
        jobsPerCreate: REALISTIC_CREATE_JOBS,
        criticalPathTagsAfterCreateMs: first.criticalPathTagsAfterCreateMs,
        steps: first.steps,
        jobsByCommand: first.jobsByCommand,
        ...figures,
        pulumiMoldOverheadMs: {
            ...figures.pulumiMoldOverheadMs,
            latenessByCommand: samples.map((s) => s.latenessByCommandMs),
            lastApiToExit: median(samples.map((s) => s.lastApiToExitMs)),
        },
    };
}
