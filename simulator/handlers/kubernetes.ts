// CloudStack Kubernetes Service (mold-api-kubernetes.md). Mirrors provider/client/kubernetes.ts.
// This file: create, list, start, stop, delete, getKubernetesClusterConfig, and the registration of every
// CKS command. Elsewhere: the record, state machine, rules and kubeconfig (kubernetes-cluster.ts), shared
// helpers (kubernetes-common.ts), scale/upgrade (kubernetes-scale.ts), membership (kubernetes-nodes.ts),
// supported versions (kubernetes-versions.ts). Validation texts follow KubernetesClusterManagerImpl.
//
// Jobs run in steps so that the intermediate states are observable as on a real Mold: step 0 runs on the
// first request after submission (validation, the "…Requested" transition), the last step runs after the
// command's latency (the "OperationSucceeded" transition and the result).
import { isIP } from "net";
import { ApiError, unknownUuid } from "../errors";
import { matchesKeyword, T } from "../model";
import { ClusterRecord, ClusterType, CLUSTER_API_PORT, emptyRules, isDirectAccess, setNodes, transit } from "../records/cluster";
import { SEED_CKS_NETWORK_OFFERING } from "../seed";
import { listIdFilter, removeRow } from "../gone";
import { semverOrder } from "../records/kubernetes-version";
import { table } from "../state";
import type { BaseContext, CommandSpec, JobCompleter } from "../types";
import {
    buildKubeconfig,
    capacity,
    clusterNetwork,
    clusterOwner,
    clusterPublicAddress,
    clustersTable,
    deleteClusterRules,
    offering,
    rebuildSshRules,
    renderCluster,
    setupIsolatedNetworkRules,
} from "./kubernetes-cluster";
import { deleteVpcTierRules, setupVpcTierRules } from "./kubernetes-vpc";
import {
    addNodeVm,
    CLUSTER_TYPES,
    clusterEvent,
    clusterJobCommand,
    clusterResult,
    cksNetworkOfferingUsable,
    DEFAULT_NODE_ROOT_DISK_GB,
    defaultTemplateId,
    failWhileIn,
    jobCluster,
    maxClusterSize,
    NODE_TYPES,
    nodeTypeMap,
    notSupportedForExternal,
    offeringUnsuitability,
    queueClusterJob,
    requireExperimental,
    setMemberVmStates,
    validateDockerRegistry,
    validateEndpointUrl,
    validateUserNetwork,
} from "./kubernetes-common";
import { nodeCommands, nodeJobs } from "./kubernetes-nodes";
import { scaleCommands, scaleJobs } from "./kubernetes-scale";
import { cksError, isoState, MIN_KUBERNETES_VERSION_HA_SUPPORT, versionCommands, versionJobs, versionsTable } from "./kubernetes-versions";
import { createNetworkRecord, deleteNetworkRecord, implementNetwork } from "./network";
import { expungeVmRecord } from "./vm";

export { checkVmCanBeDestroyed, kubernetesClusterOfVm } from "./kubernetes-membership";

// ---------------------------------------------------------------- createKubernetesCluster

