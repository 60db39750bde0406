// Membership changes (mold-api-kubernetes.md §3.6, §4.5, §6.7, §6.8), registered by kubernetes.ts:
// ExternalManaged add/remove VMs (sync) and CloudManaged add/remove existing VMs as nodes (4.21, async).
import { unknownUuid } from "../errors";
import { T } from "../model";
import { ClusterNode, ClusterRecord, FIRST_SSH_PORT, nodesOf, setNodes, transit } from "../records/cluster";
import { table } from "../state";
import type { CommandContext, CommandSpec, JobCompleter } from "../types";
import { clusterEvent, clusterFromParams, clusterResult, failWhileIn, jobCluster, queueClusterJob, ruleIpId } from "./kubernetes-common";
import { cksError, versionsTable } from "./kubernetes-versions";
import { createFirewallRecord, deleteFirewallRecord } from "./firewall";
import { createPortForwardingRecord, deletePortForwardingRecord } from "./portforward";

// ---------------------------------------------------------------- ExternalManaged: add / remove VMs (sync)

function vmIdsParam(ctx: CommandContext): string[] {
    const ids = ctx.params.list("virtualmachineids");
    if (!ids) ctx.params.required("virtualmachineids");
    for (const id of ids!) if (!table(ctx.state, T.vms)[id]) throw unknownUuid(ctx.cmdLower, "virtualmachineids", id);
    return ids!;
}

/** updateNodeCount: control nodes are the members flagged control, size all the others. */
function recountExternalMembers(cluster: ClusterRecord): void {
    cluster.controlnodes = nodesOf(cluster, "control").length;
    cluster.size = cluster._nodes.length - cluster.controlnodes;
}

const addVirtualMachinesToKubernetesCluster: CommandSpec = {
    name: "addVirtualMachinesToKubernetesCluster",
    handle(ctx) {
        const cluster = clusterFromParams(ctx);
        const ids = vmIdsParam(ctx);
        const asControl = ctx.params.bool("iscontrolnode") ?? false;
        if (cluster.clustertype !== "ExternalManaged") throw cksError("VM cannot be added to a CloudStack managed Kubernetes cluster");
        const added = ids.filter((id, i) => !cluster._vmIds.includes(id) && ids.indexOf(id) === i);
        setNodes(cluster, [...cluster._nodes, ...added.map((vmId): ClusterNode => ({ vmId, role: asControl ? "control" : "worker", external: false }))]);
        recountExternalMembers(cluster);
        return { success: true };
    },
};

const removeVirtualMachinesFromKubernetesCluster: CommandSpec = {
    name: "removeVirtualMachinesFromKubernetesCluster",
    handle(ctx) {
        const cluster = clusterFromParams(ctx);
        const ids = vmIdsParam(ctx);
        if (cluster.clustertype !== "ExternalManaged") throw cksError("VM cannot be removed from a CloudStack managed Kubernetes cluster");
        const rows = ids.map((id) => {
            const vm = table(ctx.state, T.vms)[id];
            if (!vm) return { id, success: false, displaytext: "Not a valid vm id" };
            if (vm._removed || vm.state === "Expunging") return { id, success: false, displaytext: "VM is already removed" };
            if (!cluster._vmIds.includes(id)) return { id, success: false, displaytext: "VM is not part of the cluster" };
            setNodes(
                cluster,
                cluster._nodes.filter((n) => n.vmId !== id),
            );
            return { id, success: true };
        });
        recountExternalMembers(cluster);
        if (rows.length === 0) throw cksError("Provided VMs are not part of the CKS cluster");
        // A list response whose row object is named like the response itself (§4.5).
        return { raw: { count: rows.length, removevirtualmachinesfromkubernetesclusterresponse: rows } };
    },
};

// ---------------------------------------------------------------- CloudManaged: add / remove existing VMs as nodes (4.21)

function nodeIdsPayload(ctx: CommandContext): string[] {
    const ids = ctx.params.list("nodeids");
    if (!ids) ctx.params.required("nodeids");
    return ids!;
}

const addNodesToKubernetesCluster: CommandSpec = {
    name: "addNodesToKubernetesCluster",
    isAsync: true,
    handle(ctx) {
        const cluster = clusterFromParams(ctx);
        const nodeIds = nodeIdsPayload(ctx);
        const manualUpgrade = ctx.params.bool("manualupgrade") ?? false;
        return { jobid: queueClusterJob(ctx, "AddNodesToKubernetesClusterCmd", "addNodesToKubernetesCluster", cluster, { nodeIds, manualUpgrade }) };
    },
};

/** Next public port after the SSH range and the external nodes already added. */
function nextExternalPort(cluster: ClusterRecord): number {
    const used = Object.values(cluster._rules.externalRules).map((r) => r.port);
    let port = FIRST_SSH_PORT + nodesOf(cluster, "control", false).length + nodesOf(cluster, "worker", false).length;
    while (used.includes(port)) port++;
    return port;
}

