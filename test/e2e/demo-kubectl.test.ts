// The kubectl line `npm run demo` prints, pasted verbatim into bash: it must wait for the simulator it starts
// (its ready line) instead of racing it. kubectl here is a small stand-in first on PATH (CI has no kubectl) that
// does what `kubectl get nodes` does with the kubeconfig: GET /api/v1/nodes with its CA and client certificate,
// failing as kubectl does when the API does not answer yet.
import { spawn } from "child_process";
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cleanEnv, runNode } from "../helpers/engine";
import { REPO } from "../helpers/pack";

const DEMO = path.resolve(__dirname, "../demo/index.js");

const KUBECTL_STANDIN = `#!${process.execPath}
// kubectl --kubeconfig FILE get nodes
const https = require("https");
const fs = require("fs");
const YAML = require(${JSON.stringify(require.resolve("yaml"))});
const args = process.argv.slice(2);
const file = args[args.indexOf("--kubeconfig") + 1];
if (args.slice(-2).join(" ") !== "get nodes" || !file) { console.error("stand-in: only kubectl --kubeconfig FILE get nodes"); process.exit(2); }
const doc = YAML.parse(fs.readFileSync(file, "utf8"));
const cluster = doc.clusters[0].cluster;
const user = doc.users[0].user;
const b64 = (s) => Buffer.from(s, "base64");
const req = https.get(cluster.server.replace(/\\/$/, "") + "/api/v1/nodes", {
    ca: b64(cluster["certificate-authority-data"]), cert: b64(user["client-certificate-data"]), key: b64(user["client-key-data"]), timeout: 10000,
}, (res) => {
    let body = "";
    res.on("data", (c) => (body += c));
    res.on("end", () => {
        if (res.statusCode !== 200) { console.error("HTTP " + res.statusCode); process.exit(1); }
        for (const n of JSON.parse(body).items) console.log(n.metadata.name);
    });
});
req.on("timeout", () => req.destroy(new Error("timeout")));
req.on("error", (e) => { console.error("The connection to the server was refused: " + e.message); process.exit(1); });
`;

/** Runs one bash line in its own process group, so whatever it leaves in the background can be stopped after. */
function bash(line: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string; pgid: number }> {
    return new Promise((resolve, reject) => {
        const child = spawn("bash", ["-c", line], { cwd: REPO, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        const timer = setTimeout(() => {
            stopGroup(child.pid!);
            reject(new Error(`bash line did not finish within ${timeoutMs} ms: ${stderr}`));
        }, timeoutMs);
        child.on("error", reject);
        // "exit", not "close": the simulator left in the background keeps the pipes open.
        child.on("exit", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr, pgid: child.pid! });
        });
    });
}

function stopGroup(pgid: number): void {
    try {
        process.kill(-pgid, "SIGTERM");
    } catch {
        // already gone
    }
}

/** Polls until no process of the group is left (the simulator has saved its state and exited), with a deadline. */
async function groupGone(pgid: number, timeoutMs = 15_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        try {
            process.kill(-pgid, 0);
        } catch {
            return true;
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    return false;
}

test("the demo's kubectl line waits for the simulator's ready line and lists the cluster's nodes", async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mold-demo-kubectl-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "kubectl"), KUBECTL_STANDIN, { mode: 0o755 });
    const env = cleanEnv({ MOLD_DEMO_DIR: path.join(dir, "demo"), MOLD_DEMO_ENGINE: "1" });
    let pgid: number | undefined;
    try {
        const up = await runNode(DEMO, [], env, 120_000);
        t.is(up.code, 0, up.stdout + up.stderr);
        const lines = up.stdout.split("\n");
        const at = lines.findIndex((l) => l.startsWith("kubeconfig written to"));
        t.true(at >= 0, up.stdout);
        const line = lines
            .slice(at + 1)
            .find((l) => l.startsWith("  "))!
            .trim();
        t.regex(line, /kubectl --kubeconfig \S+ get nodes$/);

        const run = await bash(line, { ...env, PATH: `${bin}${path.delimiter}${process.env.PATH}` }, 90_000);
        pgid = run.pgid;
        t.is(run.code, 0, `${line}\n${run.stderr}`);
        const nodes = run.stdout.trim().split("\n");
        t.is(nodes.length, 3, run.stdout);
        t.is(nodes.filter((n) => n.startsWith("quickstart-control-")).length, 1);
        t.is(nodes.filter((n) => n.startsWith("quickstart-node-")).length, 2);
        // The ready file holds the simulator's JSON line.
        const ready = JSON.parse(fs.readFileSync(path.join(dir, "demo", "simulator.ready"), "utf8"));
        t.regex(ready.url, /^http:\/\/127\.0\.0\.1:\d+\/client\/api$/);
        stopGroup(pgid);
        t.true(await groupGone(pgid), "the background simulator stopped on SIGTERM");
        pgid = undefined;

        const down = await runNode(DEMO, ["--destroy"], env, 120_000);
        t.is(down.code, 0, down.stdout + down.stderr);
        t.false(fs.existsSync(path.join(dir, "demo")), "the demo's folder is gone, the ready file too");
    } finally {
        if (pgid !== undefined) stopGroup(pgid);
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
