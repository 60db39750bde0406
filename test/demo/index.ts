// `npm run demo [-- --destroy] [-- --keep]`: a local Mold simulator (state in .demo/, fast latency profile) and
// examples/quickstart run against it — with the `pulumi` CLI when it is on PATH (local file backend in .demo/),
// otherwise through the repository's engine emulation. Prints the stack outputs (kubeconfig redacted) and what
// the simulator then holds. `--destroy` tears the stack down and removes .demo/. The simulator's web console URL
// is printed; `--keep` keeps the simulator (and its console) up after the run until Ctrl-C.
//
// Environment: MOLD_DEMO_DIR (default <repo>/.demo), MOLD_DEMO_ENGINE=1 (use the engine even when the CLI exists).
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { MoldClient } from "../../provider/client";
import { count, word } from "../../provider/runtime/plural";
import { getKubernetesClusterConfig } from "../../provider/client/kubernetes";
import { RunningSimulator, startSimulatorServer } from "../../simulator/server";
import { ensureSelfLink, repoRoot } from "../engine/self-link";
import { SecretsCipher } from "../engine/secrets";

const ROOT = repoRoot();
const EXAMPLE = path.join(ROOT, "examples", "quickstart");
const ENGINE_CLI = path.join(ROOT, "dist", "test", "engine", "cli.js");
const PASSPHRASE = "pulumi-mold-demo";
const STACK = "demo";
const OWNER_TAG = "pulumi-mold:managed-by";
const RUN_TIMEOUT_MS = 110_000;

const log = (line = "") => process.stdout.write(line + "\n");

interface Run {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** Runs a command with a deadline; its stderr is passed through, indented, so progress shows. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => {
            stderr += c.toString();
            for (const line of c.toString().split("\n")) if (line.trim()) process.stderr.write(`  | ${line}\n`);
        });
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new Error(`${path.basename(cmd)} ${args.slice(0, 2).join(" ")} did not finish within ${RUN_TIMEOUT_MS / 1000} s`));
        }, RUN_TIMEOUT_MS);
        child.on("error", (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.on("exit", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr });
        });
    });
}

function onPath(exe: string): string | undefined {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        if (!dir) continue;
        const candidate = path.join(dir, exe);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            if (fs.statSync(candidate).isFile()) return candidate;
        } catch {
            // not here
        }
    }
    return undefined;
}

/** One way of running the quickstart: up/destroy and the outputs. */
interface Runner {
    describe: string;
    up(sim: RunningSimulator): Promise<Record<string, any>>;
    destroy(sim: RunningSimulator): Promise<void>;
    /** Resources recorded without their provider plugin (engine only). */
    unplugged(): string[];
}

function baseEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    // The demo decides where Mold is: no ambient credentials or passphrases.
    for (const [k, v] of Object.entries(process.env)) if (!/^(MOLD_|CLOUDSTACK_|PULUMI_CONFIG_PASSPHRASE)/.test(k)) env[k] = v;
    env.PULUMI_CONFIG_PASSPHRASE = PASSPHRASE;
    return env;
}

function engineRunner(dir: string): Runner {
    const stateFile = path.join(dir, "engine-state.json");
    const exec = async (command: string, sim: RunningSimulator) => {
        const args = [ENGINE_CLI, command, EXAMPLE, "--state", stateFile, "--stack", STACK];
        args.push("--config", `mold:apiUrl=${sim.url}`, "--config", `mold:apiKey=${sim.apiKey}`, "--secret", `mold:secretKey=${sim.secretKey}`);
        const r = await run(process.execPath, args, baseEnv());
        if (r.code !== 0) throw new Error(`engine ${command} failed (exit ${r.code})`);
        return JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}");
    };
    return {
        describe: "pulumi CLI not found on PATH: running examples/quickstart through the repository's engine emulation (test/engine)",
        async up(sim) {
            return (await exec("up", sim)).outputs ?? {};
        },
        async destroy(sim) {
            if (fs.existsSync(stateFile)) await exec("destroy", sim);
        },
        unplugged() {
            if (!fs.existsSync(stateFile)) return [];
            const cipher = new SecretsCipher(stateFile, PASSPHRASE);
            const state = cipher.open(JSON.parse(fs.readFileSync(stateFile, "utf8"))) as any;
            return (state.resources ?? []).filter((r: any) => r.recordedWithoutPlugin).map((r: any) => `${r.type} ${r.name}`);
        },
    };
}

