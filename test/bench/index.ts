// `npm run bench`: prints one JSON document on stdout (progress goes to stderr).
// Options: --factor <k> (time compression of the job-wait section, default 10), --concurrency <n> (default 16),
// --short-spread log|linear (how <10 s jobs are spread, default log),
// --policy <growth>,<firstMs>,<minMs>,<maxMs> (measure another pulumi-mold policy instead of the default),
// --only job-wait|engine|quickstart|node-group|provider|scale (one section; default all), --repeat <n> (engine runs per timed scenario, default 3;
// the quickstart's runs with set latencies, default 2), --compression <k> (the realistic scenarios of the quickstart and
// of the engine section's dependent program: jobs run k times faster, default 10), --realistic-repeat <n> (runs of the
// latter, default 1), --scale-sizes 50,500,2000 and --scale-variants spread,oneIp,nodeGroup
// (the scale section's programs), --cpu-prof <dir> (V8 CPU profiles of the scale section's engine and provider-host processes,
// and of each node-group create), --node-group-sim in-process|child (where the node-group section's simulator runs).
// The engine and quickstart sections run programs that require "pulumi-mold", i.e. the repository's dist/ build.
import * as os from "os";
import { DEFAULT_JOB_WAIT_POLICY, JobWaitPolicy } from "../../provider/client";
import { runRealisticDependent } from "./dependent-realistic";
import { runEngineBench } from "./engine";
import { runHostStartBench } from "./host-start";
import { runJobWaitBench, ShortSpread } from "./job-wait";
import { runNodeGroupBench } from "./node-group";
import { runProviderBench } from "./provider";
import { runQuickstartBench } from "./quickstart";
import { runScaleBench, ScaleVariant, Command as ScaleCommand } from "./scale";

function arg(name: string): string | undefined {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
}

function positive(name: string, fallback: number): number {
    const raw = arg(name);
    if (raw === undefined) return fallback;
    const v = Number(raw);
    if (!(v > 0)) throw new Error(`--${name} must be a positive number, got '${raw}'`);
    return v;
}

function policyArg(): JobWaitPolicy {
    const raw = arg("policy");
    if (raw === undefined) return DEFAULT_JOB_WAIT_POLICY;
    const [growth, firstDelayMs, minDelayMs, maxDelayMs] = raw.split(",").map(Number);
    if (![growth, firstDelayMs, minDelayMs, maxDelayMs].every((v) => v > 0)) {
        throw new Error(`--policy wants growth,firstMs,minMs,maxMs (all positive), got '${raw}'`);
    }
    return { growth, firstDelayMs, minDelayMs, maxDelayMs };
}

const SECTIONS = ["job-wait", "engine", "quickstart", "node-group", "provider", "scale"];

async function main(): Promise<void> {
    const spread = arg("short-spread") ?? "log";
    if (spread !== "log" && spread !== "linear") throw new Error(`--short-spread must be log or linear, got '${spread}'`);
    const progress = (line: string) => process.stderr.write(`${line}\n`);
    const only = arg("only");
    if (only !== undefined && !SECTIONS.includes(only)) throw new Error(`--only must be one of ${SECTIONS.join(", ")}, got '${only}'`);
    const run = (section: string) => only === undefined || only === section;
    const policy = policyArg();
    const repeat = Math.floor(positive("repeat", 3));
    const started = Date.now();
    const jobWait = run("job-wait")
        ? await runJobWaitBench({
              timeFactor: positive("factor", 10),
              concurrency: Math.floor(positive("concurrency", 16)),
              shortSpread: spread as ShortSpread,
              policy,
              progress,
          })
        : undefined;
    const engine = run("engine") ? await runEngineBench({ repeat, progress }) : undefined;
    // The dependent program at realistic, compressed durations, beside the engine section's seconds-only chains.
    if (engine) {
        const realistic = await runRealisticDependent(engine.startup.emptyProgramUpMs, {
            repeat: Math.floor(positive("realistic-repeat", 1)),
            compression: positive("compression", 10),
            progress,
        });
        Object.assign(engine.criticalPath, { dependentRealistic: realistic });
        Object.assign(engine.startup, { beforeFirstApiCall: await runHostStartBench(repeat) });
    }
    // The quickstart's own default is 2 runs (each is ~15 s with its up and destroy); --repeat overrides it.
    const quickstart = run("quickstart")
        ? await runQuickstartBench({
              repeat: arg("repeat") !== undefined ? repeat : undefined,
              compression: positive("compression", 10),
              progress,
          })
        : undefined;
    const nodeGroupSim = arg("node-group-sim") ?? "in-process";
    if (nodeGroupSim !== "in-process" && nodeGroupSim !== "child") throw new Error(`--node-group-sim must be in-process or child, got '${nodeGroupSim}'`);
    const nodeGroup = run("node-group")
        ? await runNodeGroupBench({
              repeat: arg("repeat") !== undefined ? repeat : undefined,
              simulator: nodeGroupSim,
              cpuProfDir: arg("cpu-prof"),
              progress,
          })
        : undefined;
    const provider = run("provider") ? await runProviderBench({ repeat: arg("repeat") !== undefined ? repeat : undefined, progress }) : undefined;
    const scale = run("scale")
        ? await runScaleBench({
              sizes: arg("scale-sizes")?.split(",").map(Number),
              variants: arg("scale-variants")?.split(",") as ScaleVariant[] | undefined,
              commands: arg("scale-commands")?.split(",") as ScaleCommand[] | undefined,
              cpuProfDir: arg("cpu-prof"),
              progress,
          })
        : undefined;
    const out = {
        node: process.version,
        cpus: os.cpus().length,
        startedAt: new Date(started).toISOString(),
        totalMs: Date.now() - started,
        ...(jobWait ? { jobWait } : {}),
        ...(engine ? { engine } : {}),
        ...(quickstart ? { quickstart } : {}),
        ...(nodeGroup ? { nodeGroup } : {}),
        ...(provider ? { provider } : {}),
        ...(scale ? { scale } : {}),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main().catch((e) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
});
