// Independent CloudStack clients (Debian python3-libcloud and python3-cs, HMAC-SHA1 only) against the
// simulator in Apache CloudStack (SHA1) mode: test/interop/*_scenario.py list zones, create an isolated network,
// associate a public IP, open a firewall rule and wait for its job; we check the result against the inventory.
// The packages are installed by .ci/run. Set MOLD_SKIP_INTEROP=1 to skip on a machine without them.
import test, { ExecutionContext } from "ava";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startSimulatorServer } from "../../simulator/server";
import { repoRoot } from "../helpers/fixtures";

const SYSTEM_PYTHON = "/usr/bin/python3";
const SCRIPTS = path.join(repoRoot(), "test", "interop");
const RULE_PORT = 2222;
const SKIP = process.env.MOLD_SKIP_INTEROP === "1";

interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
    timedOut: boolean;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Run> {
    return new Promise((resolve) => {
        execFile(file, args, { env, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 4 * 1024 * 1024, cwd: SCRIPTS }, (err, stdout, stderr) => {
            const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
            resolve({
                code: e ? (typeof e.code === "number" ? e.code : null) : 0,
                stdout: String(stdout),
                stderr: String(stderr) + (e && typeof e.code === "string" ? `\n${e.code}: ${e.message}` : ""),
                timedOut: !!e?.killed,
            });
        });
    });
}

/** Whether the Debian module is importable by the system Python; undefined when it is, else why not. */
async function missingPackage(module: string): Promise<string | undefined> {
    if (!fs.existsSync(SYSTEM_PYTHON)) return `${SYSTEM_PYTHON} does not exist`;
    const r = await run(SYSTEM_PYTHON, ["-c", `import ${module}`], { PATH: "/usr/bin:/bin" }, 30_000);
    return r.code === 0 ? undefined : r.stderr.trim().split("\n").pop();
}

/** Fails (or, with MOLD_SKIP_INTEROP=1, skips) when the Debian package is missing. Returns true to go on. */
async function requirePackage(t: ExecutionContext, module: string, pkg: string): Promise<boolean> {
    const why = await missingPackage(module);
    if (!why) return true;
    const message = `Debian package ${pkg} is not installed for ${SYSTEM_PYTHON} (${why}). Run .ci/run, or: apt-get update && apt-get install -y ${pkg}`;
    if (SKIP) {
        t.log(`SKIPPED (MOLD_SKIP_INTEROP=1): ${message}`);
        t.pass();
    } else {
        t.fail(message);
    }
    return false;
}

function ipv4InLoopback(ip: string): boolean {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
    return !!m && m.slice(1).every((o) => Number(o) <= 255) && m[1] === "127";
}

