// mold:index:NodeGroup — a set of Mold VMs that are nodes of one self-managed (kubeadm) cluster: one
// offering, template, network, key pair and role. The first control-plane group initialises the cluster;
// every other node joins it. In place: count (new nodes join in parallel; removed nodes — the newest — are
// drained and deleted from Kubernetes before their VMs are destroyed), labels and taints, the SSH CIDRs and
// the Mold registration. Offering, template or key pair changes roll the nodes one at a time.
//
// Nodes are reached over SSH through a port forward per node on the cluster's public IP (port
// sshPortStart + slot), pinned to the host key the library generated and injected through cloud-init, then
// rotated after the first connection to one that never appears in Mold's user data (kubeadm/host-key-rotation.ts).
// A control plane's kubeadm certificates are read on every update and renewed inside renewCertificatesBefore
// (kubeadm/certs.ts).
import { randomBytes } from "crypto";
import { Fleet } from "../kubeadm/bootstrap";
import { admins, converge, removeAll } from "../kubeadm/converge";
import type { GroupContext, GroupInputs, GroupState } from "../kubeadm/group";
import { deleteSshForward, ensureSshForward, liveVms, Placement, register, resolvePlacement, unregister } from "../kubeadm/machines";
import { NodeRecord, outdatedNodes, SLOTS_PER_GROUP, SSH_ACCESS } from "../kubeadm/plan";
import { checkEtcdSnapshots, keepOf, recordSnapshot } from "../kubeadm/etcd-care";
import { nodesDueForRepair } from "../kubeadm/repair";
import { checkRepair, repairSpec } from "../kubeadm/repair-plan";
import { affinityInMold, affinityOutputs, checkAffinity, checkRollRoom, dropOwnGroup, prepareAffinity } from "../kubeadm/placement-affinity";
import { checkRegistry } from "../kubeadm/registry";
import { checkCsi, csiInMold, installCsi } from "../kubeadm/csi";
import { checkDataDisks, dataDisksKey, dataDiskSpecs } from "../kubeadm/data-disks-plan";
import { dataDisksInMold, resolveDataDisks } from "../kubeadm/data-disks";
import { publicKeyTypeAndBlob } from "../ssh/host-keys";
import { checkCidrs, checkCount, checkLabels, checkTaints, checkVersion, CNIS, DEFAULT_POD_CIDR, DEFAULT_SERVICE_CIDR, ROLES } from "../kubeadm/spec";
import { partialFailure } from "../runtime/errors";
import { jsonEqual } from "../runtime/equal";
import { nodeGroupSchema } from "../generated/schema";
import type { NodeGroupInputs, NodeGroupOutputs } from "../generated/types";
import type { HookContext, Reported, ResourceDefinition } from "../runtime/hooks";
import { Validator } from "../runtime/validate";
import { checkUpgradeInputs, checkVersionChange, versionPending } from "../kubeadm/upgrade";
import { namesInMold } from "./check-names";
import { untilHealthy } from "./kubernetes-cluster-ops";
import { checkRenewCertificatesBefore, renewalDue } from "../kubeadm/certs-plan";
import { keepCertificates } from "../kubeadm/certs";
import { needsRotation } from "../kubeadm/host-key-rotation";

/** What makes the group (or, for a control plane, the cluster) what it is: a change means another one. */
const IDENTITY = [
    "clusterName",
    "name",
    "role",
    "zone",
    "network",
    "publicIpAddressId",
    "sshPortStart",
    "controlPlaneEndpoint",
    "apiLoadBalancerRuleId",
    "cni",
    "podCidr",
    "serviceCidr",
] as const;

/** Inputs an update applies to every node in place; the nodes themselves do not record them. */
const IN_PLACE_ACROSS_NODES: (keyof NodeGroupInputs)[] = ["labels", "taints", "sshAccess", "sshCidrs", "moldClusterId", "registry", "csi"];

const HOST_LABEL = /^[a-z]([a-z0-9-]{0,40}[a-z0-9])?$/;

