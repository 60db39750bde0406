// Two VMs on one network and a data volume. Stack config drives the edits the volume test makes between runs:
// size, which VM it is attached to (a, b or none), its snapshot policy, and bad inputs refused at preview.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();

const network = new mold.Network("net", { name: "volume-net", zone: "zone1" });
const vm = (name: string) =>
    new mold.VirtualMachine(name, { name, zone: "zone1", template: "ubuntu-22.04", serviceOffering: "1C-1GB", networks: [network.id] });
const vms: Record<string, mold.VirtualMachine> = { a: vm("vm-a"), b: vm("vm-b") };

const attach = config.get("attach") ?? "a";
const interval = config.get("interval");
// Config persists in the state between runs, so the test sets every key each time: 0 and "" mean "left out".
const minIops = config.getNumber("minIops") || undefined;

const volume = new mold.Volume("data", {
    name: "data-1",
    zone: "zone1",
    diskOffering: config.get("offering") ?? "Custom",
    size: config.getNumber("size") ?? 10,
    allowShrink: config.getBoolean("allowShrink"),
    minIops,
    maxIops: minIops !== undefined ? minIops * 2 : undefined,
    virtualMachine: attach === "none" ? undefined : vms[attach].vmId,
    snapshotPolicy: interval
        ? { intervalType: interval, schedule: config.require("schedule"), maxSnapshots: config.getNumber("maxSnapshots") ?? 3 }
        : undefined,
    tags: { role: "data" },
});

export const volumeId = volume.id;
export const sizeGb = volume.sizeGb;
export const state = volume.state;
export const attachedTo = volume.virtualMachineId;
export const deviceId = volume.deviceId;
export const snapshotPolicyId = volume.snapshotPolicyId;
export const vmA = vms.a.vmId;
export const vmB = vms.b.vmId;
