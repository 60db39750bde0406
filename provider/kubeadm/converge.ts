// Brings a node group to its declared shape: resumes unfinished nodes, adds nodes in parallel, removes the
// newest nodes (drained first), rolls outdated nodes one at a time and keeps labels and taints. Progress is
// kept in `state.nodes` as it happens, so a failure part-way is recorded with everything that exists.
import type { Reachable } from "./bootstrap";
import type { GroupContext, GroupInputs } from "./group";
import { SshConnectError, SshConnectionLostError } from "../ssh/errors";
import {
    addApiMembers,
    createMachine,
    destroyMachine,
    ensureSshForward,
    leaveLoadBalancerRules,
    liveVms,
    MachineError,
    register,
    removeApiMember,
    unregister,
} from "./machines";
import { etcdSnapshot, removeEtcdMember } from "./etcd-care";
import { dropNodeDisks, ensureNodeDisks, markMounted } from "./data-disks";
import { freeSlots, inBatches, METADATA_NODES_PER_STEP, metadataChange, NodeRecord, nodesToRemove, outdatedNodes } from "./plan";
import { word } from "../runtime/plural";
import { DEFAULT_POD_CIDR, DEFAULT_SERVICE_CIDR, Taint } from "./spec";
import { afterRepairReset, repairNodes } from "./repair";
import { recordVersions, rollTarget, upgradeInPlace } from "./upgrade";
import { rotateHostKeys } from "./host-key-rotation";
import { keepCertificates } from "./certs";

const isControlPlane = (inputs: { role: string }) => inputs.role === "control-plane";
/** An input check requires of a control-plane group. */
function controlPlaneInput(inputs: GroupInputs, k: "controlPlaneEndpoint" | "apiLoadBalancerRuleId"): string {
    const value = inputs[k];
    if (!value) throw new Error(`a control-plane group needs ${k}`);
    return value;
}

/** Admin steps share one SSH connection; OpenSSH allows 10 sessions per connection (MaxSessions). */
const ADMIN_CHANNELS = 4;

/**
 * Waits for every node's work, then fails with all failures: nothing is still running on another node when
 * the hook reports (and closes the connections), and each failing node is named.
 */
async function settleAll(work: Promise<unknown>[]): Promise<void> {
    const failed = (await Promise.allSettled(work)).filter((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed.length === 1) throw failed[0].reason;
    if (failed.length) throw new Error(failed.map((f) => (f.reason as Error).message).join("; "));
}

/** Runs `fn` over `items` with at most `limit` at a time; the first failure is thrown after all settle. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
    const queue = [...items];
    const errors: unknown[] = [];
    const worker = async () => {
        for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item).catch((e) => errors.push(e));
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    if (errors.length === 1) throw errors[0];
    if (errors.length) throw new Error(errors.map((e) => (e as Error).message).join("; "));
}
export const drainTimeoutSeconds = (inputs: { bootstrapTimeoutSeconds?: number }) => Math.min(600, Number(inputs.bootstrapTimeoutSeconds ?? 900));

/** The control-plane nodes admin steps can run on: the group's own ready nodes, or the ones given to a worker group. */
export function admins(g: Pick<GroupContext, "inputs" | "state">, except?: string): Reachable[] {
    const own: Reachable[] = isControlPlane(g.inputs) ? g.state.nodes.filter((n) => n.status === "ready") : (g.inputs.controlPlaneNodes ?? []);
    return own.filter((n) => n.name !== except);
}

/** Creates `count` VMs in parallel; every VM that exists is in `state.nodes` even when another failed. */
async function addMachines(g: GroupContext, count: number): Promise<NodeRecord[]> {
    if (count <= 0) return [];
    const slots = freeSlots(
        g.state.nodes.map((n) => n.slot),
        count,
    );
    const start = Number(g.inputs.sshPortStart ?? 0);
    const access = g.inputs.sshAccess ?? "port-forward";
    const results = await Promise.allSettled(
        slots.map(async (slot) => {
            const node = await createMachine(g.client, {
                groupId: g.id,
                clusterName: g.inputs.clusterName,
                groupName: g.inputs.name,
                slot,
                access,
                sshPort: start + slot,
                sshCidrs: g.inputs.sshCidrs ?? ["0.0.0.0/0"],
                placement: g.placement,
            }).catch((e) => {
                if (e instanceof MachineError && e.node) g.state.nodes.push(e.node);
                throw e;
            });
            g.state.nodes.push(node);
            g.ctx.log(`${node.name}: VM ${node.vmId} created, SSH on ${node.sshHost}:${node.sshPort} (host key ${node.hostKeyFingerprint})`);
            // Attached before the bootstrap, which mounts them; recorded on the node as each volume exists.
            await ensureNodeDisks(g, node);
            return node;
        }),
    );
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed.length)
        throw new Error(
            `${failed.length} of ${count} node ${word(count, "VM")} could not be created: ${failed.map((f) => (f.reason as Error).message).join("; ")}`,
        );
    const made = results.map((r) => (r as PromiseFulfilledResult<NodeRecord>).value);
    // Not behind the API load balancer yet: a control-plane node joins it once its API server runs.
    await register(
        g.client,
        g.inputs.moldClusterId,
        made.map((n) => n.vmId),
        isControlPlane(g.inputs),
    );
    return made;
}