function cliRunner(dir: string, pulumi: string): Runner {
    const backend = path.join(dir, "backend");
    // The stack's config lives in .demo/, not in the example's directory.
    const configFile = path.join(dir, `Pulumi.${STACK}.yaml`);
    const env = () => ({
        ...baseEnv(),
        PULUMI_BACKEND_URL: `file://${backend}`,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
    });
    const cli = async (...args: string[]) => {
        const r = await run(pulumi, [...args, "--cwd", EXAMPLE, "--non-interactive"], env());
        if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} failed (exit ${r.code}):\n${r.stdout.slice(-4000)}`);
        return r.stdout;
    };
    const prepare = async (sim: RunningSimulator) => {
        fs.mkdirSync(backend, { recursive: true });
        await cli("stack", "select", "--create", STACK);
        const set = (key: string, value: string, secret = false) =>
            cli("config", "set", "--stack", STACK, "--config-file", configFile, ...(secret ? ["--secret"] : []), key, value);
        await set("mold:apiUrl", sim.url);
        await set("mold:apiKey", sim.apiKey);
        await set("mold:secretKey", sim.secretKey, true);
        // The simulator's Kubernetes API serves health, version and nodes, not apps/v1: no workloads there.
        await set("workloads", "false");
    };
    return {
        describe:
            `pulumi CLI found (${pulumi}): running examples/quickstart with it, file backend in ${backend}; ` +
            `workloads=false (the simulated Kubernetes API has no apps/v1 for the Kubernetes plugin to deploy to)`,
        async up(sim) {
            await prepare(sim);
            await cli("up", "--yes", "--skip-preview", "--stack", STACK, "--config-file", configFile);
            return JSON.parse(await cli("stack", "output", "--json", "--stack", STACK));
        },
        async destroy(sim) {
            if (!fs.existsSync(backend)) return;
            await prepare(sim);
            await cli("destroy", "--yes", "--skip-preview", "--stack", STACK, "--config-file", configFile);
            await cli("stack", "rm", "--yes", STACK);
        },
        unplugged: () => [],
    };
}

function redactOutputs(outputs: Record<string, any>): Record<string, any> {
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(outputs)) out[k] = /kubeconfig/i.test(k) ? "[redacted]" : v;
    return out;
}

function printOutputs(outputs: Record<string, any>): void {
    log("Stack outputs:");
    for (const [k, v] of Object.entries(redactOutputs(outputs))) log(`  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
}