function outputsOf(
    state: GroupState,
    inputs: { role: string; controlPlaneEndpoint?: string; etcdSnapshots?: { keep?: number } | null },
    placement?: Placement,
): Reported<NodeGroupInputs, NodeGroupOutputs> {
    return {
        ...affinityOutputs(placement),
        nodes: state.nodes,
        nodeNames: state.nodes.map((n) => n.name),
        virtualMachineIds: state.nodes.map((n) => n.vmId),
        initialised: state.initialised,
        kubeconfig: state.kubeconfig,
        certificatesExpireAt: state.certificatesExpireAt ?? "",
        certificatesCheckedAt: state.certificatesCheckedAt ?? "",
        storageClassName: state.csi?.storageClassName ?? "",
        csiDiskOfferingId: state.csi?.diskOfferingId ?? "",
        endpoint: inputs.role === "control-plane" && inputs.controlPlaneEndpoint ? `https://${inputs.controlPlaneEndpoint}` : "",
        // Set by read for nodes whose VM is gone; the next update drains them (converge's dropVanished).
        vanishedNodes: [],
        // Only files on nodes still in the group: a removed node's snapshots went with its VM.
        etcdSnapshotFiles: recordSnapshot(
            state.etcdSnapshots ?? [],
            undefined,
            keepOf(inputs),
            state.nodes.map((n) => n.name),
        ),
        // Set by read (repair on) for nodes NotReady past the timeout; the next update replaces them.
        unhealthyNodes: [],
    };
}

/**
 * The inputs (or old outputs) in the precise types converge uses: check held taint effects and sshAccess to
 * their sets, and the node lists (this group's or the control plane's `nodes`) were written by this module.
 */
function checked(inputs: NodeGroupInputs): GroupInputs {
    return inputs as GroupInputs;
}

function stateOf(olds: Partial<NodeGroupOutputs>): GroupState {
    // Nodes a refresh found without a VM stay recorded until an update has deleted them from Kubernetes.
    const nodes = [...(Array.isArray(olds.nodes) ? olds.nodes : []), ...(Array.isArray(olds.vanishedNodes) ? olds.vanishedNodes : [])] as NodeRecord[];
    return {
        nodes: nodes.map((n) => ({ ...n, access: n.access ?? "port-forward" })),
        initialised: olds.initialised === true,
        kubeconfig: olds.kubeconfig ?? "",
        etcdSnapshots: Array.isArray(olds.etcdSnapshotFiles) ? olds.etcdSnapshotFiles : [],
        certificatesExpireAt: olds.certificatesExpireAt || undefined,
        certificatesCheckedAt: olds.certificatesCheckedAt || undefined,
        csi: olds.storageClassName ? { storageClassName: olds.storageClassName, diskOfferingId: olds.csiDiskOfferingId ?? "" } : undefined,
    };
}

function groupContext(ctx: HookContext, id: string, given: NodeGroupInputs, state: GroupState, placement: GroupContext["placement"]): GroupContext {
    const inputs = checked(given);
    return { ctx, client: ctx.client(), id, inputs, placement, fleet: fleetOf(ctx, inputs), state };
}

/** SSH to the group's nodes (and through its jump hosts). */
function fleetOf(ctx: HookContext, inputs: GroupInputs): Fleet {
    return new Fleet({
        username: inputs.sshUser ?? "ubuntu",
        privateKey: inputs.sshPrivateKey,
        log: (m) => ctx.log(m),
        jumpHosts: inputs.controlPlaneNodes ?? [],
        bastion: inputs.bastion ?? undefined,
        registry: inputs.registry ?? undefined,
    });
}

