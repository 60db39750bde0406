// Shared helpers of the CKS handlers (kubernetes.ts, kubernetes-scale.ts, kubernetes-nodes.ts): parameter
// parsing, the validation pieces several commands share, job queueing and events.
import { unknownUuid } from "../errors";
import { T } from "../model";
import {
    ClusterNode,
    ClusterRecord,
    ClusterType,
    CLUSTER_API_PORT,
    FIRST_SSH_PORT,
    isDirectAccess,
    NodeRole,
    offeringIdFor,
    setNodes,
    transit,
} from "../records/cluster";
import { SEED_CKS_NETWORK_OFFERING } from "../seed";
import { removedRow } from "../gone";
import { table } from "../state";
import type { BaseContext, CommandContext, CommandSpec, JobCompleter, JobContext, JobOutcome, JobRecord } from "../types";
import { clusterNetwork, clustersTable, nextNodeName, renderCluster } from "./kubernetes-cluster";
import { cksError, MIN_NODE_CPU, MIN_NODE_RAM_MB } from "./kubernetes-versions";
import { checkVpcTier, vpcTierPublicIp } from "./kubernetes-vpc";
import { sourceNatIp } from "./network";
import { createVmRecord, setVmState } from "./vm";

export const CMD_PKG = "org.apache.cloudstack.api.command.user.kubernetes.cluster.";
/** Mold validates worker, then control, then etcd (CLUSTER_NODES_TYPES_LIST). */
export const NODE_TYPES: NodeRole[] = ["worker", "control", "etcd"];
export const DEFAULT_NODE_ROOT_DISK_GB = 8;
export const CLUSTER_TYPES: ClusterType[] = ["CloudManaged", "ExternalManaged"];

export function maxClusterSize(ctx: BaseContext): number {
    return Number(ctx.settings["cloud.kubernetes.cluster.max.size"]);
}

export function validateEndpointUrl(ctx: BaseContext): void {
    // Mold refuses CKS work until endpoint.url points at a reachable management server (not localhost).
    const url = ctx.settings["endpoint.url"];
    if (typeof url === "string" && (url === "" || url.includes("localhost"))) {
        throw cksError("Global setting endpoint.url has to be set to the Management Server's API end point");
    }
}

/** A service offering is "dynamic" (custom) when CPU or memory is chosen at deploy time. */
export function isCustomOffering(o: Record<string, any>): boolean {
    return o.iscustomized === true || o.cpunumber === undefined || o.memory === undefined;
}

/** nodeofferings / nodetemplates: `[i].node` + `[i].offering|template`, node type case-insensitive (KubernetesServiceHelperImpl). */
export function nodeTypeMap(ctx: CommandContext, param: string, field: "offering" | "template"): Partial<Record<NodeRole, string>> {
    const rows = table(ctx.state, field === "offering" ? T.serviceOfferings : T.templates);
    const what = field === "offering" ? "Service Offering" : "template";
    const out: Partial<Record<NodeRole, string>> = {};
    for (const entry of ctx.params.map(param)) {
        if (Object.keys(entry).length === 0) continue;
        const node = entry.node;
        const value = entry[field];
        if (!node || !value) throw cksError(`Incomplete Node Type to ${what} ID mapping: '${node ?? "null"}' -> '${value ?? "null"}'`);
        const role = node.toLowerCase() as NodeRole;
        if (!NODE_TYPES.includes(role)) throw cksError(`The provided value '${node}' for Node Type is invalid`);
        if (!rows[value]) throw cksError(`Cannot find a ${field === "offering" ? "service offering" : "template"} with ID ${value}`);
        out[role] = value;
    }
    return out;
}

/** Why an offering cannot run nodes of a version (MGR.validateServiceOffering), or undefined. */
export function offeringUnsuitability(o: Record<string, any>, version: Record<string, any>): string | undefined {
    if (isCustomOffering(o)) return `Custom service offerings are not supported for creating clusters, service offering ID: ${o.id}`;
    if (o.cpunumber < MIN_NODE_CPU || o.memory < MIN_NODE_RAM_MB) {
        return `Kubernetes cluster cannot be created with service offering ID: ${o.id}, Kubernetes cluster template needs minimum ${MIN_NODE_CPU} vCPUs and ${MIN_NODE_RAM_MB} MB RAM`;
    }
    if (o.cpunumber < version.mincpunumber) {
        return `Kubernetes cluster cannot be created with service offering ID: ${o.id}, Kubernetes version ID: ${version.id} needs minimum ${version.mincpunumber} vCPUs`;
    }
    if (o.memory < version.minmemory) {
        return `Kubernetes cluster cannot be created with service offering ID: ${o.id}, associated Kubernetes version ID: ${version.id} needs minimum ${version.minmemory} MB RAM`;
    }
    return undefined;
}

export function servicesOf(ctx: BaseContext, network: Record<string, any>): string[] {
    const offeringRow = table(ctx.state, T.networkOfferings)[network.networkofferingid];
    const list = (network.service ?? offeringRow?.service ?? []) as { name: string }[];
    return list.map((s) => s.name);
}

