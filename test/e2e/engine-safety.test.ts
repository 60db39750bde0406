// The engine loses nothing and leaves nothing behind: a failed up saves what it created (the next up
// creates nothing twice, destroy leaks nothing), reports the root failure as one `error:` line, ends
// every process it started; two runs on one state cannot both proceed; the program is loaded from its
// folder only.
import test, { ExecutionContext } from "ava";
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RunningSimulator, startSimulatorServer } from "../../simulator/server";
import { cleanEnv, EngineRun, mutatingSince, programDir, runEngine } from "../helpers/engine";

const ONE_FAILS = programDir("one-fails");
const DEPENDENT = programDir("dependent");
const SINGLE = programDir("single");

async function world(t: ExecutionContext, prefix: string) {
    const sim = await startSimulatorServer({ port: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    t.teardown(async () => {
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });
    const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
    return { sim, dir, env, state: path.join(dir, "state.json") };
}

/** A failed run's stderr: exactly one `error:` line, no stack frames, no raw promise dump. */
function oneErrorLine(t: ExecutionContext, run: EngineRun): string {
    const errors = run.stderr.split("\n").filter((l) => /^error\b/i.test(l));
    t.is(errors.length, 1, `exactly one error line:\n${run.stderr}`);
    t.notRegex(run.stderr, /^\s+at .+[(:]\d+/m, "no stack trace");
    t.notRegex(run.stderr, /Promise \{|\[Circular|unhandled/i, "no raw promise dump");
    return errors[0] ?? "";
}

/** What the simulator holds of the kinds the one-fails program makes (allocated addresses include Mold's source NAT). */
function held(sim: RunningSimulator) {
    const inv = sim.inventory();
    const rules = inv.firewallRules ?? [];
    return {
        networks: (inv.networks ?? []).map((n: any) => n.id).sort(),
        addresses: (inv.publicIps ?? [])
            .filter((ip: any) => ip.state !== "Free")
            .map((ip: any) => ip.id)
            .sort(),
        ingress: rules
            .filter((r: any) => r.traffictype !== "Egress")
            .map((r: any) => r.id)
            .sort(),
        egress: rules
            .filter((r: any) => r.traffictype === "Egress")
            .map((r: any) => r.id)
            .sort(),
    };
}

function stateResources(file: string): { name: string; id: string; type: string }[] {
    return JSON.parse(fs.readFileSync(file, "utf8"))
        .resources.filter((r: any) => r.custom)
        .map((r: any) => ({ name: r.urn.split("::").pop(), id: r.id, type: r.type.split(":").pop() }));
}

test("a failed up saves what it created: the next up creates nothing twice and destroy leaves nothing", async (t) => {
    const { sim, env, state } = await world(t, "engine-nothing-lost-");
    // The independent egress rule's job is slow, so it is still under way when the conflict fails the run.
    sim.setLatency({ createEgressFirewallRule: 3000 });
    const failed = await runEngine(["up", ONE_FAILS, "--state", state], env);
    t.is(failed.code, 1, failed.stderr);
    const line = oneErrorLine(t, failed);
    t.regex(line, /^error: urn:pulumi:dev::one-fails::\S+FirewallRule::ssh-again: create: .*conflicts with rule/);

    const first = held(sim);
    t.deepEqual([first.networks.length, first.ingress.length, first.egress.length], [2, 1, 1], JSON.stringify(first));
    t.true(fs.existsSync(state), "the state was saved");
    const saved = stateResources(state);
    t.deepEqual(saved.map((r) => r.name).sort(), ["egress", "ip", "net", "other", "ssh"]);
    const ids = (type: string) =>
        saved
            .filter((r) => r.type === type)
            .map((r) => r.id)
            .sort();
    t.deepEqual(ids("Network"), first.networks, "both networks Mold holds are in the state");
    t.deepEqual(ids("FirewallRule"), first.ingress);
    t.deepEqual(ids("EgressFirewallRule"), first.egress, "the rule still under way when the run failed is in the state");
    t.true(first.addresses.includes(ids("PublicIpAddress")[0]));

    // The same program again fails the same way and creates nothing twice.
    const before = { ...sim.requestCounts };
    const again = await runEngine(["up", ONE_FAILS, "--state", state], env);
    t.is(again.code, 1);
    oneErrorLine(t, again);
    t.deepEqual(held(sim), first);
    t.deepEqual(Object.keys(mutatingSince(before, sim.requestCounts)), ["createFirewallRule"], "only the failing rule was tried again");

    const fixed = await runEngine(["up", ONE_FAILS, "--state", state, "--config", "conflict=false"], env);
    t.is(fixed.code, 0, fixed.stderr);
    t.deepEqual(fixed.result!.steps, { create: 0, update: 0, replace: 0, delete: 0, same: 5 });
    t.deepEqual(held(sim), first);

    const destroyed = await runEngine(["destroy", ONE_FAILS, "--state", state], env);
    t.is(destroyed.code, 0, destroyed.stderr);
    t.deepEqual(held(sim), { networks: [], addresses: [], ingress: [], egress: [] });
});

test("a Network whose create fails is the reported error, not its dependents' serialization", async (t) => {
    const { sim, env, state } = await world(t, "engine-root-failure-");
    sim.setFaults({ throttleRate: 1, commands: ["createNetwork"] });
    const r = await runEngine(["up", DEPENDENT, "--state", state], env);
    t.is(r.code, 1, r.stderr);
    const line = oneErrorLine(t, r);
    t.regex(line, /^error: urn:pulumi:dev::dependent::\S+mold:Network::net: create: mold:Network create: Mold createNetwork failed \(429\/9999\)/);
    t.notRegex(r.stderr, /serializ/i);
    t.is(sim.requestCounts.associateIpAddress ?? 0, 0, "nothing that depends on the network was tried");
});

/** Processes still alive (not zombies) whose environment carries the marker: the run's descendants. */
function marked(marker: string): number[] {
    const pids: number[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            if (fs.readFileSync(`/proc/${entry}/environ`, "latin1").split("\0").includes(marker)) pids.push(Number(entry));
        } catch {
            // gone, or not ours
        }
    }
    return pids;
}

async function noneLeft(marker: string, deadlineMs = 10_000): Promise<number[]> {
    const until = Date.now() + deadlineMs;
    for (;;) {
        const left = marked(marker);
        if (!left.length || Date.now() > until) return left;
        await new Promise((r) => setTimeout(r, 100));
    }
}

test("a failed run leaves no process behind (provider hosts end with it)", async (t) => {
    const { sim, env, state } = await world(t, "engine-no-orphans-");
    sim.setLatency({ createEgressFirewallRule: 3000 });
    const marker = `ENGINE_SAFETY_RUN=${randomBytes(8).toString("hex")}`;
    const [key, value] = marker.split("=");
    const failed = await runEngine(["up", ONE_FAILS, "--state", state], { ...env, [key]: value });
    t.is(failed.code, 1, failed.stderr);
    oneErrorLine(t, failed);
    t.deepEqual(await noneLeft(marker), [], "no process of the run is still alive");

    // A failure before any create (Mold refuses the first resource) ends its host too.
    sim.setFaults({ throttleRate: 1, commands: ["createNetwork"] });
    const early = await runEngine(["up", DEPENDENT, "--state", path.join(path.dirname(state), "other.json")], { ...env, [key]: value });
    t.is(early.code, 1, early.stderr);
    t.deepEqual(await noneLeft(marker), []);
});

async function until<T>(what: string, probe: () => T | undefined, deadlineMs = 60_000): Promise<T> {
    const end = Date.now() + deadlineMs;
    for (;;) {
        const v = probe();
        if (v !== undefined) return v;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
    }
}

test("two runs on one state: the second refuses at once, naming the holder; the first saves after every step", async (t) => {
    const { sim, env, state } = await world(t, "engine-lock-");
    sim.setLatency({ associateIpAddress: 4000 });
    let firstDone = false;
    const first = runEngine(["up", DEPENDENT, "--state", state], env).finally(() => (firstDone = true));
    const holder = await until("the first run's lock", () =>
        fs.existsSync(`${state}.lock`) ? JSON.parse(fs.readFileSync(`${state}.lock`, "utf8")) : undefined,
    );
    // Checkpoints: the network is in the state while the run still waits for the address.
    await until("the network in the saved state", () => (fs.existsSync(state) && stateResources(state).some((r) => r.name === "net") ? true : undefined));
    t.false(firstDone, "the state held the network before the run ended");

    const started = Date.now();
    const second = await runEngine(["up", DEPENDENT, "--state", state], env);
    t.is(second.code, 1, second.stderr);
    t.true(Date.now() - started < 20_000, "refused at once, without waiting");
    const line = oneErrorLine(t, second);
    t.true(line.includes(`pid ${holder.pid}`), line);
    t.true(line.includes(`host ${os.hostname()}`), line);
    t.true(line.includes(holder.startedAt), line);
    t.true(line.includes('"up"'), line);
    t.true(line.includes(`npm run engine -- cancel ${DEPENDENT} --state ${state}`), line);

    const done = await first;
    t.is(done.code, 0, done.stderr);
    t.is(sim.inventory().networks.length, 1, "one copy of the program's objects");
    t.false(fs.existsSync(`${state}.lock`), "the lock ends with its run");
    const down = await runEngine(["destroy", DEPENDENT, "--state", state], env);
    t.is(down.code, 0, down.stderr);
});

async function deadPid(): Promise<number> {
    const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    await new Promise((r) => child.once("exit", r));
    return child.pid!;
}

test("a stale lock of a dead process refuses runs until `cancel` clears it; cancel never clears a live holder", async (t) => {
    const { sim, env, state } = await world(t, "engine-stale-lock-");
    const lockFile = `${state}.lock`;
    const writeLock = (pid: number) =>
        fs.writeFileSync(
            lockFile,
            JSON.stringify({ pid, host: os.hostname(), user: os.userInfo().username, startedAt: "2026-01-02T03:04:05.000Z", command: "up" }),
        );

    writeLock(process.pid);
    const live = await runEngine(["cancel", SINGLE, "--state", state], env);
    t.is(live.code, 1, live.stderr);
    t.regex(oneErrorLine(t, live), new RegExp(`still running \\(pid ${process.pid} `));
    t.true(fs.existsSync(lockFile), "a live holder's lock stays");

    const dead = await deadPid();
    writeLock(dead);
    const refused = await runEngine(["up", SINGLE, "--state", state], env);
    t.is(refused.code, 1);
    const line = oneErrorLine(t, refused);
    t.regex(
        line,
        new RegExp(`locked by pid ${dead} on host .* running "up" since 2026-01-02T03:04:05\\.000Z; that process is no longer running \\(a stale lock\\)`),
    );
    t.true(line.includes(`npm run engine -- cancel ${SINGLE} --state ${state}`));
    t.deepEqual(sim.inventory().networks ?? [], [], "nothing ran");

    const cancelled = await runEngine(["cancel", SINGLE, "--state", state], env);
    t.is(cancelled.code, 0, cancelled.stderr);
    t.regex(cancelled.stderr, new RegExp(`removed the lock of pid ${dead} `));
    t.false(fs.existsSync(lockFile));

    const up = await runEngine(["up", SINGLE, "--state", state], env);
    t.is(up.code, 0, up.stderr);
    t.is(sim.inventory().networks.length, 1);
    t.is((await runEngine(["destroy", SINGLE, "--state", state], env)).code, 0);
});

test("the program is loaded from its folder, never from a sibling <folder>.json state file", async (t) => {
    const { sim, env } = await world(t, "engine-sibling-");
    // The state file named like the folder: `require(folder)` would have loaded it as the program.
    const state = `${SINGLE}.json`;
    const cleanup = () => {
        for (const f of [state, `${state}.key`, `${state}.lock`, `${state}.tmp`]) fs.rmSync(f, { force: true });
    };
    cleanup();
    t.teardown(cleanup);
    // --config writes the state file before the program loads.
    const up = await runEngine(["up", SINGLE, "--state", state, "--config", "empty=false"], env);
    t.is(up.code, 0, up.stderr);
    t.deepEqual(up.result!.steps, { create: 1, update: 0, replace: 0, delete: 0, same: 0 });
    const again = await runEngine(["up", SINGLE, "--state", state], env);
    t.is(again.code, 0, again.stderr);
    t.deepEqual(again.result!.steps, { create: 0, update: 0, replace: 0, delete: 0, same: 1 });
    t.is(sim.inventory().networks.length, 1);

    // A program that registers nothing says so (and, as with the Pulumi CLI, deletes what its state held).
    const empty = await runEngine(["up", SINGLE, "--state", state, "--config", "empty=true"], env);
    t.is(empty.code, 0, empty.stderr);
    t.regex(empty.stderr, /^warning: the program in \S+ registered no resources; everything in the state was deleted$/m);
    t.deepEqual(empty.result!.steps, { create: 0, update: 0, replace: 0, delete: 1, same: 0 });
    t.deepEqual(sim.inventory().networks ?? [], []);
});

test("CLI: unknown options and bad values are usage errors (exit 2) naming the option; --help and --version", async (t) => {
    const env = cleanEnv();
    const usage = async (args: string[], expected: RegExp) => {
        const r = await runEngine(args, env, 60_000);
        t.is(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
        t.regex(oneErrorLine(t, r), expected, args.join(" "));
    };
    await usage(["up", SINGLE, "--bogus"], /^error: unknown option --bogus$/);
    await usage(["up", SINGLE, "--state"], /^error: option --state needs a value$/);
    await usage(["up", SINGLE, "--config", "noequals"], /^error: --config takes KEY=VALUE, got 'noequals'$/);
    await usage(["up", SINGLE, "--secret", "=x"], /^error: --secret takes KEY=VALUE, got '=x'$/);
    await usage(["up", SINGLE, "--stack", "a b"], /^error: --stack 'a b' is not a stack name/);
    await usage(["launch", SINGLE], /^error: unknown command 'launch'/);
    await usage(["up"], /^error: up needs a program folder$/);
    await usage(["up", path.join(SINGLE, "missing")], /^error: program folder '.*missing' does not exist/);
    await usage(["up", SINGLE, "extra"], /^error: unexpected argument 'extra'$/);

    const help = await runEngine(["--help"], env, 60_000);
    t.is(help.code, 0);
    for (const word of ["up", "preview", "refresh", "destroy", "cancel", "--state", "--stack", "--config", "--secret", "--help", "--version", "exit codes"]) {
        t.true(help.stdout.includes(word), `--help mentions ${word}`);
    }
    const version = await runEngine(["--version"], env, 60_000);
    t.is(version.code, 0);
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../../package.json"), "utf8"));
    t.is(version.stdout.trim(), pkg.version);
});
