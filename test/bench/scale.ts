// Scale bench (issue 16 §4): how preview, up, a no-op up, refresh and destroy grow with the number of
// resources, through the test engine's CLI (one process per run: program + engine emulation) and
// @pulumi/pulumi's real dynamic-provider host (its own process), against an in-process simulator.
//   programs   test/programs/scale: firewall rules over a few networks and public IPs ("spread"), or all of them
//              on one public IP ("oneIp"); test/programs/kubeadm-small with a 50-node worker group ("nodeGroup")
//   per run    wall time, API calls (by command), peak RSS (VmHWM) and CPU seconds of the engine process and of
//              the provider host separately, CPU seconds of the simulator (this process)
//   growth     exponent k of wall ≈ c·nᵏ between the smallest and the largest size (1 = linear)
// The engine process runs the user's program, @pulumi/pulumi's runtime AND the engine emulation; users run
// the real CLI instead, so the emulation's own share (its state checkpoints, the bulk of its bookkeeping) is
// reported apart, from the timings the engine prints with PULUMI_MOLD_ENGINE_TIMINGS=1.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RunningSimulator, startSimulatorServer } from "../../simulator/server";
import { cleanEnv, programDir } from "../helpers/engine";
import { profileFileByOwner } from "./cpu-profile";
import { ApiTrace, jobsOf, median, round, traceApi } from "./engine";

export interface ScaleBenchOptions {
    /** Resource counts of the rule programs (default 50, 500, 2000). */
    sizes?: number[];
    /** Which programs (default all three). */
    variants?: ScaleVariant[];
    /** Workers of the node-group program (default 50). */
    nodeGroupWorkers?: number;
    /** Which commands run (default all five; `up` runs when a later one does, since they need its state). */
    commands?: Command[];
    /** Runs of each command at each size (median reported; default 1). */
    repeat?: number;
    /** Writes V8 CPU profiles (node --cpu-prof) of both processes of every run into this folder. */
    cpuProfDir?: string;
    progress?: (line: string) => void;
}

export type ScaleVariant = "spread" | "oneIp" | "nodeGroup";
const COMMANDS = ["preview", "up", "noOpUp", "refresh", "destroy"] as const;
export type Command = (typeof COMMANDS)[number];

const CLI = path.resolve(__dirname, "../../testing/engine/cli.js");

/** Networks, IPs and rules of a rule program of `n` resources. */
export function ruleProgramShape(n: number, variant: "spread" | "oneIp") {
    const networks = variant === "oneIp" ? 1 : Math.max(1, Math.min(4, Math.round(n / 100)));
    const ips = variant === "oneIp" ? 1 : Math.max(2, Math.min(16, Math.round(n / 100)));
    return { networks, ips, rules: n - networks - ips };
}

/** Peak RSS and CPU of one process, from /proc (Linux). */
interface ProcSample {
    peakRssMb: number;
    cpuS: number;
}

const CLK_TCK = 100;
function readProc(pid: number): ProcSample | undefined {
    try {
        const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
        return { peakRssMb: round(hwm / 1024, 1), cpuS: round((Number(fields[11]) + Number(fields[12])) / CLK_TCK, 2) };
    } catch {
        return undefined;
    }
}

function childrenOf(pid: number): number[] {
    try {
        return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
        return [];
    }
}

export interface RunFigures {
    wallMs: number;
    steps?: Record<string, number>;
    apiCalls: number;
    apiCallsByCommand: Record<string, number>;
    /** KB of answer bodies the provider host received and parsed, by command. */
    apiAnswerKbByCommand: Record<string, number>;
    engine: ProcSample;
    /** The provider host (absent when the run needed none, e.g. a refresh of nothing). */
    providerHost?: ProcSample;
    simulatorCpuS: number;
    /** What each process still held on its V8 heap when it ended, after a full GC (heap-preload.ts). */
    liveHeapAtExitMb: { engine?: number; providerHost?: number };
    /** The engine emulation's own bookkeeping (PULUMI_MOLD_ENGINE_TIMINGS). */
    emulation?: { checkpoints: number; checkpointMs: number; stateBytes: number };
    /** Jobs the run started, polls (queryAsyncJobResult) per job, and how late their ends were noticed (ms). */
    jobs?: { count: number; pollsPerJob: number; noticeLatenessMs: { median: number; p90: number; max: number } };
    /** With --cpu-prof: self time (ms) by who owns the code, engine process and provider host apart. */
    cpuSelfMsByOwner?: Record<string, Record<string, number>>;
}

