// The Kubernetes cluster record (KubernetesClusterVO and its VM map) and its pure operations: the state
// machine, members, node naming prefix, per-type offerings, which networks get CKS rules. Handlers
// (simulator/handlers/kubernetes*.ts) and the readers (kube-api, vm membership) share it; it imports no handler.
import type { ClusterPki } from "../x509";

export type NodeRole = "control" | "worker" | "etcd";
export type ClusterType = "CloudManaged" | "ExternalManaged";

/** One member VM (KubernetesClusterVmMapVO). */
export interface ClusterNode {
    vmId: string;
    role: NodeRole;
    /** Added with addNodesToKubernetesCluster (an existing VM, not created by CKS). */
    external: boolean;
    /** Skipped by upgradeKubernetesCluster. */
    manualUpgrade?: boolean;
    /** kubernetesnodeversion: the semver the node runs. */
    nodeVersion?: string;
    /** CPU and memory an external node brought (counted into the cluster totals). */
    cpu?: number;
    memoryMb?: number;
}

/** IDs of the rules CKS created on the public IP, so scaling and delete touch exactly those. */
export interface ClusterRules {
    apiFirewallId?: string;
    sshFirewallId?: string;
    sshPortForwardIds: string[];
    lbId?: string;
    etcdFirewallIds: string[];
    etcdPortForwardIds: string[];
    /** Per external node: its own firewall rule and port forwarding to 22. */
    externalRules: Record<string, { firewallId: string; portForwardId: string; port: number }>;
    /** On a VPC tier (kubernetes-vpc.ts): the cluster's own public IP (detail publicipid), the ACL items CKS added, the API port forward. */
    vpcPublicIpId?: string;
    aclItemIds?: string[];
    apiPortForwardId?: string;
}

/** Wire fields are kept in the record; names of referenced objects are looked up when rendering. */
export interface ClusterRecord {
    id: string;
    name: string;
    description: string;
    zoneid: string;
    serviceofferingid?: string;
    templateid?: string;
    networkid?: string;
    kubernetesversionid?: string;
    account: string;
    domainid: string;
    domain: string;
    domainpath: string;
    keypair?: string;
    controlnodes: number;
    size: number;
    etcdnodes: number;
    state: string;
    endpoint: string;
    autoscalingenabled: boolean;
    minsize?: number;
    maxsize?: number;
    csienabled: boolean;
    clustertype: ClusterType;
    created: string;
    _accountId: string;
    /** Per node type offering; `_typeOfferingShown[type]` says whether the response shows `<type>offeringid`. */
    _offerings: Partial<Record<NodeRole, string>>;
    _typeOfferingShown: Partial<Record<NodeRole, boolean>>;
    _templates: Partial<Record<NodeRole, string>>;
    _nodes: ClusterNode[];
    /** Member VM ids, kept in step with `_nodes` for other modules. */
    _vmIds: string[];
    /** Network was created for the cluster, so delete removes it (detail networkCleanup). */
    _networkCleanup: boolean;
    _rules: ClusterRules;
    /** kubeconfig, base64 (detail kubeConfigData); present once the API server answered. */
    _kubeconfig?: string;
    /** The cluster's CA, API server and admin certificates (PEM), made once so every process sharing the state serves one CA. */
    _pki?: ClusterPki;
    _noderootdisksize: number;
    /** ExternalManaged totals are fixed at create. */
    _fixedCpu?: number;
    _fixedMemoryMb?: number;
    /** Last epoch ms used in a VM name, so names made in one step stay distinct and increasing. */
    _lastNameMs: number;
    _externalLbIp?: string;
    _docker?: { username: string; url: string };
    _cniconfigurationid?: string;
}

export function emptyRules(): ClusterRules {
    return { sshPortForwardIds: [], etcdFirewallIds: [], etcdPortForwardIds: [], externalRules: {} };
}

// ---- state machine (KubernetesCluster.java, 4.21+ with ScalingStoppedCluster) ----

export type ClusterEvent =
    | "StartRequested"
    | "StopRequested"
    | "DestroyRequested"
    | "RecoveryRequested"
    | "AutoscaleRequested"
    | "ScaleUpRequested"
    | "ScaleDownRequested"
    | "AddNodeRequested"
    | "RemoveNodeRequested"
    | "UpgradeRequested"
    | "OperationSucceeded"
    | "OperationFailed"
    | "CreateFailed"
    | "FaultsDetected";

