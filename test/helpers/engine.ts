// Runs the test engine's CLI in its own process, as `npm run engine` does, with a deadline.
import * as path from "path";
import { runCommand } from "./process";

// dist/test/helpers → dist/testing/engine/cli.js
const CLI = path.resolve(__dirname, "../../testing/engine/cli.js");
/** dist/test/helpers → test/programs/<name> in the source tree (programs run as TypeScript). */
export const programDir = (name: string) => path.resolve(__dirname, "../../../test/programs", name);

export interface EngineRun {
    code: number | null;
    stdout: string;
    stderr: string;
    /** The CLI's final JSON line. */
    result?: { steps: Record<"create" | "update" | "replace" | "delete" | "same", number>; outputs: Record<string, any> };
}

/** The environment without any Mold credentials, so a test decides exactly where they come from. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(MOLD_|CLOUDSTACK_|PULUMI_CONFIG)/.test(k)) env[k] = v;
    return { ...env, ...extra };
}

export interface NodeRun {
    code: number | null;
    stdout: string;
    stderr: string;
    ms: number;
}

/** Runs a Node script in its own process with a deadline (the process is killed when it passes). */
export async function runNode(script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<NodeRun> {
    const started = Date.now();
    const run = await runCommand(process.execPath, [script, ...args], { cwd: process.cwd(), env, timeoutMs });
    return { ...run, ms: Date.now() - started };
}

export async function runEngine(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 180_000): Promise<EngineRun> {
    const { code, stdout, stderr } = await runNode(CLI, args, env, timeoutMs);
    let result: EngineRun["result"];
    try {
        result = JSON.parse(stdout.trim().split("\n").pop() ?? "");
    } catch {
        result = undefined;
    }
    return { code, stdout, stderr, result };
}

/** Requests per command a simulator served since `before` was taken, keeping only state-changing ones. */
export function mutatingSince(before: Record<string, number>, now: Record<string, number>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [cmd, n] of Object.entries(now)) {
        const delta = n - (before[cmd] ?? 0);
        if (delta > 0 && !/^(list|get|query|find)/.test(cmd)) out[cmd] = delta;
    }
    return out;
}

/** Engine CLI arguments for a state file and a simulator's credentials as stack config (the secret key a secret). */
export function stackConfigArgs(state: string, sim: { url: string; apiKey: string; secretKey: string }): string[] {
    return ["--state", state, "--config", `mold:apiUrl=${sim.url}`, "--config", `mold:apiKey=${sim.apiKey}`, "--secret", `mold:secretKey=${sim.secretKey}`];
}