const createKubernetesCluster: CommandSpec = {
    name: "createKubernetesCluster",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        const name = p.required("name");
        const zone = p.entity<any>("zoneid", table(ctx.state, T.zones), true)!;
        const clusterType = (p.str("clustertype") ?? "CloudManaged") as ClusterType;
        // Thrown outside create()'s try block, so this one stays a 431.
        if (!CLUSTER_TYPES.includes(clusterType)) {
            throw new ApiError(431, `Unable to resolve cluster type ${clusterType} to a supported value (CloudManaged, ExternalManaged)`, 4350);
        }
        const version = p.entity<any>("kubernetesversionid", versionsTable(ctx));
        const defaultOffering = p.entity<any>("serviceofferingid", table(ctx.state, T.serviceOfferings));
        const network = p.entity<any>("networkid", table(ctx.state, T.networks));
        const controlNodes = p.int("controlnodes", true) ?? 1;
        const size = p.int("size", true);
        const etcdNodes = p.int("etcdnodes", true) ?? 0;
        const keypair = p.str("keypair");
        const rootDisk = p.int("noderootdisksize", true);
        const externalLbIp = p.str("externalloadbalanceripaddress");
        const dockerUser = p.str("dockerregistryusername");
        const dockerPassword = p.str("dockerregistrypassword");
        const dockerUrl = p.str("dockerregistryurl");

        const validateKeypair = () => {
            if (!keypair) return;
            const found = Object.values(table(ctx.state, T.sshKeyPairs)).some(
                (k: any) => k.name === keypair && k.account === ctx.caller.name && k.domainid === ctx.caller.domainid,
            );
            if (!found) throw cksError(`Given SSH key pair with name: ${keypair} was not found for the account ${ctx.caller.name}`);
        };
        const validateZone = () => {
            if (zone.allocationstate === "Disabled") throw cksError(`Cannot perform this operation, zone ID: ${zone.id} is currently disabled`);
            if (zone.type === "Edge" && !network) throw cksError("Kubernetes clusters cannot be created on an edge zone without an existing network");
        };
        const nodeRootDiskSize = () => {
            // CreateKubernetesClusterCmd.getNodeRootDiskSize() refuses small disks when the validator reads it.
            if (rootDisk !== undefined && rootDisk < DEFAULT_NODE_ROOT_DISK_GB) {
                throw cksError(`Provided node root disk size is lesser than default size of ${DEFAULT_NODE_ROOT_DISK_GB}GB`);
            }
            return rootDisk ?? DEFAULT_NODE_ROOT_DISK_GB;
        };

        if (clusterType === "ExternalManaged") {
            const diskGb = nodeRootDiskSize();
            const offerings = nodeTypeMap(ctx, "nodeofferings", "offering");
            validateZone();
            validateKeypair();
            validateDockerRegistry(ctx, dockerUser, dockerPassword, dockerUrl);
            if (externalLbIp && isIP(externalLbIp) === 0) throw cksError("Invalid external load balancer IP address");
            const workers = size ?? 0;
            const id = ctx.uuid();
            const cluster: ClusterRecord = {
                id,
                name,
                description: p.str("description") ?? name,
                zoneid: zone.id,
                serviceofferingid: defaultOffering?.id,
                networkid: network?.id,
                kubernetesversionid: version?.id,
                ...clusterOwner(ctx),
                keypair,
                controlnodes: controlNodes,
                size: workers,
                etcdnodes: 0,
                state: "Running",
                endpoint: "",
                autoscalingenabled: false,
                csienabled: p.bool("enablecsi") ?? false,
                clustertype: "ExternalManaged",
                created: ctx.timestamp(),
                _offerings: offerings,
                _typeOfferingShown: {},
                _templates: {},
                _nodes: [],
                _vmIds: [],
                _networkCleanup: false,
                _rules: emptyRules(),
                _noderootdisksize: diskGb,
                _fixedCpu: defaultOffering ? Number(defaultOffering.cpunumber ?? 0) * (controlNodes + workers) : 0,
                _fixedMemoryMb: defaultOffering ? Number(defaultOffering.memory ?? 0) * (controlNodes + workers) : 0,
                _lastNameMs: 0,
                _externalLbIp: externalLbIp,
            };
            clustersTable(ctx)[id] = cluster;
            clusterEvent(ctx, cluster, "CREATE", `creating Kubernetes cluster ${name}`, "Created");
            return { id, jobid: queueClusterJob(ctx, "CreateKubernetesClusterCmd", "createKubernetesCluster", cluster) };
        }

        // CloudManaged: MGR.validateManagedKubernetesClusterCreateParameters, in Mold's order.
        validateEndpointUrl(ctx);
        const diskGb = nodeRootDiskSize();
        const offerings = nodeTypeMap(ctx, "nodeofferings", "offering");
        if (controlNodes < 1) throw cksError(`Invalid cluster control nodes count: ${controlNodes}`);
        if (size === undefined || size < 1) throw cksError(`Invalid cluster size: ${size ?? "null"}`);
        const max = maxClusterSize(ctx);
        if (controlNodes + size > max) throw cksError(`Maximum cluster size can not exceed ${max}. Please contact your administrator`);
        validateZone();
        if (!cksNetworkOfferingUsable(ctx, network)) throw cksError("Kubernetes service has not been configured properly to provision Kubernetes clusters");
        if (!version) throw cksError("Unable to find given Kubernetes version in supported versions");
        if (version.state !== "Enabled") throw cksError(`Kubernetes version ID: ${version.id} is in ${version.state} state`);
        if (version.zoneid && version.zoneid !== zone.id) throw cksError(`Kubernetes version ID: ${version.id} is not available for zone ID: ${zone.id}`);
        if (controlNodes > 1 && semverOrder(version.semanticversion, MIN_KUBERNETES_VERSION_HA_SUPPORT) < 0) {
            throw cksError(
                `HA support is available only for Kubernetes version ${MIN_KUBERNETES_VERSION_HA_SUPPORT} and above. Given version ID: ${version.id} is ${version.semanticversion}`,
            );
        }
        if (isoState(ctx, version) !== "Ready")
            throw cksError(`ISO associated with version ID: ${version.id} is not in Ready state for datacenter ID: ${zone.id}`);
        for (const role of NODE_TYPES) {
            if (role === "etcd" && etcdNodes === 0) continue;
            const o = offering(ctx, offerings[role] ?? defaultOffering?.id);
            if (!o)
                throw cksError(
                    "When serviceofferingid is not specified, service offerings for each node type must be specified in the nodeofferings parameter.",
                );
            const reason = offeringUnsuitability(o, version);
            if (reason) {
                throw cksError(
                    `Given service offering ID: ${o.id} for ${role.toUpperCase()} nodes is not suitable for the Kubernetes cluster version ${version.name} - ${reason}`,
                );
            }
        }
        validateKeypair();
        validateDockerRegistry(ctx, dockerUser, dockerPassword, dockerUrl);
        if (externalLbIp) {
            if (isIP(externalLbIp) === 0) throw cksError("Invalid external load balancer IP address");
            if (!network) throw cksError("externalloadbalanceripaddress parameter must be specified along with networkid parameter");
            if (!isDirectAccess(network))
                throw cksError("externalloadbalanceripaddress parameter must be specified when network type is not Shared or is ROUTED network");
        }
        requireExperimental(ctx, dockerUser, dockerPassword, dockerUrl);
        const templates = nodeTypeMap(ctx, "nodetemplates", "template");
        const templateId = defaultTemplateId(ctx, zone.id);
        if (!templateId) throw cksError(`Not able to find the System or Routing template in ready state for the zone ${zone.id}`);
        if (network) validateUserNetwork(ctx, network, controlNodes, size, externalLbIp);

        const id = ctx.uuid();
        // Without networkid the network is created synchronously, before the cluster row (§8.1).
        const clusterNetworkRow =
            network ??
            createNetworkRecord(ctx, {
                name: `${name}-network`,
                displaytext: `${ctx.caller.name}-network`,
                zoneid: zone.id,
                networkofferingid: (Object.values(table(ctx.state, T.networkOfferings)) as any[]).find(
                    (o) => o.name === String(ctx.settings["cloud.kubernetes.cluster.network.offering"] ?? SEED_CKS_NETWORK_OFFERING),
                ).id,
            });
        const cluster: ClusterRecord = {
            id,
            name,
            description: p.str("description") ?? name,
            zoneid: zone.id,
            serviceofferingid: defaultOffering?.id,
            templateid: templateId,
            networkid: clusterNetworkRow.id,
            kubernetesversionid: version.id,
            ...clusterOwner(ctx),
            keypair,
            controlnodes: controlNodes,
            size,
            etcdnodes: etcdNodes,
            state: "Created",
            endpoint: "",
            autoscalingenabled: false,
            csienabled: p.bool("enablecsi") ?? false,
            clustertype: "CloudManaged",
            created: ctx.timestamp(),
            _offerings: offerings,
            _typeOfferingShown: { worker: !!offerings.worker, control: !!offerings.control, etcd: etcdNodes > 0 && !!offerings.etcd },
            _templates: templates,
            _nodes: [],
            _vmIds: [],
            _networkCleanup: !network,
            _rules: emptyRules(),
            _noderootdisksize: diskGb,
            _lastNameMs: 0,
            _externalLbIp: network && isDirectAccess(network) ? externalLbIp : undefined,
            _docker: dockerUser && dockerUrl ? { username: dockerUser, url: dockerUrl } : undefined,
            _cniconfigurationid: p.str("cniconfigurationid"),
        };
        clustersTable(ctx)[id] = cluster;
        clusterEvent(ctx, cluster, "CREATE", `creating Kubernetes cluster ${name}`, "Created");
        return { id, jobid: queueClusterJob(ctx, "CreateKubernetesClusterCmd", "createKubernetesCluster", cluster) };
    },
};

