// Static NAT through the engine. Stack config drives the edits the test makes between runs: which VM the IP maps to
// (a or b), a secondary guest address ("" = the primary), and which IP carries the static NAT ("nat", or "pf": the
// IP with a port forward, which Mold refuses), and ruleOnNat: a port forward (pf) or a load balancer (lb) on the static-NAT IP.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();

const network = new mold.Network("net", { name: "nat-net", zone: "zone1" });
const vm = (name: string) =>
    new mold.VirtualMachine(name, { name, zone: "zone1", template: "ubuntu-22.04", serviceOffering: "1C-1GB", networks: [network.id] });
const vms: Record<string, mold.VirtualMachine> = { a: vm("vm-a"), b: vm("vm-b") };
// After the VMs: the network's first VM gives it its source-NAT address, so these two are ordinary ones.
const opts = { dependsOn: [vms.a, vms.b] };
const ips: Record<string, mold.PublicIpAddress> = {
    nat: new mold.PublicIpAddress("nat", { network: network.id }, opts),
    pf: new mold.PublicIpAddress("pf", { network: network.id }, opts),
};
new mold.PortForwardingRule("ssh", { ipAddressId: ips.pf.id, protocol: "tcp", publicPort: 2200, privatePort: 22, virtualMachine: vms.a.vmId });

const target = config.get("target") ?? "a";
const guest = config.get("guest") || undefined;
const nat = new mold.StaticNat("mapping", {
    ipAddressId: ips[config.get("on") ?? "nat"].id,
    virtualMachine: target === "a" ? vms.a.vmId : "vm-b",
    vmGuestIp: guest,
});

// The other direction: rules on the static-NAT IP, which Mold refuses.
const ruleOnNat = config.get("ruleOnNat");
if (ruleOnNat === "pf") {
    new mold.PortForwardingRule("on-nat", { ipAddressId: ips.nat.id, protocol: "tcp", publicPort: 8080, privatePort: 80, virtualMachine: vms.a.vmId });
}
if (ruleOnNat === "lb") {
    new mold.LoadBalancerRule("lb-on-nat", { name: "web", algorithm: "roundrobin", publicIpAddressId: ips.nat.id, publicPort: 80, privatePort: 80 });
}

export const ipId = ips.nat.id;
export const pfIpId = ips.pf.id;
export const natId = nat.id;
export const guestIpAddress = nat.guestIpAddress;
export const virtualMachineId = nat.virtualMachineId;
export const vmA = vms.a.vmId;
export const vmB = vms.b.vmId;
