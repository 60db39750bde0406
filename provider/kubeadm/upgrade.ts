// Kubernetes upgrades of a node group in place, as kubeadm documents them: on a control plane `kubeadm upgrade
// apply` on the first node, then `upgrade node` on the others one at a time; workers `maxUnavailable` at a
// time (or, with upgradeStrategy "replace", rolled by converge like an offering change). Each node: kubeadm
// package → kubeadm upgrade (a control-plane node out of the API load balancer meanwhile, api-restart.ts) →
// drained → kubelet/kubectl packages (kubelet restarted) → uncordoned → Ready (back behind the load balancer).
// Each node's version is recorded in the state as it finishes, so an up that fails part-way is resumed by
// the next one from the first node not at the target; every step is idempotent on the node.
import type { NodeGroupInputs, NodeGroupOutputs } from "../generated/types";
import type { ConnectPolicy } from "../ssh/connection";
import type { Validator } from "../runtime/validate";
import type { Reachable } from "./bootstrap";
import type { GroupContext, GroupInputs } from "./group";
import { leaveApiLoadBalancer, rejoinApiLoadBalancer } from "./api-restart";
import { etcdSnapshot } from "./etcd-care";
import type { NodeRecord } from "./plan";
import { batches, lowestVersion, maxUnavailableProblem, skewProblem, UPGRADE_STRATEGIES, upgradeOrder, versionChangeProblem } from "./upgrade-plan";

/** As the Fleet's admin steps: a few quick attempts, then the next control-plane node. */
const ADMIN_CONNECT: ConnectPolicy = { attempts: 4, initialDelayMs: 500, maxDelayMs: 2000 };
/** Admin steps share one SSH connection; OpenSSH allows 10 sessions per connection (MaxSessions). */
const ADMIN_CHANNELS = 4;

const isControlPlane = (inputs: { role?: string }) => inputs.role === "control-plane";

/** Check rows for the upgrade inputs (no API call): strategy, maxUnavailable, a worker group's skew. */
export function checkUpgradeInputs(v: Validator, inputs: Partial<NodeGroupInputs>): void {
    v.oneOf("upgradeStrategy", inputs.upgradeStrategy, UPGRADE_STRATEGIES);
    if (inputs.upgradeStrategy === "replace" && isControlPlane(inputs)) {
        v.fail("upgradeStrategy", "replace is for worker groups: a control plane is upgraded in place (kubeadm upgrade apply, then upgrade node per node)");
    }
    if (v.known(inputs.maxUnavailable) && v.known(inputs.count)) {
        const problem = maxUnavailableProblem(inputs.maxUnavailable, inputs.count);
        if (problem) v.fail("maxUnavailable", problem);
    }
    if (inputs.controlPlaneVersion !== undefined && inputs.controlPlaneVersion !== null && v.known(inputs.controlPlaneVersion)) {
        if (isControlPlane(inputs)) v.fail("controlPlaneVersion", "is for worker groups: a control plane's version is its kubernetesVersion");
        else if (typeof inputs.kubernetesVersion === "string" && v.known(inputs.kubernetesVersion) && typeof inputs.controlPlaneVersion === "string") {
            const problem = skewProblem(inputs.kubernetesVersion, inputs.controlPlaneVersion);
            if (problem) v.fail("kubernetesVersion", problem);
        }
    }
}

/**
 * A kubernetesVersion change is judged from the group's oldest node (an upgrade that stopped part-way left
 * some behind): a newer patch of the same minor or the next minor only.
 */
export function checkVersionChange(v: Validator, inputs: Partial<NodeGroupInputs>, olds: Partial<NodeGroupOutputs>): void {
    if (!v.known(inputs.kubernetesVersion) || typeof inputs.kubernetesVersion !== "string" || typeof olds.kubernetesVersion !== "string") return;
    const current = lowestVersion(Array.isArray(olds.nodes) ? olds.nodes : [], olds.kubernetesVersion);
    const problem = versionChangeProblem(current, inputs.kubernetesVersion);
    if (problem) v.fail("kubernetesVersion", problem);
}

/** Some Ready node is not at the group's version: an upgrade stopped part-way, and the next up continues it. */
export function versionPending(olds: Partial<NodeGroupOutputs>): boolean {
    const version = olds.kubernetesVersion;
    return (
        Array.isArray(olds.nodes) &&
        typeof version === "string" &&
        olds.nodes.some((n) => n.status === "ready" && n.kubeletVersion !== undefined && n.kubeletVersion !== version)
    );
}

/**
 * Nodes recorded before versions were (states of earlier releases) run the group's previous version. Called
 * first in converge, so that every later decision (rolls, upgrades) sees a version on every Ready node.
 */
