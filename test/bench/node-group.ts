// Node-group bench (issue 6): how long a worker group of N nodes takes to be created and joined, against one
// node, with latency injected in the emulated nodes' steps and in the VM deploy. Bootstrap is parallel, so 20
// nodes should cost at most 1.5× one node.
//
// Setup (simulator in process, or with `simulator: "child"` in its own process; loopback, fast profile, time
// factor 1): a network, a public IP, the API load-balancer rule, a registered ed25519 key pair, and a one-node
// control plane made through the NodeGroup hooks. Then, `repeat` times each: a worker group of 1 and of N is
// created (timed: VMs, SSH through the control-plane node, preparation, join, Ready, labels, host keys) and
// deleted (drained, VMs destroyed; not timed). Hooks run in this process through runHook, exactly as the
// provider host runs them. Each create also reports the CPU ms of this process (the hooks, and the simulator
// when in process) and of the simulator's process, the SSH client's handshakes, tunnels and exec channels,
// the API requests, and the 1-minute load average when it started; `cpuProfDir` profiles each create and
// splits its CPU time by owner.
import * as fs from "fs";
import * as inspector from "inspector";
import * as os from "os";
import * as path from "path";
import { Client } from "ssh2";
import { generateEd25519KeyPair } from "../../provider/ssh/host-keys";
import { runHook } from "../../provider";
import type { HookName } from "../../provider/runtime/hooks";
import { associateIpAddress, createLoadBalancerRule, createNetwork, MoldClient, registerSSHKeyPair } from "../../provider/client";
import { SEED_NETWORK_OFFERING } from "../../simulator/seed";
import { median, round } from "./engine";
import { SimMode, startBenchSimulator } from "./sim-process";

export interface NodeGroupBenchOptions {
    sizes?: number[];
    repeat?: number;
    progress?: (line: string) => void;
    /** Where the simulator runs (default in-process, as before). */
    simulator?: SimMode;
    /** Writes a V8 CPU profile of each create there and reports the CPU time by owner. */
    cpuProfDir?: string;
}

/** What the SSH client (pulumi-mold's side) did: connections made (a handshake each), tunnels through a jump host, exec channels. */
const sshCounts = { handshakes: 0, tunnels: 0, execs: 0 };
let sshCounting = false;
/** Counts ssh2 client calls in this process (the bench's own; the simulator's server side is not a Client). */
function countSshCalls(): void {
    if (sshCounting) return;
    sshCounting = true;
    const proto = Client.prototype as unknown as Record<"connect" | "exec" | "forwardOut", (...a: unknown[]) => unknown>;
    const wrap = (name: "connect" | "exec" | "forwardOut", key: keyof typeof sshCounts) => {
        const original = proto[name];
        proto[name] = function (this: unknown, ...args: unknown[]) {
            sshCounts[key]++;
            return original.apply(this, args);
        };
    };
    wrap("connect", "handshakes");
    wrap("forwardOut", "tunnels");
    wrap("exec", "execs");
}

/** Self time of a profile's samples by owner (ms): pulumi-mold, the simulator, ssh2 (client, server, shared protocol), Node, GC. */
export function nodeGroupOwners(profile: inspector.Profiler.Profile): Record<string, number> {
    const ownerOf = (url: string, fn: string): string => {
        if (fn === "(garbage collector)") return "gc";
        if (fn === "(idle)") return "idle";
        if (/node_modules\/ssh2\/lib\/client/.test(url)) return "ssh2Client";
        if (/node_modules\/ssh2\/lib\/server/.test(url)) return "ssh2Server";
        if (/node_modules\/ssh2\//.test(url)) return "ssh2ProtocolBothSides";
        if (/node_modules\//.test(url)) return "otherPackages";
        if (/\/(dist\/)?simulator\//.test(url)) return "simulator";
        if (/\/(dist\/)?provider\//.test(url)) return "pulumiMold";
        if (/^node:crypto|internal\/crypto/.test(url)) return "nodeCrypto";
        // Native frames without a script: the handshakes' signatures, key exchange and ciphers are most of them.
        if (url === "" && /Job$|statelessDH|crypt|Cipher|Hash|Hmac|Sign|Verify|X509|^export$/i.test(fn)) return "nodeCrypto";
        return "node";
    };
    const owner = new Map(profile.nodes.map((n) => [n.id, ownerOf(n.callFrame.url, n.callFrame.functionName)]));
    const out: Record<string, number> = {};
    (profile.samples ?? []).forEach((id, i) => {
        const o = owner.get(id) ?? "node";
        out[o] = (out[o] ?? 0) + (profile.timeDeltas?.[i] ?? 0) / 1000;
    });
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Math.round(v)]));
}

function post<T>(session: inspector.Session, method: string): Promise<T> {
    return new Promise((resolve, reject) => session.post(method, (err, result) => (err ? reject(err) : resolve(result as T))));
}

const cpuNowMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
};

