// scaleKubernetesCluster and upgradeKubernetesCluster (mold-api-kubernetes.md §6.3, §6.4), registered by kubernetes.ts.
// Both validate inside the job (failures are jobresultcode 530), in the order KubernetesClusterManagerImpl does.
import { unknownUuid } from "../errors";
import { T } from "../model";
import { ClusterRecord, NodeRole, nodesOf, offeringIdFor, setNodes, transit } from "../records/cluster";
import { upgradeRefusal } from "../records/kubernetes-version";
import { table } from "../state";
import type { BaseContext, CommandSpec, JobCompleter } from "../types";
import {
    addNodeVm,
    clusterEvent,
    clusterFromParams,
    clusterJobCommand,
    clusterResult,
    failWhileIn,
    isCustomOffering,
    jobCluster,
    maxClusterSize,
    NODE_TYPES,
    nodeTypeMap,
    notSupportedForExternal,
    queueClusterJob,
    ruleIpId,
    validateEndpointUrl,
} from "./kubernetes-common";
import { offering, rebuildSshRules } from "./kubernetes-cluster";
import { cksError, isoState, MIN_NODE_CPU, MIN_NODE_RAM_MB, supportsAutoscaling, versionsTable } from "./kubernetes-versions";
import { changeVmOffering, expungeVmRecord } from "./vm";

// ---------------------------------------------------------------- scale

const scaleKubernetesCluster: CommandSpec = {
    name: "scaleKubernetesCluster",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        const cluster = clusterFromParams(ctx);
        const defaultOffering = p.entity<any>("serviceofferingid", table(ctx.state, T.serviceOfferings));
        const nodeIds = p.list("nodeids");
        for (const id of nodeIds ?? []) if (!table(ctx.state, T.vms)[id]) throw unknownUuid(ctx.cmdLower, "nodeids", id);
        const payload = {
            serviceofferingid: defaultOffering?.id,
            nodeofferings: nodeTypeMap(ctx, "nodeofferings", "offering"),
            size: p.int("size", true),
            nodeids: nodeIds,
            autoscalingenabled: p.bool("autoscalingenabled"),
            minsize: p.int("minsize", true),
            maxsize: p.int("maxsize", true),
        };
        return { jobid: queueClusterJob(ctx, "ScaleKubernetesClusterCmd", "scaleKubernetesCluster", cluster, payload) };
    },
};

interface ScalePayload {
    id: string;
    serviceofferingid?: string;
    nodeofferings: Partial<Record<NodeRole, string>>;
    size?: number;
    nodeids?: string[];
    autoscalingenabled?: boolean;
    minsize?: number;
    maxsize?: number;
    /** Set by step 0: the state the cluster was in when the job started. */
    originalState?: string;
}