/** What the simulated Mold holds: clusters with nodes, public IPs of their networks and the rules on them. */
export function printHoldings(inv: Record<string, any[]>): void {
    const owned = new Set((inv.tags ?? []).filter((t: any) => t.key === OWNER_TAG).map((t: any) => t.resourceid));
    const clusters = inv.kubernetesClusters ?? [];
    const vms = new Map((inv.vms ?? []).map((v: any) => [v.id, v]));
    log("The simulator holds:");
    if (clusters.length === 0) log("  no Kubernetes clusters");
    for (const c of clusters) {
        const version = (inv.kubernetesVersions ?? []).find((v: any) => v.id === c.kubernetesversionid);
        log(
            `  cluster ${c.name}: ${c.state}, Kubernetes ${version?.semanticversion ?? "?"}, ${c.controlnodes} control + ${count(c.size, "worker")}, API ${c.endpoint ?? "-"}`,
        );
        for (const n of c._nodes ?? []) {
            const vm: any = vms.get(n.vmId);
            const ip = vm?.nic?.[0]?.ipaddress ?? "-";
            log(`    node ${vm?.name ?? n.vmId} (${n.role}): ${vm?.state ?? "missing"}, ${ip}`);
        }
    }
    const cksRules = new Set<string>();
    for (const c of clusters) {
        const r = c._rules ?? {};
        for (const id of [
            r.apiFirewallId,
            r.sshFirewallId,
            r.lbId,
            ...(r.sshPortForwardIds ?? []),
            ...(r.etcdFirewallIds ?? []),
            ...(r.etcdPortForwardIds ?? []),
        ])
            if (id) cksRules.add(id);
    }
    const who = (id: string) => (cksRules.has(id) ? "Mold's Kubernetes service" : owned.has(id) ? "pulumi-mold" : "other");
    const ips = (inv.publicIps ?? []).filter((ip: any) => ip.state && ip.state !== "Free");
    for (const ip of ips) {
        const net = (inv.networks ?? []).find((n: any) => n.id === ip.associatednetworkid);
        log(`  public IP ${ip.ipaddress}${ip.issourcenat ? " (source NAT)" : ""} on network ${net?.name ?? ip.associatednetworkid ?? "-"}`);
        for (const r of (inv.firewallRules ?? []).filter((r: any) => r.ipaddressid === ip.id)) {
            const ports = r.startport === r.endport ? `${r.startport}` : `${r.startport}-${r.endport}`;
            log(`    firewall ${r.protocol} ${ports} from ${r.cidrlist ?? "0.0.0.0/0"}  [${who(r.id)}]`);
        }
        for (const r of (inv.loadBalancerRules ?? []).filter((r: any) => r.publicipid === ip.id)) {
            const members = (r._members ?? []).map((m: any) => (vms.get(m.vmid ?? m) as any)?.name ?? JSON.stringify(m));
            log(`    load balancer ${r.name}: ${r.publicport} → ${r.privateport} on ${members.join(", ") || "no members"}  [${who(r.id)}]`);
        }
        const forwards = (inv.portForwardingRules ?? []).filter((r: any) => r.ipaddressid === ip.id);
        if (forwards.length) {
            const ports = forwards.map((r: any) => Number(r.publicport)).sort((a: number, b: number) => a - b);
            log(`    port forwarding ${ports.join(", ")} → 22 (node SSH)  [${[...new Set(forwards.map((r: any) => who(r.id)))].join(", ")}]`);
        }
    }
    const networks = inv.networks ?? [];
    const rules = (inv.firewallRules ?? []).length + (inv.loadBalancerRules ?? []).length + (inv.portForwardingRules ?? []).length;
    log(
        `  totals: ${count(clusters.length, "cluster")}, ${count((inv.vms ?? []).length, "VM")}, ${count(networks.length, "network")}, ${count(ips.length, "public IP")} in use, ` +
            `${(inv.firewallRules ?? []).length} firewall / ${(inv.loadBalancerRules ?? []).length} load-balancer / ${(inv.portForwardingRules ?? []).length} port-forwarding ${word(rules, "rule")}`,
    );
}

async function writeKubeconfig(sim: RunningSimulator, dir: string): Promise<string | undefined> {
    const cluster = (sim.inventory().kubernetesClusters ?? []).find((c: any) => c.state === "Running");
    if (!cluster) return undefined;
    const client = new MoldClient({ apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey });
    try {
        const config = await getKubernetesClusterConfig(client, cluster.id);
        const file = path.join(dir, "kubeconfig");
        fs.writeFileSync(file, config.configdata, { mode: 0o600 });
        return file;
    } finally {
        client.close();
    }
}