/**
 * Bootstraps pending nodes: prepare all in parallel; on a control-plane group the first node becomes the
 * cluster (once) and the others join one at a time (etcd grows one member at a time); workers join in
 * parallel with one shared join command. Then Ready, labels and taints.
 */
async function bootstrap(g: GroupContext, pending: NodeRecord[]): Promise<void> {
    if (!pending.length) return;
    const { inputs, fleet } = g;
    const version = String(inputs.kubernetesVersion);
    await settleAll(
        pending.map(async (n) => {
            const results = await fleet.prepare(n, version, n.dataDisks ?? []);
            if (n.dataDisks?.length) markMounted(n, results);
        }),
    );
    let joining = pending;
    if (isControlPlane(inputs) && !g.state.initialised) {
        const first = pending[0];
        // kubeadm init reaches its own API through the control-plane endpoint: the first node must be behind it.
        await addApiMembers(g.client, controlPlaneInput(inputs, "apiLoadBalancerRuleId"), [first.vmId]);
        await fleet.initialise(first, {
            kubernetesVersion: version,
            controlPlaneEndpoint: controlPlaneInput(inputs, "controlPlaneEndpoint"),
            podCidr: inputs.podCidr ?? DEFAULT_POD_CIDR,
            serviceCidr: inputs.serviceCidr ?? DEFAULT_SERVICE_CIDR,
            cni: inputs.cni ?? "flannel",
            certSans: [g.placement.publicIp, String(inputs.controlPlaneEndpoint).replace(/:\d+$/, "")].filter((s, i, a) => a.indexOf(s) === i),
        });
        g.state.initialised = true;
        markReady(g, first, false);
        joining = pending.slice(1);
    }
    const cp = isControlPlane(inputs);
    if (joining.length) {
        const info = await fleet.withAdmin(admins(g), (a) => fleet.joinInfo(a, cp));
        if (cp) {
            // One etcd member at a time; each goes behind the load balancer once its API server runs, so no
            // API request is sent to a node that cannot answer it yet.
            for (const n of joining) {
                await fleet.join(n, info, true);
                await addApiMembers(g.client, controlPlaneInput(inputs, "apiLoadBalancerRuleId"), [n.vmId]);
            }
        } else await settleAll(joining.map((n) => fleet.join(n, info, false)));
    }
    const timeout = Number(inputs.bootstrapTimeoutSeconds ?? 900);
    await fleet.withAdmin(admins(g), async (a) => {
        await fleet.waitReady(
            a,
            pending.map((n) => n.name),
            timeout,
        );
        const change = metadataChange(undefined, wantedMetadata(inputs));
        await eachLimited(names(pending), ADMIN_CHANNELS, (batch) => fleet.setMetadata(a, batch, change));
    });
    for (const n of pending) markReady(g, n, true);
}

/** The nodes' names in batches for node-metadata: one kubectl call per batch labels them all. */
function names(nodes: readonly NodeRecord[]): string[][] {
    return inBatches(
        nodes.map((n) => n.name),
        METADATA_NODES_PER_STEP,
    );
}

function markReady(g: GroupContext, node: NodeRecord, log: boolean): void {
    const i = g.state.nodes.findIndex((n) => n.vmId === node.vmId);
    if (i >= 0) g.state.nodes[i] = { ...g.state.nodes[i], status: "ready", kubeletVersion: String(g.inputs.kubernetesVersion) };
    if (log) g.ctx.log(`${node.name}: Ready`);
}

export function wantedMetadata(inputs: { labels?: Record<string, string> | null; taints?: Taint[] | null }): {
    labels?: Record<string, string>;
    taints?: Taint[];
} {
    return { labels: inputs.labels ?? undefined, taints: inputs.taints ?? undefined };
}

/**
 * Drains a node from the cluster, resets it, unregisters it and destroys its VM and port forward. `repair`:
 * the node is NotReady (repair.ts), so a control-plane node's reset is best effort too. `replacement`: the
 * Ready node taking its place (a roll), swapped into its load-balancer rules before it leaves them.
 */