/** Runs `work`; a failure once nodes exist is reported with them, so Pulumi records every VM (nothing leaks). */
async function recorded(g: GroupContext, base: Partial<NodeGroupOutputs>, work: () => Promise<void>): Promise<Reported<NodeGroupInputs, NodeGroupOutputs>> {
    try {
        await work();
        if (g.inputs.role === "control-plane") {
            const deadline = Date.now() + 120_000;
            g.state.kubeconfig = await untilHealthy(g.ctx, async () => g.state.kubeconfig, deadline, `the API at ${g.inputs.controlPlaneEndpoint}`);
        }
        return outputsOf(g.state, g.inputs, g.placement);
    } catch (e) {
        if (!g.state.nodes.length && !base.nodes?.length) throw e;
        // An update that failed part-way keeps the previous values of what it changes in place across all
        // nodes (labels, access…): recorded as new, the next update would believe them applied everywhere.
        const notYetApplied = base.nodes ? Object.fromEntries(IN_PLACE_ACROSS_NODES.map((k) => [k, base[k] ?? null])) : {};
        throw partialFailure(
            (e as Error).message,
            g.id,
            { ...base, ...g.inputs, ...notYetApplied, ...outputsOf(g.state, g.inputs, g.placement), createIncomplete: true },
            e,
        );
    } finally {
        g.fleet.close();
    }
}

