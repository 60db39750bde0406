// Typed wrappers for the CloudStack Kubernetes Service (CKS) commands (mold-api-kubernetes.md).
// Interfaces use Mold's wire names so a response can be passed around without renaming.
import type { MoldClient, Params, WaitOptions } from "./client";
import { rowsUnlessGone } from "./errors";

export type KubernetesNodeType = "control" | "worker" | "etcd";
export type KubernetesClusterType = "CloudManaged" | "ExternalManaged";
export type KubernetesClusterState =
    | "Created"
    | "Starting"
    | "Running"
    | "Stopping"
    | "Stopped"
    | "Scaling"
    | "ScalingStoppedCluster"
    | "Upgrading"
    | "Importing"
    | "RemovingNodes"
    | "Alert"
    | "Recovering"
    | "Destroying"
    | "Destroyed"
    | "Error";

/** A member VM inside `virtualmachines` (a UserVmResponse plus the CKS fields). */
export interface KubernetesClusterVm {
    id: string;
    name: string;
    displayname?: string;
    state: string;
    nic?: { networkid: string; ipaddress?: string; isdefault?: boolean; [k: string]: unknown }[];
    ipaddress?: string;
    isexternalnode?: boolean;
    isetcdnode?: boolean;
    kubernetesnodeversion?: string;
    [k: string]: unknown;
}

/** KubernetesClusterResponse (§4.1). */
export interface KubernetesCluster {
    id: string;
    name: string;
    description?: string;
    zoneid: string;
    zonename?: string;
    serviceofferingid?: string;
    serviceofferingname?: string;
    workerofferingid?: string;
    workerofferingname?: string;
    controlofferingid?: string;
    controlofferingname?: string;
    etcdofferingid?: string;
    etcdofferingname?: string;
    etcdnodes?: number;
    templateid?: string;
    templatename?: string;
    networkid?: string;
    associatednetworkname?: string;
    kubernetesversionid?: string;
    kubernetesversionname?: string;
    account?: string;
    projectid?: string;
    project?: string;
    domainid?: string;
    domain?: string;
    domainpath?: string;
    keypair?: string;
    /** Deprecated alias of controlnodes. */
    masternodes?: number;
    controlnodes: number;
    /** Number of worker nodes. */
    size: number;
    state: KubernetesClusterState;
    /** Total vCPUs, a string on the wire. */
    cpunumber: string;
    /** Total memory in MB, a string on the wire. */
    memory: string;
    /** `https://<ip>:6443/`, or "" until the API server is up. */
    endpoint: string;
    virtualmachines: KubernetesClusterVm[];
    ipaddress?: string;
    ipaddressid?: string;
    etcdips?: Record<string, string>;
    autoscalingenabled: boolean;
    minsize?: number;
    maxsize?: number;
    csienabled?: boolean;
    clustertype: KubernetesClusterType;
    created?: string;
    hasannotations?: boolean;
}

/** KubernetesSupportedVersionResponse (§4.3). */
export interface KubernetesSupportedVersion {
    id: string;
    name: string;
    semanticversion: string;
    isoid?: string;
    isoname?: string;
    isostate?: string;
    arch?: string;
    zoneid?: string;
    zonename?: string;
    supportsha: boolean;
    supportsautoscaling: boolean;
    state: "Enabled" | "Disabled";
    mincpunumber: number;
    minmemory: number;
    created?: string;
    directdownload?: boolean;
}

export interface KubernetesClusterConfig {
    id: string;
    name: string;
    /** The kubeconfig YAML, already decoded. */
    configdata: string;
}

export interface CreateKubernetesClusterArgs {
    name: string;
    zoneid: string;
    description?: string;
    kubernetesversionid?: string;
    serviceofferingid?: string;
    /** Per node type offering; sent as nodeofferings[i].node/offering sorted by node type. */
    nodeofferings?: Partial<Record<KubernetesNodeType, string>>;
    /** Per node type template; sent as nodetemplates[i].node/template sorted by node type. */
    nodetemplates?: Partial<Record<KubernetesNodeType, string>>;
    etcdnodes?: number;
    controlnodes?: number;
    size?: number;
    networkid?: string;
    keypair?: string;
    externalloadbalanceripaddress?: string;
    noderootdisksize?: number;
    clustertype?: KubernetesClusterType;
    hypervisor?: string;
    cniconfigurationid?: string;
    cniconfigdetails?: Record<string, string>;
    enablecsi?: boolean;
    asnumber?: number;
    dockerregistryusername?: string;
    dockerregistrypassword?: string;
    dockerregistryurl?: string;
    account?: string;
    domainid?: string;
    projectid?: string;
}

export interface ListKubernetesClustersArgs {
    id?: string;
    name?: string;
    state?: KubernetesClusterState;
    clustertype?: KubernetesClusterType;
    keyword?: string;
    account?: string;
    domainid?: string;
    projectid?: string;
    listall?: boolean;
    isrecursive?: boolean;
}

