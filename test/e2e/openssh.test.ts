// The SSH transport against a real OpenSSH server on 127.0.0.1: key authentication, pinned host keys,
// exit codes, stdin, timeouts, retries while the server is not up yet, lost connections and the
// NodeRunner's reconnect, and a jump host. Each test runs its own sshd (own host key, own
// authorized_keys, own port) and kills it and everything it started in teardown.
//
// sshd runs as root here (CI runs as root): it needs /run/sshd, which the test creates. As another user
// sshd starts unprivileged and accepts only logins as that user (UsePAM no); the test then logs in as
// the current user, which is untested outside CI.
import test, { ExecutionContext } from "ava";
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { NodeRunner } from "../../provider/bootstrap/runner";
import { StepFailedError, stepScript } from "../../provider/bootstrap/steps";
import {
    connect,
    ConnectPolicy,
    HostKeyMismatchError,
    OUTPUT_CAP_BYTES,
    SshAuthError,
    SshCommandTimeoutError,
    SshConnectError,
    SshConnectionLostError,
    jumpConnectionUsers,
    SshTarget,
} from "../../provider/ssh/connection";
import { generateHostKey, hostKeyFingerprint } from "../../provider/ssh/host-keys";

const SSHD = "/usr/sbin/sshd";
const SSH_KEYGEN = "/usr/bin/ssh-keygen";
const CLIENT_KEY = generateHostKey(); // an ed25519 pair serves as the client's key as well
const OTHER_KEY = generateHostKey();

/** Skips (outside CI) or fails (in CI) when there is no OpenSSH server. */
function sshdAvailable(t: ExecutionContext): boolean {
    if (fs.existsSync(SSHD) && fs.existsSync(SSH_KEYGEN)) return true;
    if (process.env.CI) {
        t.fail(`${SSHD} or ${SSH_KEYGEN} is missing: install the Debian package openssh-server`);
    } else {
        t.log(`${SSHD} is missing (Debian package openssh-server): OpenSSH tests skipped`);
        t.pass();
    }
    return false;
}

async function freePort(): Promise<number> {
    const server = net.createServer();
    server.on("error", () => undefined);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
}

/** Every process below pid, from /proc (sshd's per-connection children call setsid). */
function descendants(pid: number): number[] {
    const children = new Map<number, number[]>();
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
            children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
        } catch {
            // the process ended while we looked
        }
    }
    const found: number[] = [];
    const walk = (p: number) => {
        for (const child of children.get(p) ?? []) {
            found.push(child);
            walk(child);
        }
    };
    walk(pid);
    return found;
}

/** Kills the processes this test started whose command line is exactly `commandLine`. */
function killByCommandLine(commandLine: string): void {
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            if (fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim() === commandLine) {
                process.kill(Number(entry), "SIGKILL");
            }
        } catch {
            // gone, or not ours to read
        }
    }
}

interface Sshd {
    dir: string;
    port: number;
    hostPublicKey: string;
    /** sshd's log so far (stderr, -e). */
    log(): string;
    start(): Promise<void>;
    stop(): void;
    target(overrides?: Partial<SshTarget>): SshTarget;
}

interface SshdOptions {
    port?: number;
    /** ForceCommand: a script that runs instead of the requested command. */
    forceCommand?: string;
    start?: boolean;
}

