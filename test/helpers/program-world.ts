// One simulator, one state file and the engine for one test program: what every engine-driven e2e test of a
// self-managed cluster starts from. Torn down (simulator stopped, files removed) with the test.
import type { ExecutionContext } from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MoldClient } from "../../provider/client";
import { ADMIN_HEADER } from "../../simulator/admin-endpoints";
import { startSimulatorServer } from "../../simulator/server";
import { isSecret, SecretsCipher } from "../engine/secrets";
import { cleanEnv, EngineRun, programDir, runEngine } from "./engine";

export interface ProgramWorldOptions {
    /** Deadline of each engine run (default 300 s). */
    timeoutMs?: number;
    /** Called with each run's command line, duration and log (e.g. to keep logs while debugging a test). */
    onRun?: (command: string, config: string[], ms: number, run: EngineRun) => void;
}

/** Stack config (`key=value`) and secrets for one engine run. */
export interface RunConfig {
    config?: string[];
    secrets?: string[];
}

export async function programWorld(t: ExecutionContext, program: string, options: ProgramWorldOptions = {}) {
    const sim = await startSimulatorServer({ port: 0, latencyProfile: "fast" });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${program}-`));
    const stateFile = path.join(dir, "state.json");
    const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
    t.teardown(async () => {
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /** Runs an engine command with stack config and secrets; the run's result whatever its exit code. */
    const execWith = async (command: string, { config = [], secrets = [] }: RunConfig = {}) => {
        const args = [
            command,
            programDir(program),
            "--state",
            stateFile,
            ...config.flatMap((c) => ["--config", c]),
            ...secrets.flatMap((s) => ["--secret", s]),
        ];
        const started = Date.now();
        const r = await runEngine(args, env, options.timeoutMs ?? 300_000);
        options.onRun?.(command, config, Date.now() - started, r);
        return r;
    };
    /** The same, required to succeed (the test fails with the run's log tail otherwise). */
    const runWith = async (command: string, given: RunConfig = {}) => {
        const r = await execWith(command, given);
        t.is(r.code, 0, `${command} ${(given.config ?? []).join(" ")} failed:\n${r.stderr.slice(-4000)}`);
        if (r.code !== 0) throw new Error(`${command} failed`);
        return r;
    };
    const exec = (command: string, ...config: string[]) => execWith(command, { config });
    const run = (command: string, ...config: string[]) => runWith(command, { config });

    /** The state file, secrets decrypted (also after a failed run: the engine saves after every step). */
    const state = () => new SecretsCipher(stateFile).open(JSON.parse(fs.readFileSync(stateFile, "utf8"))) as any;
    const output = (name: string) => {
        const v = state().outputs[name];
        return isSecret(v) ? v.value : v;
    };
    /** A resource's outputs as the state holds them, by the last part of its URN. */
    const resource = (name: string) => state().resources.find((r: any) => String(r.urn).endsWith(`::${name}`))?.outputs;

    /** The simulator's admin API over HTTP, as an operator reaches it; a non-200 answer fails the test. */
    const adminCall = async (method: "GET" | "POST", p: string, body?: unknown) => {
        const res = await fetch(new URL(p, sim.url), {
            method,
            headers: { [ADMIN_HEADER]: sim.apiKey },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        t.is(res.status, 200, `${method} ${p}: ${text}`);
        return JSON.parse(text);
    };
    const admin = {
        get: (p: string) => adminCall("GET", p),
        post: (p: string, body: unknown) => adminCall("POST", p, body),
    };
    const client = new MoldClient({ apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey });
    return { sim, dir, stateFile, exec, run, execWith, runWith, state, output, resource, admin, client };
}
