// Node repair on a group's update (and its look in diff and read): reads every node's Ready condition through
// a control-plane node (the node-health step: SSH is how this library reaches a cluster already, and a worker
// group has no kubeconfig of its own), decides with repair-plan.ts, and replaces the chosen nodes with
// converge's own removeNode / addMachines / bootstrap, a batch of at most maxUnhealthy at a time.
import type { Fleet, Reachable } from "./bootstrap";
import type { GroupContext } from "./group";
import type { NodeRecord } from "./plan";
import { decideRepair, dueForRepair, parseHealth, RepairDecision, repairSpec } from "./repair-plan";

/** converge's steps repair reuses (passed in: converge calls this module). */
export interface RepairOps {
    admins(g: GroupContext, except?: string): Reachable[];
    removeNode(g: GroupContext, node: NodeRecord, repair: boolean): Promise<void>;
    addMachines(g: GroupContext, count: number): Promise<NodeRecord[]>;
    bootstrap(g: GroupContext, pending: NodeRecord[]): Promise<void>;
}

interface Group {
    inputs: { role: string; repair?: unknown };
    nodes: readonly NodeRecord[];
}

/**
 * The repair decision for a group's ready nodes, or undefined when repair is off (then no SSH at all).
 * Ages are judged by the cluster's clock (the control-plane node's), the one that stamped the conditions.
 */
export async function lookAtHealth(fleet: Fleet, admins: readonly Reachable[], group: Group): Promise<RepairDecision<NodeRecord> | undefined> {
    const spec = repairSpec(group.inputs.repair);
    const ready = group.nodes.filter((n) => n.status === "ready");
    if (!spec || !ready.length) return undefined;
    const health = parseHealth(await fleet.withAdmin(admins, (a) => fleet.nodeHealth(a)));
    return decideRepair(ready, health.nodes, {
        now: health.now ?? Date.now(),
        timeoutMs: spec.timeoutMs,
        maxUnhealthy: spec.maxUnhealthy,
        controlPlane: group.inputs.role === "control-plane",
    });
}

/**
 * Names of the nodes due for repair now (diff and read), [] when repair is off or all are well. Nodes kept
 * (not past the timeout, or held by the quorum) are logged with why: the up's log says why nothing happened.
 */
export async function nodesDueForRepair(fleet: Fleet, admins: readonly Reachable[], group: Group, log: (m: string) => void): Promise<string[]> {
    const decision = await lookAtHealth(fleet, admins, group);
    for (const k of decision?.kept ?? []) log(`${k.node.name}: ${k.reason}`);
    return decision ? dueForRepair(decision) : [];
}

/**
 * Replaces NotReady nodes past the timeout, a batch at a time: each batch's nodes leave (drained best effort,
 * deleted, reset best effort, VM destroyed), then as many new ones join (no more than `count` needs) before the
 * next look.
 */
export async function repairNodes(g: GroupContext, ops: RepairOps, count: number): Promise<void> {
    if (!repairSpec(g.inputs.repair)) return;
    // Bounded: each batch replaces at least one node, and a group never needs more rounds than it has nodes.
    for (let round = 0; round <= g.state.nodes.length; round++) {
        const decision = await lookAtHealth(g.fleet, ops.admins(g), { inputs: g.inputs, nodes: g.state.nodes });
        if (!decision) return;
        // Logged on the first look only: later looks repeat them.
        if (round === 0) for (const k of decision.kept) g.ctx.log(`${k.node.name}: ${k.reason}`);
        if (!decision.replace.length) return;
        for (const { node, reason } of decision.replace) {
            g.ctx.log(`${node.name}: ${reason}`);
            await ops.removeNode(g, node, true);
        }
        // A group shrinking in the same update gets only what it still needs: the NotReady nodes went first.
        await ops.bootstrap(g, await ops.addMachines(g, Math.min(decision.replace.length, count - g.state.nodes.length)));
    }
}

/**
 * After the reset of a control-plane node being repaired: kubeadm reset removes the node's etcd member only
 * when it could run on the node; otherwise removeNode removes it through another control-plane node.
 */
export function afterRepairReset(g: GroupContext, node: NodeRecord, member: string | undefined): void {
    if (member === "removed" || member === "none") return;
    g.ctx.log(
        `${node.name}: ${member === "left" ? "kubeadm reset could not remove its etcd member" : "the node could not be reset"}; its etcd member is removed through another control-plane node`,
    );
}
