// A network ACL list of a VPC and its rules, one NetworkAclRule each. The VPC is made by the test with the
// client (`vpcId`); the rules come from stack config (`rules`, a JSON list), so the test can insert, change and
// respell rules between runs; with `withTier` a tier of the VPC uses the list. Mold's default_allow is read by
// name and never changed.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

interface RuleConfig {
    name: string;
    number: number;
    protocol: string;
    action?: string;
    trafficType?: string;
    startPort?: number;
    endPort?: number;
    cidrList?: string[];
    icmpType?: number;
    icmpCode?: number;
    reason?: string;
}

const config = new pulumi.Config();

const list = new mold.NetworkAclList("web", {
    vpc: config.require("vpcId"),
    name: config.get("listName") ?? "web",
    description: config.get("description") ?? "web tier",
});

const rules = (config.getObject<RuleConfig[]>("rules") ?? []).map(({ name, ...rule }) => new mold.NetworkAclRule(name, { aclList: list.id, ...rule }));

// A tier of the VPC on the list (the rules' list is what its traffic meets).
const tier = config.getBoolean("withTier")
    ? new mold.Network("tier", {
          name: "web-tier",
          zone: "zone1",
          vpc: config.require("vpcId"),
          gateway: "10.20.1.1",
          netmask: "255.255.255.0",
          aclList: list.id,
      })
    : undefined;

const allow = mold.NetworkAclList.get("default-allow", "default_allow");

export const listId = list.id;
export const tierId = tier?.id;
export const listName = list.name;
export const defaultAllowId = allow.listId;
export const defaultAllowIsDefault = allow.isDefault;
export const ruleIds = pulumi.all(rules.map((r) => pulumi.all([r.number, r.id]))).apply((pairs) => Object.fromEntries(pairs.map(([n, id]) => [String(n), id])));
