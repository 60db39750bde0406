// A self-managed Kubernetes cluster on Mold: pulumi-mold deploys the VMs and bootstraps them over SSH with
// kubeadm. Three control-plane nodes sit behind a load-balancer rule on 6443 of a public IP; two worker
// groups carry labels and taints; Flannel is the CNI; nginx is deployed through the cluster's provider.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
const zone = config.get("zone") ?? "zone1";
const template = config.get("template") ?? "ubuntu-22.04";
// false: the cluster only, no Deployment (e.g. with the Pulumi CLI against the simulator, whose Kubernetes API
// serves nodes but not apps/v1 for the Kubernetes plugin to deploy to).
const workloads = config.getBoolean("workloads") ?? true;

const network = new mold.Network("nodes", { name: config.get("networkName") ?? "self-managed-ha", zone, gateway: "10.1.0.1", netmask: "255.255.255.0" });

// Mold generates the key pair; its private key (a secret output) is how pulumi-mold reaches the nodes.
const key = new mold.SshKeyPair("nodes", { name: config.get("keyName") ?? "self-managed-ha" });

const cluster = new mold.KubeadmCluster("ha", {
    clusterName: config.get("clusterName") ?? "ha",
    zone,
    network: network.id,
    networkCidr: network.cidr,
    kubernetesVersion: config.get("kubernetesVersion") ?? "1.32.5",
    cni: "flannel",
    serviceOffering: "2C-4GB",
    template,
    keyPair: key.name,
    sshPrivateKey: key.privateKey,
    controlPlane: { count: config.getNumber("controlPlaneCount") ?? 3 },
    workerGroups: {
        general: {
            count: config.getNumber("generalCount") ?? 2,
            labels: { "node.example.com/pool": "general", tier: config.get("generalTier") ?? "web" },
        },
        batch: {
            count: config.getNumber("batchCount") ?? 1,
            serviceOffering: "4C-8GB",
            labels: { "node.example.com/pool": "batch" },
            taints: [{ key: "dedicated", value: "batch", effect: "NoSchedule" }],
        },
    },
    apiAccessCidrs: [config.get("apiCidr") ?? "0.0.0.0/0"],
});

if (workloads) {
    const labels = { app: "nginx" };
    new k8s.apps.v1.Deployment(
        "nginx",
        {
            metadata: { name: "nginx", labels },
            spec: {
                replicas: 2,
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels },
                    spec: {
                        nodeSelector: { "node.example.com/pool": "general" },
                        containers: [{ name: "nginx", image: "nginx:1.27", ports: [{ containerPort: 80 }] }],
                    },
                },
            },
        },
        { provider: cluster.provider },
    );
}

export const endpoint = cluster.endpoint;
export const kubeconfig = cluster.kubeconfig;
export const nodes = cluster.nodes.apply((ns) => ns.map((n) => `${n.name} (${n.group})`));
export const moldClusterId = cluster.moldClusterId;