export interface ScaleKubernetesClusterArgs {
    id: string;
    serviceofferingid?: string;
    nodeofferings?: Partial<Record<KubernetesNodeType, string>>;
    size?: number;
    /** Worker VM ids to remove. */
    nodeids?: string[];
    autoscalingenabled?: boolean;
    minsize?: number;
    maxsize?: number;
}

export interface AddKubernetesSupportedVersionArgs {
    semanticversion: string;
    url: string;
    mincpunumber: number;
    minmemory: number;
    name?: string;
    zoneid?: string;
    checksum?: string;
    directdownload?: boolean;
    arch?: "x86_64" | "aarch64";
}

export interface ListKubernetesSupportedVersionsArgs {
    id?: string;
    zoneid?: string;
    minimumsemanticversion?: string;
    minimumkubernetesversionid?: string;
    arch?: string;
    keyword?: string;
}

/** One row of removeVirtualMachinesFromKubernetesCluster's list answer (§4.5). */
export interface RemovedVirtualMachine {
    id: string;
    success: boolean;
    displaytext?: string;
}

const NODE_TYPE_ORDER: KubernetesNodeType[] = ["control", "etcd", "worker"];

/** `{worker: id, control: id}` → `[{node, <field>: id}]` in node-type order, as cloudstack-go sends it. */
export function nodeTypeMapParam(map: Partial<Record<KubernetesNodeType, string>> | undefined, field: "offering" | "template") {
    if (!map) return undefined;
    const entries = NODE_TYPE_ORDER.filter((node) => map[node] !== undefined && map[node] !== "").map((node) => ({ node, [field]: map[node]! }));
    return entries.length ? entries : undefined;
}

function createParams(args: CreateKubernetesClusterArgs): Params {
    const { nodeofferings, nodetemplates, cniconfigdetails, ...scalars } = args;
    return {
        ...scalars,
        nodeofferings: nodeTypeMapParam(nodeofferings, "offering"),
        nodetemplates: nodeTypeMapParam(nodetemplates, "template"),
        cniconfigdetails: cniconfigdetails ? Object.entries(cniconfigdetails).map(([key, value]) => ({ key, value })) : undefined,
    };
}

export interface CreatedKubernetesCluster {
    /** The cluster id, known as soon as Mold accepts the request (async-create). */
    id: string;
    jobId: string;
    cluster: KubernetesCluster;
}

/** createKubernetesCluster; waits for the job (minutes on a real Mold) and returns the Running cluster. */
export async function createKubernetesCluster(client: MoldClient, args: CreateKubernetesClusterArgs, wait?: WaitOptions): Promise<CreatedKubernetesCluster> {
    changedClusters(client);
    const r = await client.callAsync<{ kubernetescluster: KubernetesCluster }>("createKubernetesCluster", createParams(args), wait);
    changedClusters(client);
    return { id: r.id ?? r.result.kubernetescluster.id, jobId: r.jobId, cluster: r.result.kubernetescluster };
}

/**
 * Sends createKubernetesCluster without waiting: the id comes back at once, so a caller can record it
 * before the long job finishes (and find the cluster again if it is interrupted).
 */
export async function submitCreateKubernetesCluster(client: MoldClient, args: CreateKubernetesClusterArgs): Promise<{ id: string; jobId: string }> {
    changedClusters(client);
    const r = await client.call<{ id: string; jobid: string }>("createKubernetesCluster", createParams(args));
    return { id: r.id, jobId: r.jobid };
}

/**
 * Changes this process made to an endpoint's clusters (creates, scales, node changes, deletes; counted when
 * sent and when answered): a listing made before or during one is stale.
 */
const clusterChanges = new WeakMap<MoldClient, number>();
export const clusterChangesOf = (client: MoldClient) => clusterChanges.get(client) ?? 0;
const changedClusters = (client: MoldClient) => clusterChanges.set(client, clusterChangesOf(client) + 1);

export function listKubernetesClusters(client: MoldClient, args: ListKubernetesClustersArgs = {}): Promise<KubernetesCluster[]> {
    return client.list<KubernetesCluster>("listKubernetesClusters", { ...args }, "kubernetescluster");
}

/** The cluster with this id, or undefined once it is gone (deleted clusters vanish; either answer, see isGone). */
export async function getKubernetesCluster(client: MoldClient, id: string): Promise<KubernetesCluster | undefined> {
    const rows = await rowsUnlessGone(listKubernetesClusters(client, { id }));
    return rows.find((c) => c.id === id);
}

export async function startKubernetesCluster(client: MoldClient, id: string, wait?: WaitOptions): Promise<KubernetesCluster> {
    const r = await client.callAsync<{ kubernetescluster: KubernetesCluster }>("startKubernetesCluster", { id }, wait);
    return r.result.kubernetescluster;
}

export async function stopKubernetesCluster(client: MoldClient, id: string, wait?: WaitOptions): Promise<void> {
    await client.callAsync("stopKubernetesCluster", { id }, wait);
}

