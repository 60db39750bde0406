// Three dependent resources: a network, a public IP on it and a firewall rule on that IP.
// Stack config drives the edits the lifecycle test makes between runs.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();

const network = new mold.Network("net", {
    name: config.get("networkName") ?? "app-net",
    zone: "zone1",
    tags: { team: config.get("team") ?? "platform" },
});

const ip = new mold.PublicIpAddress("ip", { network: network.id });

// `withRule=false` drops the rule from the program, so the engine deletes it.
const ssh =
    config.getBoolean("withRule") === false
        ? undefined
        : new mold.FirewallRule("ssh", {
              ipAddressId: ip.id,
              protocol: "tcp",
              startPort: config.getNumber("sshPort") ?? 22,
              cidrList: [config.get("adminCidr") ?? "10.0.0.0/8"],
          });

export const networkId = network.id;
export const cidr = network.cidr;
export const address = ip.ipAddress;
export const ruleId = ssh?.id;
export const ruleState = ssh?.state;
