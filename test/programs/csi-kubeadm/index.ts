// A one-node self-managed cluster with PersistentVolumeClaims on Mold disks (csi). Stack config drives the
// edits the CSI test makes between runs; `apiKey`/`secretKey` (secrets) give the driver a dedicated key pair.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
const network = new mold.Network("nodes", { name: "csi-kubeadm", zone: "zone1", gateway: "10.3.0.1", netmask: "255.255.255.0" });
const key = new mold.SshKeyPair("nodes", { name: "csi-kubeadm" });

const cluster = new mold.KubeadmCluster("csi", {
    clusterName: "csi",
    zone: "zone1",
    network: network.id,
    networkCidr: network.cidr,
    kubernetesVersion: "1.31.9",
    serviceOffering: "2C-4GB",
    template: config.get("template") ?? "ubuntu-22.04",
    keyPair: key.name,
    sshPrivateKey: key.privateKey,
    controlPlane: { count: 1, labels: { tier: config.get("tier") ?? "a" } },
    registerInMold: false,
    csi: {
        enabled: config.getBoolean("csi") ?? true,
        diskOffering: config.get("diskOffering") ?? "Custom",
        storageClassName: config.get("storageClass"),
        default: config.getBoolean("default") ?? false,
        apiKey: config.getSecret("apiKey"),
        secretKey: config.getSecret("secretKey"),
    },
});

export const endpoint = cluster.endpoint;
export const storageClassName = cluster.storageClassName;
