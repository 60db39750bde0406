// `mold-simulator` as users run it: one JSON line when ready, it serves, and it stops on SIGTERM (also through
// npx); its options are parsed by node:util parseArgs, with --help and --version.
import test from "ava";
import { execFile, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { MoldClient } from "../../provider/client";
import { ADMIN_ENDPOINTS, ADMIN_HEADER } from "../../simulator/admin-endpoints";
import { OPTIONS, parseArgs, USAGE } from "../../simulator/cli";

// dist/test/unit → repository root.
const BIN = path.resolve(__dirname, "../../../bin/mold-simulator.js");

test("mold-simulator --port 0 prints one JSON line, serves signed requests and stops on SIGTERM", async (t) => {
    const child = spawn(process.execPath, [BIN, "--port", "0", "--signature", "sha1"], { stdio: ["ignore", "pipe", "pipe"] });
    try {
        const line = await new Promise<string>((resolve, reject) => {
            let out = "";
            const timer = setTimeout(() => reject(new Error(`no JSON line within 20 s; stdout so far: ${out}`)), 20_000);
            child.stdout.on("data", (c: Buffer) => {
                out += c.toString();
                const nl = out.indexOf("\n");
                if (nl >= 0) {
                    clearTimeout(timer);
                    resolve(out.slice(0, nl));
                }
            });
            child.on("error", reject);
            child.on("exit", (code) => reject(new Error(`exited early with ${code}`)));
        });
        const info = JSON.parse(line);
        t.deepEqual(Object.keys(info), ["url", "apiKey", "secretKey", "signature", "console"]);
        t.is(info.console, info.url.replace(/\/client\/api$/, "/console"));
        t.regex(info.url, /^http:\/\/127\.0\.0\.1:\d+\/client\/api$/);
        t.is(info.signature, "sha1");
        const client = new MoldClient({ apiUrl: info.url, apiKey: info.apiKey, secretKey: info.secretKey, signature: "sha1" });
        try {
            t.deepEqual(await client.call("listTags"), {});
        } finally {
            client.close();
        }
        const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
        child.kill("SIGTERM");
        t.is(await exit, 0);
    } finally {
        if (child.exitCode === null) child.kill("SIGKILL");
    }
});

test("CLI options are validated with clear messages", (t) => {
    t.throws(() => parseArgs(["--port", "70000"]), { message: "--port takes 0..65535, got '70000'" });
    t.throws(() => parseArgs(["--fault-5xx", "2"]), { message: "--fault-5xx takes a rate between 0 and 1, got '2'" });
    t.throws(() => parseArgs(["--latency", "slow"]), { message: "--latency takes fast or realistic, got 'slow'" });
    t.throws(() => parseArgs(["--bogus", "1"]), { message: "unknown option --bogus" });
    t.throws(() => parseArgs(["--signature", "md5"]), { message: /Unknown signature algorithm 'md5'/ });
    for (const bad of ["10.0", "127", "127.256", "127.1.2", "127.x", "127.-1"]) {
        t.throws(() => parseArgs(["--public-ip-prefix", bad]), {
            message: `--public-ip-prefix takes two octets inside 127.0.0.0/8 (e.g. 127.100), got '${bad}'`,
        });
    }
    t.is((parseArgs(["--public-ip-prefix", "127.150"]) as any).publicIpPrefix, "127.150");
    t.throws(() => parseArgs(["--kube-api", "maybe"]), { message: "--kube-api takes on or off, got 'maybe'" });
    t.is((parseArgs(["--kube-api", "off"]) as any).kubeApi, false);
    const ok = parseArgs(["--port", "0", "--fault-429", "0.1", "--latency", "realistic", "--time-factor", "0.01"]);
    t.deepEqual(ok, { port: 0, latencyProfile: "realistic", timeFactor: 0.01, faults: { throttleRate: 0.1 } });
});

test("the parser names unknown options, missing and bad values with the option, and stray arguments", (t) => {
    t.throws(() => parseArgs(["--nope"]), { message: "unknown option --nope" });
    t.throws(() => parseArgs(["-x"]), { message: "unknown option -x" });
    t.throws(() => parseArgs(["--port", "abc"]), { message: "--port takes 0..65535, got 'abc'" });
    t.throws(() => parseArgs(["--port", "-1"]), { message: "--port takes 0..65535, got '-1'" });
    t.throws(() => parseArgs(["--port"]), { message: "--port needs a value" });
    t.throws(() => parseArgs(["--fault-seed", "x"]), { message: "--fault-seed takes a whole number >= 0, got 'x'" });
    t.throws(() => parseArgs(["--max-body-bytes", "0"]), { message: "--max-body-bytes takes a whole number >= 1, got '0'" });
    t.throws(() => parseArgs(["--time-factor", "abc"]), { message: "--time-factor takes a positive number, got 'abc'" });
    t.throws(() => parseArgs(["8080"]), { message: /^unexpected argument 8080/ });
    t.is(parseArgs(["--help"]), "help");
    t.is(parseArgs(["-h"]), "help");
    t.is(parseArgs(["--version"]), "version");
    t.is((parseArgs(["--port=8080"]) as any).port, 8080);
    t.is((parseArgs(["--max-body-bytes", "1024"]) as any).maxBodyBytes, 1024);
});

test("--help lists every option and the admin endpoints with their header; --version prints package.json's version", async (t) => {
    for (const name of Object.keys(OPTIONS)) t.true(USAGE.includes(`--${name}`), `--help documents --${name}`);
    for (const e of ADMIN_ENDPOINTS) t.true(USAGE.includes(`${e.method} ${e.path}`), `--help lists ${e.method} ${e.path}`);
    t.true(USAGE.includes(`${ADMIN_HEADER}: <API key>`));
    const help = await runBin(["--help"]);
    t.is(help.code, 0);
    t.is(help.stdout, USAGE + "\n");
    const version = await runBin(["--version"]);
    t.is(version.code, 0);
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../../package.json"), "utf8"));
    t.is(version.stdout, `mold-simulator ${pkg.version}\n`);
    const bad = await runBin(["--bogus"]);
    t.is(bad.code, 2);
    t.regex(bad.stderr, /^mold-simulator: unknown option --bogus\n/);
    t.is(bad.stdout, "");
});

function runBin(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(process.execPath, [BIN, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
            resolve({ code: err ? ((err as any).code as number) : 0, stdout: String(stdout), stderr: String(stderr) });
        });
    });
}

