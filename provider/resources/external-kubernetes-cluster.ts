// mold:index:ExternalKubernetesCluster — a self-managed cluster registered in Mold's Kubernetes list
// (clustertype ExternalManaged), so it shows up next to Mold-managed clusters with its VMs. Mold creates
// the row Running at once and does nothing to the VMs; node groups add and remove their VMs
// (add/removeVirtualMachinesToKubernetesCluster). Deleting it leaves the VMs alone (no cleanup/expunge):
// they belong to the node groups.
//
// Ownership: Mold cannot tag clusters, so ownership is the id recorded at create; a cluster found by name
// after a lost answer must be ExternalManaged and created after the request was sent.
import { findZone } from "../client/catalog";
import { createKubernetesCluster, deleteKubernetesCluster, getKubernetesCluster, KubernetesCluster, listKubernetesClusters } from "../client/kubernetes";
import { externalKubernetesClusterSchema } from "../generated/schema";
import type { ExternalKubernetesClusterInputs, ExternalKubernetesClusterOutputs } from "../generated/types";
import type { Reported, ResourceDefinition } from "../runtime/hooks";
import { Validator } from "../runtime/validate";
import { namesInMold } from "./check-names";
import { findNetwork } from "../runtime/common";
import { createOnce, deleteConfirmed } from "../runtime/reconcile";

function outputsOf(c: KubernetesCluster): Reported<ExternalKubernetesClusterInputs, ExternalKubernetesClusterOutputs> {
    return {
        state: c.state,
        clusterType: c.clustertype ?? "ExternalManaged",
        zoneId: c.zoneid,
        networkId: c.networkid ?? "",
        controlNodes: Number(c.controlnodes ?? 0),
        size: Number(c.size ?? 0),
        virtualMachineIds: (c.virtualmachines ?? []).map((vm) => vm.id),
    };
}

export const externalKubernetesCluster: ResourceDefinition<ExternalKubernetesClusterInputs, ExternalKubernetesClusterOutputs> = {
    kind: "ExternalKubernetesCluster",
    inputs: externalKubernetesClusterSchema.inputs,
    replaceOnChanges: externalKubernetesClusterSchema.replaceOnChanges,
    handles: {
        name: "createKubernetesCluster name",
        description: "createKubernetesCluster description",
        zone: "createKubernetesCluster zoneid (found by name or id)",
        network: "createKubernetesCluster networkid (found by name or id)",
        keyPair: "createKubernetesCluster keypair",
    },

    check(news) {
        const v = new Validator("ExternalKubernetesCluster");
        v.string("name", news.name, { required: true });
        v.string("description", news.description, { text: true });
        v.string("zone", news.zone, { required: true });
        v.string("network", news.network, { required: true });
        v.string("keyPair", news.keyPair);
        return { inputs: news, failures: v.failures };
    },

    checkInMold: (ctx, inputs) => namesInMold(ctx, "ExternalKubernetesCluster", inputs, { zone: "zone", networks: ["network"] }),

    async create(ctx, inputs) {
        const client = ctx.client();
        const zone = await findZone(client, inputs.zone);
        const network = await findNetwork(client, inputs.network);
        const sent = Date.now();
        const find = async () =>
            (await listKubernetesClusters(client, { name: inputs.name, clustertype: "ExternalManaged" })).find(
                (c) => c.networkid === network.id && (!c.created || Date.parse(c.created.replace(/\+0000$/, "Z")) >= sent - 5000),
            );
        const created = await createOnce(
            async () =>
                (
                    await createKubernetesCluster(client, {
                        name: inputs.name,
                        description: inputs.description,
                        zoneid: zone.id,
                        networkid: network.id,
                        keypair: inputs.keyPair,
                        clustertype: "ExternalManaged",
                    })
                ).cluster,
            find,
        );
        return { id: created.id, outs: outputsOf(created) };
    },

    async read(ctx, id) {
        const c = await getKubernetesCluster(ctx.client(), id);
        if (!c) return undefined;
        return { outs: outputsOf(c), inputs: { name: c.name, ...(c.keypair ? { keyPair: c.keypair } : {}) } };
    },

    // Everything replaces; this only finishes an adoption (importId).
    async update(ctx, id) {
        const c = await getKubernetesCluster(ctx.client(), id);
        if (!c) throw new Error(`Kubernetes cluster ${id} no longer exists in Mold; run refresh`);
        if (c.clustertype !== "ExternalManaged")
            throw new Error(`Kubernetes cluster ${c.name} (${id}) is ${c.clustertype}, not ExternalManaged: manage it with mold.KubernetesCluster`);
        return outputsOf(c);
    },

    async delete(ctx, id) {
        const client = ctx.client();
        await deleteConfirmed(
            () => deleteKubernetesCluster(client, id),
            async () => (await getKubernetesCluster(client, id)) !== undefined,
        );
    },
};
