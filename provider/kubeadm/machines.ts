// The Mold side of a node: its VM (with the pinned host key in cloud-init user data), the port forward that
// reaches its SSH, its load-balancer membership (control plane) and its registration in Mold's Kubernetes
// list. Each piece is created once and found again after a lost answer; deletes are confirmed.
import { randomBytes } from "crypto";
import { findServiceOffering, findTemplate, findZone } from "../client/catalog";
import type { MoldClient } from "../client/client";
import { rowsUnlessGone } from "../client/errors";
import { addVirtualMachinesToKubernetesCluster, getKubernetesCluster, removeVirtualMachinesFromKubernetesCluster } from "../client/kubernetes";
import { assignToLoadBalancerRule, listLoadBalancerRuleInstances, listLoadBalancerRules, removeFromLoadBalancerRule } from "../client/loadbalancer";
import { createPortForwardingRule, deletePortForwardingRule, getPortForwardingRule, listPortForwardingRules, PortForwardingRule } from "../client/portforward";
import { deployVirtualMachine, destroyVirtualMachine, encodeUserData, getVirtualMachine, listVirtualMachines, VirtualMachine } from "../client/vm";
import { getPublicIpAddress } from "../client/address";
import { setTags } from "../runtime/tags";
import { generateHostKey, hostKeyFingerprint, nodeCloudConfig } from "../ssh/host-keys";
import { createOnce, deleteConfirmed } from "../runtime/reconcile";
import { findNetwork, tagsForCreate } from "../runtime/common";
import { nodeName, NodeRecord, SshAccess } from "./plan";

export const GROUP_TAG = "pulumi-mold:node-group";

/** Ids Mold resolved from the group's names; a change of offering or template rolls the nodes. */
export interface Placement {
    zoneId: string;
    networkId: string;
    serviceOfferingId: string;
    templateId: string;
    templateName: string;
    keyPair: string;
    publicIpAddressId: string;
    publicIp: string;
    /**
     * The tier, when the address belongs to a VPC: forwards then name the tier and carry no firewall (Mold refuses
     * openfirewall on a VPC address); the tier's ACL list decides who reaches them.
     */
    vpcTierId?: string;
    /** Affinity groups new VMs are deployed into (placement-affinity.ts). */
    affinityGroupIds?: string[];
    /** The group's own host anti-affinity group, "" when none. */
    antiAffinityGroupId?: string;
    /** The group's dataDisks (data-disks-plan.ts dataDisksKey): a node made with another one rolls. */
    dataDisksKey?: string;
}

/** Where a node group's VMs go, as its inputs name it (names or ids). */
export interface PlacementInputs {
    zone: string;
    serviceOffering: string;
    template: string;
    network: string;
    publicIpAddressId: string;
    keyPair: string;
}

const PLACEMENT_INPUTS = ["zone", "serviceOffering", "template", "network", "publicIpAddressId", "keyPair"] as const;

/** The placement inputs, each there (NodeGroup's check requires them all, so a gap here is a bug: it is named). */
function placementInputs(given: Partial<Record<keyof PlacementInputs, unknown>>): PlacementInputs {
    const missing = PLACEMENT_INPUTS.filter((k) => typeof given[k] !== "string");
    if (missing.length) throw new Error(`node group placement: ${missing.join(", ")} not given`);
    return given as PlacementInputs;
}

export async function resolvePlacement(client: MoldClient, given: Partial<Record<keyof PlacementInputs, unknown>>): Promise<Placement> {
    const inputs = placementInputs(given);
    const zone = await findZone(client, inputs.zone);
    const [offering, template, network, ip] = await Promise.all([
        findServiceOffering(client, inputs.serviceOffering),
        findTemplate(client, inputs.template, zone.id),
        findNetwork(client, inputs.network),
        getPublicIpAddress(client, inputs.publicIpAddressId),
    ]);
    if (!ip) throw new Error(`publicIpAddressId: no public IP address ${inputs.publicIpAddressId} in Mold`);
    return {
        zoneId: zone.id,
        networkId: network.id,
        serviceOfferingId: offering.id,
        templateId: template.id,
        templateName: template.name,
        keyPair: inputs.keyPair,
        publicIpAddressId: ip.id,
        publicIp: ip.ipaddress,
        ...(ip.vpcid ? { vpcTierId: network.id } : {}),
    };
}

