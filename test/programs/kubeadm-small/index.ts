// A small self-managed cluster: one control-plane node and one worker group, without a Mold registration
// unless asked. Stack config drives the edits the tests make between runs.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
const network = new mold.Network("nodes", { name: "kubeadm-small", zone: "zone1", gateway: "10.2.0.1", netmask: "255.255.255.0" });
const key = new mold.SshKeyPair("nodes", { name: "kubeadm-small" });

const cluster = new mold.KubeadmCluster("small", {
    clusterName: "small",
    zone: "zone1",
    network: network.id,
    networkCidr: network.cidr,
    kubernetesVersion: "1.31.9",
    cni: config.get("cni") ?? "flannel",
    serviceOffering: "2C-4GB",
    template: "ubuntu-22.04",
    keyPair: key.name,
    sshPrivateKey: key.privateKey,
    controlPlane: { count: config.getNumber("controlPlaneCount") ?? 1, serviceOffering: config.get("controlPlaneOffering") },
    workerGroups: {
        workers: {
            count: config.getNumber("workers") ?? 1,
            serviceOffering: config.get("workerOffering") ?? "2C-4GB",
            labels: { role: config.get("role") ?? "app" },
        },
    },
    registerInMold: config.getBoolean("register") ?? false,
});

export const endpoint = cluster.endpoint;
export const nodes = cluster.nodes;
export const kubeconfig = cluster.kubeconfig;
export const moldClusterId = cluster.moldClusterId;