/**
 * Runs the engine CLI, sampling VmHWM (a high-water mark, so a sample every 50 ms loses only the last
 * moments' growth) and CPU of it and of its provider host(s) until they exit.
 */
async function runSampled(
    args: string[],
    env: NodeJS.ProcessEnv,
    sim: RunningSimulator,
    trace: ApiTrace,
    cpuProfDir?: string,
    tag = "run",
): Promise<RunFigures> {
    const jobsBefore = new Set(Object.keys(jobsOf(sim)));
    // Both processes get a preload that writes their profile (Node refuses --cpu-prof in NODE_OPTIONS).
    const preload = path.join(__dirname, "cpu-prof-preload.js");
    // Every process also reports its live heap after a last GC (heap-preload.ts).
    const heapDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-heap-"));
    const nodeOptions = [
        env.NODE_OPTIONS ?? "",
        "--expose-gc",
        `--require ${path.join(__dirname, "heap-preload.js")}`,
        cpuProfDir ? `--require ${preload}` : "",
    ];
    const profEnv = {
        ...(cpuProfDir ? { CPU_PROF_DIR: cpuProfDir, CPU_PROF_TAG: tag } : {}),
        HEAP_AT_EXIT_DIR: heapDir,
        HEAP_AT_EXIT_TAG: tag,
        NODE_OPTIONS: nodeOptions.filter(Boolean).join(" "),
    };
    const before = { ...sim.requestCounts };
    const callsBefore = trace.calls.length;
    const cpuBefore = process.cpuUsage();
    const started = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], {
        env: { ...env, ...profEnv, PULUMI_MOLD_ENGINE_TIMINGS: "1", PULUMI_MOLD_ENGINE_RPC_DEADLINE_MS: String(30 * 60_000) },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const last = new Map<number, ProcSample>();
    const sample = () => {
        const pids = child.pid ? [child.pid, ...childrenOf(child.pid)] : [];
        for (const pid of pids) {
            // An exited process not yet reaped has no VmHWM any more: keep the highest mark seen.
            const s = readProc(pid);
            const prev = last.get(pid);
            if (s && s.peakRssMb > 0) last.set(pid, { peakRssMb: Math.max(s.peakRssMb, prev?.peakRssMb ?? 0), cpuS: Math.max(s.cpuS, prev?.cpuS ?? 0) });
        }
    };
    const timer = setInterval(sample, 50);
    const deadline = setTimeout(() => child.kill("SIGKILL"), 30 * 60_000);
    const code = await new Promise<number | null>((resolve, reject) => {
        child.on("error", reject);
        child.on("exit", (c) => resolve(c));
    });
    clearInterval(timer);
    clearTimeout(deadline);
    const wallMs = Date.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    if (code !== 0) throw new Error(`engine ${args.join(" ")} exited ${code}:\n${stderr.slice(-3000)}`);
    const engine = last.get(child.pid!) ?? { peakRssMb: NaN, cpuS: NaN };
    const hosts = [...last.entries()].filter(([pid]) => pid !== child.pid).map(([, s]) => s);
    const byCommand: Record<string, number> = {};
    for (const [k, n] of Object.entries(sim.requestCounts)) if (n - (before[k] ?? 0) > 0) byCommand[k] = n - (before[k] ?? 0);
    let result: any;
    try {
        result = JSON.parse(stdout.trim().split("\n").pop() ?? "");
    } catch {
        result = undefined;
    }
    const answerKb: Record<string, number> = {};
    for (const c of trace.calls.slice(callsBefore)) answerKb[c.command] = (answerKb[c.command] ?? 0) + (c.bytes ?? 0) / 1024;
    for (const k of Object.keys(answerKb)) answerKb[k] = Math.round(answerKb[k]);
    const timings = /^engine-timings: (.*)$/m.exec(stderr)?.[1];
    const liveHeapAtExitMb: Record<string, number> = {};
    for (const f of fs.readdirSync(heapDir)) {
        const role = /-(engine|host)-\d+\.json$/.exec(f)?.[1];
        const key = role === "host" ? "providerHost" : "engine";
        if (role) liveHeapAtExitMb[key] = Math.max(liveHeapAtExitMb[key] ?? 0, JSON.parse(fs.readFileSync(path.join(heapDir, f), "utf8")).heapUsedMb);
    }
    fs.rmSync(heapDir, { recursive: true, force: true });
    return {
        wallMs,
        steps: result?.steps,
        apiCalls: Object.values(byCommand).reduce((a, b) => a + b, 0),
        apiCallsByCommand: byCommand,
        apiAnswerKbByCommand: answerKb,
        engine,
        providerHost: hosts.length
            ? {
                  peakRssMb: Math.max(...hosts.map((h) => h.peakRssMb)),
                  cpuS: round(
                      hosts.reduce((a, h) => a + h.cpuS, 0),
                      2,
                  ),
              }
            : undefined,
        simulatorCpuS: round((cpu.user + cpu.system) / 1e6, 2),
        liveHeapAtExitMb,
        emulation: timings ? JSON.parse(timings) : undefined,
        jobs: jobFigures(sim, trace, jobsBefore, byCommand.queryAsyncJobResult ?? 0),
        ...(cpuProfDir ? { cpuSelfMsByOwner: profilesByOwner(cpuProfDir, tag) } : {}),
    };
}

