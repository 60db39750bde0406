// The emulated clusters' stacked etcd: members and their health, the checks etcd and kubeadm make before a
// member is added or removed (etcd's strict reconfiguration check), and the etcdctl steps run on a
// control-plane node: etcd-snapshot (snapshot save + pruning) and etcd-member-remove.
import { createHash } from "crypto";
import { T } from "../model";
import type { SimState } from "../state";
import { fail, ok, result, StepContext, StepHandler, StepResult } from "../ssh/node-state";
import type { EmulatedNode, EtcdSnapshotFile } from "../ssh/types";
import { vmAddresses } from "../records/routing";
import { clustersTable, KubeadmCluster } from "./cluster";

export interface EtcdMember {
    /** 16 hex digits, as etcdctl prints member ids. */
    id: string;
    name: string;
    clientUrl: string;
    /** Its etcd answers: the VM runs and the node still is that member (not reset, not another cluster's). */
    healthy: boolean;
}

/** Votes a raft group of `n` members needs. */
export const quorum = (n: number) => Math.floor(n / 2) + 1;

export const ETCD_UNHEALTHY = "etcdserver: unhealthy cluster";
export const ETCD_MEMBER_NOT_FOUND = "etcdserver: member not found";
export const ETCD_TIMEOUT = "etcdserver: request timed out";

/**
 * Before a member is added, kubeadm's check-etcd phase dials every member's client URL; etcd itself then
 * refuses the add unless it is connected to every voting member. Either way one member down refuses the
 * join: the text names the first unreachable member, as kubeadm does. Undefined: the add may go ahead.
 */
export function addMemberRefusal(members: readonly EtcdMember[]): string | undefined {
    const down = members.find((m) => !m.healthy);
    if (!down) return undefined;
    return `etcd cluster is not healthy: failed to dial endpoint ${down.clientUrl} with maintenance client: context deadline exceeded`;
}

/**
 * etcd's strict reconfiguration check for `member remove`: a member that is down may always go (it is not part
 * of the active quorum); removing a live one must leave a quorum of the smaller cluster live; and the
 * change itself is a raft proposal, which needs a live quorum of the current members.
 */
export function removeMemberRefusal(members: readonly EtcdMember[], id: string): string | undefined {
    const target = members.find((m) => m.id === id);
    if (!target) return ETCD_MEMBER_NOT_FOUND;
    const live = members.filter((m) => m.healthy).length;
    if (live < quorum(members.length)) return ETCD_TIMEOUT;
    if (!target.healthy) return undefined;
    if (live - 1 < quorum(members.length - 1)) return ETCD_UNHEALTHY;
    return undefined;
}

export function memberId(clusterId: string, name: string): string {
    return createHash("sha256").update(`${clusterId}/${name}`).digest("hex").slice(0, 16);
}

/** Called when a node becomes a member: its client URL (on its private address) is kept for etcdctl's output. */
export function noteMember(cluster: KubeadmCluster, name: string, vm: any): void {
    const ip = vmAddresses(vm)[0] ?? name;
    cluster.etcdClientUrls = { ...(cluster.etcdClientUrls ?? {}), [name]: `https://${ip}:2379` };
}

/** The emulated node that is `name`'s etcd member right now, if its VM runs. */
function liveMemberNode(state: SimState, cluster: KubeadmCluster, name: string): EmulatedNode | undefined {
    const nodes = (state.tables[T.emulatedNodes] ?? {}) as Record<string, EmulatedNode>;
    const vms = state.tables[T.vms] ?? {};
    return Object.values(nodes).find(
        (n) =>
            n.kubeadm.clusterId === cluster.id &&
            n.kubeadm.role === "control-plane" &&
            n.kubeadm.adminConf &&
            n.kubeadm.nodeName === name &&
            vms[n.vmId]?.state === "Running",
    );
}

export function etcdMembers(state: SimState, cluster: KubeadmCluster): EtcdMember[] {
    return cluster.etcdMembers.map((name) => ({
        id: memberId(cluster.id, name),
        name,
        clientUrl: cluster.etcdClientUrls?.[name] ?? `https://${name}:2379`,
        healthy: !!liveMemberNode(state, cluster, name),
    }));
}

/**
 * kubeadm reset removing the node's own member: etcd's check as for `member remove`. Removes it and returns
 * undefined, or returns etcd's refusal (the member stays).
 */
export function leaveOnReset(state: SimState, cluster: KubeadmCluster, name: string): string | undefined {
    if (!cluster.etcdMembers.includes(name)) return undefined;
    // The only member: kubeadm skips the removal (and wipes the data directory), so etcd checks nothing.
    const refusal = cluster.etcdMembers.length === 1 ? undefined : removeMemberRefusal(etcdMembers(state, cluster), memberId(cluster.id, name));
    if (refusal) return refusal;
    cluster.etcdMembers = cluster.etcdMembers.filter((m) => m !== name);
    return undefined;
}

const STACK_HINT = "To see the stack trace of this error execute with --v=5 or higher";

