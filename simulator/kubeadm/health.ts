// Node health in the emulated kubeadm clusters: a node's kubelet can be stopped (POST /sim/nodes/<vm>/kubelet),
// which makes its Node NotReady the way the node lifecycle controller does once the kubelet stops posting
// status (Ready=Unknown, reason NodeStatusUnknown), with the condition's lastTransitionTime taken from the
// simulator's clock, so tests advance the clock past a repair timeout instead of sleeping. Also the
// node-health step (PROTOCOL.md), which reads the same conditions as `kubectl get nodes` would.
import { T } from "../model";
import type { SimState } from "../state";
import type { EmulatedNode } from "../ssh/types";
import { fail, ok, result, StepHandler } from "../ssh/node-state";
import { controlPlaneClusterOf, KubeadmCluster, KubeadmNode, nodeReady } from "./cluster";

export interface ReadyCondition {
    status: "True" | "False" | "Unknown";
    reason: string;
    message: string;
    lastTransitionTime: string;
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const seconds = (iso: string) => iso.replace(/\.\d{3}Z$/, "Z");

/** The Ready condition of a cluster node now, as the API server reports it. */
export function readyCondition(state: SimState, cluster: KubeadmCluster, n: KubeadmNode): ReadyCondition {
    const vm = (state.tables[T.vms] ?? {})[n.vmId];
    const emulated = (state.tables[T.emulatedNodes] ?? {})[n.vmId] as EmulatedNode | undefined;
    const kubelet = emulated?.kubelet;
    const joined = seconds(n.joinedAt);
    // The later of the join and the kubelet's last start or stop: when the condition last changed.
    const changed = kubelet && Date.parse(kubelet.since) > Date.parse(n.joinedAt) ? seconds(kubelet.since) : joined;
    if (nodeReady(state, cluster, n))
        return { status: "True", reason: "KubeletReady", message: "kubelet is posting ready status", lastTransitionTime: changed };
    if (vm?.state !== "Running" || kubelet?.running === false) {
        // A VM that stopped: the condition changed when its state did (Mold's lastupdated moves with it).
        const vmChanged = typeof vm?.lastupdated === "string" ? Date.parse(vm.lastupdated.replace(/\+0000$/, "Z")) : NaN;
        const since = vm?.state !== "Running" && vmChanged > Date.parse(changed) ? rfc3339(vmChanged) : changed;
        return { status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status.", lastTransitionTime: since };
    }
    return {
        status: "False",
        reason: "KubeletNotReady",
        message:
            "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized",
        lastTransitionTime: joined,
    };
}

/** Finds the emulated node of a VM given by id or name (case-insensitive), or throws naming what exists. */
function emulatedNode(state: SimState, key: string): EmulatedNode {
    const nodes = Object.values((state.tables[T.emulatedNodes] ?? {}) as Record<string, EmulatedNode>);
    const node = nodes.find((n) => n.vmId === key || n.vmName.toLowerCase() === key.toLowerCase());
    if (!node) throw new Error(`no emulated node for VM '${key}' (GET /sim/nodes lists them)`);
    return node;
}

/**
 * Stops or starts a node's kubelet (POST /sim/nodes/<vm name or id>/kubelet {"running": false}); the Ready
 * condition changes at `now`. Returns what the node's kubelet is now.
 */
export function setKubelet(state: SimState, key: string, running: unknown, now: number): { vmId: string; running: boolean; since: string } {
    if (typeof running !== "boolean") throw new Error(`body must be {"running": true|false}, got running=${JSON.stringify(running)}`);
    const node = emulatedNode(state, key);
    const wasRunning = node.kubelet?.running !== false;
    if (wasRunning !== running || !node.kubelet) node.kubelet = { running, since: new Date(now).toISOString() };
    return { vmId: node.vmId, ...node.kubelet };
}

/** node-health: every node's Ready status and since when, and the cluster's clock (PROTOCOL.md). */
export const nodeHealth: StepHandler = (ctx) => {
    const cluster = controlPlaneClusterOf(ctx.state, ctx.node);
    if (!cluster) return fail(1, "The connection to the server localhost:8080 was refused - did you specify the right host or port?");
    const lines = cluster.nodes.map((n) => {
        const c = readyCondition(ctx.state, cluster, n);
        return result("node", `${n.name} ready=${c.status} since=${c.lastTransitionTime}`);
    });
    return ok(lines.join("") + result("now", rfc3339(ctx.now)), false);
};
