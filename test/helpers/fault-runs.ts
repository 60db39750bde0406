// What the heavy-fault e2e tests share: an engine command run again while it fails (the faults go on), and the
// Mold objects a state file stands for, by kind, to compare with what the simulator holds.
import type { ExecutionContext } from "ava";
import * as fs from "fs";
import { EngineRun, runEngine } from "./engine";

/** Mold objects the state's resources stand for, by kind. */
export function stateIds(stateFile: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    if (!fs.existsSync(stateFile)) return out;
    for (const r of JSON.parse(fs.readFileSync(stateFile, "utf8")).resources) {
        if (!r.custom || !String(r.type).startsWith("pulumi-nodejs:dynamic")) continue;
        (out[String(r.type).split(":").pop()!] ??= []).push(r.id);
    }
    return out;
}

export const sorted = (xs: string[] | undefined) => [...(xs ?? [])].sort();

/** Runs `command` on a program; while it fails, again, up to `runs` runs in all, logging why each failed. */
export async function converge(t: ExecutionContext, command: string, program: string, state: string, env: NodeJS.ProcessEnv, runs: number): Promise<EngineRun> {
    let r = await runEngine([command, program, "--state", state], env, 600_000);
    for (let i = 2; r.code !== 0 && i <= runs; i++) {
        const why = (r.stderr.match(/^(error|Error)[^\n]*/m) ?? [r.stderr.slice(0, 300)])[0];
        t.log(`${command} #${i - 1} failed (${why}); state ${fs.existsSync(state) ? "saved" : "NOT saved"}`);
        r = await runEngine([command, program, "--state", state], env, 600_000);
    }
    return r;
}