/** MGR.validateKubernetesClusterScaleParameters, in Mold's order. */
function validateScale(ctx: BaseContext, cluster: ClusterRecord, s: ScalePayload): void {
    const hasTypeOfferings = Object.keys(s.nodeofferings).length > 0;
    if (!s.serviceofferingid && !hasTypeOfferings && s.size === undefined && !s.nodeids && s.autoscalingenabled === undefined) {
        throw cksError(
            `Kubernetes cluster ${cluster.name} cannot be scaled, either service offering or cluster size or nodeids to be removed or autoscaling must be passed`,
        );
    }
    notSupportedForExternal(cluster, "Scale");
    const version = versionsTable(ctx)[cluster.kubernetesversionid!];
    if (!version) throw cksError(`Invalid Kubernetes version associated with Kubernetes cluster : ${cluster.name}`);
    if (!["Created", "Running", "Stopped"].includes(cluster.state)) {
        throw cksError(`Kubernetes cluster ${cluster.name} is in ${cluster.state} state and can not be scaled`);
    }
    const max = maxClusterSize(ctx);
    if (s.autoscalingenabled === true) {
        if (s.size !== undefined || s.nodeids) throw cksError("Autoscaling can not be passed along with nodeids or clustersize");
        if (!supportsAutoscaling(version.semanticversion)) throw cksError("Autoscaling requires Kubernetes Version 1.15.0 or above");
        validateEndpointUrl(ctx);
        if (s.minsize === undefined || s.maxsize === undefined) throw cksError("Autoscaling requires minsize and maxsize to be passed");
        if (s.minsize < 1) throw cksError("Minsize must be at least than 1");
        if (s.maxsize <= s.minsize) throw cksError("Maxsize must be greater than minsize");
        if (s.maxsize + cluster.controlnodes > max) throw cksError(`Maximum cluster size can not exceed ${max}. Please contact your administrator`);
    }
    if (s.nodeids) {
        if (s.size !== undefined || s.serviceofferingid || s.nodeofferings.worker)
            throw cksError("nodeids can not be passed along with clustersize or service offering");
        const nodes = cluster._nodes.filter((n) => s.nodeids!.includes(n.vmId));
        if (nodes.length !== s.nodeids.length) throw cksError("Invalid node ids");
        if (nodes.filter((n) => n.role === "control").length >= cluster.controlnodes) throw cksError("Can not remove all control nodes from a cluster");
        if (nodes.filter((n) => n.role !== "control").length >= cluster.size) throw cksError("Can not remove all nodes from a cluster");
    }
    for (const role of NODE_TYPES) {
        const id = s.nodeofferings[role] ?? s.serviceofferingid;
        if (!id) continue;
        const o = offering(ctx, id);
        if (!o) throw cksError(`Failed to find service offering ID: ${id}`);
        if (isCustomOffering(o)) {
            throw cksError(
                `Custom service offerings are not supported for Kubernetes clusters. Kubernetes cluster : ${cluster.name}, service offering : ${o.name}`,
            );
        }
        if (o.cpunumber < MIN_NODE_CPU || o.memory < MIN_NODE_RAM_MB) {
            throw cksError(
                `Kubernetes cluster : ${cluster.name} cannot be scaled with service offering : ${o.name}, Kubernetes cluster template(CoreOS) needs minimum ${MIN_NODE_CPU} vCPUs and ${MIN_NODE_RAM_MB} MB RAM`,
            );
        }
        if (o.cpunumber < version.mincpunumber) {
            throw cksError(
                `Kubernetes cluster : ${cluster.name} cannot be scaled with service offering : ${o.name}, associated Kubernetes version : ${version.name} needs minimum ${version.mincpunumber} vCPUs`,
            );
        }
        if (o.memory < version.minmemory) {
            throw cksError(
                `Kubernetes cluster : ${cluster.name} cannot be scaled with service offering : ${o.name}, associated Kubernetes version : ${version.name} needs minimum ${version.minmemory} MB RAM`,
            );
        }
        const existing = offering(ctx, offeringIdFor(cluster, role));
        const power = (x: any) => Number(x.cpunumber) * Number(x.cpuspeed ?? 0);
        if (cluster.state === "Running" && existing && (o.memory < existing.memory || power(o) < power(existing))) {
            throw cksError(
                `Kubernetes cluster cannot be scaled down for service offering. Service offering : ${o.name} offers lesser resources as compared to service offering : ${existing.name} of Kubernetes cluster : ${cluster.name}`,
            );
        }
    }
    if (s.size !== undefined && s.size !== cluster.size) {
        if (cluster.state === "Stopped") throw cksError(`Kubernetes cluster : ${cluster.name} is in ${cluster.state} state`);
        if (s.size < 1) throw cksError(`Kubernetes cluster : ${cluster.name} cannot be scaled for size, ${s.size}`);
        if (s.size + cluster.controlnodes > max) throw cksError(`Maximum cluster size can not exceed ${max}. Please contact your administrator`);
    }
}

/** Node types whose offering actually changes, with the new offering. */
function offeringChanges(cluster: ClusterRecord, s: ScalePayload): [NodeRole, string][] {
    const out: [NodeRole, string][] = [];
    for (const role of ["control", "worker", "etcd"] as NodeRole[]) {
        if (role === "etcd" && cluster.etcdnodes === 0) continue;
        const target = s.nodeofferings[role] ?? s.serviceofferingid;
        // An offering equal to the current one is skipped silently.
        if (target && target !== offeringIdFor(cluster, role)) out.push([role, target]);
    }
    return out;
}