/** MGR.isKubernetesServiceConfigured: the CKS offering exists, is Enabled, has source NAT and allows egress. */
export function cksNetworkOfferingUsable(ctx: BaseContext, network: Record<string, any> | undefined): boolean {
    if (network && isDirectAccess(network)) return true;
    const offerings = Object.values(table(ctx.state, T.networkOfferings));
    const name = String(ctx.settings["cloud.kubernetes.cluster.network.offering"] ?? SEED_CKS_NETWORK_OFFERING);
    const o: any = network ? table(ctx.state, T.networkOfferings)[network.networkofferingid] : offerings.find((x: any) => x.name === name);
    if (!o || o.state !== "Enabled" || o.egressdefaultpolicy === false) return false;
    return (o.service ?? []).some((s: any) => s.name === "SourceNat");
}

/** Rules already on the network's source-NAT IP that overlap 6443 or the SSH range (validateIsolatedNetworkIpRules). */
export function checkIpRuleConflicts(ctx: BaseContext, network: Record<string, any>, ipId: string, totalNodes: number): void {
    const sshEnd = FIRST_SSH_PORT + totalNodes - 1;
    const check = (purpose: string, start: number, end: number) => {
        if (start <= CLUSTER_API_PORT && CLUSTER_API_PORT <= end) {
            throw cksError(`Network: ${network.name} has conflicting ${purpose} rules to provision Kubernetes cluster for API access`);
        }
        if (Math.max(FIRST_SSH_PORT, start) <= Math.min(sshEnd, end)) {
            throw cksError(`Network: ${network.name} has conflicting ${purpose} rules to provision Kubernetes cluster for node VM SSH access`);
        }
    };
    for (const r of Object.values(table(ctx.state, T.firewallRules)) as any[]) {
        if (r.ipaddressid !== ipId || String(r.protocol).toLowerCase() !== "tcp" || r.state === "Revoke") continue;
        check("firewall", Number(r.startport ?? 1), Number(r.endport ?? 65535));
    }
    for (const r of Object.values(table(ctx.state, T.portForwardingRules)) as any[]) {
        if (r.ipaddressid !== ipId || String(r.protocol).toLowerCase() !== "tcp" || r.state === "Revoke") continue;
        check("portforwarding", Number(r.publicport ?? 1), Number(r.publicendport ?? r.publicport ?? 65535));
    }
}

/** Checks on a user-supplied network (getKubernetesClusterNetworkIfMissing / validateNetwork). */
export function validateUserNetwork(ctx: BaseContext, network: Record<string, any>, controlNodes: number, size: number, externalLbIp?: string): void {
    if (isDirectAccess(network)) {
        if (controlNodes > 1 && !externalLbIp) {
            throw cksError(
                `Multi-control nodes, HA Kubernetes cluster with Shared network ID: ${network.id} needs an external load balancer IP address. externalloadbalanceripaddress parameter can be used`,
            );
        }
        return;
    }
    if (Object.values(clustersTable(ctx)).some((c) => c.networkid === network.id)) {
        throw cksError(`Network ID: ${network.id} is already under use by another Kubernetes cluster`);
    }
    checkVpcTier(ctx, network);
    const services = servicesOf(ctx, network);
    const need: [string, string][] = [
        ["UserData", "userdata"],
        ["Dhcp", "DHCP"],
        ["Firewall", "firewall"],
        ["PortForwarding", "port forwarding"],
    ];
    for (const [service, label] of need) {
        if (service === "Firewall" && network.vpcid) continue;
        if (!services.includes(service)) throw cksError(`Network ID: ${network.id} does not support ${label} that is required for Kubernetes cluster`);
    }
    // An Allocated network has no IP and no rules yet.
    if (network.state === "Allocated" || network.vpcid) return;
    const ip = sourceNatIp(ctx, network.id);
    if (!ip) {
        throw cksError(
            `Network ID: ${network.id} does not have a source NAT IP associated with it. To provision a Kubernetes Cluster, source NAT IP is required`,
        );
    }
    checkIpRuleConflicts(ctx, network, ip.id, controlNodes + size);
}

export function validateDockerRegistry(ctx: BaseContext, user?: string, password?: string, url?: string): void {
    if (!user && !password && !url) return;
    if (!user || !password || !url) throw cksError("All the docker private registry parameters (username, password, url) required are specified");
    try {
        new URL(url);
    } catch {
        throw cksError("Invalid docker registry url specified");
    }
}

export function requireExperimental(ctx: BaseContext, user?: string, password?: string, url?: string): void {
    if ((user || password || url) && ctx.settings["cloud.kubernetes.cluster.experimental.features.enabled"] !== true) {
        throw cksError(
            "Private registry for the Kubernetes cluster is an experimental feature. Use cloud.kubernetes.cluster.experimental.features.enabled configuration for enabling experimental features",
        );
    }
}