export interface NewMachine {
    groupId: string;
    clusterName: string;
    groupName: string;
    slot: number;
    access: SshAccess;
    /** The forward's public port (port-forward access). */
    sshPort: number;
    sshCidrs: string[];
    placement: Placement;
}

/** Something left behind by a node whose creation failed part-way, for the partial-failure record. */
export class MachineError extends Error {
    constructor(
        message: string,
        readonly node?: NodeRecord,
        cause?: unknown,
    ) {
        super(message, cause === undefined ? undefined : { cause });
    }
}

/**
 * Deploys one node VM and the port forward to its SSH. The VM carries its group tag from the start
 * (found again by name after a lost answer); the host key is generated here and only its public half kept.
 */
export async function createMachine(client: MoldClient, m: NewMachine): Promise<NodeRecord> {
    const name = nodeName(m.clusterName, m.groupName, randomBytes(3).toString("hex").slice(0, 5));
    const hostKey = generateHostKey();
    const p = m.placement;
    const deploy = () =>
        deployVirtualMachine(client, {
            zoneid: p.zoneId,
            serviceofferingid: p.serviceOfferingId,
            templateid: p.templateId,
            networkids: [p.networkId],
            name,
            displayname: name,
            keypair: p.keyPair,
            userdata: encodeUserData(nodeCloudConfig({ hostKey, hostname: name })),
            ...(p.affinityGroupIds?.length ? { affinitygroupids: p.affinityGroupIds } : {}),
        });
    const find = async () => (await listVirtualMachines(client, { name, networkid: p.networkId })).find((vm) => vm.name === name);
    const vm = await createOnce(deploy, find);
    const base: NodeRecord = {
        name,
        vmId: vm.id,
        privateIp: defaultIp(vm),
        slot: m.slot,
        access: m.access,
        sshHost: m.access === "port-forward" ? p.publicIp : defaultIp(vm),
        sshPort: m.access === "port-forward" ? m.sshPort : 22,
        portForwardingRuleId: "",
        hostPublicKey: hostKey.publicKey,
        hostKeyFingerprint: hostKeyFingerprint(hostKey.publicKey),
        serviceOfferingId: p.serviceOfferingId,
        templateId: p.templateId,
        keyPair: p.keyPair,
        status: "pending",
        createdAt: new Date().toISOString(),
        ...(p.dataDisksKey ? { dataDisksKey: p.dataDisksKey } : {}),
    };
    try {
        await setTags(client, "UserVm", vm.id, tagsForCreate({ [GROUP_TAG]: m.groupId }));
        if (m.access !== "port-forward") return base;
        const forward = await ensureSshForward(client, base, p.publicIpAddressId, m.sshCidrs, p.vpcTierId);
        return { ...base, portForwardingRuleId: forward.id };
    } catch (e) {
        throw new MachineError(`${name}: VM ${vm.id} created, but its SSH port forward failed: ${(e as Error).message}`, base, e);
    }
}

function defaultIp(vm: VirtualMachine): string {
    return ((vm.nic ?? []).find((n) => n.isdefault) ?? vm.nic?.[0])?.ipaddress ?? vm.ipaddress ?? "";
}

/**
 * The node's SSH forward (public port → 22), opened to `cidrs` by Mold's openfirewall rule; on a VPC address
 * (`vpcTierId`) a forward on the tier, opened by the tier's ACL list instead.
 */
export async function ensureSshForward(client: MoldClient, node: NodeRecord, ipId: string, cidrs: string[], vpcTierId?: string): Promise<PortForwardingRule> {
    const find = async () =>
        (await listPortForwardingRules(client, { ipaddressid: ipId })).find((r) => Number(r.publicport) === node.sshPort && r.virtualmachineid === node.vmId);
    const existing = await find();
    if (existing) return existing;
    return createOnce(
        () =>
            createPortForwardingRule(client, {
                ipaddressid: ipId,
                protocol: "tcp",
                publicport: node.sshPort,
                privateport: 22,
                virtualmachineid: node.vmId,
                ...(vpcTierId ? { networkid: vpcTierId, openfirewall: false } : { cidrlist: cidrs, openfirewall: true }),
            }),
        find,
    );
}

/** Deletes the node's port forward (Mold revokes the firewall rule its openfirewall made with it). */
export async function deleteSshForward(client: MoldClient, node: NodeRecord): Promise<void> {
    const id = node.portForwardingRuleId;
    if (!id) return;
    await deleteConfirmed(
        () => deletePortForwardingRule(client, id),
        async () => (await getPortForwardingRule(client, id)) !== undefined,
    );
}

