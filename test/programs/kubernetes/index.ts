// A key pair and a Mold-managed Kubernetes cluster using every field of Mold's create form (the network is
// left out, so Mold creates `<name>-network`). Stack config drives the edits the test makes between runs.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
const autoscale = config.getBoolean("autoscale") ?? false;
const removeNode = config.get("removeNode");

const key = new mold.SshKeyPair("key", { name: "k8s-key" });

const cluster = new mold.KubernetesCluster("cluster", {
    name: "demo-k8s",
    description: "engine test cluster",
    zone: "zone1",
    kubernetesVersion: config.get("version") ?? "1.31.9",
    serviceOffering: "2C-4GB",
    nodeRootDiskSize: 20,
    controlNodes: 1,
    size: config.getNumber("size") ?? 2,
    keyPair: key.name,
    privateRegistry: { url: "https://registry.example:5000", username: "puller", password: "registry-s3cret-42" },
    autoscaling: autoscale ? { enabled: true, minSize: 1, maxSize: 4 } : undefined,
    desiredState: (config.get("desiredState") as "running" | "stopped" | undefined) ?? "running",
    removeNodes: removeNode ? [removeNode] : undefined,
    timeouts: { create: 2, update: 2, delete: 2 },
});

export const clusterId = cluster.clusterId;
export const state = cluster.state;
export const endpoint = cluster.endpoint;
export const kubeconfig = cluster.kubeconfig;
export const ipAddress = cluster.ipAddress;
export const ipAddressId = cluster.ipAddressId;
export const networkId = cluster.networkId;
export const networkName = cluster.networkName;
export const controlNodes = cluster.controlNodes;
export const size = cluster.size;
export const cpuNumber = cluster.cpuNumber;
export const memory = cluster.memory;
export const kubernetesVersion = cluster.kubernetesVersion;
export const account = cluster.account;
export const domain = cluster.domain;
export const clusterType = cluster.clusterType;
export const created = cluster.created;
export const nodes = cluster.nodes;
export const privateRegistry = cluster.privateRegistry;