async function removeNode(g: GroupContext, node: NodeRecord, repair = false, replacement?: NodeRecord): Promise<void> {
    const others = admins(g, node.name);
    // Out of every service load-balancer rule before the drain (the API rule is the control plane's, below).
    const left = await leaveLoadBalancerRules(g.client, node.vmId, replacement?.vmId, g.inputs.apiLoadBalancerRuleId ?? undefined);
    if (left.length) g.ctx.log(`${node.name}: left ${left.length} load-balancer rule(s)${replacement ? ` for ${replacement.name}` : ""}`);
    const drain = async (mode: "drain-delete" | "drain") => {
        if (!others.length) return;
        await g.fleet
            .withAdmin(others, (a) => g.fleet.drain(a, node.name, drainTimeoutSeconds(g.inputs), mode))
            .catch((e) => {
                // Only a cluster going away (its control plane unreachable) is let off; a failing drain is an answer.
                if (!(g.inputs.__deleting && unreachable(e))) throw e;
                g.ctx.log(`${node.name}: not drained (${(e as Error).message})`);
            });
    };
    if (isControlPlane(g.inputs)) {
        // Out of the load balancer first; drained but kept, because kubeadm reset finds the node's etcd member
        // through its Node object; reset (which must work while other members remain: a member left behind
        // costs the quorum); only then deleted.
        if (g.inputs.apiLoadBalancerRuleId) await removeApiMember(g.client, g.inputs.apiLoadBalancerRuleId, node.vmId);
        await drain("drain");
        const required = others.length > 0 && !g.inputs.__deleting;
        // A member kubeadm reset could not remove (or a node that cannot be reached to reset it) is removed
        // through another control-plane node: a member left behind blocks every later join. A node under
        // repair may be unreachable: its reset is best effort and its member goes through another node.
        const member = await g.fleet.reset(node, required && !repair, true).catch((e) => {
            if (!(required && unreachable(e))) throw e;
            g.ctx.log(`${node.name}: unreachable for kubeadm reset (${(e as Error).message}); removing its etcd member through another node`);
            return "left";
        });
        if (repair) afterRepairReset(g, node, member);
        if (required && (member === "left" || (repair && member === undefined))) await removeEtcdMember(g, node.name);
        await drain("drain-delete");
    } else {
        await drain("drain-delete");
        await g.fleet.reset(node);
    }
    await unregister(g.client, g.inputs.moldClusterId, [node.vmId]);
    await destroyWithDisks(g, node);
    g.state.nodes = g.state.nodes.filter((n) => n.vmId !== node.vmId);
    g.ctx.log(`${node.name}: removed`);
}

/** The node's VM and port forward, then its data disks (deleted, or kept with retainOnDelete). */
async function destroyWithDisks(g: GroupContext, node: NodeRecord): Promise<void> {
    await destroyMachine(g.client, node);
    await dropNodeDisks(g, node);
}

/** Forgets recorded nodes whose VM is gone (deleted out of band), after telling Kubernetes. */
async function dropVanished(g: GroupContext): Promise<void> {
    const live = await liveVms(g.client, g.state.nodes);
    for (const node of g.state.nodes.filter((n) => !live.has(n.vmId))) {
        g.ctx.log(`${node.name}: its VM ${node.vmId} is gone from Mold; removing the node`);
        const others = admins(g, node.name);
        // Its etcd member is down for good: removed before any replacement joins (etcd refuses a join while a
        // member is unreachable). A failure leaves the node recorded, so the next up tries again.
        if (others.length && isControlPlane(g.inputs) && g.state.initialised) await removeEtcdMember(g, node.name);
        // Workers' groups never set `initialised` (only a control plane makes the cluster): their admins are the control plane's.
        if (others.length && (!isControlPlane(g.inputs) || g.state.initialised)) {
            // Its VM is gone: nothing to evict, only the Node object to delete.
            await g.fleet.withAdmin(others, (a) => g.fleet.drain(a, node.name, 60, "delete")).catch((e) => g.ctx.log(`${node.name}: ${(e as Error).message}`));
        }
        await destroyWithDisks(g, node);
        g.state.nodes = g.state.nodes.filter((n) => n.vmId !== node.vmId);
    }
}

