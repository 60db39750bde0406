// A VPC's hub connection: a private gateway and two static routes, one through the gateway and one to a next hop.
// The VPC is made by the test (config `vpc`, its id). Stack config drives the edits the test makes between runs:
// the gateway's ACL list ("" = Mold's default), the routed CIDR, the router's address on the private network.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
const vpc = config.require("vpc");

const hub = new mold.PrivateGateway("hub", {
    vpc,
    ipAddress: config.get("address") ?? "10.200.0.2",
    gateway: "10.200.0.1",
    netmask: "255.255.255.0",
    vlan: "vlan://200",
    aclList: config.get("acl") || undefined,
});
const viaHub = new mold.StaticRoute("via-hub", {
    cidr: config.get("cidr") ?? "192.168.100.0/24",
    privateGateway: hub.id,
    tags: { role: "hub" },
});
const direct = new mold.StaticRoute("direct", { cidr: "172.20.0.0/16", vpc, nextHop: "10.200.0.50" }, { dependsOn: [hub] });

export const gatewayId = hub.id;
export const aclName = hub.aclName;
export const viaHubId = viaHub.id;
export const directId = direct.id;