/** kubeadm join --control-plane's refusal when etcd cannot take another member; undefined when it can. */
export function controlPlaneJoinRefusal(state: SimState, cluster: KubeadmCluster): StepResult | undefined {
    const refusal = addMemberRefusal(etcdMembers(state, cluster));
    if (!refusal) return undefined;
    return fail(1, `error execution phase check-etcd: ${refusal}\n${STACK_HINT}`, "[check-etcd] Checking that the etcd cluster is healthy\n");
}

/** The cluster whose etcd member runs on this node (what etcdctl on 127.0.0.1:2379 reaches), or the script's error. */
function localMember(ctx: StepContext): { cluster: KubeadmCluster; name: string } | StepResult {
    const k = ctx.node.kubeadm;
    const cluster = k.clusterId ? clustersTable(ctx.state)[k.clusterId] : undefined;
    if (!cluster || k.role !== "control-plane" || !k.adminConf || !k.nodeName) {
        return fail(1, "error: /etc/kubernetes/manifests/etcd.yaml is missing: this node runs no etcd member");
    }
    if (!cluster.etcdMembers.includes(k.nodeName)) return fail(1, "Error: etcdserver: the member has been permanently removed from the cluster");
    return { cluster, name: k.nodeName };
}

const isResult = (v: object): v is StepResult => "exitCode" in v;

export const SNAPSHOT_DIR = "/var/lib/pulumi-mold/etcd";
const SNAPSHOT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*\.db$/;

/** `date -u +%Y-%m-%dT%H:%M:%SZ` */
const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** The snapshot files left after keeping the newest `keep` (names sort by time: the provider dates them). */
export function pruneSnapshots(files: readonly EtcdSnapshotFile[], keep: number): { kept: EtcdSnapshotFile[]; pruned: EtcdSnapshotFile[] } {
    const sorted = [...files].sort((a, b) => a.path.localeCompare(b.path));
    const cut = Math.max(0, sorted.length - keep);
    return { kept: sorted.slice(cut), pruned: sorted.slice(0, cut) };
}

const etcdSnapshot: StepHandler = (ctx) => {
    const name = ctx.env.PM_SNAPSHOT ?? "";
    const keep = Number(ctx.env.PM_KEEP ?? "");
    if (!SNAPSHOT_NAME.test(name)) return fail(1, `error: PM_SNAPSHOT must be a file name ending in .db, got '${name}'`);
    if (!/^\d+$/.test(ctx.env.PM_KEEP ?? "") || keep < 1 || keep > 100)
        return fail(1, `error: PM_KEEP must be a number from 1 to 100, got '${ctx.env.PM_KEEP ?? ""}'`);
    const local = localMember(ctx);
    if (isResult(local)) return local;
    const path = `${SNAPSHOT_DIR}/${name}`;
    const files = ctx.node.etcdSnapshots ?? [];
    const existing = files.find((f) => f.path === path);
    // A rerun (the connection dropped after the save) finds its file: nothing is taken twice.
    const file: EtcdSnapshotFile = existing ?? {
        path,
        takenAt: isoSeconds(ctx.now),
        revision: ctx.state.seq,
        clusterId: local.cluster.id,
        members: [...local.cluster.etcdMembers],
    };
    const { kept, pruned } = pruneSnapshots(existing ? files : [...files, file], keep);
    ctx.node.etcdSnapshots = kept;
    const log = existing ? `snapshot ${path} already taken\n` : `Snapshot saved at ${path}.part\n`;
    const out =
        log +
        pruned.map((f) => `removed old snapshot ${f.path}\n`).join("") +
        result("snapshot", existing ? "already" : "done") +
        result("path", path) +
        result("taken-at", file.takenAt) +
        result("revision", String(file.revision)) +
        result("pruned", String(pruned.length));
    return ok(out, !existing || pruned.length > 0);
};

const etcdMemberRemove: StepHandler = (ctx) => {
    const wanted = ctx.env.PM_MEMBER ?? "";
    if (!wanted) return fail(1, "error: PM_MEMBER (the member's name) is required");
    const local = localMember(ctx);
    if (isResult(local)) return local;
    const members = etcdMembers(ctx.state, local.cluster);
    const listing = members.map((m) => `${m.id}, started, ${m.name}, ${m.clientUrl.replace(/:2379$/, ":2380")}, ${m.clientUrl}, false`).join("\n") + "\n";
    const target = members.find((m) => m.name === wanted);
    if (!target) return ok(listing + result("removed", "absent"), false);
    if (target.name === local.name) return fail(1, `error: refusing to remove ${wanted}: it is the member this command runs on`, listing);
    const refusal = removeMemberRefusal(members, target.id);
    if (refusal) return fail(1, `Error: ${refusal}`, listing);
    local.cluster.etcdMembers = local.cluster.etcdMembers.filter((m) => m !== wanted);
    return ok(
        listing + `Member ${target.id} removed from cluster ${memberId(local.cluster.id, "")}\n` + result("removed", "done") + result("member-id", target.id),
    );
};

export const ETCD_STEPS: Record<string, StepHandler> = {
    "etcd-snapshot": etcdSnapshot,
    "etcd-member-remove": etcdMemberRemove,
};
