// Quickstart: a Mold-managed Kubernetes cluster (Mold creates its network), the API reachable from one CIDR
// through an entry point of its own, nginx deployed with @pulumi/kubernetes and published on port 80 of the
// cluster's public IP by a ServiceLoadBalancer (a Mold load-balancer rule whose members follow the workers).
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
const zone = config.get("zone") ?? "zone1";
/** Who may reach the Kubernetes API through the restricted entry point. */
const apiCidr = config.get("apiCidr") ?? "10.0.0.0/8";
/** Who may reach the application on port 80. */
const appCidr = config.get("appCidr") ?? "0.0.0.0/0";
const nodePort = config.getNumber("nodePort") ?? 30080;
/** The application's port on the cluster's public IP. */
const webPort = config.getNumber("webPort") ?? 80;
// false: the cluster, its rules and the Kubernetes provider only (no Deployment/Service).
const workloads = config.getBoolean("workloads") ?? true;

// No `network`: Mold's Kubernetes service creates an isolated network, takes its source-NAT public IP for the
// API (6443, open to 0.0.0.0/0) and node SSH (2222+), and deletes all of it with the cluster.
const cluster = new mold.KubernetesCluster("quickstart", {
    name: config.get("clusterName") ?? "quickstart",
    zone,
    kubernetesVersion: config.get("kubernetesVersion") ?? "1.32.5",
    serviceOffering: config.get("serviceOffering") ?? "2C-4GB",
    size: config.getNumber("size") ?? 2,
    keyPair: config.get("keyPair"),
});

// --- The Kubernetes API from `apiCidr` only --------------------------------------------------------------
// Mold's Kubernetes service owns 6443 on the cluster's public IP (its own firewall rule there is 0.0.0.0/0 and
// pulumi-mold never touches it or adds rules next to it). A second public IP on the cluster's network gets
// 6443 balanced to the control nodes and a firewall rule opening it to `apiCidr` only.
const controlNodeIds = cluster.nodes.apply((nodes) => nodes.filter((n) => n.role === "control").map((n) => n.id));

const apiIp = new mold.PublicIpAddress("api", { network: cluster.networkId });
new mold.LoadBalancerRule("api", {
    name: "quickstart-api",
    description: "Kubernetes API, restricted entry point",
    algorithm: "roundrobin",
    publicIpAddressId: apiIp.id,
    publicPort: 6443,
    privatePort: 6443,
    openFirewall: false,
    members: controlNodeIds,
});
new mold.FirewallRule("api", { ipAddressId: apiIp.id, protocol: "tcp", startPort: 6443, cidrList: [apiCidr] });

// --- The application on port 80 of the cluster's public IP -----------------------------------------------
// 80 → the nginx Service's NodePort on every worker VM: a load-balancer rule whose members follow the workers
// when the cluster scales (changed in place, never replaced) and a firewall rule opening 80 to `appCidr`.
const web = new mold.ServiceLoadBalancer("quickstart-web", {
    cluster,
    ports: [{ publicPort: webPort, nodePort, protocol: "tcp" }],
    publicIpAddressId: cluster.ipAddressId,
    cidrList: [appCidr],
});

// --- Kubernetes resources, through a provider that exists once the cluster's API answered ----------------
const provider = cluster.provider;
if (workloads) {
    const labels = { app: "nginx" };
    new k8s.apps.v1.Deployment(
        "nginx",
        {
            metadata: { name: "nginx", labels },
            spec: {
                replicas: 2,
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels },
                    spec: { containers: [{ name: "nginx", image: "nginx:1.27", ports: [{ containerPort: 80 }] }] },
                },
            },
        },
        { provider },
    );
    new k8s.core.v1.Service(
        "nginx",
        {
            metadata: { name: "nginx", labels },
            spec: { type: "NodePort", selector: labels, ports: [{ port: 80, targetPort: 80, nodePort }] },
        },
        { provider },
    );
}

export const clusterId = cluster.id;
export const clusterState = cluster.state;
export const endpoint = cluster.endpoint;
export const kubeconfig = cluster.kubeconfig;
export const publicIp = cluster.ipAddress;
export const appUrl = pulumi.interpolate`http://${cluster.ipAddress}${webPort === 80 ? "" : `:${webPort}`}/`;
export const restrictedApiEndpoint = pulumi.interpolate`https://${apiIp.ipAddress}:6443`;
export const webMembers = web.memberVmIds;
export const nodes = cluster.nodes.apply((ns) => ns.map((n) => `${n.name} (${n.role})`));
