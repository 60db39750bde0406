// One VPC with three tiers, each behind its own network ACL list:
// - web: two VMs behind a load-balancer rule on an address of the VPC; its list lets HTTP in from anywhere and
//   SSH from an admin network (`adminCidrs`), optionally ping (`allowPing`, a rule numbered between the others);
// - app: a Mold-managed Kubernetes cluster. Mold's Kubernetes service opens 6443 and 22 itself with ACL rules at
//   the top of the tier's list; the program only lets the web tier reach the app port;
// - db: one VM reached through static NAT on another address of the VPC, its list open to the app tier only.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
const zone = config.get("zone") ?? "zone1";
const template = config.get("template") ?? "ubuntu-22.04";
const vmOffering = config.get("vmOffering") ?? "1C-1GB";
const adminCidrs = config.getObject<string[]>("adminCidrs") ?? ["10.0.0.0/8"];

const vpc = new mold.Vpc("shop", { name: "shop", zone, cidr: "10.30.0.0/16", tags: { app: "shop" } });

// ---- ACL lists: one per tier, one resource per rule (numbers place them; inserting one touches no other) ----
const webAcl = new mold.NetworkAclList("web", { vpc: vpc.id, name: "web", description: "web tier" });
const appAcl = new mold.NetworkAclList("app", { vpc: vpc.id, name: "app", description: "app tier" });
const dbAcl = new mold.NetworkAclList("db", { vpc: vpc.id, name: "db", description: "db tier" });

const rule = (name: string, args: Omit<mold.NetworkAclRuleArgs, "trafficType">) => new mold.NetworkAclRule(name, { trafficType: "ingress", ...args });
rule("web-http", { aclList: webAcl.id, number: 10, protocol: "tcp", startPort: 80, cidrList: ["0.0.0.0/0"], reason: "public HTTP" });
if (config.getBoolean("allowPing")) {
    rule("web-ping", { aclList: webAcl.id, number: 15, protocol: "icmp", icmpType: 8, icmpCode: 0, cidrList: adminCidrs, reason: "ping from admins" });
}
rule("web-ssh", { aclList: webAcl.id, number: 20, protocol: "tcp", startPort: 22, cidrList: adminCidrs, reason: "admin SSH" });
rule("web-deny", { aclList: webAcl.id, number: 100, protocol: "all", action: "deny", cidrList: ["0.0.0.0/0"], reason: "nothing else" });
rule("app-from-web", {
    aclList: appAcl.id,
    number: 10,
    protocol: "tcp",
    startPort: 30000,
    endPort: 32767,
    cidrList: ["10.30.1.0/24"],
    reason: "NodePorts from web",
});
rule("db-from-app", { aclList: dbAcl.id, number: 10, protocol: "tcp", startPort: 5432, cidrList: ["10.30.2.0/24"], reason: "PostgreSQL from app" });

// ---- tiers: the Vpc object (not only its id), so preview checks each CIDR against the VPC and the other tiers ----
const tier = (name: string, octet: number, aclList: mold.NetworkAclList) =>
    new mold.Network(name, { name, zone, vpc, gateway: `10.30.${octet}.1`, netmask: "255.255.255.0", aclList: aclList.id });
const web = tier("web", 1, webAcl);
const app = tier("app", 2, appAcl);
const db = tier("db", 3, dbAcl);

// ---- web: two VMs behind a load balancer on an address of the VPC ----
const vm = (name: string, network: mold.Network) =>
    new mold.VirtualMachine(name, { name, zone, template, serviceOffering: vmOffering, networks: [network.id] });
const webVms = [vm("web-1", web), vm("web-2", web)];
const webIp = new mold.PublicIpAddress("web", { vpc: vpc.id, tags: { tier: "web" } });
const lb = new mold.LoadBalancerRule("web-http", {
    name: "web-http",
    algorithm: "roundrobin",
    publicIpAddressId: webIp.id,
    network: web.id,
    publicPort: 80,
    privatePort: 80,
    members: webVms.map((v) => v.id),
});

// ---- app: a Mold-managed Kubernetes cluster on the tier ----
const cluster = new mold.KubernetesCluster("app", {
    name: "shop-app",
    zone,
    kubernetesVersion: config.get("kubernetesVersion") ?? "1.31.9",
    serviceOffering: config.get("clusterOffering") ?? "2C-4GB",
    controlNodes: 1,
    size: config.getNumber("workers") ?? 2,
    network: app.id,
});

// ---- db: one VM behind static NAT ----
const dbVm = vm("db-1", db);
const dbIp = new mold.PublicIpAddress("db", { vpc: vpc.id, tags: { tier: "db" } });
new mold.StaticNat("db", { ipAddressId: dbIp.id, virtualMachine: dbVm.id, network: db.id });

export const vpcId = vpc.id;
export const webAddress = webIp.ipAddress;
export const webLoadBalancerId = lb.id;
export const clusterEndpoint = cluster.endpoint;
export const clusterAddress = cluster.ipAddress;
export const kubeconfig = cluster.kubeconfig;
export const dbAddress = dbIp.ipAddress;
