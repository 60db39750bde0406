// Node-group bench (issue 6): how long a worker group of N nodes takes to be created and joined, against one
// node, with latency injected in the emulated nodes' steps and in the VM deploy. Bootstrap is parallel, so 20
// nodes should cost at most 1.5× one node.
//
// Setup (in-process simulator, loopback, fast profile, time factor 1): a network, a public IP, the API
// load-balancer rule, a registered ed25519 key pair, and a one-node control plane made through the NodeGroup
// hooks. Then, `repeat` times each: a worker group of 1 and of N is created (timed: VMs, SSH through the
// control-plane node, preparation, join, Ready, labels) and deleted (drained, VMs destroyed; not timed). Hooks run in this process
// through runHook, exactly as the provider host runs them.
import { generateEd25519KeyPair } from "../../provider/ssh/host-keys";
import { runHook } from "../../provider";
import type { HookName } from "../../provider/runtime/hooks";
import { associateIpAddress, createLoadBalancerRule, createNetwork, MoldClient, registerSSHKeyPair } from "../../provider/client";
import { SEED_NETWORK_OFFERING } from "../../simulator/seed";
import { startSimulatorServer } from "../../simulator/server";
import { median, round } from "./engine";

export interface NodeGroupBenchOptions {
    sizes?: number[];
    repeat?: number;
    progress?: (line: string) => void;
}

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
    const sim = await startSimulatorServer({ port: 0, latencyProfile: "fast" });
    try {
        sim.setLatency(NODE_GROUP_JOB_LATENCIES, 1);
        sim.setSshFaults({ stepLatencyMs: STEP_LATENCY_DEFAULT_MS, stepLatency: NODE_GROUP_STEP_LATENCIES });
        const settings = { apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey };
        const client = new MoldClient(settings);
        const inv = sim.inventory();
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
        const create = async (inputs: Record<string, unknown>) => {
            const checked = await hook("check", [{}, { __provider: "bench", ...inputs }]);
            if (checked.failures.length) throw new Error(JSON.stringify(checked.failures));
            const started = Date.now();
            const created = await hook("create", [checked.inputs]);
            return { ms: Date.now() - started, id: created.id, outs: created.outs };
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
            jobLatenciesMs: NODE_GROUP_JOB_LATENCIES,
            stepLatenciesMs: { default: STEP_LATENCY_DEFAULT_MS, ...NODE_GROUP_STEP_LATENCIES },
            /** One worker's chain of injected latencies: its VM deploy + its steps (workers are reached through the control plane: no forward). */
            oneNodeModelMs: NODE_GROUP_JOB_LATENCIES.deployVirtualMachine + stepPath,
            controlPlaneMs: cp.ms,
            runsMs: runs,
            medianMs: medians,
            ratio: round(many / one, 2),
            target: 1.5,
            met: many / one <= 1.5,
        };
    } finally {
        await sim.stop();
        console.log = log;
    }
}
