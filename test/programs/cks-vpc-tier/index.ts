// A Mold-managed Kubernetes cluster on a VPC tier. The test makes the VPC, the tier and its ACL list with the
// client (`tierId`, `aclListId`); the program adds rules to that list from stack config (`rules`, a JSON list),
// so the test can declare one on the ports Mold's Kubernetes service opens there. `cluster=false` leaves the
// cluster out.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

interface RuleConfig {
    name: string;
    number: number;
    protocol: string;
    action?: string;
    startPort?: number;
    endPort?: number;
    cidrList?: string[];
}

const config = new pulumi.Config();

const rules = (config.getObject<RuleConfig[]>("rules") ?? []).map(
    ({ name, ...rule }) => new mold.NetworkAclRule(name, { aclList: config.require("aclListId"), ...rule }),
);

const cluster =
    config.getBoolean("cluster") === false
        ? undefined
        : new mold.KubernetesCluster(
              "app",
              {
                  name: "app-k8s",
                  zone: "zone1",
                  kubernetesVersion: "1.31.9",
                  serviceOffering: "2C-4GB",
                  controlNodes: 1,
                  size: config.getNumber("size") ?? 2,
                  network: config.require("tierId"),
                  timeouts: { create: 2, update: 2, delete: 2 },
              },
              { dependsOn: rules },
          );

export const ipAddress = cluster?.ipAddress;
export const ipAddressId = cluster?.ipAddressId;
export const endpoint = cluster?.endpoint;
export const ruleIds = rules.map((r) => r.id);
