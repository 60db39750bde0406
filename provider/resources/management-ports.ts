// Mold's Kubernetes service owns ports on a cluster's public IP: 6443 (the API, through its api-lb rule)
// and 2222 upwards (port forwards to each node's SSH). A user rule there would collide with the
// service's own rules or hijack them, so it is refused at check, saying why.
import type { MoldClient } from "../client/client";
import { clusterChangesOf, KubernetesCluster, listKubernetesClusters } from "../client/kubernetes";
import { CheckFailure, containsUnknown, HookContext } from "../runtime/hooks";

export const API_PORT = 6443;
export const FIRST_SSH_PORT = 2222;

export interface PortRange {
    property: string;
    start: number;
    end: number;
}

/** Whether any range could touch a management port (no API call needed otherwise). */
export function mayCollide(ranges: PortRange[]): boolean {
    return ranges.some((r) => (r.start <= API_PORT && API_PORT <= r.end) || r.end >= FIRST_SSH_PORT);
}

/** Ports the service owns on a cluster: 6443 and one SSH port per node (up to the autoscaling maximum). */
export function ownedRanges(controlNodes: number, workers: number): { start: number; end: number }[] {
    const nodes = Math.max(1, controlNodes + workers);
    return [
        { start: API_PORT, end: API_PORT },
        { start: FIRST_SSH_PORT, end: FIRST_SSH_PORT + nodes - 1 },
    ];
}

/** How long one listing of the clusters answers the checks of an endpoint (a run checks its rules in a burst). */
export const CLUSTER_LIST_REUSE_MS = 2000;
const clusterLists = new WeakMap<MoldClient, { at: number; changes: number; list: Promise<KubernetesCluster[]> }>();

/**
 * The endpoint's clusters, one listing shared by the checks of the last CLUSTER_LIST_REUSE_MS (and by those
 * waiting for it): a program of 2,000 rules on high ports made one listing per rule. Clusters this process
 * changes invalidate it; one another process creates within the window is seen by the next check after it.
 */
function recentClusters(client: MoldClient): Promise<KubernetesCluster[]> {
    const hit = clusterLists.get(client);
    // A cluster this process created, scaled or deleted since makes the listing stale at once.
    if (hit && Date.now() - hit.at < CLUSTER_LIST_REUSE_MS && hit.changes === clusterChangesOf(client)) return hit.list;
    const list = listKubernetesClusters(client);
    const entry = { at: Date.now(), changes: clusterChangesOf(client), list };
    clusterLists.set(client, entry);
    // A failed listing is not reused.
    list.catch(() => clusterLists.get(client) === entry && clusterLists.delete(client));
    return list;
}

/**
 * Failures for ranges on `ipAddressId` that overlap what a Mold-managed Kubernetes cluster owns there.
 * One read (listKubernetesClusters, shared by the checks of a burst), and only when a range could collide.
 */
export async function managementPortFailures(ctx: HookContext, kind: string, ipAddressId: string, ranges: PortRange[]): Promise<CheckFailure[]> {
    if (containsUnknown([ipAddressId, ranges]) || !mayCollide(ranges)) return [];
    const cluster = (await recentClusters(ctx.client())).find((c) => c.ipaddressid === ipAddressId && c.clustertype !== "ExternalManaged");
    if (!cluster) return [];
    const workers = cluster.autoscalingenabled && cluster.maxsize ? cluster.maxsize : cluster.size;
    const owned = ownedRanges(cluster.controlnodes, workers);
    const failures: CheckFailure[] = [];
    for (const r of ranges) {
        const hit = owned.find((o) => r.start <= o.end && o.start <= r.end);
        if (!hit) continue;
        const ports = r.start === r.end ? `port ${r.start}` : `ports ${r.start}-${r.end}`;
        const theirs = hit.start === hit.end ? `${hit.start}` : `${hit.start}-${hit.end}`;
        failures.push({
            property: r.property,
            reason:
                `mold:${kind}: ${r.property}: ${ports} on ${cluster.ipaddress ?? ipAddressId} collide with ${theirs}, which Mold's Kubernetes ` +
                `service manages for cluster '${cluster.name}' (6443 for the API, 2222 upwards for node SSH); use other ports or another public IP`,
        });
    }
    return failures;
}
