// A small web tier on Mold: an isolated network, a key pair, two VMs, one public IP with HTTPS
// load-balanced to the VMs, SSH to each VM through its own port forward, and outbound HTTPS only.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
const zone = config.get("zone") ?? "zone1";
const adminCidr = config.get("adminCidr") ?? "10.0.0.0/8";
// One value stamped on every resource's tags, so changing it edits every resource's tags in place.
const tags = { app: "web", revision: config.get("revision") ?? "1" };

const network = new mold.Network("web", {
    name: config.get("networkName") ?? "web-net",
    displayText: config.get("networkDisplayText") ?? "web tier",
    zone,
    networkDomain: config.get("networkDomain") ?? "web.internal",
    tags,
});

// Mold generates the pair; its private key is a secret output.
const deployKey = new mold.SshKeyPair("deploy", { name: config.get("keyName") ?? "web-deploy" });

const vms = [1, 2].map(
    (i) =>
        new mold.VirtualMachine(`web-${i}`, {
            name: `web-${i}`,
            displayName: config.get("vmDisplayPrefix") ? `${config.get("vmDisplayPrefix")}-${i}` : undefined,
            zone,
            template: "ubuntu-22.04",
            serviceOffering: config.get("vmOffering") ?? "2C-2GB",
            networks: [network.id],
            keyPair: deployKey.name,
            desiredState: (config.get("vmState") as "running" | "stopped" | undefined) ?? "running",
            tags,
        }),
);

const ip = new mold.PublicIpAddress("web", { network: network.id, tags });

// HTTPS from anywhere to the load balancer; SSH only from the admin network, one port per VM.
new mold.FirewallRule("https", { ipAddressId: ip.id, protocol: "tcp", startPort: 443, cidrList: [config.get("httpsCidr") ?? "0.0.0.0/0"], tags });
new mold.FirewallRule("ssh", { ipAddressId: ip.id, protocol: "tcp", startPort: 2201, endPort: 2202, cidrList: [adminCidr], tags });
vms.forEach(
    (vm, i) =>
        new mold.PortForwardingRule(`ssh-${i + 1}`, {
            ipAddressId: ip.id,
            protocol: "tcp",
            publicPort: 2201 + i,
            privatePort: 22,
            virtualMachine: vm.id,
            // The firewall rule above opens these ports; don't let Mold add one per forward.
            openFirewall: false,
            tags,
        }),
);

const lb = new mold.LoadBalancerRule("web", {
    name: config.get("lbName") ?? "web-lb",
    description: "HTTPS to the web VMs",
    algorithm: config.get("lbAlgorithm") ?? "roundrobin",
    publicIpAddressId: ip.id,
    publicPort: 443,
    privatePort: 8443,
    openFirewall: false,
    members: config.getBoolean("singleMember") ? [vms[0].id] : vms.map((vm) => vm.id),
    stickinessPolicy: { name: "web-sticky", method: config.get("stickiness") ?? "LbCookie" },
    tags,
});

// The VMs may reach HTTPS servers and DNS, nothing else.
new mold.EgressFirewallRule("egress-https", { network: network.id, protocol: "tcp", startPort: 443, tags });
new mold.EgressFirewallRule("egress-dns", { network: network.id, protocol: "udp", startPort: 53, tags });

export const networkId = network.id;
export const cidr = network.cidr;
export const publicIp = ip.ipAddress;
export const privateIps = vms.map((vm) => vm.privateIp);
export const loadBalancerId = lb.id;
export const privateKey = deployKey.privateKey;
