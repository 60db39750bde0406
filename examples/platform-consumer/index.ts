// An application team's program: one PlatformCluster from the platform team's package, configured per stack.
import * as pulumi from "@pulumi/pulumi";
import { PlatformCluster } from "platform-package";

const config = new pulumi.Config();

const platform = new PlatformCluster("shop", {
    kind: "managed",
    zone: config.get("zone") ?? "zone1",
    kubernetesVersion: config.get("kubernetesVersion") ?? "1.32.5",
    serviceOffering: config.get("serviceOffering") ?? "2C-4GB",
    workers: config.getNumber("workers") ?? 2,
    allowedCidrs: (config.get("allowedCidrs") ?? "10.0.0.0/8").split(","),
    ingress: [{ name: "web", port: 80, nodePort: 30080 }],
    tags: { team: "shop", environment: pulumi.getStack() },
});

export const networkId = platform.networkId;
export const endpoint = platform.endpoint;
export const kubeconfig = platform.kubeconfig;
export const ingressUrls = platform.ingressUrls;
export const workerIds = platform.workerIds;
