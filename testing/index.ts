// pulumi-mold/testing: run a Pulumi program against a Mold (usually the local simulator) from a test.
// runProgram uses the real Pulumi CLI through the Automation API when `pulumi` is on PATH (a local file backend
// in a temporary folder), and otherwise the built-in engine that drives @pulumi/pulumi's dynamic-provider host.
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { RunningSimulator, ServerOptions, startSimulatorServer } from "../simulator/server";
import { chooseRunner, RunnerChoice, RunnerKind } from "./runner";

export { chooseRunner, findPulumi, RunnerChoice, RunnerKind } from "./runner";

export type Command = "up" | "preview" | "refresh" | "destroy";
export type StepCounts = Record<"create" | "update" | "replace" | "delete" | "same", number>;

/** Where the program's Mold is: what `startSimulator` returns, or any Mold's endpoint and keys. */
export interface MoldEndpoint {
    url: string;
    apiKey: string;
    secretKey: string;
}

export interface RunOptions {
    /** The program's folder (Pulumi.yaml, package.json with its dependencies installed, index.ts). */
    dir: string;
    command: Command;
    /** Stack config; a bare key gets the project's namespace (e.g. `zone`), `mold:…` keys as given. */
    config?: Record<string, string>;
    /** Secret stack config. */
    secrets?: Record<string, string>;
    /** The Mold to run against, passed to the program as MOLD_API_URL / MOLD_API_KEY / MOLD_SECRET_KEY. */
    simulator?: MoldEndpoint;
    /** Stack name (default "test"). */
    stack?: string;
    /** Folder of the stack's state, kept between runs of one stack (default <dir>/.pulumi-mold-engine). */
    stateDir?: string;
    /** "auto" (default): the Pulumi CLI when `pulumi` is on PATH, else the built-in engine. */
    runner?: RunnerChoice;
    /** Extra environment for the run (on top of this process's, MOLD_* / CLOUDSTACK_* removed). */
    env?: NodeJS.ProcessEnv;
    /** Deadline of the whole run, ms (default 10 minutes). */
    timeoutMs?: number;
}

export interface RunResult {
    runner: RunnerKind;
    steps: StepCounts;
    /** Stack outputs; secret ones as "[secret]". */
    outputs: Record<string, unknown>;
    /** What the run printed (stderr of the built-in engine; the CLI's output). */
    log: string;
}

/** Runs one Pulumi command on a program; rejects with the run's root error when it fails. */
export async function runProgram(options: RunOptions): Promise<RunResult> {
    const runner = chooseRunner(options.runner, { ...process.env, ...options.env });
    const env = runEnv(options);
    const stateDir = path.resolve(options.stateDir ?? path.join(options.dir, ".pulumi-mold-engine"));
    fs.mkdirSync(stateDir, { recursive: true });
    return runner === "cli" ? runWithCli(options, env, stateDir) : runBuiltin(options, env, stateDir);
}

function runEnv(options: RunOptions): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    // The test decides where Mold is: no credentials leak in from the shell that runs the tests.
    for (const [k, v] of Object.entries(process.env)) if (!/^(MOLD_|CLOUDSTACK_)/.test(k)) env[k] = v;
    Object.assign(env, options.env);
    if (options.simulator) Object.assign(env, simulatorEnv(options.simulator));
    return env;
}

/** The environment a program needs to reach `mold`. */
export function simulatorEnv(mold: MoldEndpoint): Record<string, string> {
    return { MOLD_API_URL: mold.url, MOLD_API_KEY: mold.apiKey, MOLD_SECRET_KEY: mold.secretKey };
}

/** The same as stack config (`mold:*` keys; the secret key belongs in `secrets`). */
export function simulatorConfig(mold: MoldEndpoint): { config: Record<string, string>; secrets: Record<string, string> } {
    return { config: { "mold:apiUrl": mold.url, "mold:apiKey": mold.apiKey }, secrets: { "mold:secretKey": mold.secretKey } };
}

export interface TestSimulator extends MoldEndpoint {
    /** The running simulator: inventory(), clock, faults (see pulumi-mold/simulator). */
    sim: RunningSimulator;
    /** MOLD_* variables for it. */
    env: Record<string, string>;
    /** mold:* stack config for it. */
    config: Record<string, string>;
    secrets: Record<string, string>;
    stop(): Promise<void>;
}

/** A simulator on a free loopback port (fast latencies unless told otherwise) and how to point a program at it. */
export async function startSimulator(options: ServerOptions = {}): Promise<TestSimulator> {
    const sim = await startSimulatorServer({ port: 0, latencyProfile: "fast", ...options });
    const endpoint = { url: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey };
    return { sim, ...endpoint, env: simulatorEnv(endpoint), ...simulatorConfig(endpoint), stop: () => sim.stop() };
}

