// A network with a public IP, an egress rule, and a port-forwarding rule from the IP to a VM.
// The VM is deployed by the test with the client (its id comes through stack config, `vmId`): it needs
// the network this program creates, so the rule is added by a second `up` once the VM exists.
// Stack config drives the edits the forwarding test makes between runs.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
const tags = { team: config.get("team") ?? "platform" };

const network = new mold.Network("net", { name: "fwd-net", zone: "zone1" });

const ip = new mold.PublicIpAddress("ip", { network: network.id });

// 0.0.0.0/0 as the source: Mold stores the network's CIDR instead, which must not show as drift.
const egress = new mold.EgressFirewallRule("egress", {
    network: network.id,
    protocol: "tcp",
    startPort: config.getNumber("egressPort") ?? 443,
    cidrList: [config.get("egressCidr") ?? "0.0.0.0/0"],
    destCidrList: ["0.0.0.0/0"],
    tags,
});

const vmId = config.get("vmId");
const ssh =
    vmId && config.getBoolean("withForwarding") !== false
        ? new mold.PortForwardingRule("ssh", {
              ipAddressId: ip.id,
              protocol: "tcp",
              publicPort: config.getNumber("publicPort") ?? 2222,
              privatePort: config.getNumber("privatePort") ?? 22,
              virtualMachine: vmId,
              // Explicit: Mold adds a linked ingress rule for the public port, removed with this rule.
              openFirewall: true,
              tags,
          })
        : undefined;

export const networkId = network.id;
export const networkCidr = network.cidr;
export const ipAddressId = ip.id;
export const egressId = egress.id;
export const egressCidrs = egress.cidrList;
export const forwardId = ssh?.id;
export const forwardGuestIp = ssh?.guestIpAddress;
