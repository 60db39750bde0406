// Runs the `validate` job of each CI example (examples/ci) here, line by line, as the mapping in
// test/helpers/ci-files.ts says: the simulator it starts, its ready line, a throwaway state, preview, up and the
// no-op up, through the repository's engine on the program the file names. Loopback only; every wait has a deadline.
import test, { ExecutionContext } from "ava";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { expand, githubValidationJob, gitlabValidationJob, localStep, missingSteps, parseCiFile, ValidationJob } from "../helpers/ci-files";
import { cleanEnv, runEngine } from "../helpers/engine";

const ROOT = path.resolve(__dirname, "../../..");
const SIMULATOR = path.join(ROOT, "bin", "mold-simulator.js");
const read = (file: string) => parseCiFile(fs.readFileSync(path.join(ROOT, "examples/ci", file), "utf8"));

interface Ready {
    url: string;
    apiKey: string;
    secretKey: string;
}

/** Resolves with the simulator's ready line, or rejects when it exits or the deadline passes first. */
function readyLine(child: ChildProcess, output: { text: string }, ms: number): Promise<Ready> {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no ready line within ${ms} ms:\n${output.text}`)), ms);
        const onData = () => {
            const line = output.text.split("\n").find((l) => l.includes('"url"'));
            if (line) finish(undefined, JSON.parse(line));
        };
        const onExit = (code: number | null) => finish(new Error(`mold-simulator exited (${code}) before its ready line:\n${output.text}`));
        const finish = (error?: Error, ready?: Ready) => {
            clearTimeout(timer);
            child.stdout!.off("data", onData);
            child.off("exit", onExit);
            if (error) reject(error);
            else resolve(ready!);
        };
        child.stdout!.on("data", onData);
        child.on("exit", onExit);
        onData();
    });
}

async function stopChild(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
}

async function runValidation(t: ExecutionContext, job: ValidationJob): Promise<void> {
    const steps = job.lines.map(localStep);
    t.deepEqual(missingSteps(steps), [], `${job.name}: steps missing from the validation job`);
    let programDir = path.resolve(ROOT, job.workingDirectory);
    let state: string | undefined;
    let stack = "dev";
    let child: ChildProcess | undefined;
    const output = { text: "" };
    let ready: Ready | undefined;
    let filePort = "";
    const done: string[] = [];
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `ci-${job.name}-`));
    try {
        for (const step of steps) {
            switch (step.kind) {
                case "skip":
                case "stop-at-exit": // the finally block below stops it
                    break;
                case "cd":
                    programDir = path.resolve(ROOT, expand(step.dir, job.env));
                    break;
                case "start-simulator": {
                    const args = [...step.args];
                    const port = args.indexOf("--port");
                    filePort = args[port + 1];
                    args[port + 1] = "0"; // the file's port may be taken on a shared machine; the ready line gives the URL
                    child = spawn(process.execPath, [SIMULATOR, ...args], { cwd: programDir, stdio: ["ignore", "pipe", "pipe"] });
                    child.on("error", (e) => (output.text += `spawn error: ${e.message}\n`));
                    child.stdout!.on("data", (c: Buffer) => (output.text += c.toString()));
                    child.stderr!.on("data", (c: Buffer) => (output.text += c.toString()));
                    break;
                }
                case "wait-ready":
                    t.truthy(child, "the wait comes after the simulator starts");
                    ready = await readyLine(child!, output, step.seconds * 1000);
                    break;
                case "check-ready":
                    t.truthy(ready, "a ready line was seen");
                    break;
                case "login-throwaway":
                    state = path.join(fs.mkdtempSync(path.join(tmp, "backend-")), "state.json");
                    break;
                case "stack-init":
                    stack = step.stack;
                    break;
                case "preview":
                case "up": {
                    t.truthy(ready && state, `${step.kind} runs after the simulator is ready and a backend is chosen`);
                    // The job's own MOLD_* must be what the simulator was started with, on the port it was told.
                    t.is(job.env.MOLD_API_URL, `http://127.0.0.1:${filePort}/client/api`);
                    t.is(ready!.apiKey, job.env.MOLD_API_KEY);
                    t.is(ready!.secretKey, job.env.MOLD_SECRET_KEY);
                    const env = cleanEnv({ MOLD_API_URL: ready!.url, MOLD_API_KEY: ready!.apiKey, MOLD_SECRET_KEY: ready!.secretKey });
                    const r = await runEngine([step.kind, programDir, "--state", state!, "--stack", stack], env);
                    t.is(r.code, 0, `${job.name}: ${step.kind} failed:\n${r.stderr}`);
                    const { create, update, replace, delete: del, same } = r.result!.steps;
                    if (step.kind === "up" && step.expectNoChanges) {
                        t.deepEqual({ create, update, replace, delete: del }, { create: 0, update: 0, replace: 0, delete: 0 }, "the second up changes nothing");
                        t.true(same > 0);
                    } else {
                        t.true(create > 0, `${step.kind} of a fresh stack creates resources`);
                    }
                    done.push(step.kind === "up" && step.expectNoChanges ? "up-no-changes" : step.kind);
                    break;
                }
            }
        }
        t.deepEqual(done, ["preview", "up", "up-no-changes"]);
        // What the up made is in the simulator the job started.
        const inventory = await fetch(ready!.url.replace(/\/client\/api$/, "/sim/inventory"), {
            headers: { "x-simulator-key": ready!.apiKey },
            signal: AbortSignal.timeout(10_000),
        }).then((r) => r.json() as Promise<any>);
        t.true(inventory.vms.length > 0 && inventory.networks.length > 0, "the program's VMs and network are in the simulator");
    } finally {
        if (child) await stopChild(child);
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

test("GitHub Actions: the validate job runs here: simulator, preview, up, no-op up", async (t) => {
    const job = githubValidationJob(read("github-actions.yml"));
    t.is(job.workingDirectory, "examples/network-basics");
    await runValidation(t, job);
});

test("GitLab CI: the validate job runs here: simulator, preview, up, no-op up", async (t) => {
    const job = gitlabValidationJob(read("gitlab-ci.yml"));
    await runValidation(t, job);
});