const quantile = (xs: number[], q: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};

/** Jobs started since `before`, polls per job, and the lateness of each job's first poll that saw it finished. */
function jobFigures(sim: RunningSimulator, trace: ApiTrace, before: Set<string>, polls: number) {
    const jobs = Object.values(jobsOf(sim)).filter((j) => !before.has(j.jobid));
    if (!jobs.length) return undefined;
    const late = jobs.filter((j) => j.finishedAt !== undefined && trace.noticedAt[j.jobid] !== undefined).map((j) => trace.noticedAt[j.jobid] - j.finishedAt!);
    return {
        count: jobs.length,
        pollsPerJob: round(polls / jobs.length, 2),
        noticeLatenessMs: { median: quantile(late, 0.5), p90: quantile(late, 0.9), max: Math.max(0, ...late) },
    };
}

/** Self time by owner of the run's profiles (engine process and provider host apart). */
function profilesByOwner(dir: string, tag: string) {
    const out: Record<string, Record<string, number>> = {};
    for (const f of fs.readdirSync(dir)) {
        const m = new RegExp(`^${tag}-(engine|host)-\\d+\\.cpuprofile$`).exec(f);
        if (!m) continue;
        const byOwner = profileFileByOwner(path.join(dir, f));
        const sum = (out[m[1]] ??= {});
        for (const [k, v] of Object.entries(byOwner)) sum[k] = (sum[k] ?? 0) + v;
    }
    return out;
}

const growthExponent = (n1: number, v1: number, n2: number, v2: number) => round(Math.log(v2 / v1) / Math.log(n2 / n1), 2);

