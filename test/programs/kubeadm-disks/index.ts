// A self-managed cluster with data disks: the control plane's etcd on a disk of its own (3 nodes by default),
// a worker group with a disk for containerd. Stack config drives the edits the tests make between runs.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
const network = new mold.Network("nodes", { name: "kubeadm-disks", zone: "zone1", gateway: "10.3.0.1", netmask: "255.255.255.0" });
const key = new mold.SshKeyPair("nodes", { name: "kubeadm-disks" });
const workers = config.getNumber("workers") ?? 0;
const workerOffering = config.get("workerOffering") ?? "Custom";
const workerSize = config.getNumber("workerSize");

const cluster = new mold.KubeadmCluster("disks", {
    clusterName: "disks",
    zone: "zone1",
    network: network.id,
    networkCidr: network.cidr,
    kubernetesVersion: "1.31.9",
    serviceOffering: "2C-4GB",
    template: "ubuntu-22.04",
    keyPair: key.name,
    sshPrivateKey: key.privateKey,
    controlPlane: {
        count: config.getNumber("controlPlaneCount") ?? 3,
        dataDisks:
            config.getBoolean("etcdDisk") === false
                ? undefined
                : [{ diskOffering: "Custom", size: config.getNumber("etcdSize") ?? 10, mountPath: config.get("etcdPath") ?? "/var/lib/etcd" }],
    },
    workerGroups: workers
        ? {
              workers: {
                  count: workers,
                  dataDisks: [
                      {
                          diskOffering: workerOffering,
                          size: workerOffering === "Custom" ? (workerSize ?? 20) : workerSize,
                          mountPath: config.get("workerPath") ?? "/var/lib/containerd",
                          retainOnDelete: config.getBoolean("retain") ?? false,
                      },
                  ],
              },
          }
        : {},
    registerInMold: false,
});

export const endpoint = cluster.endpoint;
export const nodes = cluster.nodes;