/** ScaleWorker.validateKubernetesClusterScaleOfferingParameters: running VMs cannot change offering on KVM. */
function checkOfferingScaleHypervisor(ctx: BaseContext, cluster: ClusterRecord): void {
    for (const n of cluster._nodes) {
        const vm = table(ctx.state, T.vms)[n.vmId];
        const hypervisor = vm?.hypervisor ?? "KVM";
        if (vm && vm.state === "Running" && !["XenServer", "VMware", "Simulator"].includes(hypervisor)) {
            throw cksError(
                `Scaling Kubernetes cluster : ${cluster.name} failed, scaling Kubernetes cluster with running VMs on hypervisor ${hypervisor} is not supported!`,
            );
        }
    }
}

const scaleJob: JobCompleter = (ctx, job) => {
    const cluster = jobCluster(ctx, job);
    const s = job.payload as ScalePayload;
    if (job.step === 0) {
        validateScale(ctx, cluster, s);
        const changes = offeringChanges(cluster, s);
        if (changes.length > 0 && cluster.state !== "Created") checkOfferingScaleHypervisor(ctx, cluster);
        const sizeChange = s.nodeids ? -s.nodeids.length : s.size !== undefined ? s.size - cluster.size : 0;
        const event = s.autoscalingenabled === true ? "AutoscaleRequested" : sizeChange < 0 ? "ScaleDownRequested" : "ScaleUpRequested";
        const originalState = cluster.state;
        if (changes.length > 0 || sizeChange !== 0 || s.autoscalingenabled !== undefined) transit(cluster, event);
        clusterEvent(ctx, cluster, "SCALE", `scaling Kubernetes cluster ${cluster.name}`, "Started");
        return { continueAfterMs: ctx.latency("scaleKubernetesCluster"), payload: { ...s, originalState } };
    }
    const created = s.originalState === "Created";
    // Offerings first, node type by node type (scaleKubernetesClusterOffering).
    for (const [role, target] of offeringChanges(cluster, s)) {
        if (!created) for (const n of nodesOf(cluster, role, false)) changeVmOffering(ctx, n.vmId, target);
        if (s.nodeofferings[role]) {
            cluster._offerings[role] = target;
            cluster._typeOfferingShown[role] = true;
        } else {
            // The cluster-wide offering replaces any per-type one.
            delete cluster._offerings[role];
        }
    }
    if (s.serviceofferingid) cluster.serviceofferingid = s.serviceofferingid;

    const semver = versionsTable(ctx)[cluster.kubernetesversionid!]?.semanticversion;
    let membershipChanged = false;
    if (s.nodeids) {
        for (const vmId of s.nodeids) if (table(ctx.state, T.vms)[vmId]) expungeVmRecord(ctx, vmId);
        const removedWorkers = cluster._nodes.filter((n) => s.nodeids!.includes(n.vmId) && n.role !== "control").length;
        const removedControls = cluster._nodes.filter((n) => s.nodeids!.includes(n.vmId) && n.role === "control").length;
        setNodes(
            cluster,
            cluster._nodes.filter((n) => !s.nodeids!.includes(n.vmId)),
        );
        cluster.size -= removedWorkers;
        cluster.controlnodes -= removedControls;
        membershipChanged = true;
    } else if (s.size !== undefined && s.size !== cluster.size) {
        if (!created) {
            if (s.size > cluster.size) {
                for (let i = cluster.size; i < s.size; i++) addNodeVm(ctx, cluster, "worker", semver);
            } else {
                // The newest CKS-made workers go first.
                const removable = nodesOf(cluster, "worker", false)
                    .slice(s.size - nodesOf(cluster, "worker", true).length)
                    .reverse();
                for (const n of removable) if (table(ctx.state, T.vms)[n.vmId]) expungeVmRecord(ctx, n.vmId);
                setNodes(
                    cluster,
                    cluster._nodes.filter((n) => !removable.includes(n)),
                );
            }
            membershipChanged = true;
        }
        cluster.size = s.size;
    }
    if (membershipChanged) {
        // Scaling re-creates the SSH firewall range and every SSH forwarding rule for the new VM set (§8.4).
        const ipId = ruleIpId(ctx, cluster);
        if (ipId) rebuildSshRules(ctx, cluster, ipId);
    }
    if (s.autoscalingenabled === true) {
        cluster.autoscalingenabled = true;
        cluster.minsize = s.minsize;
        cluster.maxsize = s.maxsize;
    } else if (s.autoscalingenabled === false) {
        cluster.autoscalingenabled = false;
        cluster.minsize = undefined;
        cluster.maxsize = undefined;
    }
    transit(cluster, "OperationSucceeded");
    clusterEvent(ctx, cluster, "SCALE", `scaling Kubernetes cluster ${cluster.name}`);
    return clusterResult(ctx, cluster);
};

