// Which Kubernetes cluster a VM belongs to, and the destroy refusal for CloudManaged members
// (mold-api-kubernetes.md §10.2). A module of its own so that vm.ts can use it: kubernetes*.ts import vm.ts,
// and this one needs only the cluster record (simulator/records/cluster.ts), never a cluster handler.
import { internalError } from "../errors";
import { T } from "../model";
import { ClusterRecord, memberVmIds } from "../records/cluster";
import { table } from "../state";
import type { BaseContext } from "../types";

function clusters(ctx: BaseContext): ClusterRecord[] {
    return Object.values(table<ClusterRecord>(ctx.state, T.kubernetesClusters));
}

/** The (not removed) cluster a VM belongs to, if any. */
export function kubernetesClusterOfVm(ctx: BaseContext, vmId: string): ClusterRecord | undefined {
    return clusters(ctx).find((c) => memberVmIds(c).includes(vmId));
}

/**
 * KubernetesServiceHelperImpl.checkVmCanBeDestroyed: destroyVirtualMachine on a CloudManaged member is
 * refused (530); ExternalManaged members may be destroyed.
 */
export function checkVmCanBeDestroyed(ctx: BaseContext, vmId: string): void {
    const cluster = clusters(ctx).find((c) => c.clustertype !== "ExternalManaged" && memberVmIds(c).includes(vmId));
    if (!cluster) return;
    throw internalError(
        `Instance is a part of a Kubernetes cluster: ${cluster.name}. Use Instance delete option from Kubernetes cluster details or scale API for Kubernetes clusters with 'nodeids' to destroy the instance.`,
    );
}
