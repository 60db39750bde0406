// A small self-managed cluster whose worker group has node repair switched on or off by stack config
// (repair=on|off, notReadyTimeout, maxUnhealthy, workers; controlPlaneRepair=on with controlPlaneCount), for the
// node repair tests.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
const network = new mold.Network("nodes", { name: "kubeadm-repair", zone: "zone1", gateway: "10.3.0.1", netmask: "255.255.255.0" });
const key = new mold.SshKeyPair("nodes", { name: "kubeadm-repair" });
const repair =
    config.get("repair") === "on" ? { notReadyTimeout: config.get("notReadyTimeout") ?? "10m", maxUnhealthy: config.getNumber("maxUnhealthy") } : undefined;

const cluster = new mold.KubeadmCluster("mend", {
    clusterName: "mend",
    zone: "zone1",
    network: network.id,
    networkCidr: network.cidr,
    kubernetesVersion: "1.31.9",
    serviceOffering: "2C-4GB",
    template: "ubuntu-22.04",
    keyPair: key.name,
    sshPrivateKey: key.privateKey,
    controlPlane: {
        count: config.getNumber("controlPlaneCount") ?? 1,
        repair: config.get("controlPlaneRepair") === "on" ? { notReadyTimeout: config.get("notReadyTimeout") ?? "10m" } : undefined,
    },
    workerGroups: {
        workers: { count: config.getNumber("workers") ?? 2, repair },
    },
    registerInMold: false,
});

export const nodes = cluster.nodes;
export const kubeconfig = cluster.kubeconfig;