/** Share of a create spent visibly in Created before the job picks it up. */
const CREATED_SHARE = 0.1;

/** StartWorker.startKubernetesClusterOnCreate up to the rules: network, IP, etcd / control / worker VMs, §8.4 rules. */
function provisionCluster(ctx: BaseContext, cluster: ClusterRecord): void {
    const network = clusterNetwork(ctx, cluster);
    if (!network) throw cksError(`Failed to start Kubernetes cluster : ${cluster.name} as its network cannot be found`);
    const semver = versionsTable(ctx)[cluster.kubernetesversionid!]?.semanticversion;
    const ip = isDirectAccess(network) ? undefined : implementNetwork(ctx, network.id);
    for (let i = 1; i <= cluster.etcdnodes; i++) addNodeVm(ctx, cluster, "etcd", semver, i);
    for (let i = 0; i < cluster.controlnodes; i++) addNodeVm(ctx, cluster, "control", semver);
    for (let i = 0; i < cluster.size; i++) addNodeVm(ctx, cluster, "worker", semver);
    if (network.vpcid) {
        setupVpcTierRules(ctx, cluster, network);
        rebuildSshRules(ctx, cluster, cluster._rules.vpcPublicIpId!);
    } else if (ip) setupIsolatedNetworkRules(ctx, cluster, ip as { id: string });
}