const CLI = path.join(__dirname, "engine", "cli.js");

function runBuiltin(options: RunOptions, env: NodeJS.ProcessEnv, stateDir: string): Promise<RunResult> {
    const args = [CLI, options.command, path.resolve(options.dir), "--state", path.join(stateDir, `${options.stack ?? "test"}.json`)];
    args.push("--stack", options.stack ?? "test");
    for (const [k, v] of Object.entries(options.config ?? {})) args.push("--config", `${k}=${v}`);
    for (const [k, v] of Object.entries(options.secrets ?? {})) args.push("--secret", `${k}=${v}`);
    const timeoutMs = options.timeoutMs ?? 600_000;
    return new Promise((resolve, reject) => {
        // Its own process group: the engine starts provider hosts, and a run past its deadline takes them along.
        const child = spawn(process.execPath, args, { cwd: path.resolve(options.dir), env, stdio: ["ignore", "pipe", "pipe"], detached: true });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        child.stdout.on("error", () => undefined);
        child.stderr.on("error", () => undefined);
        const timer = setTimeout(() => {
            try {
                process.kill(-child.pid!, "SIGKILL");
            } catch {
                child.kill("SIGKILL");
            }
            reject(new Error(`pulumi-mold/testing: ${options.command} of ${options.dir} did not finish within ${timeoutMs} ms\n${stderr.slice(-3000)}`));
        }, timeoutMs);
        child.on("error", (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.on("close", (code) => {
            clearTimeout(timer);
            if (code !== 0) {
                const line = stderr.split("\n").find((l) => l.startsWith("error: "));
                return reject(
                    new Error(
                        `pulumi-mold/testing: ${options.command} of ${options.dir} failed: ${line ? line.slice(7) : `exit ${code}`}\n${stderr.slice(-3000)}`,
                    ),
                );
            }
            try {
                const result = JSON.parse(stdout.trim().split("\n").pop() ?? "");
                resolve({ runner: "builtin", steps: result.steps, outputs: result.outputs, log: stderr });
            } catch {
                reject(new Error(`pulumi-mold/testing: the engine printed no result line\n${stdout.slice(-2000)}`));
            }
        });
    });
}

/** The real Pulumi CLI through the Automation API; a file backend in `stateDir`, so no Pulumi Cloud login. */
async function runWithCli(options: RunOptions, env: NodeJS.ProcessEnv, stateDir: string): Promise<RunResult> {
    const auto: typeof import("@pulumi/pulumi/automation") = require("@pulumi/pulumi/automation");
    const envVars: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) if (v !== undefined) envVars[k] = v;
    envVars.PULUMI_BACKEND_URL = `file://${path.join(stateDir, "cli-backend")}`;
    // A local stack's secrets need a passphrase; a test stack's is not secret.
    envVars.PULUMI_CONFIG_PASSPHRASE ??= "pulumi-mold-testing";
    envVars.PULUMI_SKIP_UPDATE_CHECK = "true";
    fs.mkdirSync(path.join(stateDir, "cli-backend"), { recursive: true });
    const stack = await auto.LocalWorkspace.createOrSelectStack({ stackName: options.stack ?? "test", workDir: path.resolve(options.dir) }, { envVars });
    const all: Record<string, { value: string; secret?: boolean }> = {};
    for (const [k, v] of Object.entries(options.config ?? {})) all[k] = { value: v };
    for (const [k, v] of Object.entries(options.secrets ?? {})) all[k] = { value: v, secret: true };
    if (Object.keys(all).length) await stack.setAllConfig(all);
    let log = "";
    const onOutput = (out: string) => (log += out);
    const steps: StepCounts = { create: 0, update: 0, replace: 0, delete: 0, same: 0 };
    const count = (changes: Record<string, number> | undefined) => {
        for (const [op, n] of Object.entries(changes ?? {})) if (op in steps) steps[op as keyof StepCounts] += n;
    };
    if (options.command === "preview") {
        count((await stack.preview({ onOutput, diff: true })).changeSummary);
    } else if (options.command === "up") {
        count((await stack.up({ onOutput })).summary.resourceChanges);
    } else if (options.command === "refresh") {
        count((await stack.refresh({ onOutput })).summary.resourceChanges);
    } else {
        count((await stack.destroy({ onOutput })).summary.resourceChanges);
    }
    const outputs: Record<string, unknown> = {};
    for (const [k, o] of Object.entries(await stack.outputs())) outputs[k] = o.secret ? "[secret]" : o.value;
    return { runner: "cli", steps, outputs, log };
}
