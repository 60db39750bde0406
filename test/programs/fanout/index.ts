// `chains` (default 3) independent copies of the dependent program's chain: a network, a public IP on
// it and a firewall rule on that IP. Nothing links one chain to another, so the engine may run them in
// parallel. With chains=0 the program declares nothing but still loads pulumi-mold (engine startup).
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
const chains = config.getNumber("chains") ?? 3;

const ruleIds: pulumi.Output<string>[] = [];
for (let i = 0; i < chains; i++) {
    const network = new mold.Network(`net-${i}`, { name: `fanout-net-${i}`, zone: "zone1", tags: { chain: String(i) } });
    const ip = new mold.PublicIpAddress(`ip-${i}`, { network: network.id });
    const rule = new mold.FirewallRule(`ssh-${i}`, { ipAddressId: ip.id, protocol: "tcp", startPort: 22, cidrList: ["10.0.0.0/8"] });
    ruleIds.push(rule.id);
}

export const chainCount = chains;
export const sdkLoaded = typeof mold.Network === "function";
export const rules = ruleIds;