export function recordVersions(g: GroupContext, oldInputs: GroupInputs | undefined): void {
    const before = String(oldInputs?.kubernetesVersion ?? g.inputs.kubernetesVersion);
    for (const n of g.state.nodes) if (n.status === "ready" && !n.kubeletVersion) n.kubeletVersion = before;
}

/** What converge's roll compares nodes with: with upgradeStrategy "replace", a worker at another version rolls too. */
export function rollTarget<P extends { serviceOfferingId: string; templateId: string; keyPair: string }>(
    g: GroupContext,
    placement: P,
): P & { kubernetesVersion?: string } {
    const replace = !isControlPlane(g.inputs) && g.inputs.upgradeStrategy === "replace";
    return replace ? { ...placement, kubernetesVersion: String(g.inputs.kubernetesVersion) } : placement;
}

/** The in-place upgrade of the group's Ready nodes that are not at its kubernetesVersion (none: nothing runs). */
export async function upgradeInPlace(g: GroupContext): Promise<void> {
    const cp = isControlPlane(g.inputs);
    if (!cp && g.inputs.upgradeStrategy === "replace") return;
    const target = String(g.inputs.kubernetesVersion);
    const order = upgradeOrder(g.state.nodes, target, target, cp);
    if (!order.nodes.length) return;
    g.ctx.log(`upgrading ${order.nodes.map((n) => `${n.name} (${n.kubeletVersion})`).join(", ")} to Kubernetes ${target}`);
    const admin = limiter(ADMIN_CHANNELS);
    if (cp) {
        // Before the first node moves: a resumed upgrade has its snapshot from the start already.
        if (order.applyOn) await etcdSnapshot(g, `the upgrade to Kubernetes ${target}`);
        for (const n of order.nodes) await upgradeNode(g, n, target, n === order.applyOn ? "apply" : "node", admin);
        return;
    }
    for (const batch of batches(order.nodes, Number(g.inputs.maxUnavailable ?? 1))) {
        const failed = (await Promise.allSettled(batch.map((n) => upgradeNode(g, n, target, "node", admin)))).filter(
            (r): r is PromiseRejectedResult => r.status === "rejected",
        );
        if (failed.length === 1) throw failed[0].reason;
        if (failed.length) throw new Error(failed.map((f) => (f.reason as Error).message).join("; "));
    }
}

/** One node through the whole sequence; its version is recorded only once it is Ready again at the target. */
async function upgradeNode(g: GroupContext, node: NodeRecord, target: string, mode: "apply" | "node", admin: Limiter): Promise<void> {
    const { fleet } = g;
    const r = fleet.runner(node);
    const timeout = Math.min(600, Number(g.inputs.bootstrapTimeoutSeconds ?? 900));
    await r.run("kube-packages", { PM_KUBERNETES_VERSION: target, PM_PACKAGES: "kubeadm" });
    // A control-plane node's API server restarts during kubeadm upgrade: no client is sent to it meanwhile.
    const left = isControlPlane(g.inputs) && (await leaveApiLoadBalancer(g, node));
    const { results } = await r.run("kubeadm-upgrade", { PM_MODE: mode, PM_KUBERNETES_VERSION: target });
    g.ctx.log(`${node.name}: kubeadm upgrade ${mode === "apply" ? `apply v${target}` : "node"} ${results.upgrade === "already" ? "had already run" : "done"}`);
    const admins = adminsFor(g, node.name);
    await admin(() => fleet.withAdmin(admins, (a) => fleet.drain(a, node.name, timeout, "drain")));
    await r.run("kube-packages", { PM_KUBERNETES_VERSION: target });
    await admin(() =>
        fleet.withAdmin(admins, async (a) => {
            await fleet.runner(a, ADMIN_CONNECT).run("uncordon-node", { PM_NODE: node.name });
            await fleet.waitReady(a, [node.name], timeout);
        }),
    );
    if (left) await rejoinApiLoadBalancer(g, node);
    const i = g.state.nodes.findIndex((n) => n.vmId === node.vmId);
    if (i >= 0) g.state.nodes[i] = { ...g.state.nodes[i], kubeletVersion: target };
    g.ctx.log(`${node.name}: at Kubernetes ${target}`);
}

/** Control-plane nodes to run admin steps on: the others first, the node itself last (it may be restarting). */
function adminsFor(g: GroupContext, name: string): Reachable[] {
    const all: Reachable[] = isControlPlane(g.inputs) ? g.state.nodes.filter((n) => n.status === "ready") : (g.inputs.controlPlaneNodes ?? []);
    return [...all.filter((n) => n.name !== name), ...all.filter((n) => n.name === name)];
}

type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

/** At most `n` of the wrapped calls at a time. */
function limiter(n: number): Limiter {
    let active = 0;
    const waiting: (() => void)[] = [];
    return async (fn) => {
        while (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
        active++;
        try {
            return await fn();
        } finally {
            active--;
            waiting.shift()?.();
        }
    };
}