export function defaultTemplateId(ctx: BaseContext, zoneId: string): string | undefined {
    const templates = Object.values(table(ctx.state, T.templates)) as any[];
    // Mold uses the zone's ready system VM template; the simulator's CKS-ready template plays that part.
    const pick = templates.find((t) => t.forcks && t.isready && (!t.zoneid || t.zoneid === zoneId)) ?? templates.find((t) => t.isready && t.ispublic);
    return pick?.id;
}

export function clusterFromParams(ctx: CommandContext): ClusterRecord {
    const id = ctx.params.str("id");
    const cluster = id ? clustersTable(ctx)[id] : undefined;
    if (id && !cluster) throw unknownUuid(ctx.cmdLower, "id", id);
    if (!cluster) ctx.params.required("id");
    return cluster!;
}

/** The cluster a job works on; gone (deleted meanwhile) is Mold's "Invalid Kubernetes cluster ID". */
export function jobCluster(ctx: JobContext, job: JobRecord): ClusterRecord {
    const cluster = clustersTable(ctx)[job.payload.id];
    if (!cluster) throw cksError("Invalid Kubernetes cluster ID");
    return cluster;
}

export function queueClusterJob(ctx: CommandContext, cmdClass: string, completer: string, cluster: ClusterRecord, payload: Record<string, any> = {}): string {
    return ctx.queueJob({
        cmd: CMD_PKG + cmdClass,
        completer,
        // Step 0 runs at once; the completer spreads the command's latency over its own steps.
        latencyMs: 0,
        instanceType: "KubernetesCluster",
        instanceId: cluster.id,
        payload: { id: cluster.id, ...payload },
    });
}

/** An async CKS command that resolves the cluster (`id`), reads its extra parameters and queues job `name`. */
export function clusterJobCommand(name: string, cmdClass: string, payload?: (ctx: CommandContext) => Record<string, any>): CommandSpec {
    return {
        name,
        isAsync: true,
        handle(ctx) {
            // A deleted cluster's UUID still resolves (its row is soft-deleted): the job then fails (jobCluster).
            const id = ctx.params.str("id");
            const cluster = id && removedRow(ctx, T.kubernetesClusters, id) ? ({ id } as ClusterRecord) : clusterFromParams(ctx);
            return { jobid: queueClusterJob(ctx, cmdClass, name, cluster, payload ? payload(ctx) : {}) };
        },
    };
}

/** A `:failed` completer: a cluster still in one of the operation's transitional `states` goes OperationFailed. */
export function failWhileIn(...states: string[]): JobCompleter {
    return (ctx, job) => {
        const cluster = clustersTable(ctx)[job.payload.id];
        if (cluster && states.includes(cluster.state)) transit(cluster, "OperationFailed");
        return { success: true };
    };
}

export const clusterResult = (ctx: BaseContext, cluster: ClusterRecord): JobOutcome => ({ object: "kubernetescluster", value: renderCluster(ctx, cluster) });

export function clusterEvent(
    ctx: BaseContext,
    cluster: ClusterRecord,
    type: string,
    description: string,
    state: "Created" | "Started" | "Completed" = "Completed",
): void {
    ctx.event({ type: `KUBERNETES.CLUSTER.${type}`, description, resourceId: cluster.id, resourceType: "KubernetesCluster", state });
}

export function notSupportedForExternal(cluster: ClusterRecord, operation: string): void {
    if (cluster.clustertype === "ExternalManaged") {
        throw cksError(`${operation} kubernetes cluster is not supported for an externally managed cluster (${cluster.name})`);
    }
}

/** Creates one node VM through vm.ts and records it as a member. */
export function addNodeVm(ctx: BaseContext, cluster: ClusterRecord, role: NodeRole, semver: string | undefined, etcdIndex = 0): ClusterNode {
    const name = nextNodeName(ctx, cluster, role, etcdIndex);
    const vm = createVmRecord(ctx, {
        name,
        displayname: name,
        zoneid: cluster.zoneid,
        templateid: cluster._templates[role] ?? cluster.templateid!,
        serviceofferingid: offeringIdFor(cluster, role)!,
        networkids: [cluster.networkid!],
        keypair: cluster.keypair,
        rootdisksize: cluster._noderootdisksize,
        vmtype: "cksnode",
        state: "Running",
    });
    const node: ClusterNode = { vmId: vm.id, role, external: false, nodeVersion: semver };
    setNodes(cluster, [...cluster._nodes, node]);
    return node;
}

export function setMemberVmStates(ctx: BaseContext, cluster: ClusterRecord, state: "Running" | "Stopped"): void {
    for (const n of cluster._nodes) if (table(ctx.state, T.vms)[n.vmId]) setVmState(ctx, n.vmId, state);
}

/** Source-NAT IP of an isolated cluster network, for the SSH rules. */
export function ruleIpId(ctx: BaseContext, cluster: ClusterRecord): string | undefined {
    const network = clusterNetwork(ctx, cluster);
    if (!network || isDirectAccess(network)) return undefined;
    if (network.vpcid) return vpcTierPublicIp(ctx, cluster)?.id;
    return sourceNatIp(ctx, network.id)?.id;
}
