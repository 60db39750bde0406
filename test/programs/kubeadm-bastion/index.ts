// A self-managed cluster whose nodes expose no SSH at all: a bastion VM (its host key chosen here and installed
// by cloud-init, so it can be pinned) is the only way in, through a port forward on its own public IP.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
const bastionHostKey = config.requireSecret("bastionHostKey");
const bastionHostPublicKey = config.require("bastionHostPublicKey");
/** What the cluster pins for the bastion (a test sets another key here to see it refused). */
const pinned = config.get("pinnedBastionKey") ?? bastionHostPublicKey;

const network = new mold.Network("nodes", { name: "kubeadm-bastion", zone: "zone1", gateway: "10.4.0.1", netmask: "255.255.255.0" });
const key = new mold.SshKeyPair("nodes", { name: "kubeadm-bastion" });

const indent = (text: string) =>
    text
        .trim()
        .split("\n")
        .map((l) => `    ${l}`)
        .join("\n");
const bastion = new mold.VirtualMachine("bastion", {
    name: "bastion",
    zone: "zone1",
    template: "ubuntu-22.04",
    serviceOffering: "1C-1GB",
    networks: [network.id],
    keyPair: key.name,
    userData: pulumi.interpolate`#cloud-config
ssh_deletekeys: true
ssh_genkeytypes: []
ssh_keys:
  ed25519_private: |
${bastionHostKey.apply(indent)}
  ed25519_public: ${bastionHostPublicKey}
`,
});
const bastionIp = new mold.PublicIpAddress("bastion", { network: network.id });
const forward = new mold.PortForwardingRule("bastion-ssh", {
    ipAddressId: bastionIp.id,
    protocol: "tcp",
    publicPort: 2200,
    privatePort: 22,
    virtualMachine: bastion.id,
});
const ssh = new mold.FirewallRule("bastion-ssh", { ipAddressId: bastionIp.id, protocol: "tcp", startPort: 2200, cidrList: ["0.0.0.0/0"] });

const cluster = new mold.KubeadmCluster(
    "fenced",
    {
        clusterName: "fenced",
        zone: "zone1",
        network: network.id,
        networkCidr: network.cidr,
        kubernetesVersion: "1.31.9",
        serviceOffering: "2C-4GB",
        template: "ubuntu-22.04",
        keyPair: key.name,
        sshPrivateKey: key.privateKey,
        bastion: { host: bastionIp.ipAddress, port: 2200, hostPublicKey: pinned },
        workerGroups: { workers: { count: config.getNumber("workers") ?? 1 } },
        registerInMold: false,
    },
    // The nodes are reached through the bastion: it must exist first and go last.
    { dependsOn: [bastion, forward, ssh] },
);

export const endpoint = cluster.endpoint;
export const nodes = cluster.nodes;