export async function deleteKubernetesCluster(
    client: MoldClient,
    id: string,
    options: { cleanup?: boolean; expunge?: boolean } = {},
    wait?: WaitOptions,
): Promise<void> {
    changedClusters(client);
    await client.callAsync("deleteKubernetesCluster", { id, ...options }, wait);
    changedClusters(client);
}

export async function scaleKubernetesCluster(client: MoldClient, args: ScaleKubernetesClusterArgs, wait?: WaitOptions): Promise<KubernetesCluster> {
    const { nodeofferings, ...scalars } = args;
    changedClusters(client);
    const r = await client.callAsync<{ kubernetescluster: KubernetesCluster }>(
        "scaleKubernetesCluster",
        { ...scalars, nodeofferings: nodeTypeMapParam(nodeofferings, "offering") },
        wait,
    );
    changedClusters(client);
    return r.result.kubernetescluster;
}

export async function upgradeKubernetesCluster(client: MoldClient, id: string, kubernetesversionid: string, wait?: WaitOptions): Promise<KubernetesCluster> {
    const r = await client.callAsync<{ kubernetescluster: KubernetesCluster }>("upgradeKubernetesCluster", { id, kubernetesversionid }, wait);
    return r.result.kubernetescluster;
}

export async function getKubernetesClusterConfig(client: MoldClient, id: string): Promise<KubernetesClusterConfig> {
    const r = await client.call<{ clusterconfig: KubernetesClusterConfig }>("getKubernetesClusterConfig", { id });
    return r.clusterconfig;
}

/** ExternalManaged clusters only; synchronous. */
export async function addVirtualMachinesToKubernetesCluster(
    client: MoldClient,
    id: string,
    virtualmachineids: string[],
    iscontrolnode?: boolean,
): Promise<void> {
    changedClusters(client);
    await client.call("addVirtualMachinesToKubernetesCluster", { id, virtualmachineids, iscontrolnode });
    changedClusters(client);
}

/** ExternalManaged clusters only; synchronous; one row per VM saying whether it was removed. */
export async function removeVirtualMachinesFromKubernetesCluster(
    client: MoldClient,
    id: string,
    virtualmachineids: string[],
): Promise<RemovedVirtualMachine[]> {
    changedClusters(client);
    const r = await client.call<Record<string, unknown>>("removeVirtualMachinesFromKubernetesCluster", { id, virtualmachineids });
    changedClusters(client);
    // Mold names both the response and each row "removevirtualmachinesfromkubernetesclusterresponse".
    const rows = r?.removevirtualmachinesfromkubernetesclusterresponse;
    return Array.isArray(rows) ? (rows as RemovedVirtualMachine[]) : [];
}

export async function addNodesToKubernetesCluster(
    client: MoldClient,
    id: string,
    nodeids: string[],
    options: { manualupgrade?: boolean; mountcksisoonvr?: boolean } = {},
    wait?: WaitOptions,
): Promise<KubernetesCluster> {
    changedClusters(client);
    const r = await client.callAsync<{ kubernetescluster: KubernetesCluster }>("addNodesToKubernetesCluster", { id, nodeids, ...options }, wait);
    changedClusters(client);
    return r.result.kubernetescluster;
}

export async function removeNodesFromKubernetesCluster(client: MoldClient, id: string, nodeids: string[], wait?: WaitOptions): Promise<KubernetesCluster> {
    changedClusters(client);
    const r = await client.callAsync<{ kubernetescluster: KubernetesCluster }>("removeNodesFromKubernetesCluster", { id, nodeids }, wait);
    changedClusters(client);
    return r.result.kubernetescluster;
}

export function listKubernetesSupportedVersions(client: MoldClient, args: ListKubernetesSupportedVersionsArgs = {}): Promise<KubernetesSupportedVersion[]> {
    return client.list<KubernetesSupportedVersion>("listKubernetesSupportedVersions", { ...args }, "kubernetessupportedversion");
}

export async function addKubernetesSupportedVersion(client: MoldClient, args: AddKubernetesSupportedVersionArgs): Promise<KubernetesSupportedVersion> {
    const r = await client.call<{ kubernetessupportedversion: KubernetesSupportedVersion }>("addKubernetesSupportedVersion", { ...args });
    return r.kubernetessupportedversion;
}

export async function updateKubernetesSupportedVersion(client: MoldClient, id: string, state: "Enabled" | "Disabled"): Promise<KubernetesSupportedVersion> {
    const r = await client.call<{ kubernetessupportedversion: KubernetesSupportedVersion }>("updateKubernetesSupportedVersion", { id, state });
    return r.kubernetessupportedversion;
}

export async function deleteKubernetesSupportedVersion(client: MoldClient, id: string, wait?: WaitOptions): Promise<void> {
    await client.callAsync("deleteKubernetesSupportedVersion", { id }, wait);
}