// ---------------------------------------------------------------- upgrade

const upgradeKubernetesCluster = clusterJobCommand("upgradeKubernetesCluster", "UpgradeKubernetesClusterCmd", (ctx) => ({
    versionId: ctx.params.entity<any>("kubernetesversionid", versionsTable(ctx), true)!.id,
}));

/** MGR.validateKubernetesClusterUpgradeParameters, in Mold's order; the step rule is provider/kubernetes/versions.ts. */
function validateUpgrade(ctx: BaseContext, cluster: ClusterRecord, versionId: string): Record<string, any> {
    validateEndpointUrl(ctx);
    notSupportedForExternal(cluster, "Upgrade");
    if (cluster.state !== "Running") throw cksError(`Kubernetes cluster : ${cluster.name} is not in running state`);
    const target = versionsTable(ctx)[versionId];
    if (!target) throw cksError("Invalid Kubernetes version ID");
    if (target.state !== "Enabled") throw cksError(`Kubernetes version ID: ${target.id} for upgrade is in ${target.state} state`);
    const current = versionsTable(ctx)[cluster.kubernetesversionid!];
    if (!current) throw cksError(`Invalid Kubernetes version associated with cluster : ${cluster.name}`);
    // Mold reads the cluster-wide offering only; a cluster made with nodeofferings alone has none.
    const o = offering(ctx, cluster.serviceofferingid);
    if (!o) throw cksError(`Invalid service offering associated with Kubernetes cluster : ${cluster.name}`);
    if (o.cpunumber < target.mincpunumber) {
        throw cksError(
            `Kubernetes cluster : ${cluster.name} cannot be upgraded with Kubernetes version : ${target.name} which needs minimum ${target.mincpunumber} vCPUs while associated service offering : ${o.name} offers only ${o.cpunumber} vCPUs`,
        );
    }
    if (o.memory < target.minmemory) {
        throw cksError(
            `Kubernetes cluster : ${cluster.name} cannot be upgraded with Kubernetes version : ${target.name} which needs minimum ${target.minmemory} MB RAM while associated service offering : ${o.name} offers only ${o.memory} MB RAM`,
        );
    }
    const refusal = upgradeRefusal(current.semanticversion, target.semanticversion);
    if (refusal !== undefined) throw cksError(refusal);
    const zone = table(ctx.state, T.zones)[cluster.zoneid];
    if (isoState(ctx, target) !== "Ready") throw cksError(`ISO associated with version : ${target.name} is not in Ready state for datacenter : ${zone?.name}`);
    return target;
}

const upgradeJob: JobCompleter = (ctx, job) => {
    const cluster = jobCluster(ctx, job);
    if (job.step === 0) {
        validateUpgrade(ctx, cluster, job.payload.versionId);
        transit(cluster, "UpgradeRequested");
        clusterEvent(ctx, cluster, "UPGRADE", `upgrading Kubernetes cluster ${cluster.name}`, "Started");
        return { continueAfterMs: ctx.latency("upgradeKubernetesCluster") };
    }
    const target = versionsTable(ctx)[job.payload.versionId];
    if (!target) throw cksError("Invalid Kubernetes version ID");
    for (const n of cluster._nodes) if (!n.manualUpgrade) n.nodeVersion = target.semanticversion;
    cluster.kubernetesversionid = target.id;
    transit(cluster, "OperationSucceeded");
    clusterEvent(ctx, cluster, "UPGRADE", `upgrading Kubernetes cluster ${cluster.name}`);
    return clusterResult(ctx, cluster);
};

export const scaleCommands: CommandSpec[] = [scaleKubernetesCluster, upgradeKubernetesCluster];
export const scaleJobs: Record<string, JobCompleter> = {
    scaleKubernetesCluster: scaleJob,
    "scaleKubernetesCluster:failed": failWhileIn("Scaling", "ScalingStoppedCluster"),
    upgradeKubernetesCluster: upgradeJob,
    "upgradeKubernetesCluster:failed": failWhileIn("Upgrading"),
};
