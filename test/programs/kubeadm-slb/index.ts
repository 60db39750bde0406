// A self-managed cluster with two worker groups (web, batch) whose nodes all serve a NodePort through a
// ServiceLoadBalancer. Stack config drives the edits the tests make between runs.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
const network = new mold.Network("nodes", { name: "kubeadm-slb", zone: "zone1", gateway: "10.3.0.1", netmask: "255.255.255.0" });
const key = new mold.SshKeyPair("nodes", { name: "kubeadm-slb" });

const cluster = new mold.KubeadmCluster("slb", {
    clusterName: "slb",
    zone: "zone1",
    network: network.id,
    networkCidr: network.cidr,
    kubernetesVersion: "1.31.9",
    serviceOffering: "2C-4GB",
    template: "ubuntu-22.04",
    keyPair: key.name,
    sshPrivateKey: key.privateKey,
    workerGroups: {
        web: { count: config.getNumber("webCount") ?? 2, serviceOffering: config.get("webOffering") ?? "2C-4GB" },
        batch: { count: config.getNumber("batchCount") ?? 1 },
    },
    registerInMold: false,
});

const service = new mold.ServiceLoadBalancer("app", {
    cluster,
    ports: [
        { publicPort: 80, nodePort: 30080, protocol: "tcp" },
        { publicPort: 443, nodePort: 30443 },
    ],
    cidrList: ["0.0.0.0/0"],
    nodeGroups: config.getObject<string[]>("nodeGroups"),
    tags: { app: "demo" },
});

export const nodes = cluster.nodes;
export const publicIp = service.publicIp;
export const urls = service.urls;
export const members = service.memberVmIds;
export const ruleIds = service.loadBalancerRuleIds;
