// A self-managed cluster for the day-2 certificate and host-key tests: renewCertificatesBefore from the stack
// config (absent: renewal off), the node groups' nodes exported with their pinned host keys.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
const network = new mold.Network("nodes", { name: "kubeadm-certs", zone: "zone1", gateway: "10.3.0.1", netmask: "255.255.255.0" });
const key = new mold.SshKeyPair("nodes", { name: "kubeadm-certs" });

const cluster = new mold.KubeadmCluster("certs", {
    clusterName: "certs",
    zone: "zone1",
    network: network.id,
    networkCidr: network.cidr,
    kubernetesVersion: "1.31.9",
    serviceOffering: "2C-4GB",
    template: "ubuntu-22.04",
    keyPair: key.name,
    sshPrivateKey: key.privateKey,
    controlPlane: { count: config.getNumber("controlPlaneCount") ?? 1 },
    workerGroups: { workers: { count: config.getNumber("workers") ?? 1 } },
    registerInMold: false,
    renewCertificatesBefore: config.get("renewBefore"),
});

export const kubeconfig = cluster.kubeconfig;
export const certificatesExpireAt = cluster.certificatesExpireAt;
export const controlPlaneNodes = cluster.controlPlane.nodes;
export const workerNodes = cluster.workers.workers.nodes;
export const sshPrivateKey = key.privateKey;
