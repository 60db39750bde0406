// An HA self-managed cluster for the etcd care tests: three control-plane nodes by default, optionally one
// worker group, etcd snapshots kept as configured. Stack config drives the edits the tests make between runs.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
const network = new mold.Network("nodes", { name: "kubeadm-etcd", zone: "zone1", gateway: "10.3.0.1", netmask: "255.255.255.0" });
const key = new mold.SshKeyPair("nodes", { name: "kubeadm-etcd" });
const keep = config.getNumber("keep");
const workers = config.getNumber("workers") ?? 0;

const cluster = new mold.KubeadmCluster("etcd", {
    clusterName: "etcd",
    zone: "zone1",
    network: network.id,
    networkCidr: network.cidr,
    kubernetesVersion: "1.31.9",
    serviceOffering: "2C-4GB",
    template: "ubuntu-22.04",
    keyPair: key.name,
    sshPrivateKey: key.privateKey,
    controlPlane: { count: config.getNumber("controlPlaneCount") ?? 3 },
    workerGroups: workers ? { workers: { count: workers } } : {},
    etcdSnapshots: keep === undefined ? undefined : { keep },
    registerInMold: false,
});

export const endpoint = cluster.endpoint;
export const nodes = cluster.nodes;
export const kubeconfig = cluster.kubeconfig;
export const etcdSnapshotFiles = cluster.etcdSnapshotFiles;
