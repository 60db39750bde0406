// A self-managed HA cluster whose Kubernetes version comes from stack config: three control-plane nodes, a
// worker group upgraded in place (two nodes at a time) and one whose nodes are replaced by new ones.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
const network = new mold.Network("nodes", { name: "kubeadm-upgrade", zone: "zone1", gateway: "10.3.0.1", netmask: "255.255.255.0" });
const key = new mold.SshKeyPair("nodes", { name: "kubeadm-upgrade" });

const cluster = new mold.KubeadmCluster("up", {
    clusterName: "up",
    zone: "zone1",
    network: network.id,
    networkCidr: network.cidr,
    kubernetesVersion: config.get("version") ?? "1.31.9",
    serviceOffering: "2C-4GB",
    template: "ubuntu-22.04",
    keyPair: key.name,
    sshPrivateKey: key.privateKey,
    controlPlane: { count: config.getNumber("controlPlaneCount") ?? 3 },
    workerGroups: {
        inplace: { count: config.getNumber("inplaceCount") ?? 2, maxUnavailable: config.getNumber("maxUnavailable") ?? 2, labels: { pool: "inplace" } },
        replaced: { count: config.getNumber("replacedCount") ?? 1, upgradeStrategy: "replace", labels: { pool: "replaced" } },
    },
    registerInMold: false,
});

export const endpoint = cluster.endpoint;
export const nodes = cluster.nodes;
export const kubeconfig = cluster.kubeconfig;
