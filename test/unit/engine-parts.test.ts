// The test engine's small parts: where a program starts, which failure a run reports, the state lock and
// the CLI's parser.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CHECKPOINT_SPACING, checkpointDelayMs, MAX_CHECKPOINT_LAG_MS } from "../../testing/engine/checkpoint";
import { SecretsCipher, wrapSecret } from "../../testing/engine/secrets";
import { parse } from "../engine/cli";
import { CanceledError, oneLine, rootFailure } from "../engine/failures";
import { clearStaleLock, StateLock, StateLockedError } from "../engine/lock";
import { programEntry } from "../engine/program";

function tmp(t: any): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-parts-"));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
}

test("programEntry: package.json main, else index.ts, else index.js — never a sibling of the folder", (t) => {
    const root = tmp(t);
    const prog = path.join(root, "prog");
    fs.mkdirSync(prog);
    // Files beside the folder that `require(folder)` would have tried first.
    for (const sibling of ["prog.json", "prog.js", "prog.ts"]) fs.writeFileSync(path.join(root, sibling), "{}");
    t.throws(() => programEntry(prog), { message: /no program in .*prog: expected package.json "main", index.ts or index.js/ });
    fs.writeFileSync(path.join(prog, "index.js"), "");
    t.is(programEntry(prog), path.join(prog, "index.js"));
    fs.writeFileSync(path.join(prog, "index.ts"), "");
    t.is(programEntry(prog), path.join(prog, "index.ts"));
    fs.mkdirSync(path.join(prog, "src"));
    fs.writeFileSync(path.join(prog, "src", "main.ts"), "");
    fs.writeFileSync(path.join(prog, "package.json"), JSON.stringify({ main: "src/main" }));
    t.is(programEntry(prog), path.join(prog, "src", "main.ts"), "main without its extension");
    fs.writeFileSync(path.join(prog, "package.json"), JSON.stringify({ main: "gone.js" }));
    t.throws(() => programEntry(prog), { message: /package.json main 'gone.js' names no file/ });
    t.is(programEntry(prog, "src/main.ts"), path.join(prog, "src", "main.ts"), "Pulumi.yaml main wins");
    t.throws(() => programEntry(path.join(root, "missing")), { message: /does not exist/ });
});

test("rootFailure: the failed step, named by URN, masks what cascaded from it; one line", (t) => {
    const urn = "urn:pulumi:dev::p::pulumi:pulumi:Stack$pulumi-nodejs:dynamic/mold:Network::net";
    const cascaded = [new Error('error serializing property "network": failed to register new resource net'), new CanceledError("urn:x::ip")];
    t.is(
        rootFailure([{ urn, message: "create: Mold createNetwork failed\n  - first\n  - second" }], cascaded),
        `${urn}: create: Mold createNetwork failed; first; second`,
    );
    t.is(
        rootFailure(
            [
                { urn, message: "create: a" },
                { urn: "urn:pulumi:dev::p::T::other", message: "b" },
            ],
            [],
        ),
        `${urn}: create: a (1 more failed: other)`,
    );
    t.is(
        rootFailure([], [new CanceledError("urn:x"), new Error("Missing required configuration variable 'p:x'\n\tplease set a value")]),
        "the program failed: Missing required configuration variable 'p:x'; please set a value",
    );
    t.is(rootFailure([], []), undefined);
    const rewrapped = new Error(`error serializing property "ip": failed to register new resource ip: ${new CanceledError("urn:x::ip").message}`);
    t.is(rootFailure([], [rewrapped]), undefined, "the SDK's rewrap of a step not started is a cascade");
    t.is(oneLine("a\r\n\n  b  \n"), "a; b");
});

test("StateLock: one holder at a time; the refusal names it and the command that clears a stale lock", (t) => {
    const state = path.join(tmp(t), "s.json");
    const lock = StateLock.acquire(state, "up", "npm run engine -- cancel prog");
    const err = t.throws(() => StateLock.acquire(state, "destroy", "npm run engine -- cancel prog"), { instanceOf: StateLockedError });
    t.regex(err!.message, new RegExp(`locked by pid ${process.pid} on host ${os.hostname()} \\(user .+\\), running "up" since \\d{4}-\\d\\d-\\d\\dT`));
    t.regex(err!.message, /`npm run engine -- cancel prog`/);
    t.notRegex(err!.message, /stale/, "a live holder is not called stale");
    t.throws(() => clearStaleLock(state), { message: /still running/ });
    lock.release();
    t.false(fs.existsSync(`${state}.lock`));
    t.is(clearStaleLock(state).removed, false);
    const again = StateLock.acquire(state, "up", "x");
    again.release();
});

test("CLI parse: commands, repeatable config, defaults", (t) => {
    const dir = tmp(t);
    const args = parse(["up", dir, "--config", "a=1", "--config", "mold:apiUrl=http://h/x=y", "--secret", "s=2", "--stack", "prod.1"]);
    t.deepEqual(args, {
        command: "up",
        programDir: dir,
        state: path.join(dir, ".pulumi-mold-engine", "state.json"),
        stack: "prod.1",
        config: { a: "1", "mold:apiUrl": "http://h/x=y" },
        secrets: { s: "2" },
    });
    t.is(parse(["-h"]), "help");
    t.is(parse(["up", dir, "--version"]), "version");
    t.is((parse(["cancel", path.join(dir, "gone"), "--state", "x.json"]) as any).state, "x.json", "cancel needs no program folder on disk");
    t.throws(() => parse(["up", dir, "--state="]), { message: "--state needs a file name" });
    t.throws(() => parse(["up", dir, "--state", dir]), { message: /is a folder/ });
    t.throws(() => parse(["cancel", dir, "--config", "a=1"]), { message: /cancel takes no --config/ });
});

test("checkpointDelayMs: a quick write is repeated at once; a slow one waits a few times its cost, never over the lag bound", (t) => {
    t.is(checkpointDelayMs(0, 0), 0, "a small state is written step by step");
    t.is(checkpointDelayMs(1, 10), 0);
    t.is(checkpointDelayMs(20, 0), CHECKPOINT_SPACING * 20, "writes take at most 1/(1+k) of the run");
    t.is(checkpointDelayMs(20, 30), CHECKPOINT_SPACING * 20 - 30);
    t.is(checkpointDelayMs(10_000, 0), MAX_CHECKPOINT_LAG_MS, "a step is saved within the lag bound");
});

test("SecretsCipher.seal: a secret is encrypted once however often the state is saved, and opens to its value", (t) => {
    const cipher = new SecretsCipher(path.join(tmp(t), "state.json"), "passphrase");
    const secret = wrapSecret({ key: "s3cret" });
    const first = cipher.seal({ a: secret });
    t.deepEqual(cipher.seal({ b: [secret] }).b[0], first.a, "the same marker seals to the same ciphertext");
    t.false(JSON.stringify(first).includes("s3cret"));
    t.notDeepEqual(cipher.seal({ a: wrapSecret({ key: "s3cret" }) }).a, first.a, "a new marker gets a new IV");
    t.deepEqual(cipher.open(first), { a: secret });
});
