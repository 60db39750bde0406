// A load-balancer rule over two VMs on a public IP. Stack config drives the edits the engine test
// makes between runs: name, algorithm, members, stickiness, ports and a health check.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();

const network = new mold.Network("net", { name: "lb-net", zone: "zone1" });
const ip = new mold.PublicIpAddress("ip", { network: network.id });

const vms: Record<string, mold.VirtualMachine> = {};
for (const name of ["web-1", "web-2"]) {
    vms[name] = new mold.VirtualMachine(name, { name, zone: "zone1", template: "ubuntu-22.04", serviceOffering: "1C-1GB", networks: [network.id] });
}

// Members by name for web-1 and by id for web-2: both spellings resolve. Taking them from the VMs'
// outputs also orders the rule after the VMs.
const wanted = (config.get("members") ?? "web-1,web-2").split(",").filter((m) => m !== "");
const members = wanted.map((m) => (m === "web-1" ? vms[m].name : vms[m].id));

const stickiness: Record<string, mold.StickinessPolicy | undefined> = {
    cookie: { method: "LbCookie", name: "sticky", params: { "cookie-name": "SRV", nocache: "" } },
    source: { method: "SourceBased", name: "by-source", params: { expire: "30m" } },
    none: undefined,
};

const rule = new mold.LoadBalancerRule("web", {
    name: config.get("lbName") ?? "web",
    algorithm: config.get("algorithm") ?? "roundrobin",
    publicIpAddressId: ip.id,
    publicPort: config.getNumber("publicPort") ?? 80,
    privatePort: config.getNumber("privatePort") ?? 8080,
    members: members.length ? members : undefined,
    stickinessPolicy: stickiness[config.get("stickiness") ?? "cookie"],
    healthCheckPolicy: config.getBoolean("healthCheck")
        ? { pingPath: "/healthz", interval: config.getNumber("healthInterval") ?? 10, responseTimeout: 3 }
        : undefined,
    tags: { app: "web" },
});

export const ruleId = rule.id;
export const ruleState = rule.state;
export const publicIp = rule.publicIp;
export const memberIds = rule.memberIds;
export const stickinessPolicyId = rule.stickinessPolicyId;
export const healthCheckPolicyId = rule.healthCheckPolicyId;
export const vmIds = pulumi.all([vms["web-1"].id, vms["web-2"].id]);
