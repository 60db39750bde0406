// Emulated kubeadm clusters (table kubeadmClusters): made by kubeadm-init on an emulated node, grown by
// kubeadm-join, served by simulator/kube-api.ts on their control-plane endpoint.
import { randomBytes } from "crypto";
import { T } from "../model";
import type { SimState } from "../state";
import { table } from "../state";
import type { EmulatedNode } from "../ssh/types";
import type { KubeadmPki } from "./pki";
import { routesTo, splitEndpoint } from "../records/routing";

export const API_SERVER_PORT = 6443;
/** kubeadm's defaults: bootstrap tokens live 24 h, uploaded certificates (and their key) 2 h. */
export const TOKEN_TTL_MS = 24 * 3600_000;
export const CERTIFICATE_KEY_TTL_MS = 2 * 3600_000;

export const CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane";
export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

export interface Taint {
    key: string;
    value?: string;
    effect: string;
}

export interface KubeadmNode {
    name: string;
    vmId: string;
    role: "control-plane" | "worker";
    labels: Record<string, string>;
    taints: Taint[];
    joinedAt: string;
    kubeletVersion: string;
    /** Cordoned (drained, kept): `spec.unschedulable`. */
    unschedulable?: boolean;
    /** Control-plane nodes: the kube-apiserver version it runs (unset: the cluster's version); see upgrade.ts. */
    apiServerVersion?: string;
    /** The version `kubeadm upgrade apply/node` last configured the node for. */
    configVersion?: string;
}

export interface KubeadmCluster {
    id: string;
    /** host:port, as given to kubeadm init --control-plane-endpoint. */
    endpoint: string;
    version: string;
    podCidr: string;
    serviceCidr: string;
    certSans: string[];
    createdAt: string;
    /** The VM kubeadm init ran on. */
    initVmId: string;
    cni?: { name: string; podCidr: string; applied: number };
    tokens: { token: string; expiresAt: number }[];
    certificateKeys: { key: string; expiresAt: number }[];
    nodes: KubeadmNode[];
    /** Names of the control-plane nodes that are etcd members. */
    etcdMembers: string[];
    /** Each member's client URL, kept from when it joined (kubeadm dials them; simulator/kubeadm/etcd.ts). */
    etcdClientUrls?: Record<string, string>;
    /** kubeadm's imageRepository (registry.k8s.io unless a mirror was given); simulator/kubeadm/registry.ts. */
    imageRepository?: string;
    _pki: KubeadmPki;
}

export function clustersTable(state: SimState): Record<string, KubeadmCluster> {
    return table<KubeadmCluster>(state, T.kubeadmClusters);
}

/** [a-z0-9]{6}.[a-z0-9]{16}, like `kubeadm token create`. */
export function newBootstrapToken(): string {
    const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    const pick = (n: number) => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join("");
    return `${pick(6)}.${pick(16)}`;
}

export const newCertificateKey = () => randomBytes(32).toString("hex");

export const BOOTSTRAP_TOKEN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;

/** The cluster the node belongs to as a control-plane member (it has admin.conf), if any. */
export function controlPlaneClusterOf(state: SimState, node: EmulatedNode): KubeadmCluster | undefined {
    if (!node.kubeadm.adminConf || !node.kubeadm.clusterId) return undefined;
    return clustersTable(state)[node.kubeadm.clusterId];
}

/** Ready: joined (its kubelet.conf points at this cluster), the cluster has a CNI, the VM and its kubelet run. */
export function nodeReady(state: SimState, cluster: KubeadmCluster, n: KubeadmNode): boolean {
    const emulated = (state.tables[T.emulatedNodes] ?? {})[n.vmId] as EmulatedNode | undefined;
    const vm = (state.tables[T.vms] ?? {})[n.vmId];
    return (
        !!cluster.cni &&
        vm?.state === "Running" &&
        emulated?.kubeadm.clusterId === cluster.id &&
        emulated.kubeadm.kubeletConf &&
        emulated.kubelet?.running !== false
    );
}

/** Whether the node is a live control-plane member of the cluster: joined as one, VM running. */
export function liveControlPlane(state: SimState, cluster: KubeadmCluster, vmId: string): boolean {
    const emulated = (state.tables[T.emulatedNodes] ?? {})[vmId] as EmulatedNode | undefined;
    const vm = (state.tables[T.vms] ?? {})[vmId];
    return vm?.state === "Running" && emulated?.kubeadm.clusterId === cluster.id && emulated.kubeadm.role === "control-plane" && emulated.kubeadm.adminConf;
}

/**
 * The cluster whose API server a connection to the endpoint reaches: a load balancer or port forward on
 * host:port to port 6443 of a live control-plane node.
 */
export function clusterServedAt(state: SimState, endpoint: string): KubeadmCluster | undefined {
    const split = splitEndpoint(endpoint);
    if (!split) return undefined;
    const routes = routesTo(state, split.host, split.port).filter((r) => r.privatePort === API_SERVER_PORT);
    for (const cluster of Object.values(clustersTable(state))) {
        if (routes.some((r) => liveControlPlane(state, cluster, r.vmId))) return cluster;
    }
    return undefined;
}

/** Drops expired tokens and certificate keys, as the token cleaner and the kubeadm-certs Secret's TTL do. */
export function expireSecrets(cluster: KubeadmCluster, now: number): void {
    cluster.tokens = cluster.tokens.filter((t) => t.expiresAt > now);
    cluster.certificateKeys = cluster.certificateKeys.filter((k) => k.expiresAt > now);
}

/** `key[=value]:Effect` as kubectl taint parses it; a string is the kubectl error. */
export function parseTaint(spec: string): Taint | string {
    const colon = spec.lastIndexOf(":");
    if (colon <= 0) return `error: invalid taint spec: ${spec}, unknown taint spec: ${spec}`;
    const effect = spec.slice(colon + 1);
    const [key, ...rest] = spec.slice(0, colon).split("=");
    if (!TAINT_EFFECTS.includes(effect)) return `error: invalid taint effect: ${effect}, unsupported taint effect`;
    if (!/^([a-z0-9.-]+\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(key))
        return `error: invalid taint spec: ${spec}, name part must consist of alphanumeric characters, '-', '_' or '.'`;
    return rest.length ? { key, value: rest.join("="), effect } : { key, effect };
}
