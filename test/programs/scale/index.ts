// `rules` firewall rules spread round-robin over `ips` public IPs on `networks` networks (all the rules on one
// IP with ips=1), for the bench's scale section: resources = networks + ips + rules. Every rule has its own
// port, so no two rules on one IP overlap.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
const networkCount = config.getNumber("networks") ?? 2;
const ipCount = config.getNumber("ips") ?? 4;
const ruleCount = config.getNumber("rules") ?? 44;

const networks = Array.from({ length: networkCount }, (_, i) => new mold.Network(`net-${i}`, { name: `scale-net-${i}`, zone: "zone1" }));
const ips = Array.from({ length: ipCount }, (_, i) => new mold.PublicIpAddress(`ip-${i}`, { network: networks[i % networkCount].id }));
for (let i = 0; i < ruleCount; i++) {
    new mold.FirewallRule(`rule-${i}`, {
        ipAddressId: ips[i % ipCount].id,
        protocol: "tcp",
        startPort: 1024 + i,
        cidrList: ["10.0.0.0/8"],
    });
}

export const resources = networkCount + ipCount + ruleCount;