export const nodeGroup: ResourceDefinition<NodeGroupInputs, NodeGroupOutputs> = {
    kind: "NodeGroup",
    inputs: nodeGroupSchema.inputs,
    connectionInputs: nodeGroupSchema.connectionInputs,
    // Unfinished or vanished nodes are worked on by the next update, even after a refresh.
    // Host keys still from cloud-init (or mid-rotation) are rotated, certificates inside the renewal window renewed.
    needsRepair: (olds) =>
        (Array.isArray(olds.nodes) && olds.nodes.some((n) => n.status !== "ready" || needsRotation(n))) ||
        (Array.isArray(olds.vanishedNodes) && olds.vanishedNodes.length > 0) ||
        (Array.isArray(olds.unhealthyNodes) && olds.unhealthyNodes.length > 0 && !!repairSpec(olds.repair)) ||
        versionPending(olds) ||
        renewalDue(olds, Date.now()),
    // With repair on, an up looks at the nodes' health (one read-only step) even when no input changed.
    lookForRepair: async (ctx, id, olds, news) => (await healthLook(ctx, { ...olds, ...news }, olds)).length > 0,
    replaceOnChanges: nodeGroupSchema.replaceOnChanges,
    handles: {
        clusterName: "prefixes the node VMs' names",
        name: "the node VMs' names",
        role: "control-plane: kubeadm init on the first node, joins with the certificate key; worker: joins",
        count: "deployVirtualMachine per node; update: new nodes join in parallel, removed ones are drained and deleted",
        zone: "deployVirtualMachine zoneid (found by name or id)",
        network: "deployVirtualMachine networkids (found by name or id)",
        serviceOffering: "deployVirtualMachine serviceofferingid; update: rolls the nodes one at a time",
        template: "deployVirtualMachine templateid; update: rolls the nodes one at a time",
        keyPair: "deployVirtualMachine keypair; a change is refused at check",
        sshUser: "the SSH user of every connection",
        publicIpAddressId: "createPortForwardingRule ipaddressid for port-forward access",
        sshAccess: "port forwards per node or jump hosts; update: forwards made or deleted",
        sshPortStart: "createPortForwardingRule publicport of node i: sshPortStart + slot",
        sshCidrs: "createPortForwardingRule cidrlist; update: each node's forward made again",
        kubernetesVersion: "the kubelet/kubeadm/kubectl packages; update: kubeadm upgrade apply/node, each node drained, upgraded and uncordoned",
        controlPlaneVersion: "the check's version skew rule for workers: nothing to send",
        upgradeStrategy: "update of kubernetesVersion: in-place (kubeadm upgrade node per node) or replace (rolls the workers)",
        maxUnavailable: "update of kubernetesVersion: workers upgraded in place at a time",
        controlPlaneEndpoint: "kubeadm init --control-plane-endpoint; a change is refused at check on a control plane",
        apiLoadBalancerRuleId: "assignToLoadBalancerRule for control-plane VMs; a change is refused at check on a control plane",
        cni: "the CNI applied after kubeadm init",
        podCidr: "kubeadm init --pod-network-cidr",
        serviceCidr: "kubeadm init --service-cidr",
        networkCidr: "the check's overlap rule for podCidr/serviceCidr: nothing to send",
        labels: "kubectl label on every node; update: the same",
        taints: "kubectl taint on every node; update: the same",
        moldClusterId: "addVirtualMachinesToKubernetesCluster; update: unregistered from the old, registered with the new",
        bootstrapTimeoutSeconds: "the waits for Ready and for drains",
        etcdSnapshots: "step etcd-snapshot (etcdctl snapshot save) before a control-plane scale-down or upgrade; keep prunes the files",
        repair: "update (and diff/read when on): node-health on a control-plane node; NotReady nodes past the timeout drained, deleted, replaced",
        renewCertificatesBefore: "certs-renew (kubeadm certs renew all, static pods restarted) on control-plane nodes inside the window, one at a time",
        affinityGroups: "deployVirtualMachine affinitygroupids of new nodes (found by name or id)",
        antiAffinity: "createAffinityGroup 'host anti-affinity' for the group; deployVirtualMachine affinitygroupids; off: deleteAffinityGroup",
        registry: "the containerd step's mirror (hosts.toml) and kubeadm init's imageRepository",
        csi: "the csi-install step (driver, Secret, StorageClass), run on a control-plane node after every create and update",
        dataDisks:
            "createVolume + attachVolume per node and entry (tagged with the group and node), the data-disks step (format once, mount by UUID); a change rolls the nodes; removed nodes' volumes deleted unless retainOnDelete",
    },

    check(news, olds = {}) {
        const v = new Validator("NodeGroup");
        if (news.importId !== undefined)
            v.fail("importId", "is not supported: a node group's nodes carry host keys and bootstrap state only its creator knows");
        const inputs: Partial<NodeGroupInputs> = { sshUser: "ubuntu", sshCidrs: ["0.0.0.0/0"], bootstrapTimeoutSeconds: 900, ...news };
        const cp = inputs.role === "control-plane";
        // Workers are reached through a control-plane node (no port forward per node: Mold applies rules on a
        // network one at a time, so 20 forwards would take 20 rule jobs); the control plane through forwards.
        if (inputs.sshAccess === undefined) inputs.sshAccess = cp ? "port-forward" : "control-plane";
        const forwarded = inputs.sshAccess === "port-forward";
        if (cp)
            Object.assign(inputs, {
                cni: news.cni ?? "flannel",
                podCidr: news.podCidr ?? DEFAULT_POD_CIDR,
                serviceCidr: news.serviceCidr ?? DEFAULT_SERVICE_CIDR,
            });
        for (const p of ["clusterName", "name", "zone", "network", "serviceOffering", "template", "keyPair", "publicIpAddressId"] as const)
            v.string(p, inputs[p], { required: true });
        for (const p of ["clusterName", "name"] as const) {
            if (typeof inputs[p] === "string" && v.known(inputs[p]) && !HOST_LABEL.test(inputs[p])) {
                v.fail(p, `must be lower-case letters, digits and '-', starting with a letter (it names the node VMs), got '${inputs[p]}'`);
            }
        }
        v.oneOf("role", inputs.role, ROLES, { required: true });
        checkCount(v, inputs.role, inputs.count);
        v.string("sshPrivateKey", inputs.sshPrivateKey, { required: true, maxLength: Infinity, text: true });
        if (
            typeof inputs.sshPrivateKey === "string" &&
            v.known(inputs.sshPrivateKey) &&
            inputs.sshPrivateKey &&
            !/PRIVATE KEY-----/.test(inputs.sshPrivateKey)
        ) {
            v.fail("sshPrivateKey", "must be the PEM/OpenSSH private key of keyPair (it starts with -----BEGIN ... PRIVATE KEY-----)");
        }
        v.oneOf("sshAccess", inputs.sshAccess, SSH_ACCESS);
        if (cp && inputs.sshAccess === "control-plane")
            v.fail("sshAccess", "of a control-plane group must be port-forward or bastion: its nodes are how workers are reached");
        checkBastion(v, inputs.sshAccess, inputs.bastion);
        v.port("sshPortStart", inputs.sshPortStart, { required: forwarded });
        if (typeof inputs.sshPortStart === "number" && inputs.sshPortStart + SLOTS_PER_GROUP - 1 > 65535) {
            v.fail("sshPortStart", `leaves no room for ${SLOTS_PER_GROUP} node ports below 65536`);
        }
        v.cidrList("sshCidrs", inputs.sshCidrs);
        checkVersion(v, inputs.kubernetesVersion, inputs.template);
        checkLabels(v, "labels", inputs.labels);
        checkTaints(v, "taints", inputs.taints);
        if (cp) {
            v.string("controlPlaneEndpoint", inputs.controlPlaneEndpoint, { required: true });
            const endpoint =
                typeof inputs.controlPlaneEndpoint === "string" && v.known(inputs.controlPlaneEndpoint)
                    ? /^[A-Za-z0-9.-]+:(\d{1,5})$/.exec(inputs.controlPlaneEndpoint)
                    : undefined;
            if (endpoint === null) v.fail("controlPlaneEndpoint", `must be host:port (the API load balancer), got '${inputs.controlPlaneEndpoint}'`);
            else if (endpoint) v.port("controlPlaneEndpoint", Number(endpoint[1]));
            v.string("apiLoadBalancerRuleId", inputs.apiLoadBalancerRuleId, { required: true });
            v.oneOf("cni", inputs.cni, CNIS);
            checkCidrs(v, inputs.podCidr, inputs.serviceCidr, inputs.networkCidr);
        } else if (inputs.role === "worker" && v.known(inputs.controlPlaneNodes) && !Array.isArray(inputs.controlPlaneNodes)) {
            v.fail("controlPlaneNodes", "is required for a worker group: the control-plane group's `nodes` output");
        }
        v.integer("bootstrapTimeoutSeconds", inputs.bootstrapTimeoutSeconds, { min: 30, max: 86400, what: "a number of seconds" });
        checkEtcdSnapshots(v, inputs);
        checkRepair(v, inputs.repair, inputs.role, inputs.count);
        checkUpgradeInputs(v, inputs);
        checkRenewCertificatesBefore(v, inputs.renewCertificatesBefore, inputs.role);
        checkAffinity(v, inputs, olds);
        checkRegistry(v, inputs.registry);
        checkCsi(v, inputs.csi, inputs.role);
        checkDataDisks(v, inputs.dataDisks);
        if (olds.role !== undefined) {
            if (v.known(inputs.keyPair) && olds.keyPair !== undefined && olds.keyPair !== inputs.keyPair) {
                v.fail(
                    "keyPair",
                    `cannot change on an existing group ('${olds.keyPair}' → '${inputs.keyPair}'): its nodes accept only the old key, so they could not be drained or rolled with the new one; add a group with the new key pair and remove this one`,
                );
            }
            checkVersionChange(v, inputs, olds);
            if (olds.role === "control-plane") {
                for (const p of IDENTITY) {
                    if (v.known(inputs[p]) && olds[p] !== undefined && !jsonEqual(olds[p], inputs[p])) {
                        v.fail(
                            p,
                            `cannot change on a control-plane group (${JSON.stringify(olds[p])} → ${JSON.stringify(inputs[p])}): it would be another cluster`,
                        );
                    }
                }
            }
        }
        return { inputs, failures: v.failures };
    },

    checkInMold: async (ctx, inputs) => [
        ...(await namesInMold(ctx, "NodeGroup", inputs, { zone: "zone", template: "template", serviceOffering: ["serviceOffering"], networks: ["network"] })),
        ...(await affinityInMold(ctx, inputs)),
        ...(await csiInMold(ctx.client(), "NodeGroup", inputs)),
        ...(await dataDisksInMold(ctx.client(), "NodeGroup", inputs.dataDisks)),
    ],

    async create(ctx, inputs) {
        const id = `ng-${randomBytes(6).toString("hex")}`;
        const placement = { ...(await resolvePlacement(ctx.client(), inputs)), dataDisksKey: dataDisksKey(dataDiskSpecs(inputs.dataDisks)) };
        Object.assign(placement, await prepareAffinity(ctx, id, inputs, {}));
        const g = groupContext(ctx, id, inputs, { nodes: [], initialised: false, kubeconfig: "" }, placement);
        g.dataDisks = await resolveDataDisks(g.client, inputs.dataDisks);
        // Failed before any VM existed: nothing is recorded, so the group's own affinity group must not stay.
        const outs = await recorded(g, {}, async () => {
            await converge(g, undefined);
            g.state.csi = await installCsi(g);
        }).catch(async (e) => {
            if (!g.state.nodes.length) await dropOwnGroup(ctx, placement.antiAffinityGroupId).catch((d) => ctx.log(`antiAffinity: ${(d as Error).message}`));
            throw e;
        });
        return { id, outs };
    },

    async read(ctx, id, olds) {
        const state = stateOf(olds);
        const live = await liveVms(ctx.client(), state.nodes);
        const nodes = state.nodes.filter((n) => live.has(n.vmId));
        // A control plane without VMs is a cluster that is gone; a worker group stays, so that the next up
        // deletes its vanished nodes from Kubernetes before replacing them.
        if (state.nodes.length && !nodes.length && olds.role === "control-plane") return undefined;
        const vanishedNodes = state.nodes.filter((n) => !live.has(n.vmId));
        const current = { ...state, nodes };
        const unhealthyNodes = await healthLook(ctx, olds, { nodes });
        // With renewal on, a refresh reads the certificates' expiry and the nodes' clock, so the next up's diff
        // sees the window; best effort: an unreachable control plane keeps the last values.
        if (olds.role === "control-plane" && olds.renewCertificatesBefore && current.initialised && nodes.length) {
            const g = groupContext(ctx, id, olds as NodeGroupInputs, current, undefined as never);
            await keepCertificates(g, false)
                .catch((e) => ctx.log(`certificates not read: ${(e as Error).message}`))
                .finally(() => g.fleet.close());
        }
        return { outs: { ...outputsOf(current, olds), vanishedNodes, unhealthyNodes }, inputs: { count: nodes.length } };
    },

    async update(ctx, id, olds, news) {
        const client = ctx.client();
        const placement = { ...(await resolvePlacement(client, news)), dataDisksKey: dataDisksKey(dataDiskSpecs(news.dataDisks)) };
        const state = stateOf(olds);
        await checkRollRoom(ctx, placement.zoneId, state.nodes.length, outdatedNodes(state.nodes, placement).length, news.antiAffinity);
        Object.assign(placement, await prepareAffinity(ctx, id, news, olds));
        const g = groupContext(ctx, id, news, state, placement);
        g.dataDisks = await resolveDataDisks(client, news.dataDisks);
        return recorded(g, olds, async () => {
            await changeAccess(g, olds, news);
            if (olds.moldClusterId !== news.moldClusterId) {
                await unregister(
                    client,
                    olds.moldClusterId,
                    state.nodes.map((n) => n.vmId),
                );
                await register(
                    client,
                    news.moldClusterId,
                    state.nodes.map((n) => n.vmId),
                    news.role === "control-plane",
                );
            }
            const settled = new Set(state.nodes.filter((n) => n.status === "ready").map((n) => n.vmId));
            await converge(g, olds.createIncomplete && !olds.nodes?.length ? undefined : checked(olds));
            // Nodes made before the change (new ones were bootstrapped with it already).
            if (!jsonEqual(olds.registry ?? null, news.registry ?? null))
                await g.fleet.reapplyRegistry(
                    g.state.nodes.filter((n) => settled.has(n.vmId)),
                    news.registry ?? undefined,
                );
            // Every update re-asserts the CSI install (the step changes nothing that is in place); csi turned
            // off leaves what was installed, as volumes may still use it.
            g.state.csi = await installCsi(g);
        });
    },

    async delete(ctx, id, olds) {
        const state = stateOf(olds);
        if (state.nodes.length) {
            const g = groupContext(ctx, id, olds, state, undefined as never);
            try {
                await removeAll(g);
            } finally {
                g.fleet.close();
            }
        }
        // After its VMs: Mold would otherwise just drop their memberships.
        await dropOwnGroup(ctx, olds.antiAffinityGroupId);
    },
};