const TRANSITIONS: Record<string, Partial<Record<ClusterEvent, string>>> = {
    Created: { StartRequested: "Starting" },
    Starting: { OperationSucceeded: "Running", OperationFailed: "Alert", CreateFailed: "Error", StopRequested: "Stopping" },
    Running: {
        StopRequested: "Stopping",
        OperationSucceeded: "Running",
        FaultsDetected: "Alert",
        AutoscaleRequested: "Scaling",
        ScaleUpRequested: "Scaling",
        ScaleDownRequested: "Scaling",
        UpgradeRequested: "Upgrading",
        AddNodeRequested: "Importing",
        RemoveNodeRequested: "RemovingNodes",
        DestroyRequested: "Destroying",
    },
    Alert: {
        StopRequested: "Stopping",
        OperationSucceeded: "Running",
        AddNodeRequested: "Importing",
        RemoveNodeRequested: "RemovingNodes",
        RecoveryRequested: "Recovering",
        DestroyRequested: "Destroying",
    },
    Stopping: { OperationSucceeded: "Stopped", OperationFailed: "Alert" },
    Stopped: { StartRequested: "Starting", OperationSucceeded: "Stopped", ScaleUpRequested: "ScalingStoppedCluster", DestroyRequested: "Destroying" },
    Scaling: { OperationSucceeded: "Running", OperationFailed: "Alert" },
    ScalingStoppedCluster: { OperationSucceeded: "Stopped", OperationFailed: "Alert" },
    Upgrading: { OperationSucceeded: "Running", OperationFailed: "Alert" },
    Importing: { OperationSucceeded: "Running", OperationFailed: "Running" },
    RemovingNodes: { OperationSucceeded: "Running", OperationFailed: "Running" },
    Recovering: { OperationSucceeded: "Running", OperationFailed: "Alert" },
    Error: { DestroyRequested: "Destroying" },
    Destroying: { OperationSucceeded: "Destroyed" },
};

/** Applies an event; like Mold's stateTransitTo an undefined transition is ignored and returns false. */
export function transit(cluster: ClusterRecord, event: ClusterEvent): boolean {
    const to = TRANSITIONS[cluster.state]?.[event];
    if (to === undefined) return false;
    cluster.state = to;
    return true;
}

// ---- members ----

export function nodesOf(cluster: ClusterRecord, role?: NodeRole, external?: boolean): ClusterNode[] {
    return cluster._nodes.filter((n) => (role === undefined || n.role === role) && (external === undefined || n.external === external));
}

export function setNodes(cluster: ClusterRecord, nodes: ClusterNode[]): void {
    cluster._nodes = nodes;
    cluster._vmIds = nodes.map((n) => n.vmId);
}

/** getKubernetesClusterNodeNamePrefix: the name if it is a DNS label, else `k8s-` + its [a-z0-9-] characters. */
export function nodeNamePrefix(cluster: { name: string; id: string }): string {
    const lower = cluster.name.toLowerCase();
    let prefix: string;
    if (/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(lower)) {
        prefix = lower;
    } else {
        const stripped = lower.replace(/[^a-z0-9-]/g, "");
        prefix = stripped ? `k8s-${stripped}` : `k8s-${cluster.id}`;
    }
    return prefix.slice(0, 43);
}

/** Member VM ids of a stored cluster: `_vmIds`, plus a `virtualmachines` list where a record carries one. */
export function memberVmIds(cluster: Pick<ClusterRecord, "_vmIds"> & { virtualmachines?: { id: string }[] }): string[] {
    return [...(cluster._vmIds ?? []), ...(cluster.virtualmachines ?? []).map((v) => v.id)];
}

/** The offering nodes of a type run with: the per-type one, else the cluster's default. */
export function offeringIdFor(cluster: ClusterRecord, role: NodeRole): string | undefined {
    return cluster._offerings[role] ?? cluster.serviceofferingid;
}

// ---- networking ----

/** Shared (and routed) networks get no CKS rules; the API is reached on a node or external LB address. */
export function isDirectAccess(network: Record<string, any> | undefined): boolean {
    return !!network && String(network.guestiptype ?? network.type ?? "").toLowerCase() === "shared";
}

export const CLUSTER_API_PORT = 6443;
export const FIRST_SSH_PORT = 2222;

/** SSH access VMs in Mold's order: control nodes (first one first), then workers; etcd and external nodes excluded. */
export function sshOrderedVmIds(cluster: ClusterRecord): string[] {
    return [...nodesOf(cluster, "control", false), ...nodesOf(cluster, "worker", false)].map((n) => n.vmId);
}