async function scenario(t: ExecutionContext, script: string, module: string, pkg: string, method: "GET" | "POST"): Promise<void> {
    if (!(await requirePackage(t, module, pkg))) return;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mold-interop-"));
    const requestLog = path.join(dir, "requests.jsonl");
    const sim = await startSimulatorServer({ port: 0, signature: "sha1", requestLog });
    try {
        t.is(sim.signature, "sha1");
        // A minimal environment: nothing from the caller's proxies or cloud configuration leaks in.
        const env: NodeJS.ProcessEnv = {
            PATH: "/usr/bin:/bin",
            HOME: dir,
            LANG: "C.UTF-8",
            PYTHONDONTWRITEBYTECODE: "1",
            NO_PROXY: "*",
            no_proxy: "*",
            CLOUDSTACK_ENDPOINT: sim.url,
            CLOUDSTACK_KEY: sim.apiKey,
            CLOUDSTACK_SECRET: sim.secretKey,
            CLOUDSTACK_METHOD: method.toLowerCase(),
            MOLD_RULE_PORT: String(RULE_PORT),
            MOLD_RULE_CIDR: "0.0.0.0/0",
        };
        const r = await run(SYSTEM_PYTHON, [path.join(SCRIPTS, script)], env, 90_000);
        const last = r.stdout.trim().split("\n").pop() ?? "";
        let result: any;
        try {
            result = JSON.parse(last);
        } catch {
            result = undefined;
        }
        t.log(`${script} (${method}): ${last}`);
        if (r.timedOut) return void t.fail(`${script} did not finish within 90 s; stderr: ${r.stderr.slice(-2000)}`);
        if (!result) return void t.fail(`${script} printed no JSON (exit ${r.code}); stdout: ${r.stdout.slice(-1000)} stderr: ${r.stderr.slice(-2000)}`);
        if (!result.ok) return void t.fail(`${script} failed: ${result.error} ${JSON.stringify(result.detail ?? "")} (steps: ${JSON.stringify(result.steps ?? [])}); stderr: ${r.stderr.slice(-1500)}`);
        t.is(r.code, 0);
        // libcloud's high-level calls must work as they are (no fallback to its raw transport was needed).
        t.deepEqual(result.notes ?? [], [], "client-side workarounds the scenario had to use");

        // The job the client waited for succeeded, and points at the rule.
        t.is(result.job.jobstatus, 1, "job status");
        t.is(result.job.jobresultcode, 0, "job result code");
        if (result.job.jobinstanceid !== undefined) t.is(result.job.jobinstanceid, result.rule.id);

        // The public IP is the simulator's, inside 127.0.0.0/8.
        t.true(ipv4InLoopback(result.ip.ipaddress), `public IP ${result.ip.ipaddress} must be inside 127.0.0.0/8`);

        // What the simulator holds: the network, the IP on it, the rule with the right ports.
        const inv = sim.inventory();
        const network = (inv.networks ?? []).find((n: any) => n.id === result.network.id);
        t.truthy(network, "the network exists in the simulator");
        const ip = (inv.publicIps ?? []).find((i: any) => i.id === result.ip.id);
        t.truthy(ip, "the public IP exists in the simulator");
        t.is(ip?.ipaddress, result.ip.ipaddress);
        t.is(ip?.associatednetworkid, result.network.id);
        const rule = (inv.firewallRules ?? []).find((f: any) => f.id === result.rule.id);
        t.truthy(rule, "the firewall rule exists in the simulator");
        t.is(rule?.protocol, "tcp");
        t.is(Number(rule?.startport), RULE_PORT);
        t.is(Number(rule?.endport), RULE_PORT);
        t.is(rule?.ipaddressid, result.ip.id);
        t.is(rule?.state, "Active");
        t.is(result.listedRules, 1, "listFirewallRules shows the rule to the client");

        // libcloud also deployed a VM and found it again with list_nodes (which reads listIpForwardingRules).
        if (result.node !== undefined) {
            const vm = (inv.vms ?? []).find((v: any) => v.id === result.node.id);
            t.truthy(vm, "the VM libcloud deployed exists in the simulator");
            // libcloud's create_node sends startvm=false unless told otherwise.
            t.is(vm?.state, "Stopped");
            t.is(result.node.state, "stopped", "libcloud maps the VM's state");
            t.deepEqual(result.node.private_ips, vm?.nic?.map((n: any) => n.ipaddress), "libcloud reads the NIC addresses");
            t.is(result.node.ip_forwarding_rules, 0, "no static NAT rules exist");
            t.true(result.steps.includes("list_nodes"));
        }

        // The client really used the HTTP method under test for the change.
        const log = fs.readFileSync(requestLog, "utf8").trim().split("\n").map((l) => JSON.parse(l));
        const creates = log.filter((e) => e.command === "createFirewallRule");
        t.true(creates.length === 1 && creates[0].method === method && creates[0].status === 200, `createFirewallRule requests: ${JSON.stringify(creates)}`);
        t.true(log.every((e) => e.status === 200), `every request succeeded: ${JSON.stringify(log.filter((e) => e.status !== 200))}`);
    } finally {
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

test("libcloud (GET, lower-cased signing) runs the network/IP/firewall scenario on the SHA1 simulator", (t) =>
    scenario(t, "libcloud_scenario.py", "libcloud.compute.drivers.cloudstack", "python3-libcloud", "GET"));

test("cs (GET, signatureVersion=3 + expires) runs the network/IP/firewall scenario on the SHA1 simulator", (t) =>
    scenario(t, "cs_scenario.py", "cs", "python3-cs", "GET"));

test("cs (POST form body, CLOUDSTACK_METHOD=post) runs the network/IP/firewall scenario on the SHA1 simulator", (t) =>
    scenario(t, "cs_scenario.py", "cs", "python3-cs", "POST"));
