// A Mold-managed cluster with Mold's CSI driver switched on or off by stack config (`csi`).
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();

const cluster = new mold.KubernetesCluster("cluster", {
    name: "csi-k8s",
    zone: "zone1",
    kubernetesVersion: "1.31.9",
    serviceOffering: "2C-4GB",
    size: 1,
    enableCsi: config.getBoolean("csi") ?? true,
    timeouts: { create: 2, update: 2, delete: 2 },
});

export const clusterId = cluster.clusterId;
export const csiEnabled = cluster.csiEnabled;
export const storageClassName = cluster.storageClassName;