/** API server up: endpoint set, kubeconfig stored with the public address (§10.1). */
function markApiServerUp(ctx: BaseContext, cluster: ClusterRecord): void {
    const address = clusterPublicAddress(ctx, cluster);
    if (!address) throw cksError(`Failed to start Kubernetes cluster : ${cluster.name} as no public IP found for the cluster`);
    cluster.endpoint = `https://${address.ipaddress}:${CLUSTER_API_PORT}/`;
    cluster._kubeconfig = Buffer.from(buildKubeconfig(cluster, address.ipaddress)).toString("base64");
}

const createJob: JobCompleter = (ctx, job) => {
    const cluster = jobCluster(ctx, job);
    if (cluster.clustertype === "ExternalManaged") {
        // createUnmanagedKubernetesCluster saved it Running; the job has nothing more to do.
        clusterEvent(ctx, cluster, "CREATE", `creating Kubernetes cluster ${cluster.name}`);
        return clusterResult(ctx, cluster);
    }
    const total = ctx.latency("createKubernetesCluster");
    const createdMs = Math.round(total * CREATED_SHARE);
    if (job.step === 0) return { continueAfterMs: createdMs };
    if (job.step === 1) {
        transit(cluster, "StartRequested");
        clusterEvent(ctx, cluster, "CREATE", `creating Kubernetes cluster ${cluster.name}`, "Started");
        provisionCluster(ctx, cluster);
        return { continueAfterMs: total - createdMs };
    }
    markApiServerUp(ctx, cluster);
    transit(cluster, "OperationSucceeded");
    clusterEvent(ctx, cluster, "CREATE", `creating Kubernetes cluster ${cluster.name}`);
    return clusterResult(ctx, cluster);
};

/** Failures before the API endpoint exists send CreateFailed (→ Error); the VMs made so far stay for delete. */
const createJobFailed: JobCompleter = (ctx, job) => {
    const cluster = clustersTable(ctx)[job.payload.id];
    if (cluster && cluster.clustertype === "CloudManaged") {
        transit(cluster, "StartRequested");
        transit(cluster, cluster.endpoint ? "OperationFailed" : "CreateFailed");
    }
    return { success: true };
};

// ---------------------------------------------------------------- list

