// A VPC's hub connection: a private gateway and two static routes, one through the gateway and one to a next hop;
// and a db tier whose VM is reached through a static NAT'd address of the VPC. Stack config drives the edits the
// test makes between runs: the gateway's ACL list ("" = Mold's default), the routed CIDR, the router's address on
// the private network.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
const hubVpc = new mold.Vpc("vpc", { name: "hub-vpc", zone: "zone1", cidr: "10.10.0.0/16" });
const vpc = hubVpc.id;

const db = new mold.Network("db", { name: "db", zone: "zone1", vpc: hubVpc, gateway: "10.10.3.1", netmask: "255.255.255.0" });
const dbVm = new mold.VirtualMachine("db-1", { name: "db-1", zone: "zone1", template: "ubuntu-22.04", serviceOffering: "1C-1GB", networks: [db.id] });
const dbIp = new mold.PublicIpAddress("db", { vpc }, { dependsOn: [dbVm] });
// The VPC's address is tied to no tier yet: `network` names the VM's.
const dbNat = new mold.StaticNat("db", { ipAddressId: dbIp.id, virtualMachine: dbVm.vmId, network: db.id });

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

export const vpcId = hubVpc.id;
export const dbIpId = dbIp.id;
export const dbNatNetwork = dbNat.networkId;
export const dbVmId = dbVm.vmId;
export const gatewayId = hub.id;
export const aclName = hub.aclName;
export const viaHubId = viaHub.id;
export const directId = direct.id;
