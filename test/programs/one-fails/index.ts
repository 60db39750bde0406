// Several resources succeed while one fails: a second SSH rule on the same address and ports, which
// Mold refuses as a conflict with the first (only Mold can know: the first rule exists only at run time).
// `conflict=false` drops it, so the next up converges. An independent network with an egress rule is
// created alongside (a test makes that rule's job slow, so it is still under way when the conflict fails).
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();

const network = new mold.Network("net", { name: "one-fails-net", zone: "zone1" });
const ip = new mold.PublicIpAddress("ip", { network: network.id });
const ssh = new mold.FirewallRule("ssh", { ipAddressId: ip.id, protocol: "tcp", startPort: 22, cidrList: ["10.0.0.0/8"] });
if (config.getBoolean("conflict") !== false) {
    new mold.FirewallRule("ssh-again", { ipAddressId: ip.id, protocol: "tcp", startPort: 22, cidrList: ["10.0.0.0/8"] }, { dependsOn: [ssh] });
}

const other = new mold.Network("other", { name: "one-fails-other", zone: "zone1" });
const egress = new mold.EgressFirewallRule("egress", { network: other.id, protocol: "tcp", startPort: 443, destCidrList: ["0.0.0.0/0"] });

export const networkId = network.id;
export const ruleId = ssh.id;
export const egressId = egress.id;
