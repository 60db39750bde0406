// The shapes a node group's converge and its day-2 modules (upgrade, etcd care, repair, certificates, host
// keys) share: the group's inputs as converge reads them, its recorded state, and the context of one hook run.
import type { MoldClient } from "../client/client";
import type { NodeGroupInputs } from "../generated/types";
import type { HookContext } from "../runtime/hooks";
import type { Fleet } from "./bootstrap";
import type { Placement } from "./machines";
import type { NodeRecord, SshAccess } from "./plan";
import type { Taint } from "./spec";
import type { DataDiskSpec } from "./data-disks-plan";

/** One etcd snapshot file taken on a control-plane node (etcd-care.ts). */
export interface EtcdSnapshotRecord {
    node: string;
    path: string;
    takenAt: string;
    reason: string;
    revision?: number;
}

export interface GroupState {
    nodes: NodeRecord[];
    /** Set once the cluster exists (control-plane groups): kubeadm init is never run on another node. */
    initialised: boolean;
    kubeconfig: string;
    /** Control-plane groups: the etcd snapshots taken (etcd-care.ts), oldest first. */
    etcdSnapshots?: EtcdSnapshotRecord[];
    /** Control plane: the earliest expiry of its nodes' kubeadm certificates, and the nodes' clock when read (ISO). */
    certificatesExpireAt?: string;
    certificatesCheckedAt?: string;
    /** Control plane with csi: what csi-install made (csi.ts). */
    csi?: { storageClassName: string; diskOfferingId: string };
}

/**
 * A node group's inputs, as converge works on them: what check holds to a fixed set (taint effects, the SSH
 * access, the control-plane nodes, which are another group's `nodes` output) in their precise types.
 */
export type GroupInputs = Omit<NodeGroupInputs, "taints" | "sshAccess" | "controlPlaneNodes"> & {
    taints?: Taint[];
    sshAccess?: SshAccess;
    controlPlaneNodes?: NodeRecord[];
    /** Set by removeAll: the whole group is going away (a cluster whose control plane is gone is let off). */
    __deleting?: boolean;
};

export interface GroupContext {
    ctx: HookContext;
    client: MoldClient;
    id: string;
    inputs: GroupInputs;
    placement: Placement;
    fleet: Fleet;
    state: GroupState;
    /** The dataDisks entries with their disk offerings resolved (create and update; none on delete). */
    dataDisks?: { spec: DataDiskSpec; offeringId: string }[];
    /** During a scale-down: the nodes about to leave (admin steps prefer the others). */
    leaving?: readonly string[];
}