/** The pids of a process's descendants, from /proc (Linux). */
function descendants(pid: number): number[] {
    const parentOf = new Map<number, number>();
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            // Field 4 (ppid) follows the parenthesised command name, which may contain spaces.
            parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
        } catch {
            // the process ended meanwhile
        }
    }
    const out: number[] = [];
    const walk = (p: number) => {
        for (const [child, parent] of parentOf)
            if (parent === p) {
                out.push(child);
                walk(child);
            }
    };
    walk(pid);
    return out;
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        // A zombie still answers kill(0): it has exited, it only waits to be reaped.
        return !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
        return false;
    }
}

test("stopping `npx mold-simulator` with SIGTERM to the npx process stops the simulator too", async (t) => {
    if (process.platform !== "linux") return void t.pass("reads /proc: Linux only");
    const root = path.resolve(__dirname, "../../..");
    const npx = spawn("npx", ["--no-install", "mold-simulator", "--port", "0", "--kube-api", "off", "--ssh", "off"], {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, npm_config_update_notifier: "false" },
    });
    let simPids: number[] = [];
    try {
        const line = await new Promise<string>((resolve, reject) => {
            let out = "";
            const timer = setTimeout(() => reject(new Error(`no ready line within 60 s; stdout so far: ${out}`)), 60_000);
            npx.stdout.on("data", (c: Buffer) => {
                out += c.toString();
                if (out.includes("\n")) {
                    clearTimeout(timer);
                    resolve(out.slice(0, out.indexOf("\n")));
                }
            });
            npx.on("error", reject);
            npx.on("exit", (code) => reject(new Error(`npx exited early with ${code}`)));
        });
        const info = JSON.parse(line);
        t.regex(info.url, /^http:\/\/127\.0\.0\.1:\d+\/client\/api$/);
        // The simulator is a descendant of npx running bin/mold-simulator.js.
        simPids = descendants(npx.pid!).filter((p) => {
            try {
                return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").includes("mold-simulator");
            } catch {
                return false;
            }
        });
        t.true(simPids.length > 0, "found the simulator process under npx");
        npx.kill("SIGTERM");
        const deadline = Date.now() + 15_000;
        while (simPids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        t.deepEqual(simPids.filter(alive), [], "the simulator processes are gone within 15 s of SIGTERM to npx");
        // And the port is closed.
        const refused = await fetch(info.url).then(
            () => false,
            () => true,
        );
        t.true(refused, "nothing answers on the simulator's port any more");
    } finally {
        if (npx.exitCode === null) npx.kill("SIGKILL");
        for (const p of simPids.filter(alive)) process.kill(p, "SIGKILL");
    }
});
