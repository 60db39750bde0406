// Kubernetes upgrades of a self-managed node group, as pure decisions: which target is allowed (Mold's rule,
// kubernetes/versions.ts), the version skew policy between a worker group and its control plane, and the
// order of work given what each node records (nodes already at the target are done: a resumed up skips them).
import { checkUpgrade, compareSemver, isSemanticVersion, parseSemver } from "../kubernetes/versions";
import type { NodeRecord } from "./plan";

export const UPGRADE_STRATEGIES = ["in-place", "replace"] as const;
export type UpgradeStrategy = (typeof UPGRADE_STRATEGIES)[number];

/** Kubernetes' version skew policy: a kubelet may be up to three minors older than the API server, never newer. */
export const MAX_KUBELET_SKEW = 3;

const valid = (v: unknown): v is string => typeof v === "string" && isSemanticVersion(v.replace(/^v/i, ""));

/** What a cluster on `current` may move to next, in words. */
export function allowedNext(current: string): string {
    const { major, minor } = parseSemver(current);
    return `a newer patch of ${major}.${minor} or a ${major}.${minor + 1}.x release`;
}

/**
 * Why `current` → `target` is refused (a downgrade, another major, or a skipped minor), or undefined when it
 * is allowed (the same version included: nothing to do). The text names both versions and what is allowed next.
 */
export function versionChangeProblem(current: string, target: string): string | undefined {
    if (!valid(current) || !valid(target)) return undefined;
    const verdict = checkUpgrade(current, target);
    if (verdict.allowed) return undefined;
    const why = compareSemver(target, current) < 0 ? "a downgrade is not possible" : "kubeadm upgrades one minor release at a time";
    return `cannot change from ${current} to ${target}: ${why}; allowed next from ${current}: ${allowedNext(current)}`;
}

/**
 * Why a worker group on `worker` cannot run against a control plane on `controlPlane` (kubelet newer than the
 * API server, or more than three minors older), or undefined.
 */
export function skewProblem(worker: string, controlPlane: string): string | undefined {
    if (!valid(worker) || !valid(controlPlane)) return undefined;
    if (compareSemver(worker, controlPlane) > 0) {
        return `${worker} is newer than the control plane's ${controlPlane} (controlPlaneVersion): a kubelet may never be newer than the API server; upgrade the control plane first`;
    }
    const w = parseSemver(worker);
    const c = parseSemver(controlPlane);
    if (w.major !== c.major || c.minor - w.minor > MAX_KUBELET_SKEW) {
        return `${worker} is more than ${MAX_KUBELET_SKEW} minor releases older than the control plane's ${controlPlane} (controlPlaneVersion): the version skew policy allows a kubelet at most ${MAX_KUBELET_SKEW} minors behind the API server; upgrade this group first`;
    }
    return undefined;
}

/** The version a node runs: what it recorded, or (states written before upgrades existed) the group's version. */
export function nodeVersion(node: Pick<NodeRecord, "kubeletVersion">, groupVersion: string): string {
    return node.kubeletVersion ?? groupVersion;
}

/**
 * The version the group as a whole is at: its oldest node's (an upgrade that stopped part-way leaves some
 * nodes behind, and the next change must be judged from them), or `groupVersion` without nodes.
 */
export function lowestVersion(nodes: readonly Pick<NodeRecord, "kubeletVersion">[], groupVersion: string): string {
    const versions = nodes.map((n) => nodeVersion(n, groupVersion)).filter(valid);
    return versions.length ? versions.reduce((a, b) => (compareSemver(a, b) <= 0 ? a : b)) : groupVersion;
}

export interface UpgradeOrder {
    /** Nodes still to upgrade, in order (control plane: the one to run `kubeadm upgrade apply` first). */
    nodes: NodeRecord[];
    /** The node that runs `kubeadm upgrade apply` (control plane only; none once a node is at the target). */
    applyOn?: NodeRecord;
}

/**
 * The order of an in-place upgrade to `target`. Only Ready nodes are upgraded (pending ones are bootstrapped
 * at the target). A control plane runs `upgrade apply` on its first node unless one node is at the target
 * already (apply ran in an earlier up); every other node runs `upgrade node`, one at a time, oldest slot first.
 */
export function upgradeOrder(nodes: readonly NodeRecord[], target: string, groupVersion: string, controlPlane: boolean): UpgradeOrder {
    const ready = nodes.filter((n) => n.status === "ready");
    const todo = ready.filter((n) => nodeVersion(n, groupVersion) !== target).sort((a, b) => a.slot - b.slot);
    if (!controlPlane || !todo.length) return { nodes: todo };
    const applied = ready.some((n) => nodeVersion(n, groupVersion) === target);
    return applied ? { nodes: todo } : { nodes: todo, applyOn: todo[0] };
}

/** Consecutive batches of at most `maxUnavailable` items (at least one per batch). */
export function batches<T>(items: readonly T[], maxUnavailable: number): T[][] {
    const size = Math.max(1, Math.floor(maxUnavailable) || 1);
    const out: T[][] = [];
    for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
    return out;
}

/** Why `maxUnavailable` is not a whole number from 1 to the group's count, or undefined. */
export function maxUnavailableProblem(maxUnavailable: unknown, count: unknown): string | undefined {
    if (maxUnavailable === undefined || maxUnavailable === null) return undefined;
    if (typeof maxUnavailable !== "number" || !Number.isInteger(maxUnavailable)) return `must be a whole number, got ${JSON.stringify(maxUnavailable)}`;
    if (maxUnavailable < 1) return `must be at least 1 (nodes upgraded at a time), got ${maxUnavailable}`;
    if (typeof count === "number" && count >= 1 && maxUnavailable > count) return `must be at most the group's count (${count}), got ${maxUnavailable}`;
    return undefined;
}