const listKubernetesClusters: CommandSpec = {
    name: "listKubernetesClusters",
    handle(ctx) {
        const p = ctx.params;
        const id = listIdFilter(ctx, "id", T.kubernetesClusters);
        const state = p.str("state");
        const name = p.str("name");
        const keyword = p.str("keyword");
        const clusterType = p.str("clustertype");
        if (clusterType && !CLUSTER_TYPES.includes(clusterType as ClusterType)) {
            throw cksError(`Unable to resolve cluster type ${clusterType} to a supported value (CloudManaged, ExternalManaged)`);
        }
        const listAll = p.bool("listall") === true && ctx.caller.roletype === "Admin";
        const account = p.str("account");
        const items = Object.values(clustersTable(ctx))
            .filter((c) => (listAll ? !account || c.account === account : c._accountId === ctx.caller.id))
            .filter((c) => (!id || c.id === id) && (!state || c.state === state) && (!name || c.name === name))
            .filter((c) => (!clusterType || c.clustertype === clusterType) && matchesKeyword(keyword, c.name))
            .map((c) => renderCluster(ctx, c));
        return { list: "kubernetescluster", items };
    },
};

// ---------------------------------------------------------------- start / stop

const startKubernetesCluster = clusterJobCommand("startKubernetesCluster", "StartKubernetesClusterCmd");

const startJob: JobCompleter = (ctx, job) => {
    const cluster = jobCluster(ctx, job);
    if (job.step === 0) {
        notSupportedForExternal(cluster, "Start");
        // Already running (or being started by its create job): success, nothing changes.
        if (["Running", "Starting", "Created"].includes(cluster.state)) return clusterResult(ctx, cluster);
        transit(cluster, "StartRequested");
        clusterEvent(ctx, cluster, "START", `starting Kubernetes cluster ${cluster.name}`, "Started");
        setMemberVmStates(ctx, cluster, "Running");
        return { continueAfterMs: ctx.latency("startKubernetesCluster") };
    }
    if (!cluster.endpoint) markApiServerUp(ctx, cluster);
    transit(cluster, "OperationSucceeded");
    clusterEvent(ctx, cluster, "START", `starting Kubernetes cluster ${cluster.name}`);
    return clusterResult(ctx, cluster);
};

const stopKubernetesCluster = clusterJobCommand("stopKubernetesCluster", "StopKubernetesClusterCmd");

const stopJob: JobCompleter = (ctx, job) => {
    const cluster = jobCluster(ctx, job);
    if (job.step === 0) {
        notSupportedForExternal(cluster, "Stop");
        if (cluster.state === "Stopped" || cluster.state === "Stopping") return { success: true };
        transit(cluster, "StopRequested");
        clusterEvent(ctx, cluster, "STOP", `stopping Kubernetes cluster ${cluster.name}`, "Started");
        return { continueAfterMs: ctx.latency("stopKubernetesCluster") };
    }
    setMemberVmStates(ctx, cluster, "Stopped");
    transit(cluster, "OperationSucceeded");
    clusterEvent(ctx, cluster, "STOP", `stopping Kubernetes cluster ${cluster.name}`);
    return { success: true };
};

// ---------------------------------------------------------------- delete

const deleteKubernetesCluster = clusterJobCommand("deleteKubernetesCluster", "DeleteKubernetesClusterCmd", (ctx) => ({
    cleanup: ctx.params.bool("cleanup") ?? false,
    expunge: ctx.params.bool("expunge") ?? false,
}));

/** User VMs on the network that are not members (they block deleting an auto-created network). */
function foreignVmsOnNetwork(ctx: BaseContext, cluster: ClusterRecord): any[] {
    return (Object.values(table(ctx.state, T.vms)) as any[]).filter(
        (vm) =>
            !vm._removed && vm.state !== "Expunging" && !cluster._vmIds.includes(vm.id) && (vm.nic ?? []).some((n: any) => n.networkid === cluster.networkid),
    );
}

