// What a node group must do to reach its declared shape: pure decisions, no I/O.
import type { Taint } from "./spec";
import type { NodeDisk } from "./data-disks-plan";

/** A node as recorded in the node group's outputs. */
export interface NodeRecord {
    /** Kubernetes node name = the VM's host name. */
    name: string;
    vmId: string;
    privateIp: string;
    /** Index in the group's SSH port block. */
    slot: number;
    /**
     * port-forward: SSH through a forward on the cluster's public IP (sshHost:sshPort); control-plane: through
     * a control-plane node as jump host to the node's private address (sshHost = privateIp, sshPort = 22);
     * bastion: the same through the group's bastion host.
     */
    access: SshAccess;
    sshHost: string;
    sshPort: number;
    portForwardingRuleId: string;
    /**
     * The pinned host key: first the one injected through cloud-init, then (hostKeyRotated) the one the
     * provider rotated it to after the first connection, which never appears in Mold's user data.
     */
    hostPublicKey: string;
    hostKeyFingerprint: string;
    /** A rotation under way: the key the node is being switched to, accepted besides hostPublicKey until confirmed. */
    hostPublicKeyNext?: string;
    /** The cloud-init host key was replaced (absent on nodes made before rotation existed: rotated on the next up). */
    hostKeyRotated?: boolean;
    /** Earliest expiry of this control-plane node's kubeadm leaf certificates (ISO), as last checked. */
    certificatesExpireAt?: string;
    serviceOfferingId: string;
    templateId: string;
    keyPair: string;
    /** "ready": bootstrapped, joined and Ready; "pending": the VM exists but bootstrap has not finished. */
    status: "ready" | "pending";
    createdAt: string;
    /** Kubernetes version x.y.z of the node's kubelet, recorded as it joins or finishes an upgrade (upgrade-plan.ts). */
    kubeletVersion?: string;
    /** The node's data disks (data-disks.ts), in the order of the group's entries. */
    dataDisks?: NodeDisk[];
    /** The group's dataDisks the node was made with (dataDisksKey); absent: none. */
    dataDisksKey?: string;
}

export type SshAccess = "port-forward" | "control-plane" | "bastion";
export const SSH_ACCESS: readonly SshAccess[] = ["port-forward", "control-plane", "bastion"];

/** A jump host of the user's own (reached directly), for nodes with access "bastion". */
export interface Bastion {
    host: string;
    /** Default 22. */
    port?: number;
    /** Default: the node group's sshUser. */
    username?: string;
    /** Pinned like the nodes' keys: "<type> <base64>". */
    hostPublicKey: string;
}

/** The SSH port block of a group: [start, start + size). */
export const SLOTS_PER_GROUP = 100;

/** The lowest `n` free slots given the slots in use. */
export function freeSlots(used: readonly number[], n: number): number[] {
    const taken = new Set(used);
    const out: number[] = [];
    for (let s = 0; out.length < n && s < SLOTS_PER_GROUP; s++) if (!taken.has(s)) out.push(s);
    if (out.length < n) throw new Error(`no free SSH port in the group's block of ${SLOTS_PER_GROUP}`);
    return out;
}

/**
 * Nodes to remove when shrinking to `count`: those matching `prefer` (e.g. outdated ones, which would be
 * rolled anyway) first, then the newest (as Mold's own scale-down does).
 */
export function nodesToRemove(nodes: readonly NodeRecord[], count: number, prefer: (n: NodeRecord) => boolean = () => false): NodeRecord[] {
    const excess = nodes.length - count;
    if (excess <= 0) return [];
    const rank = (n: NodeRecord) => (prefer(n) ? 0 : 1);
    return [...nodes].sort((a, b) => rank(a) - rank(b) || b.createdAt.localeCompare(a.createdAt) || b.slot - a.slot).slice(0, excess);
}

