// A small self-managed cluster on a VPC tier: the API load balancer and the control-plane node's SSH forward on
// an address of the VPC, opened by ACL rules in the tier's own list (a tier has no firewall).
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
const vpc = new mold.Vpc("vpc", { name: "kvpc", zone: "zone1", cidr: "10.60.0.0/16" });
const acl = new mold.NetworkAclList("nodes", { vpc: vpc.id, name: "nodes", description: "kubeadm nodes" });
const tier = new mold.Network("nodes", { name: "nodes", zone: "zone1", vpc, gateway: "10.60.1.1", netmask: "255.255.255.0", aclList: acl.id });
const key = new mold.SshKeyPair("nodes", { name: "kubeadm-vpc" });

const cluster = new mold.KubeadmCluster("vk", {
    clusterName: "vk",
    zone: "zone1",
    network: tier.id,
    networkCidr: tier.cidr,
    vpc: vpc.id,
    aclList: acl.id,
    aclRuleNumber: 100,
    kubernetesVersion: "1.31.9",
    serviceOffering: "2C-4GB",
    template: "ubuntu-22.04",
    keyPair: key.name,
    sshPrivateKey: key.privateKey,
    workerGroups: { workers: { count: config.getNumber("workers") ?? 1 } },
    registerInMold: false,
});

export const endpoint = cluster.endpoint;
export const nodes = cluster.nodes;
export const kubeconfig = cluster.kubeconfig;
export const publicIpAddressId = cluster.publicIpAddressId;
export const vpcId = vpc.id;
export const aclListId = acl.id;
export const tierId = tier.id;