/**
 * SSH access changes in place: forwards are made (port-forward) or deleted (control-plane), and Mold cannot
 * change a forward's CIDRs, so a CIDR change makes each node's forward again (seconds without SSH).
 */
async function changeAccess(g: GroupContext, olds: Partial<NodeGroupOutputs>, news: NodeGroupInputs): Promise<void> {
    const was = olds.sshAccess ?? "port-forward";
    const now = news.sshAccess ?? "port-forward";
    if (was === now && (now !== "port-forward" || jsonEqual(olds.sshCidrs, news.sshCidrs))) return;
    const start = Number(news.sshPortStart ?? 0);
    for (const n of g.state.nodes) {
        await deleteSshForward(g.client, n);
        if (now === "port-forward") {
            Object.assign(n, { access: now, sshHost: g.placement.publicIp, sshPort: start + n.slot });
            n.portForwardingRuleId = (
                await ensureSshForward(g.client, n, g.placement.publicIpAddressId, news.sshCidrs ?? ["0.0.0.0/0"], g.placement.vpcTierId)
            ).id;
        } else {
            Object.assign(n, { access: now, sshHost: n.privateIp, sshPort: 22, portForwardingRuleId: "" });
        }
    }
}

/**
 * Nodes due for repair (diff and read), [] when repair is off (no SSH then). A look that fails (the control
 * plane unreachable) is logged and finds nothing: it must not fail a preview or a refresh.
 */