/** Quotes a word for bash (paths with spaces or quotes stay one word). */
export function shellQuote(word: string): string {
    return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * A bash line that starts a simulator on the demo's state in the background and runs kubectl once the simulator
 * printed its ready line (printed after the clusters' APIs listen), instead of racing its start. The wait ends
 * when the line is there or the simulator is gone (its error is on the terminal, kubectl is not run). The ready
 * file is removed first so an old one cannot pass for the new simulator's line. `node <repo>/bin/…` rather than
 * npx: it works from any folder (npx elsewhere would look for a package on the registry), and `$!` is the
 * simulator itself.
 */
export function kubectlOneLiner(simState: string, kubeconfig: string): string {
    const q = shellQuote;
    const ready = q(path.join(path.dirname(simState), "simulator.ready"));
    const bin = q(path.join(ROOT, "bin", "mold-simulator.js"));
    return (
        `rm -f ${ready}; node ${bin} --state ${q(simState)} --port 0 > ${ready} & ` +
        `until [ -s ${ready} ] || ! kill -0 $! 2>/dev/null; do sleep 0.2; done; [ -s ${ready} ] && kubectl --kubeconfig ${q(kubeconfig)} get nodes`
    );
}

/** Removes what the demo made in `dir` (nothing else), then `dir` itself when that leaves it empty. */
function removeDemoFiles(dir: string): void {
    const ours = /^(simulator\.json|simulator\.ready$|engine-state\.json|kubeconfig$|backend$|Pulumi\.demo\.yaml$)/;
    for (const name of fs.readdirSync(dir)) if (ours.test(name)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
}

/** Waits for Ctrl-C (SIGINT) or SIGTERM, so a person can look at the console. */
function untilInterrupted(consoleUrl: string | undefined): Promise<void> {
    log();
    log(`Simulator kept up; console at ${consoleUrl}. Press Ctrl-C to stop.`);
    return new Promise((resolve) => {
        const done = () => {
            process.off("SIGINT", done);
            process.off("SIGTERM", done);
            resolve();
        };
        process.on("SIGINT", done);
        process.on("SIGTERM", done);
    });
}

export async function main(argv: string[]): Promise<number> {
    const destroy = argv.includes("--destroy");
    const keep = argv.includes("--keep");
    const unknown = argv.filter((a) => a !== "--destroy" && a !== "--keep");
    if (unknown.length) {
        process.stderr.write(`usage: npm run demo [-- --destroy] [-- --keep]   (unknown: ${unknown.join(" ")})\n`);
        return 2;
    }
    const started = Date.now();
    const dir = path.resolve(process.env.MOLD_DEMO_DIR || path.join(ROOT, ".demo"));
    if (destroy && !fs.existsSync(dir)) {
        log(`Nothing to destroy: ${dir} does not exist.`);
        return 0;
    }
    fs.mkdirSync(dir, { recursive: true });
    ensureSelfLink();
    const pulumi = process.env.MOLD_DEMO_ENGINE === "1" ? undefined : onPath("pulumi");
    const runner = pulumi ? cliRunner(dir, pulumi) : engineRunner(dir);
    const simState = path.join(dir, "simulator.json");
    const sim = await startSimulatorServer({ port: 0, stateFile: simState, latencyProfile: "fast" });
    log(`Mold simulator on ${sim.url} (state ${simState}, fast latency profile)`);
    log(`Console: ${sim.consoleUrl}${keep ? " (kept up after the run until Ctrl-C)" : " (run with -- --keep to look at it after the run)"}`);
    log(runner.describe);
    try {
        if (destroy) {
            await runner.destroy(sim);
            await sim.reconcileKubeApi();
            printHoldings(sim.inventory());
        } else {
            const outputs = await runner.up(sim);
            log();
            printOutputs(outputs);
            const unplugged = runner.unplugged();
            if (unplugged.length) {
                log("Recorded without their plugin (the engine emulation cannot run @pulumi/kubernetes; the Provider got the cluster's kubeconfig):");
                for (const r of unplugged) log(`  ${r}`);
            }
            log();
            printHoldings(sim.inventory());
            const kubeconfig = await writeKubeconfig(sim, dir);
            if (kubeconfig) {
                log();
                log(`kubeconfig written to ${kubeconfig} (mode 600). The cluster's API is served while a simulator runs on this state;`);
                log(`this starts one in the background, waits for its ready line, then asks for the nodes (stop it with kill $!):`);
                log(`  ${kubectlOneLiner(simState, kubeconfig)}`);
            }
        }
        if (keep) await untilInterrupted(sim.consoleUrl);
    } finally {
        await sim.stop();
    }
    if (destroy) removeDemoFiles(dir);
    log();
    log(
        `${destroy ? "Destroyed; removed the demo's files in " + dir : "Done; tear down with: npm run demo -- --destroy"} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
    return 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e) => {
            process.stderr.write(`demo: ${(e as Error).message}\n`);
            process.exit(1);
        },
    );
}