/** Create and update share this: converge from whatever `state` holds to the inputs. */
export async function converge(g: GroupContext, oldInputs: GroupInputs | undefined): Promise<void> {
    const { inputs } = g;
    const count = Number(inputs.count);
    recordVersions(g, oldInputs);
    if (g.state.nodes.length) await dropVanished(g);
    if (isControlPlane(inputs)) {
        // A member taken out behind our back is put back (only nodes whose API server runs).
        const ready = g.state.nodes.filter((n) => n.status === "ready").map((n) => n.vmId);
        await addApiMembers(g.client, controlPlaneInput(inputs, "apiLoadBalancerRuleId"), ready);
    }
    // NotReady nodes past repair.notReadyTimeout leave (repair.ts; nothing when repair is off), replaced up to
    // `count`: before a scale-down picks which nodes go, so the NotReady ones go first.
    if (oldInputs) await repairNodes(g, { admins, removeNode, addMachines, bootstrap }, count);
    // Shrinking first: unfinished nodes leave first (one that keeps failing never blocks a scale-down),
    // then outdated ones (they would be rolled anyway), then the newest.
    const outdated = (n: NodeRecord) => outdatedNodes([n], rollTarget(g, g.placement)).length > 0;
    const removing = nodesToRemove(g.state.nodes, count, (n) => n.status !== "ready" || outdated(n));
    if (isControlPlane(inputs) && g.state.initialised && removing.some((n) => n.status === "ready")) {
        await etcdSnapshot(
            g,
            `the control-plane scale-down ${g.state.nodes.length} → ${count}`,
            removing.map((n) => n.name),
        );
    }
    g.leaving = removing.map((n) => n.name);
    for (const node of removing) await removeNode(g, node);
    g.leaving = undefined;
    // A kubernetesVersion change: the Ready nodes not at it are upgraded in place (upgrade.ts).
    await upgradeInPlace(g);
    // Nodes a previous run left unfinished resume: every step is idempotent.
    const pending = g.state.nodes.filter((n) => n.status !== "ready");
    for (const n of pending) {
        // A forward whose creation failed part-way is made now (it is adopted when it exists).
        if (n.access === "port-forward" && !n.portForwardingRuleId) {
            n.portForwardingRuleId = (
                await ensureSshForward(g.client, n, g.placement.publicIpAddressId, inputs.sshCidrs ?? ["0.0.0.0/0"], g.placement.vpcTierId)
            ).id;
        }
        // Disks whose creation or attach failed part-way are made now (found again by name when they exist).
        await ensureNodeDisks(g, n);
    }
    if (pending.length) {
        await register(
            g.client,
            inputs.moldClusterId,
            pending.map((n) => n.vmId),
            isControlPlane(inputs),
        );
        g.ctx.log(`resuming the bootstrap of ${pending.map((n) => n.name).join(", ")}`);
        await bootstrap(g, isControlPlane(inputs) && !g.state.initialised ? sortFirst(pending) : pending);
    }
    // Labels and taints of nodes already in the cluster, in place.
    const before = oldInputs ? wantedMetadata(oldInputs) : undefined;
    const change = metadataChange(before, wantedMetadata(inputs));
    const settled = g.state.nodes.filter((n) => n.status === "ready" && !pending.includes(n));
    if (before && settled.length) {
        await g.fleet.withAdmin(admins(g), (a) => eachLimited(names(settled), ADMIN_CHANNELS, (batch) => g.fleet.setMetadata(a, batch, change)));
    }
    // Offering, template or key pair changed: one node at a time, a new one Ready before the old one leaves.
    for (const old of outdatedNodes(g.state.nodes, rollTarget(g, g.placement))) {
        g.ctx.log(`${old.name}: rolling to the new offering/template/key pair/Kubernetes version`);
        const [fresh] = await addMachines(g, 1);
        await bootstrap(g, [fresh]);
        await removeNode(g, old, false, fresh);
    }
    if (g.state.nodes.length < count) await bootstrap(g, await addMachines(g, count - g.state.nodes.length));
    // Day 2: the cloud-init host keys replaced, the certificates' expiry read (and renewed inside the window).
    await rotateHostKeys(g);
    await keepCertificates(g);
    if (isControlPlane(inputs)) {
        g.state.kubeconfig = await g.fleet.withAdmin(admins(g), (a) => g.fleet.adminKubeconfig(a));
    }
}

/** The oldest node first: it is the one that initialises the cluster. */
function sortFirst(nodes: NodeRecord[]): NodeRecord[] {
    return [...nodes].sort((a, b) => a.slot - b.slot);
}

/** Removes every node of the group (workers drained first; a control plane going away has nobody to drain to). */
export async function removeAll(g: GroupContext): Promise<void> {
    const live = await liveVms(g.client, g.state.nodes);
    const cp = isControlPlane(g.inputs);
    g.inputs.__deleting = true;
    // Drains share one admin SSH connection: a few at a time (sshd's MaxSessions).
    await eachLimited(g.state.nodes, ADMIN_CHANNELS, async (node) => {
        if (!live.has(node.vmId)) return destroyWithDisks(g, node);
        if (cp) {
            await unregister(g.client, g.inputs.moldClusterId, [node.vmId]);
            if (g.inputs.apiLoadBalancerRuleId) await removeApiMember(g.client, g.inputs.apiLoadBalancerRuleId, node.vmId).catch(() => undefined);
            return destroyWithDisks(g, node);
        }
        return removeNode(g, node);
    });
}

/** The control-plane node cannot be reached at all (as opposed to a step that ran and failed). */
function unreachable(e: unknown): boolean {
    return e instanceof SshConnectError || e instanceof SshConnectionLostError;
}
