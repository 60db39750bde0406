// The critical-path bench's realistic dependent program (test/bench/dependent-realistic.ts): what a user waits
// for when a VM is reached through a public address — network → VM deploy (about a minute in Mold) → port
// forwarding, beside network → public IP → firewall rules.
import * as mold from "pulumi-mold";

const tags = { team: "platform" };

const network = new mold.Network("net", { name: "app-net", zone: "zone1", tags });

const vm = new mold.VirtualMachine("web", {
    name: "web-1",
    zone: "zone1",
    template: "ubuntu-22.04",
    serviceOffering: "1C-1GB",
    networks: [network.id],
    tags,
});

const ip = new mold.PublicIpAddress("ip", { network: network.id, tags });

const rules = [22, 443].map(
    (port) => new mold.FirewallRule(`allow-${port}`, { ipAddressId: ip.id, protocol: "tcp", startPort: port, cidrList: ["0.0.0.0/0"], tags }),
);

const ssh = new mold.PortForwardingRule("ssh", {
    ipAddressId: ip.id,
    protocol: "tcp",
    publicPort: 2222,
    privatePort: 22,
    virtualMachine: vm.id,
    // The firewall rules above open the ports; no linked rule of Mold's.
    openFirewall: false,
    tags,
});

export const address = ip.ipAddress;
export const ruleIds = rules.map((r) => r.id);
export const forwardId = ssh.id;
export const vmState = vm.state;