/** Deletes the node's port forward and destroys its VM with expunge. */
export async function destroyMachine(client: MoldClient, node: NodeRecord): Promise<void> {
    await deleteSshForward(client, node);
    await deleteConfirmed(
        async () => {
            await destroyVirtualMachine(client, node.vmId, true);
        },
        async () => {
            const vm = await getVirtualMachine(client, node.vmId);
            return !!vm && vm.state !== "Expunging" && vm.state !== "Destroyed";
        },
    );
}

/** Which recorded nodes still have a VM in Mold (by id). */
export async function liveVms(client: MoldClient, nodes: readonly NodeRecord[]): Promise<Map<string, VirtualMachine>> {
    const out = new Map<string, VirtualMachine>();
    await Promise.all(
        nodes.map(async (n) => {
            const vm = await getVirtualMachine(client, n.vmId);
            if (vm && vm.state !== "Destroyed" && vm.state !== "Expunging" && vm.state !== "Error") out.set(n.vmId, vm);
        }),
    );
    return out;
}

/** Control-plane VMs behind the API load-balancer rule; members already there are left alone. */
export async function addApiMembers(client: MoldClient, ruleId: string, vmIds: string[]): Promise<void> {
    if (!vmIds.length) return;
    const current = new Set((await listLoadBalancerRuleInstances(client, ruleId)).map((vm) => vm.id));
    const missing = vmIds.filter((id) => !current.has(id));
    if (missing.length) await assignToLoadBalancerRule(client, ruleId, { virtualmachineids: missing });
}

/** Takes a control-plane VM out of the API rule; a member (or rule) that is gone already counts as removed. */
export async function removeApiMember(client: MoldClient, ruleId: string, vmId: string): Promise<void> {
    const isMember = async () => (await rowsUnlessGone(listLoadBalancerRuleInstances(client, ruleId))).some((vm) => vm.id === vmId);
    if (await isMember()) await deleteConfirmed(() => removeFromLoadBalancerRule(client, ruleId, { virtualmachineids: [vmId] }), isMember);
}

/**
 * A node about to go leaves every load-balancer rule it is a member of (but `except`, the API rule its group
 * handles itself), so no traffic is sent to it while it drains and until its VM is destroyed. Every rule, not
 * only pulumi-mold's: the VM's expunge would take it out of all of them anyway, only later. `replacement`: a
 * rolled node's successor joins each of those rules first (if not a member yet), so a rule is never left with
 * fewer members than it had. Returns the ids of the rules it left.
 */
export async function leaveLoadBalancerRules(client: MoldClient, vmId: string, replacement?: string, except?: string): Promise<string[]> {
    const rules = (await listLoadBalancerRules(client, { virtualmachineid: vmId })).filter((r) => r.id !== except);
    for (const rule of rules) {
        const members = async () => new Set((await rowsUnlessGone(listLoadBalancerRuleInstances(client, rule.id))).map((vm) => vm.id));
        if (replacement && !(await members()).has(replacement)) await assignToLoadBalancerRule(client, rule.id, { virtualmachineids: [replacement] });
        if ((await members()).has(vmId)) {
            await deleteConfirmed(
                () => removeFromLoadBalancerRule(client, rule.id, { virtualmachineids: [vmId] }),
                async () => (await members()).has(vmId),
            );
        }
    }
    return rules.map((r) => r.id);
}

/** Registers VMs with Mold's ExternalManaged cluster (members already there are skipped by Mold). */
export async function register(client: MoldClient, clusterId: string | undefined, vmIds: string[], control: boolean): Promise<void> {
    if (!clusterId || !vmIds.length) return;
    await addVirtualMachinesToKubernetesCluster(client, clusterId, vmIds, control);
}

export async function unregister(client: MoldClient, clusterId: string | undefined, vmIds: string[]): Promise<void> {
    if (!clusterId || !vmIds.length) return;
    // Done when the registration is gone (deleted out of band) or none of the VMs is a member any more.
    const registered = async () => {
        const c = await getKubernetesCluster(client, clusterId);
        return !!c && (c.virtualmachines ?? []).some((vm) => vmIds.includes(vm.id));
    };
    await deleteConfirmed(async () => void (await removeVirtualMachinesFromKubernetesCluster(client, clusterId, vmIds)), registered);
}