const addNodesJob: JobCompleter = (ctx, job) => {
    const cluster = jobCluster(ctx, job);
    const prefix = `Failed to add nodes to cluster ID ${cluster.id} due to: `;
    if (job.step === 0) {
        if (cluster.clustertype === "ExternalManaged")
            throw cksError(`${prefix}Add nodes is not supported for an externally managed cluster (${cluster.name})`);
        const templates = table(ctx.state, T.templates);
        // Unknown ids, VMs from non-CKS templates, VMs off the cluster network and members are dropped silently.
        const valid = (job.payload.nodeIds as string[]).filter((id, i, all) => {
            const vm = table(ctx.state, T.vms)[id];
            if (!vm || all.indexOf(id) !== i || cluster._vmIds.includes(id)) return false;
            if (!templates[vm.templateid]?.forcks) return false;
            const nic = (vm.nic ?? []).find((n: any) => n.isdefault) ?? vm.nic?.[0];
            return nic?.networkid === cluster.networkid;
        });
        if (valid.length === 0) throw cksError(`${prefix}No valid nodes found to be added to the Kubernetes cluster`);
        if (!["Running", "Alert"].includes(cluster.state)) throw cksError(`${prefix}Kubernetes cluster ${cluster.name} is in ${cluster.state} state`);
        transit(cluster, "AddNodeRequested");
        clusterEvent(ctx, cluster, "NODES.ADD", `adding nodes to Kubernetes cluster ${cluster.name}`, "Started");
        return { continueAfterMs: ctx.latency("addNodesToKubernetesCluster"), payload: { ...job.payload, valid } };
    }
    const semver = versionsTable(ctx)[cluster.kubernetesversionid!]?.semanticversion;
    const ipId = ruleIpId(ctx, cluster);
    for (const vmId of job.payload.valid as string[]) {
        const vm = table(ctx.state, T.vms)[vmId];
        if (!vm) continue;
        const node: ClusterNode = {
            vmId,
            role: "worker",
            external: true,
            manualUpgrade: job.payload.manualUpgrade,
            nodeVersion: semver,
            cpu: Number(vm.cpunumber ?? 0),
            memoryMb: Number(vm.memory ?? 0),
        };
        if (ipId) {
            const port = nextExternalPort(cluster);
            const fw = createFirewallRecord(ctx, { ipaddressid: ipId, protocol: "tcp", startport: port, endport: port, cidrlist: ["0.0.0.0/0"] });
            const pf = createPortForwardingRecord(ctx, {
                ipaddressid: ipId,
                protocol: "tcp",
                publicport: port,
                privateport: 22,
                virtualmachineid: vmId,
                openfirewall: false,
            });
            cluster._rules.externalRules[vmId] = { firewallId: fw.id, portForwardId: pf.id, port };
        }
        setNodes(cluster, [...cluster._nodes, node]);
        cluster.size += 1;
    }
    transit(cluster, "OperationSucceeded");
    clusterEvent(ctx, cluster, "NODES.ADD", `adding nodes to Kubernetes cluster ${cluster.name}`);
    return clusterResult(ctx, cluster);
};

const removeNodesFromKubernetesCluster: CommandSpec = {
    name: "removeNodesFromKubernetesCluster",
    isAsync: true,
    handle(ctx) {
        const cluster = clusterFromParams(ctx);
        const nodeIds = nodeIdsPayload(ctx);
        return { jobid: queueClusterJob(ctx, "RemoveNodesFromKubernetesClusterCmd", "removeNodesFromKubernetesCluster", cluster, { nodeIds }) };
    },
};

const removeNodesJob: JobCompleter = (ctx, job) => {
    const cluster = jobCluster(ctx, job);
    const prefix = `Failed to remove node(s) from Kubernetes cluster ID: ${cluster.id} due to: `;
    if (job.step === 0) {
        if (cluster.clustertype === "ExternalManaged")
            throw cksError(`${prefix}Remove nodes is not supported for an externally managed cluster (${cluster.name})`);
        const valid = nodesOf(cluster, undefined, true)
            .map((n) => n.vmId)
            .filter((id) => (job.payload.nodeIds as string[]).includes(id));
        if (valid.length === 0) throw cksError(`${prefix}No valid nodes found to be removed from the Kubernetes cluster`);
        if (!["Running", "Alert"].includes(cluster.state)) throw cksError(`${prefix}Kubernetes cluster ${cluster.name} is in ${cluster.state} state`);
        transit(cluster, "RemoveNodeRequested");
        clusterEvent(ctx, cluster, "NODES.REMOVE", `removing nodes from Kubernetes cluster ${cluster.name}`, "Started");
        return { continueAfterMs: ctx.latency("removeNodesFromKubernetesCluster"), payload: { ...job.payload, valid } };
    }
    for (const vmId of job.payload.valid as string[]) {
        const rules = cluster._rules.externalRules[vmId];
        if (rules) {
            if (table(ctx.state, T.firewallRules)[rules.firewallId]) deleteFirewallRecord(ctx, rules.firewallId);
            if (table(ctx.state, T.portForwardingRules)[rules.portForwardId]) deletePortForwardingRecord(ctx, rules.portForwardId);
            delete cluster._rules.externalRules[vmId];
        }
        // The VM itself stays: it was the user's before it joined.
        setNodes(
            cluster,
            cluster._nodes.filter((n) => n.vmId !== vmId),
        );
        cluster.size -= 1;
    }
    transit(cluster, "OperationSucceeded");
    clusterEvent(ctx, cluster, "NODES.REMOVE", `removing nodes from Kubernetes cluster ${cluster.name}`);
    return clusterResult(ctx, cluster);
};

/** Importing / RemovingNodes return to Running on failure too. */
const nodesJobFailed = failWhileIn("Importing", "RemovingNodes");

export const nodeCommands: CommandSpec[] = [
    addVirtualMachinesToKubernetesCluster,
    removeVirtualMachinesFromKubernetesCluster,
    addNodesToKubernetesCluster,
    removeNodesFromKubernetesCluster,
];
export const nodeJobs: Record<string, JobCompleter> = {
    addNodesToKubernetesCluster: addNodesJob,
    "addNodesToKubernetesCluster:failed": nodesJobFailed,
    removeNodesFromKubernetesCluster: removeNodesJob,
    "removeNodesFromKubernetesCluster:failed": nodesJobFailed,
};