async function healthLook(ctx: HookContext, inputs: Partial<NodeGroupOutputs>, olds: Partial<NodeGroupOutputs>): Promise<string[]> {
    if (!repairSpec(inputs.repair) || typeof inputs.sshPrivateKey !== "string") return [];
    // Only SSH: no Mold client is made (a diff may run without Mold credentials).
    const state = stateOf(olds);
    const group = { inputs: checked(inputs as NodeGroupInputs), state };
    const fleet = fleetOf(ctx, group.inputs);
    try {
        return await nodesDueForRepair(fleet, admins(group), { inputs: group.inputs, nodes: state.nodes }, (m) => ctx.log(m));
    } catch (e) {
        ctx.log(`node health not read (${(e as Error).message}); no repair decided`);
        return [];
    } finally {
        fleet.close();
    }
}

/** sshAccess "bastion" needs a bastion whose host key is pinned like the nodes' keys. */
function checkBastion(v: Validator, access: unknown, bastion: unknown): void {
    if (!v.known(bastion) || !v.known(access)) return;
    if (access !== "bastion") {
        if (bastion !== undefined && bastion !== null) v.fail("bastion", "is only used with sshAccess: bastion");
        return;
    }
    if (!bastion || typeof bastion !== "object") return v.fail("bastion", "is required with sshAccess: bastion ({host, port?, username?, hostPublicKey})");
    const b = bastion as Record<string, unknown>;
    v.string("bastion.host", b.host, { required: true });
    if (b.port !== undefined) v.port("bastion.port", b.port);
    v.string("bastion.username", b.username);
    v.string("bastion.hostPublicKey", b.hostPublicKey, { required: true, maxLength: Infinity, text: true });
    if (typeof b.hostPublicKey === "string" && v.known(b.hostPublicKey) && b.hostPublicKey) {
        try {
            publicKeyTypeAndBlob(b.hostPublicKey);
        } catch {
            v.fail("bastion.hostPublicKey", "must be the bastion's OpenSSH host public key ('<type> <base64>', e.g. from /etc/ssh/ssh_host_ed25519_key.pub)");
        }
    }
}