const deleteJob: JobCompleter = (ctx, job) => {
    const cluster = jobCluster(ctx, job);
    if (cluster.clustertype === "ExternalManaged") {
        // Details and the VM map go; member VMs are destroyed only on request.
        if (job.payload.cleanup || job.payload.expunge) for (const n of cluster._nodes) if (table(ctx.state, T.vms)[n.vmId]) expungeVmRecord(ctx, n.vmId);
        removeRow(ctx, T.kubernetesClusters, cluster.id);
        clusterEvent(ctx, cluster, "DELETE", `deleting Kubernetes cluster ${cluster.name}`);
        return { success: true };
    }
    if (job.step === 0) {
        if (!["Running", "Stopped", "Alert", "Error", "Destroying"].includes(cluster.state)) {
            throw cksError(`Cannot perform delete operation on cluster : ${cluster.name} in state: ${cluster.state}`);
        }
        const network = clusterNetwork(ctx, cluster);
        if (cluster._networkCleanup && network) {
            const foreign = foreignVmsOnNetwork(ctx, cluster);
            if (foreign.length > 0) {
                throw cksError(
                    `Network : ${network.name} for Kubernetes cluster : ${cluster.name} has instances using it which are not part of the Kubernetes cluster`,
                );
            }
        }
        transit(cluster, "DestroyRequested");
        clusterEvent(ctx, cluster, "DELETE", `deleting Kubernetes cluster ${cluster.name}`, "Started");
        return { continueAfterMs: ctx.latency("deleteKubernetesCluster") };
    }
    // External nodes (addNodes) are ordinary VMs: they leave the cluster but are not destroyed.
    for (const n of cluster._nodes) if (!n.external && table(ctx.state, T.vms)[n.vmId]) expungeVmRecord(ctx, n.vmId);
    setNodes(
        cluster,
        cluster._nodes.filter((n) => n.external),
    );
    const network = clusterNetwork(ctx, cluster);
    if (cluster._networkCleanup && network) deleteNetworkRecord(ctx, network.id);
    else if (network && !isDirectAccess(network)) {
        if (network.vpcid) deleteVpcTierRules(ctx, cluster);
        deleteClusterRules(ctx, cluster);
    }
    transit(cluster, "OperationSucceeded");
    removeRow(ctx, T.kubernetesClusters, cluster.id);
    clusterEvent(ctx, cluster, "DELETE", `deleting Kubernetes cluster ${cluster.name}`);
    return { success: true };
};

// ---------------------------------------------------------------- config

const getKubernetesClusterConfig: CommandSpec = {
    name: "getKubernetesClusterConfig",
    handle(ctx) {
        const id = ctx.params.str("id");
        const cluster = id ? clustersTable(ctx)[id] : undefined;
        if (id && !cluster) throw unknownUuid(ctx.cmdLower, "id", id);
        if (!cluster) throw cksError("Invalid Kubernetes cluster ID specified");
        if (!cluster._kubeconfig) {
            if (cluster.state === "Starting")
                throw cksError(`Setup is in progress for Kubernetes cluster : ${cluster.name}, config not available at this moment`);
            throw cksError(`Config not found for Kubernetes cluster : ${cluster.name}`);
        }
        // A state saved before clusters had certificates carries placeholder PEMs: make real ones now.
        if (!cluster._pki && cluster.endpoint) {
            cluster._kubeconfig = Buffer.from(buildKubeconfig(cluster, new URL(cluster.endpoint).hostname.replace(/^\[|\]$/g, ""))).toString("base64");
        }
        return {
            object: "clusterconfig",
            value: { id: cluster.id, name: cluster.name, configdata: Buffer.from(cluster._kubeconfig, "base64").toString("utf8") },
        };
    },
};

// ---------------------------------------------------------------- registration

export const commands: CommandSpec[] = [
    createKubernetesCluster,
    listKubernetesClusters,
    startKubernetesCluster,
    stopKubernetesCluster,
    deleteKubernetesCluster,
    getKubernetesClusterConfig,
    ...scaleCommands,
    ...nodeCommands,
    ...versionCommands,
];

export const jobs: Record<string, JobCompleter> = {
    createKubernetesCluster: createJob,
    "createKubernetesCluster:failed": createJobFailed,
    startKubernetesCluster: startJob,
    "startKubernetesCluster:failed": failWhileIn("Starting"),
    stopKubernetesCluster: stopJob,
    "stopKubernetesCluster:failed": failWhileIn("Stopping"),
    deleteKubernetesCluster: deleteJob,
    ...scaleJobs,
    ...nodeJobs,
    ...versionJobs,
};

/** Exposed for tests and other modules: cluster capacity as Mold counts it. */
export { capacity as kubernetesClusterCapacity };