/** Simulated job latencies (ms): a VM deploy dominates, as on a real cloud. */
export const NODE_GROUP_JOB_LATENCIES: Record<string, number> = {
    deployVirtualMachine: 3000,
    createPortForwardingRule: 300,
    assignToLoadBalancerRule: 300,
    destroyVirtualMachine: 300,
};
/** Injected per-step latency in the emulated nodes (ms); the others take STEP_LATENCY_DEFAULT_MS. */
export const NODE_GROUP_STEP_LATENCIES: Record<string, number> = {
    "wait-boot": 1000,
    containerd: 800,
    "kube-packages": 1500,
    "kubeadm-init": 2000,
    "kubeadm-join": 1000,
    cni: 500,
};
export const STEP_LATENCY_DEFAULT_MS = 200;

export async function runNodeGroupBench(options: NodeGroupBenchOptions = {}) {
    const sizes = options.sizes ?? [1, 20];
    const repeat = options.repeat ?? 2;
    const progress = options.progress ?? (() => undefined);
    // Hooks log with console.log; the bench's stdout is its JSON document.
    const log = console.log;
    const t0 = Date.now();
    console.log = (...args: unknown[]) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${args.join(" ")}\n`);
    countSshCalls();
    const sim = await startBenchSimulator(options.simulator ?? "in-process");
    const session = options.cpuProfDir ? new inspector.Session() : undefined;
    try {
        await sim.setLatency(NODE_GROUP_JOB_LATENCIES, 1);
        await sim.setSshFaults({ stepLatencyMs: STEP_LATENCY_DEFAULT_MS, stepLatency: NODE_GROUP_STEP_LATENCIES });
        const settings = { apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey };
        const client = new MoldClient(settings);
        const inv = await sim.inventory();
        const zone = inv.zones[0];
        const offering = inv.networkOfferings.find((o: any) => o.name === SEED_NETWORK_OFFERING);
        const network = await createNetwork(client, {
            name: "bench-nodes",
            zoneid: zone.id,
            networkofferingid: offering.id,
            gateway: "10.3.0.1",
            netmask: "255.255.240.0",
        });
        const ip = await associateIpAddress(client, { networkid: network.id });
        const lb = await createLoadBalancerRule(client, {
            name: "bench-api",
            publicipid: ip.id,
            publicport: 6443,
            privateport: 6443,
            algorithm: "roundrobin",
            networkid: network.id,
        });
        const key = generateEd25519KeyPair();
        await registerSSHKeyPair(client, "bench", key.public);
        const base = {
            clusterName: "bench",
            zone: zone.name,
            network: network.id,
            serviceOffering: "2C-4GB",
            template: "ubuntu-22.04",
            keyPair: "bench",
            sshPrivateKey: key.private,
            publicIpAddressId: ip.id,
            kubernetesVersion: "1.32.5",
        };
        const hook = async <H extends HookName>(name: H, args: any[]) => runHook("NodeGroup", name, settings, args);
        if (session) {
            fs.mkdirSync(options.cpuProfDir!, { recursive: true });
            session.connect();
            await post(session, "Profiler.enable");
        }
        const create = async (inputs: Record<string, unknown>) => {
            const checked = await hook("check", [{}, { __provider: "bench", ...inputs }]);
            if (checked.failures.length) throw new Error(JSON.stringify(checked.failures));
            const load1 = os.loadavg()[0];
            const before = { ...sshCounts, requests: await sim.requests(), cpu: cpuNowMs(), simCpu: sim.cpuMs() };
            if (session) await post(session, "Profiler.start");
            const started = Date.now();
            const created = await hook("create", [checked.inputs]);
            const ms = Date.now() - started;
            const cpu = cpuNowMs() - before.cpu;
            const simCpu = sim.cpuMs();
            let owners: Record<string, number> | undefined;
            if (session) {
                const { profile } = await post<{ profile: inspector.Profiler.Profile }>(session, "Profiler.stop");
                fs.writeFileSync(path.join(options.cpuProfDir!, `node-group-${inputs.name}-${Date.now()}.cpuprofile`), JSON.stringify(profile));
                owners = nodeGroupOwners(profile);
            }
            const usage = {
                load1: round(load1, 2),
                cpuMsThisProcess: Math.round(cpu),
                ...(simCpu !== undefined && before.simCpu !== undefined ? { cpuMsSimulatorProcess: simCpu - before.simCpu } : {}),
                sshHandshakes: sshCounts.handshakes - before.handshakes,
                sshTunnels: sshCounts.tunnels - before.tunnels,
                sshExecs: sshCounts.execs - before.execs,
                apiRequests: (await sim.requests()) - before.requests,
                ...(owners ? { cpuMsByOwner: owners } : {}),
            };
            return { ms, id: created.id, outs: created.outs, usage };
        };
        progress("node-group: control plane (1 node)");
        const cp = await create({
            ...base,
            name: "control-plane",
            role: "control-plane",
            count: 1,
            sshPortStart: 22000,
            controlPlaneEndpoint: `${ip.ipaddress}:6443`,
            apiLoadBalancerRuleId: lb.id,
        });
        const runs: Record<string, number[]> = {};
        const usage: Record<string, object[]> = {};
        for (let i = 0; i < repeat; i++) {
            for (const size of sizes) {
                progress(`node-group: worker group of ${size} (run ${i + 1} of ${repeat})`);
                const group = await create({
                    ...base,
                    name: `w${size}`,
                    role: "worker",
                    count: size,
                    labels: { pool: "bench" },
                    controlPlaneNodes: cp.outs.nodes,
                });
                const nodes = group.outs.nodes as { status: string }[];
                if (nodes.length !== size || nodes.some((n) => n.status !== "ready"))
                    throw new Error(`group of ${size}: ${JSON.stringify(nodes.map((n) => n.status))}`);
                (runs[size] ??= []).push(group.ms);
                (usage[size] ??= []).push({ wallMs: group.ms, ...group.usage });
                await hook("delete", [group.id, group.outs]);
            }
        }
        const medians = Object.fromEntries(Object.entries(runs).map(([size, ms]) => [size, median(ms)]));
        const [one, many] = [medians[sizes[0]], medians[sizes[sizes.length - 1]]];
        const stepPath = [
            "wait-boot",
            "swap-off",
            "kernel-modules",
            "sysctls",
            "containerd",
            "kube-packages",
            "join-info",
            "kubeadm-join",
            "wait-ready",
            "node-metadata",
        ]
            .map((s) => NODE_GROUP_STEP_LATENCIES[s] ?? STEP_LATENCY_DEFAULT_MS)
            .reduce((a, b) => a + b, 0);
        return {
            simulator: sim.mode,
            jobLatenciesMs: NODE_GROUP_JOB_LATENCIES,
            stepLatenciesMs: { default: STEP_LATENCY_DEFAULT_MS, ...NODE_GROUP_STEP_LATENCIES },
            /** One worker's chain of injected latencies: its VM deploy + its steps (workers are reached through the control plane: no forward). */
            oneNodeModelMs: NODE_GROUP_JOB_LATENCIES.deployVirtualMachine + stepPath,
            controlPlaneMs: cp.ms,
            runsMs: runs,
            /** Per create: wall, load average, CPU ms per process, SSH client calls, API requests (and CPU by owner when profiled). */
            runs: usage,
            medianMs: medians,
            ratio: round(many / one, 2),
            target: 1.5,
            met: many / one <= 1.5,
        };
    } finally {
        session?.disconnect();
        await sim.stop();
        console.log = log;
    }
}