async function sshd(t: ExecutionContext, options: SshdOptions = {}): Promise<Sshd> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-sshd-"));
    const port = options.port ?? (await freePort());
    const user = os.userInfo().username;
    execFileSync(SSH_KEYGEN, ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", path.join(dir, "host_ed25519")]);
    const hostPublicKey = fs.readFileSync(path.join(dir, "host_ed25519.pub"), "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
    fs.writeFileSync(path.join(dir, "authorized_keys"), CLIENT_KEY.publicKey + "\n", { mode: 0o600 });
    if (options.forceCommand) fs.writeFileSync(path.join(dir, "forced.sh"), options.forceCommand, { mode: 0o755 });
    const config = [
        `Port ${port}`,
        "ListenAddress 127.0.0.1",
        `HostKey ${path.join(dir, "host_ed25519")}`,
        `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
        "StrictModes no",
        "PidFile none",
        "UsePAM no",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin prohibit-password",
        "AllowTcpForwarding yes",
        "MaxStartups 100",
        "LogLevel VERBOSE",
        `AllowUsers ${user}`,
        ...(options.forceCommand ? [`ForceCommand ${path.join(dir, "forced.sh")}`] : []),
    ];
    fs.writeFileSync(path.join(dir, "sshd_config"), config.join("\n") + "\n");
    if (process.getuid?.() === 0) fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });

    let child: ChildProcess | undefined;
    let output = "";
    const server: Sshd = {
        dir,
        port,
        hostPublicKey,
        log: () => output,
        start: () =>
            new Promise<void>((resolve, reject) => {
                child = spawn(SSHD, ["-D", "-e", "-f", path.join(dir, "sshd_config")], { stdio: ["ignore", "ignore", "pipe"] });
                const timer = setTimeout(() => reject(new Error(`sshd did not start within 10 s:\n${output}`)), 10_000);
                child.on("error", (err) => {
                    clearTimeout(timer);
                    reject(err);
                });
                child.on("exit", (code) => {
                    clearTimeout(timer);
                    reject(new Error(`sshd exited with ${code}:\n${output}`));
                });
                child.stderr!.on("error", () => undefined);
                child.stderr!.on("data", (chunk: Buffer) => {
                    output += chunk.toString("utf8");
                    if (output.includes(`Server listening on 127.0.0.1 port ${port}`)) {
                        clearTimeout(timer);
                        resolve();
                    }
                });
            }),
        stop: () => {
            if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
            const pids = [child.pid, ...descendants(child.pid)];
            for (const pid of pids) {
                try {
                    process.kill(pid, "SIGKILL");
                } catch {
                    // already gone
                }
            }
        },
        target: (overrides = {}) => ({
            label: "node-a",
            host: "127.0.0.1",
            port,
            username: user,
            privateKey: CLIENT_KEY.privateKey,
            hostPublicKey,
            ...overrides,
        }),
    };
    t.teardown(() => {
        server.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });
    if (options.start !== false) await server.start();
    return server;
}

const FAST: ConnectPolicy = { attempts: 3, initialDelayMs: 50, maxDelayMs: 200, readyTimeoutMs: 5000 };

function countOf(text: string, needle: string): number {
    return text.split(needle).length - 1;
}

test("key authentication, exit codes, stderr, stdin and capped output", async (t) => {
    if (!sshdAvailable(t)) return;
    const server = await sshd(t);
    const session = await connect(server.target(), FAST);
    t.teardown(() => session.close());
    t.false(session.closed);

    const failed = await session.exec("echo out; echo 'err ✓' >&2; exit 3");
    t.deepEqual(failed, { code: 3, stdout: "out\n", stderr: "err ✓\n" });

    const ok = await session.exec("id -un");
    t.is(ok.code, 0);
    t.is(ok.stdout.trim(), os.userInfo().username);

    const input = "line 1\n'quotes' \"and\" $dollars\n노드\n".repeat(2000);
    const echoed = await session.exec("cat; echo; echo done >&2");
    t.is(echoed.stdout, "\n", "no stdin given: the command sees end of input at once");
    const piped = await session.exec("cat", { stdin: input });
    t.is(piped.stdout, input);

    const killed = await session.exec("kill -9 $$");
    t.is(killed.code, null);
    t.regex(killed.signal ?? "", /KILL/);

    // 3 MB of output: the last OUTPUT_CAP_BYTES are kept.
    const big = await session.exec("head -c 3000000 /dev/zero | tr '\\0' a; echo -n END");
    t.is(big.code, 0);
    t.is(big.stdout.length, OUTPUT_CAP_BYTES);
    t.true(big.stdout.endsWith("aaaEND"));

    session.close();
    t.true(session.closed);
    await t.throwsAsync(session.exec("true"), { instanceOf: SshConnectionLostError });
});

test("a client key the server does not know is refused with SshAuthError", async (t) => {
    if (!sshdAvailable(t)) return;
    const server = await sshd(t);
    const logs: string[] = [];
    const err = await t.throwsAsync(connect(server.target({ privateKey: OTHER_KEY.privateKey }), { ...FAST, log: (m) => logs.push(m) }), {
        instanceOf: SshAuthError,
    });
    t.is(err!.node, "node-a");
    t.is(err!.port, server.port);
    t.is(err!.attempts, 3);
    t.is(logs.length, 2, logs.join("\n"));
    t.regex(logs[0], /^node-a: SSH to 127\.0\.0\.1:\d+ not ready \(authentication .* refused\), attempt 1 of 3, retrying in \d+\.\ds$/);
    // Authentication failures are capped at 10 even with many attempts allowed.
    const many = await t.throwsAsync(connect(server.target({ privateKey: OTHER_KEY.privateKey }), { attempts: 50, initialDelayMs: 1, maxDelayMs: 5 }), {
        instanceOf: SshAuthError,
    });
    t.is(many!.attempts, 10);
});

test("the pinned host key connects; another pinned key is refused at once, without retries", async (t) => {
    if (!sshdAvailable(t)) return;
    const server = await sshd(t);
    const logs: string[] = [];
    const started = Date.now();
    const err = await t.throwsAsync(
        connect(server.target({ hostPublicKey: OTHER_KEY.publicKey }), { attempts: 10, initialDelayMs: 1000, log: (m) => logs.push(m) }),
        { instanceOf: HostKeyMismatchError },
    );
    t.deepEqual(logs, [], "no retry");
    t.true(Date.now() - started < 5000);
    const printed = execFileSync(SSH_KEYGEN, ["-lf", path.join(server.dir, "host_ed25519.pub")], { encoding: "utf8" }).split(/\s+/)[1];
    t.is(err!.offeredFingerprint, printed);
    t.is(err!.expectedFingerprint, hostKeyFingerprint(OTHER_KEY.publicKey));
    t.is(err!.node, "node-a");
    t.true(err!.message.includes(`127.0.0.1:${server.port}`) && err!.message.includes(printed) && err!.message.includes(err!.expectedFingerprint));
    t.is(countOf(server.log(), "Accepted publickey"), 0, "the client never authenticated to the wrong host");

    const session = await connect(server.target(), FAST);
    t.teardown(() => session.close());
    t.is((await session.exec("echo pinned")).stdout, "pinned\n");
});

test("a command past its timeout ends with SshCommandTimeoutError and a KILL request; the session stays usable", async (t) => {
    if (!sshdAvailable(t)) return;
    const server = await sshd(t);
    const session = await connect(server.target(), FAST);
    t.teardown(() => session.close());
    const sleeper = `sleep 3${Math.floor(Math.random() * 1e6)}`;
    t.teardown(() => killByCommandLine(sleeper));
    const started = Date.now();
    const err = await t.throwsAsync(session.exec(`exec ${sleeper}`, { timeoutMs: 500 }), { instanceOf: SshCommandTimeoutError });
    const elapsed = Date.now() - started;
    t.true(elapsed >= 450 && elapsed < 3000, `timed out after ${elapsed} ms`);
    t.is(err!.timeoutMs, 500);
    t.is(err!.node, "node-a");
    t.false(session.closed);
    t.is((await session.exec("echo still here")).stdout, "still here\n");

    // OpenSSH carries out signal requests only for logins with privilege separation, not root's: there it
    // logs that it refused ours, which shows the request arrived. Otherwise the sleep must be gone.
    if (os.userInfo().uid === 0) {
        t.regex(server.log(), /session_signal_req: session signalling requires privilege separation/);
    } else {
        let running = "";
        for (let i = 0; i < 20; i++) {
            running = (await session.exec(`pgrep -fx '${sleeper}' || true`)).stdout.trim();
            if (running === "") break;
            await new Promise((r) => setTimeout(r, 100));
        }
        t.is(running, "", "the timed-out command was killed");
    }
});

test("connecting before sshd listens retries with backoff and succeeds once it starts", async (t) => {
    if (!sshdAvailable(t)) return;
    const server = await sshd(t, { start: false });
    const logs: string[] = [];
    const connecting = connect(server.target(), { attempts: 40, initialDelayMs: 100, maxDelayMs: 300, log: (m) => logs.push(m) });
    await new Promise((r) => setTimeout(r, 1200));
    t.true(logs.length >= 2, logs.join("\n"));
    await server.start();
    const session = await connecting;
    t.teardown(() => session.close());
    t.is((await session.exec("echo up")).stdout, "up\n");
    t.regex(
        logs[0],
        new RegExp(`^node-a: SSH to 127\\.0\\.0\\.1:${server.port} not ready \\(connection refused\\), attempt 1 of 40, retrying in \\d+\\.\\ds$`),
    );
    t.regex(logs[1], /attempt 2 of 40/);

    // A port nobody listens on: SshConnectError after the attempts.
    const closed = await freePort();
    const err = await t.throwsAsync(connect(server.target({ port: closed, label: "node-b" }), FAST), { instanceOf: SshConnectError });
    t.is(err!.attempts, 3);
    t.is(err!.lastReason, "connection refused");
    t.is(err!.node, "node-b");
});

test("a session whose server process dies mid-command reports SshConnectionLostError", async (t) => {
    if (!sshdAvailable(t)) return;
    const server = await sshd(t);
    const session = await connect(server.target(), FAST);
    t.teardown(() => session.close());
    // $PPID of the command's shell is the sshd process serving this session.
    await t.throwsAsync(session.exec("kill -9 $PPID; exit 0", { timeoutMs: 10_000 }), { instanceOf: SshConnectionLostError });
    t.true(session.closed);
    await t.throwsAsync(session.exec("true"), { instanceOf: SshConnectionLostError });
});

/** Stands in for the node's shell: records each command and its stdin, drops the first N connections. */
const FORCED_COMMAND = `#!/bin/bash
set -euo pipefail
dir="$(dirname "$0")"
n=$(( $(cat "$dir/count" 2>/dev/null || echo 0) + 1 ))
echo "$n" >"$dir/count"
printf '%s\\n' "$SSH_ORIGINAL_COMMAND" >>"$dir/commands"
cat >"$dir/stdin-$n"
kills=$(cat "$dir/kills-left" 2>/dev/null || echo 0)
if [ "$kills" -gt 0 ]; then
    echo $((kills - 1)) >"$dir/kills-left"
    echo "started"
    # The session's sshd process dies without reporting an exit status; this script then ends too.
    kill -9 "$PPID"
    exit 0
fi
# This host has no sudo; the test runs as root, which is what sudo -n would give.
exec bash -c "\${SSH_ORIGINAL_COMMAND#sudo -n }" <"$dir/stdin-$n"
`;

test("NodeRunner: one connection for its steps, reconnects and reruns a step when the connection drops", async (t) => {
    if (!sshdAvailable(t)) return;
    const server = await sshd(t, { forceCommand: FORCED_COMMAND });
    fs.writeFileSync(path.join(server.dir, "kills-left"), "1");
    const logs: string[] = [];
    const runner = new NodeRunner(server.target({ label: "pm-worker-0" }), { connect: FAST, log: (m) => logs.push(m) });
    t.teardown(() => runner.close());

    // wait-boot is harmless here: no cloud-init, no dpkg lock held; it reports the host name.
    const outcome = await runner.run("wait-boot");
    t.is(outcome.results.hostname, os.hostname());
    t.deepEqual(logs, ["pm-worker-0: connection lost during wait-boot, reconnecting (attempt 2 of 3)"]);
    const commands = fs.readFileSync(path.join(server.dir, "commands"), "utf8").trim().split("\n");
    t.deepEqual(commands, ["sudo -n env bash -s -- wait-boot", "sudo -n env bash -s -- wait-boot"]);
    t.is(fs.readFileSync(path.join(server.dir, "stdin-1"), "utf8"), stepScript("wait-boot"), "the script arrived on stdin");
    t.is(countOf(server.log(), "Accepted publickey"), 2, "connected, lost, connected again");

    // A failing step is reported, not retried, and the connection is reused.
    const err = await t.throwsAsync(runner.run("kube-packages", { PM_KUBERNETES_VERSION: "not-a-version" }), { instanceOf: StepFailedError });
    t.is(err!.node, "pm-worker-0");
    t.is(err!.step, "kube-packages");
    t.is(err!.exitCode, 1);
    t.regex(err!.message, /^pm-worker-0: step kube-packages failed with exit code 1: [\s\S]*must be x\.y\.z, got 'not-a-version'/);
    t.is(fs.readFileSync(path.join(server.dir, "count"), "utf8").trim(), "3");
    t.is(countOf(server.log(), "Accepted publickey"), 2);

    // A connection that keeps dropping: the step fails after stepAttempts runs.
    fs.writeFileSync(path.join(server.dir, "kills-left"), "5");
    const flaky = new NodeRunner(server.target({ label: "pm-worker-1" }), { connect: FAST, stepAttempts: 2, log: (m) => logs.push(m) });
    t.teardown(() => flaky.close());
    await t.throwsAsync(flaky.run("wait-boot"), { instanceOf: SshConnectionLostError });
    t.is(fs.readFileSync(path.join(server.dir, "count"), "utf8").trim(), "5");
    t.is(logs.filter((m) => m.startsWith("pm-worker-1:")).length, 1);
});

test("through a bastion: the target connection is tunnelled through the jump host", async (t) => {
    if (!sshdAvailable(t)) return;
    const server = await sshd(t);
    const bastion = server.target({ label: "bastion" });
    const session = await connect(server.target({ via: bastion }), FAST);
    t.teardown(() => session.close());
    t.is((await session.exec("echo through")).stdout, "through\n");
    // Two logins: the bastion's, then the target's over the forwarded channel.
    t.is(countOf(server.log(), "Accepted publickey"), 2);
    session.close();
    t.true(session.closed);

    // The bastion's own pinned key is checked too.
    const err = await t.throwsAsync(connect(server.target({ via: { ...bastion, hostPublicKey: OTHER_KEY.publicKey } }), FAST), {
        instanceOf: HostKeyMismatchError,
    });
    t.is(err!.node, "bastion");
    // And the target's behind a good bastion.
    const behind = await t.throwsAsync(connect(server.target({ hostPublicKey: OTHER_KEY.publicKey, via: bastion }), FAST), {
        instanceOf: HostKeyMismatchError,
    });
    t.is(behind!.node, "node-a");
});

test("sessions through one bastion share one connection to it, closed with the last; a target's lost connection leaves the others", async (t) => {
    if (!sshdAvailable(t)) return;
    const server = await sshd(t);
    const bastion = server.target({ label: "bastion" });
    // At once, as a node group's nodes connect: one login at the bastion for all three.
    const sessions = await Promise.all(["a", "b", "c"].map((label) => connect(server.target({ label: `node-${label}`, via: bastion }), FAST)));
    t.teardown(() => sessions.forEach((s) => s.close()));
    t.is(countOf(server.log(), "Accepted publickey"), 4, "1 bastion + 3 targets");
    t.is(jumpConnectionUsers(bastion), 3);
    for (const s of sessions) t.is((await s.exec("echo through")).stdout, "through\n");

    // One target's connection dies (its sshd session process killed): noticed at once (its tunnel ends; before,
    // only keepalives or the step's timeout told), and the others and the bastion's connection stay.
    await t.throwsAsync(sessions[0].exec("kill -9 $PPID; exit 0", { timeoutMs: 10_000 }), {
        instanceOf: SshConnectionLostError,
        message: /through the jump host closed/,
    });
    t.true(sessions[0].closed);
    t.false(sessions[1].closed);
    t.is((await sessions[1].exec("echo still")).stdout, "still\n");
    t.is(jumpConnectionUsers(bastion), 2);

    // Closed by its last session; the next session through the bastion logs in there again.
    sessions[1].close();
    t.is(jumpConnectionUsers(bastion), 1, "one session still uses it");
    sessions[2].close();
    t.is(jumpConnectionUsers(bastion), 0);
    const again = await connect(server.target({ via: bastion }), FAST);
    t.teardown(() => again.close());
    t.is((await again.exec("echo again")).stdout, "again\n");
    t.is(countOf(server.log(), "Accepted publickey"), 6);
});
