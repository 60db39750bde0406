// A VPC with two tiers: web (a VM, a public IP of the VPC with a port-forwarding and a load-balancer rule on
// the tier) and db. Stack config drives the edits the engine test makes between runs ("" means "left out").
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();

const vpc = new mold.Vpc("vpc", {
    name: config.get("vpcName") || "shop",
    displayText: config.get("vpcText") || undefined,
    zone: "zone1",
    cidr: config.get("vpcCidr") || "10.10.0.0/16",
    tags: { team: "shop" },
});

// The Vpc object (not only its id): preview then checks each tier's CIDR against the VPC and the tiers before it.
const web = new mold.Network("web", {
    name: "web",
    zone: "zone1",
    vpc,
    gateway: "10.10.1.1",
    netmask: "255.255.255.0",
    aclList: config.get("webAcl") || undefined,
});
const db = new mold.Network("db", { name: "db", zone: "zone1", vpc, gateway: config.get("dbGateway") || "10.10.3.1", netmask: "255.255.255.0" });

const vm = new mold.VirtualMachine("web-1", { name: "web-1", zone: "zone1", template: "ubuntu-22.04", serviceOffering: "1C-1GB", networks: [web.id] });

const ip = new mold.PublicIpAddress("ip", { vpc: vpc.id });

const ssh = new mold.PortForwardingRule("ssh", {
    ipAddressId: ip.id,
    network: web.id,
    protocol: "tcp",
    publicPort: 2222,
    privatePort: 22,
    virtualMachine: vm.id,
});

const lb = new mold.LoadBalancerRule(
    "http",
    {
        name: "http",
        algorithm: "roundrobin",
        publicIpAddressId: ip.id,
        network: web.id,
        publicPort: 80,
        privatePort: 8080,
        members: [vm.id],
        openFirewall: config.getBoolean("lbOpenFirewall"),
    },
    // After the port forward: Mold ties the address to the tier with the first rule.
    { dependsOn: [ssh] },
);

export const vpcId = vpc.id;
export const sourceNatIp = vpc.sourceNatIpAddress;
export const webId = web.id;
export const webAcl = web.aclListName;
export const dbId = db.id;
export const ipId = ip.id;
export const ipVpc = ip.vpcId;
export const sshNetwork = ssh.networkId;
export const lbNetwork = lb.networkId;