/**
 * Nodes built from an older offering, template or key pair — or, when `kubernetesVersion` is given (workers
 * upgraded with upgradeStrategy "replace"), whose recorded kubelet version differs: they are rolled one at a time.
 */
export function outdatedNodes(
    nodes: readonly NodeRecord[],
    want: { serviceOfferingId: string; templateId: string; keyPair: string; kubernetesVersion?: string; dataDisksKey?: string },
): NodeRecord[] {
    return nodes.filter(
        (n) =>
            (want.dataDisksKey !== undefined && (n.dataDisksKey ?? "") !== want.dataDisksKey) ||
            n.serviceOfferingId !== want.serviceOfferingId ||
            n.templateId !== want.templateId ||
            n.keyPair !== want.keyPair ||
            (want.kubernetesVersion !== undefined && n.kubeletVersion !== undefined && n.kubeletVersion !== want.kubernetesVersion),
    );
}

export interface MetadataChange {
    labels: Record<string, string>;
    removeLabels: string[];
    taints: Taint[];
    removeTaints: string[];
}

const taintId = (t: Taint) => `${t.key}:${t.effect}`;

/** Labels and taints to set and remove to go from `old` to `want` (everything when `old` is undefined). */
export function metadataChange(
    old: { labels?: Record<string, string>; taints?: Taint[] } | undefined,
    want: { labels?: Record<string, string>; taints?: Taint[] },
): MetadataChange {
    const oldLabels = old?.labels ?? {};
    const newLabels = want.labels ?? {};
    const oldTaints = old?.taints ?? [];
    const newTaints = want.taints ?? [];
    const wantedTaintIds = new Set(newTaints.map(taintId));
    return {
        labels: old ? Object.fromEntries(Object.entries(newLabels).filter(([k, v]) => oldLabels[k] !== v)) : { ...newLabels },
        removeLabels: Object.keys(oldLabels).filter((k) => !(k in newLabels)),
        taints: old ? newTaints.filter((t) => !oldTaints.some((o) => taintId(o) === taintId(t) && (o.value ?? "") === (t.value ?? ""))) : [...newTaints],
        removeTaints: oldTaints.filter((t) => !wantedTaintIds.has(taintId(t))).map(taintId),
    };
}

export function isEmptyChange(c: MetadataChange): boolean {
    return Object.keys(c.labels).length === 0 && c.removeLabels.length === 0 && c.taints.length === 0 && c.removeTaints.length === 0;
}

/** The env of the node-metadata step (PROTOCOL.md): one change for every node named. */
export function metadataEnv(nodes: readonly string[], c: MetadataChange): Record<string, string> {
    return {
        PM_NODES: nodes.join("\n"),
        PM_LABELS: Object.entries(c.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join("\n"),
        PM_REMOVE_LABELS: c.removeLabels.join("\n"),
        PM_TAINTS: c.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`).join("\n"),
        PM_REMOVE_TAINTS: c.removeTaints.join("\n"),
    };
}

/**
 * Nodes per node-metadata step: one kubectl call labels them all (20 workers took five rounds of four steps),
 * and the names stay far below any command-line limit.
 */
export const METADATA_NODES_PER_STEP = 50;

/** `items` in runs of at most `size`, in order. */
export function inBatches<T>(items: readonly T[], size: number): T[][] {
    const step = Math.max(1, Math.floor(size));
    const out: T[][] = [];
    for (let i = 0; i < items.length; i += step) out.push(items.slice(i, i + step));
    return out;
}

/** A VM/host name for a new node: `<cluster>-<group>-<5 hex>` cut to fit Mold's 63-character host names. */
export function nodeName(cluster: string, group: string, random: string): string {
    const base = `${cluster}-${group}`
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, "-")
        .replace(/-+/g, "-")
        .replace(/^-|-$/g, "");
    const prefix = /^[a-z]/.test(base) ? base : `k8s-${base}`;
    return `${prefix.slice(0, 63 - random.length - 1).replace(/-$/, "")}-${random}`;
}
