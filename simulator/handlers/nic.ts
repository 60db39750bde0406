// Secondary guest addresses of a VM's NIC (CloudStack's `vm` NicService: addIpToNic, removeIpFromNic), the
// addresses static NAT and port forwarding may name with vmguestip. Mirrors provider/client/nic.ts.
import { invalidParam, unknownUuid } from "../errors";
import { T } from "../model";
import { table } from "../state";
import type { BaseContext, CommandSpec, JobCompleter } from "../types";
import { allocateGuestIp } from "./network";
import { isIpv4, jobFailure } from "./rules-common";

/** The VM and NIC of a NIC id, or undefined. */
function nicById(ctx: BaseContext, nicId: string): { vm: any; nic: any } | undefined {
    for (const vm of Object.values(table(ctx.state, T.vms)) as any[]) {
        const nic = (vm.nic ?? []).find((n: any) => n.id === nicId);
        if (nic) return { vm, nic };
    }
    return undefined;
}

/** The NIC holding a secondary address id, or undefined. */
function secondaryById(ctx: BaseContext, id: string): { vm: any; nic: any; secondary: any } | undefined {
    for (const vm of Object.values(table(ctx.state, T.vms)) as any[]) {
        for (const nic of vm.nic ?? []) {
            const secondary = (nic.secondaryip ?? []).find((s: any) => s.id === id);
            if (secondary) return { vm, nic, secondary };
        }
    }
    return undefined;
}

/** Every guest address in use in a network: primary and secondary. */
function addressesInUse(ctx: BaseContext, networkId: string): string[] {
    return (Object.values(table(ctx.state, T.vms)) as any[]).flatMap((vm) =>
        (vm.nic ?? []).filter((n: any) => n.networkid === networkId).flatMap((n: any) => [n.ipaddress, ...(n.secondaryip ?? []).map((s: any) => s.ipaddress)]),
    );
}

const addIpToNic: CommandSpec = {
    name: "addIpToNic",
    isAsync: true,
    handle(ctx) {
        const nicId = ctx.params.required("nicid");
        const found = nicById(ctx, nicId);
        if (!found) throw unknownUuid(ctx.cmdLower, "nicid", nicId);
        const requested = ctx.params.str("ipaddress");
        if (requested !== undefined && !isIpv4(requested)) throw invalidParam(`Invalid ip address ${requested}`);
        if (requested !== undefined && addressesInUse(ctx, found.nic.networkid).includes(requested)) {
            throw invalidParam(`Ip address ${requested} is already in use`);
        }
        return {
            jobid: ctx.queueJob({
                cmd: "org.apache.cloudstack.api.command.user.vm.AddIpToVmNicCmd",
                completer: "addIpToNic",
                instanceType: "Nic",
                syncObject: found.nic.networkid,
                payload: { nicId, requested },
            }),
        };
    },
};

const removeIpFromNic: CommandSpec = {
    name: "removeIpFromNic",
    isAsync: true,
    handle(ctx) {
        const id = ctx.params.required("id");
        const found = secondaryById(ctx, id);
        if (!found) throw unknownUuid(ctx.cmdLower, "id", id);
        const staticNat: any = Object.values(table(ctx.state, T.publicIps)).find(
            (ip: any) => ip.isstaticnat && ip.virtualmachineid === found.vm.id && ip.vmipaddress === found.secondary.ipaddress,
        );
        // Mold refuses to remove an address static NAT maps to; the wording here is ours.
        if (staticNat) throw invalidParam(`Can't remove the secondary ip ${found.secondary.ipaddress}: static nat maps public ip ${staticNat.ipaddress} to it`);
        return {
            jobid: ctx.queueJob({
                cmd: "org.apache.cloudstack.api.command.user.vm.RemoveIpFromVmNicCmd",
                completer: "removeIpFromNic",
                instanceType: "Nic",
                syncObject: found.nic.networkid,
                payload: { id },
            }),
        };
    },
};

export const commands: CommandSpec[] = [addIpToNic, removeIpFromNic];

export const jobs: Record<string, JobCompleter> = {
    addIpToNic(ctx, job) {
        const found = nicById(ctx, job.payload.nicId);
        if (!found) throw jobFailure("Failed to add ip address to nic");
        const ipaddress = job.payload.requested ?? allocateGuestIp(ctx, found.nic.networkid);
        const secondary = { id: ctx.uuid(), ipaddress };
        (found.nic.secondaryip ??= []).push(secondary);
        ctx.event({
            type: "NIC.SECONDARY.IP.ASSIGN",
            description: `Assigning secondary ip to nic ${found.nic.id}`,
            resourceId: found.nic.id,
            resourceType: "Nic",
        });
        return {
            object: "nicsecondaryip",
            value: { ...secondary, nicid: found.nic.id, networkid: found.nic.networkid, virtualmachineid: found.vm.id },
        };
    },
    removeIpFromNic(ctx, job) {
        const found = secondaryById(ctx, job.payload.id);
        if (!found) return { success: true };
        found.nic.secondaryip = found.nic.secondaryip.filter((s: any) => s.id !== job.payload.id);
        ctx.event({
            type: "NIC.SECONDARY.IP.UNASSIGN",
            description: `Removing secondary ip ${found.secondary.ipaddress}`,
            resourceId: found.nic.id,
            resourceType: "Nic",
        });
        return { success: true };
    },
};