/** One program at one size: preview, up, no-op up, refresh, destroy against a fresh simulator. */
async function runProgram(
    program: string,
    config: string[],
    resources: number,
    options: ScaleBenchOptions,
    tag: string,
    simOptions: Parameters<typeof startSimulatorServer>[0] = {},
) {
    const progress = options.progress ?? (() => undefined);
    const repeat = options.repeat ?? 1;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-scale-"));
    const runs: Partial<Record<Command, RunFigures[]>> = {};
    try {
        for (let i = 0; i < repeat; i++) {
            const sim = await startSimulatorServer({ port: 0, latencyProfile: "fast", ...simOptions });
            const trace = traceApi(sim);
            try {
                const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
                const state = path.join(dir, `${tag}-${i}.json`);
                const base = (cmd: string) => [cmd, programDir(program), "--state", state, ...config.flatMap((c) => ["--config", c])];
                const order: [Command, string][] = [
                    ["preview", "preview"],
                    ["up", "up"],
                    ["noOpUp", "up"],
                    ["refresh", "refresh"],
                    ["destroy", "destroy"],
                ];
                const wanted = new Set(options.commands ?? COMMANDS);
                if ([...wanted].some((c) => c !== "preview")) wanted.add("up");
                for (const [name, cmd] of order) {
                    if (!wanted.has(name)) continue;
                    const r = await runSampled(base(cmd), env, sim, trace, options.cpuProfDir, `${tag}-${name}-${i}`);
                    trace.calls.length = 0; // only noticedAt is needed across runs
                    (runs[name] ??= []).push(r);
                    progress(
                        `scale: ${tag} ${name} ${(r.wallMs / 1000).toFixed(1)} s, ${r.apiCalls} API calls, engine ${r.engine.peakRssMb} MB (live ${r.liveHeapAtExitMb.engine ?? "-"}) ${r.engine.cpuS} s CPU, ` +
                            `host ${r.providerHost?.peakRssMb ?? "-"} MB (live ${r.liveHeapAtExitMb.providerHost ?? "-"}) ${r.providerHost?.cpuS ?? "-"} s CPU, simulator ${r.simulatorCpuS} s CPU, ` +
                            `checkpoints ${r.emulation?.checkpointMs ?? "-"} ms, ${r.jobs ? `${r.jobs.count} jobs ${r.jobs.pollsPerJob} polls/job` : "no jobs"}`,
                    );
                }
            } finally {
                await sim.stop();
            }
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
    const out: Record<string, unknown> = { resources };
    for (const name of COMMANDS) {
        const rs = runs[name] ?? [];
        if (!rs.length) continue;
        const pick = rs.find((r) => r.wallMs === median(rs.map((x) => x.wallMs))) ?? rs[0];
        out[name] = {
            ...pick,
            wallSamplesMs: rs.map((r) => r.wallMs),
            ...(name === "up" ? { apiCallsPerCreatedResource: round(pick.apiCalls / resources, 2) } : {}),
        };
    }
    return out as Record<Command, RunFigures & { apiCallsPerCreatedResource?: number }> & { resources: number };
}

export async function runScaleBench(options: ScaleBenchOptions = {}) {
    const sizes = options.sizes ?? [50, 500, 2000];
    const variants = options.variants ?? ["spread", "oneIp", "nodeGroup"];
    const started = Date.now();
    const load = os.loadavg();
    const result: Record<string, unknown> = {
        description:
            "Each command is its own engine process (test/engine CLI: program + @pulumi/pulumi runtime + engine emulation) with @pulumi/pulumi's real " +
            "dynamic-provider host as a child process, against an in-process simulator (fast job latencies: 20 ms, VM deploy 60 ms). " +
            "Peak RSS = VmHWM of each process; emulation = the engine emulation's state checkpoints (what the real CLI does instead).",
        loadAverageAtStart: load.map((l) => round(l, 2)),
        cpus: os.cpus().length,
    };
    for (const variant of variants.filter((v) => v !== "nodeGroup") as ("spread" | "oneIp")[]) {
        const perSize = [];
        const failed: { resources: number; error: string }[] = [];
        for (const n of sizes) {
            const shape = ruleProgramShape(n, variant);
            const config = [`networks=${shape.networks}`, `ips=${shape.ips}`, `rules=${shape.rules}`];
            // A size that fails is reported and the others still run (a loaded machine can starve a large run).
            try {
                perSize.push({ shape, ...(await runProgram("scale", config, n, options, `${variant}-${n}`)) });
            } catch (e) {
                failed.push({ resources: n, error: String((e as Error).message).slice(0, 2000) });
                options.progress?.(`scale: ${variant}-${n} failed: ${String((e as Error).message).split("\n")[0]}`);
            }
        }
        if (!perSize.length) {
            result[variant] = { program: "test/programs/scale", failed };
            continue;
        }
        const [first, lastRun] = [perSize[0], perSize[perSize.length - 1]];
        const growth: Record<string, number> = {};
        if (perSize.length > 1) {
            for (const name of COMMANDS.filter((c) => first[c] && lastRun[c]))
                growth[`${name}Wall`] = growthExponent(first.resources, first[name].wallMs, lastRun.resources, lastRun[name].wallMs);
            if (first.up && lastRun.up) growth.upApiCalls = growthExponent(first.resources, first.up.apiCalls, lastRun.resources, lastRun.up.apiCalls);
            // CPU seconds hardly depend on what else the machine runs, wall times do: both are given.
            for (const name of COMMANDS.filter((c) => first[c] && lastRun[c])) {
                growth[`${name}EngineCpu`] = growthExponent(first.resources, first[name].engine.cpuS, lastRun.resources, lastRun[name].engine.cpuS);
                // Peak RSS includes each process's fixed start-up (~100-150 MB), which flatters this exponent most.
                growth[`${name}EngineRss`] = growthExponent(first.resources, first[name].engine.peakRssMb, lastRun.resources, lastRun[name].engine.peakRssMb);
                growth[`${name}HostCpu`] = growthExponent(
                    first.resources,
                    first[name].providerHost?.cpuS ?? NaN,
                    lastRun.resources,
                    lastRun[name].providerHost?.cpuS ?? NaN,
                );
                growth[`${name}SimulatorCpu`] = growthExponent(first.resources, first[name].simulatorCpuS, lastRun.resources, lastRun[name].simulatorCpuS);
            }
        }
        // The small end carries each process's fixed start-up, which flatters the exponent: the two largest sizes too.
        const upper: Record<string, number> = {};
        if (perSize.length > 2) {
            const a = perSize[perSize.length - 2];
            for (const name of COMMANDS.filter((c) => a[c] && lastRun[c])) {
                upper[`${name}Wall`] = growthExponent(a.resources, a[name].wallMs, lastRun.resources, lastRun[name].wallMs);
                upper[`${name}EngineCpu`] = growthExponent(a.resources, a[name].engine.cpuS, lastRun.resources, lastRun[name].engine.cpuS);
                upper[`${name}EngineRss`] = growthExponent(a.resources, a[name].engine.peakRssMb, lastRun.resources, lastRun[name].engine.peakRssMb);
            }
        }
        result[variant] = {
            program: "test/programs/scale",
            sizes: perSize,
            growthExponent: { from: first.resources, to: lastRun.resources, ...growth },
            ...(perSize.length > 2 ? { growthExponentLargest: { from: perSize[perSize.length - 2].resources, to: lastRun.resources, ...upper } } : {}),
            apiCallsPerCreatedResource: perSize.map((p) => p.up?.apiCallsPerCreatedResource),
            ...(failed.length ? { failed } : {}),
        };
    }
    if (variants.includes("nodeGroup")) {
        const workers = options.nodeGroupWorkers ?? 50;
        // network + key pair + cluster component + control plane group + worker group: "resources" counts the
        // nodes (VMs with their port forwards and bootstrap), what the group creates.
        result.nodeGroup = {
            program: `test/programs/kubeadm-small, workers=${workers}`,
            note: `resources = ${workers + 1} nodes (1 control plane + ${workers} workers)`,
            ...(await runProgram("kubeadm-small", [`workers=${workers}`], workers + 1, options, `nodeGroup-${workers}`)),
        };
    }
    result.loadAverageAtEnd = os.loadavg().map((l) => round(l, 2));
    result.wallClockMs = Date.now() - started;
    return result;
}
