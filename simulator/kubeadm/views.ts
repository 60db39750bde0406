// What tests and the admin API see of the emulated nodes (simulator/ssh/) and kubeadm clusters: the records without
// internal fields (private keys), clusters with each node's Ready condition and the CA's pin.
import { T } from "../model";
import type { SimState } from "../state";
import type { EmulatedNode } from "../ssh/types";
import { BlockDevice, blockDevices } from "../ssh/data-disks";
import { KubeadmCluster, KubeadmNode, nodeReady } from "./cluster";
import { adminKubeconfig, caCertHash } from "./pki";
import { EtcdMember, etcdMembers } from "./etcd";

export type EmulatedNodeView = Omit<EmulatedNode, "_hostKey" | "_bootedAtMs" | "_rotatedHostKey" | "_rotatedOverUserData"> & {
    /** The data disks attached to the node's VM now, with what each holds (ssh/data-disks.ts). */
    blockDevices: BlockDevice[];
};

export interface KubeadmClusterView extends Omit<KubeadmCluster, "_pki" | "nodes"> {
    nodes: (KubeadmNode & { ready: boolean })[];
    /** sha256:<hex> of the CA's public key, as join commands pin it. */
    caCertHash: string;
    caCertificate: string;
    /** The API server certificate's subject alternative names. */
    apiServerSans: string[];
    adminKubeconfig: string;
    /** etcd's members with their health (simulator/kubeadm/etcd.ts). */
    etcd: EtcdMember[];
}

const withoutInternals = <R extends object>(record: R) => Object.fromEntries(Object.entries(record).filter(([k]) => !k.startsWith("_")));

export function emulatedNodeViews(state: SimState): EmulatedNodeView[] {
    return Object.values((state.tables[T.emulatedNodes] ?? {}) as Record<string, EmulatedNode>).map((n) => ({
        ...JSON.parse(JSON.stringify(withoutInternals(n))),
        blockDevices: blockDevices(state, n),
    }));
}

export function kubeadmClusterViews(state: SimState): KubeadmClusterView[] {
    return Object.values((state.tables[T.kubeadmClusters] ?? {}) as Record<string, KubeadmCluster>).map((c) => ({
        ...(JSON.parse(JSON.stringify(withoutInternals(c))) as Omit<KubeadmCluster, "_pki">),
        nodes: c.nodes.map((n) => ({ ...JSON.parse(JSON.stringify(n)), ready: nodeReady(state, c, n) })),
        caCertHash: caCertHash(c._pki.ca.cert),
        caCertificate: c._pki.ca.cert,
        apiServerSans: c._pki.server.sans,
        adminKubeconfig: adminKubeconfig(c.endpoint, c._pki),
        etcd: etcdMembers(state, c),
    }));
}
