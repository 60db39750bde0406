// A Mold-managed cluster whose nginx Service (a @pulumi/kubernetes NodePort Service) is published by a
// ServiceLoadBalancer given the Service itself: the ports come from the Service's spec. Stack config drives the
// edits the test makes between runs (the Service's nodePort and port).
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
const nodePort = config.getNumber("nodePort") ?? 30080;
const port = config.getNumber("port") ?? 80;

const cluster = new mold.KubernetesCluster("cluster", {
    name: "slb-service",
    zone: "zone1",
    kubernetesVersion: "1.32.5",
    serviceOffering: "2C-4GB",
    size: 2,
    timeouts: { create: 2, update: 2, delete: 2 },
});

const labels = { app: "nginx" };
const service = new k8s.core.v1.Service(
    "nginx",
    {
        metadata: { name: "nginx", labels },
        spec: { type: "NodePort", selector: labels, ports: [{ name: "http", port, targetPort: 80, nodePort }] },
    },
    { provider: cluster.provider },
);

const web = new mold.ServiceLoadBalancer("web", {
    cluster,
    service,
    publicIpAddressId: cluster.ipAddressId,
    cidrList: ["10.0.0.0/8"],
});

export const urls = web.urls;
export const members = web.memberVmIds;
export const ruleIds = web.loadBalancerRuleIds;
