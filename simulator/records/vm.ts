// The VM record (UserVmResponse fields plus "_" internals, owned by handlers/vm.ts) and its pure operations:
// NICs and their addresses, whether it is gone for rules, the names Mold prints, the size an offering gives.
import { invalidParam } from "../errors";

/** A NIC as stored on a VM record (UserVmResponse `nic[]`). */
export interface VmNic {
    networkid: string;
    ipaddress?: string;
    secondaryip?: { ipaddress: string }[];
}

/** A VM's NICs as stored on its record (UserVmResponse `nic[]`). */
export function vmNics(vm: any): VmNic[] {
    return Array.isArray(vm?.nic) ? vm.nic : [];
}

export function vmNicIn(vm: any, networkId: string): VmNic | undefined {
    return vmNics(vm).find((n) => n.networkid === networkId);
}

/** Whether the VM is gone for rule purposes (Mold: Destroyed or Expunging is an "invalid user vm"). */
export function vmIsDestroyed(vm: any): boolean {
    return !vm || vm._removed === true || vm._expunged === true || ["Destroyed", "Expunging", "Expunged"].includes(vm.state);
}

/** Whether the VM still holds its NICs (every state until expunged). */
export function vmIsExpunged(vm: any): boolean {
    return !vm || vm._removed === true || vm._expunged === true || ["Expunging", "Expunged"].includes(vm.state);
}

/** The NIC's primary and secondary IPv4 addresses. */
export function nicAddresses(nic: Pick<VmNic, "ipaddress" | "secondaryip">): string[] {
    return [nic.ipaddress, ...(nic.secondaryip ?? []).map((s) => s.ipaddress)].filter((a): a is string => !!a);
}

/**
 * The NIC a rule's VM (port forwarding, LB member, static NAT) has in the rule's network. A destroyed VM
 * or one off the network is refused; each command has its own texts for that.
 */
export function ruleVmNic(vm: any, networkId: string, texts: { destroyed: string; notInNetwork: string }) {
    if (vmIsDestroyed(vm)) throw invalidParam(texts.destroyed);
    const nic = vmNicIn(vm, networkId);
    if (!nic) throw invalidParam(texts.notInNetwork);
    return nic;
}

export function vmName(vm: any): string {
    return vm?.instancename ?? vm?.name ?? vm?.id;
}

/** VMInstanceVO.toString, as Mold's messages print a VM. */
export function vmLabel(vm: any): string {
    return `VM instance {"id":${vm._dbId},"instanceName":"${vm.instancename}","type":"User","uuid":"${vm.id}"}`;
}

/** CPU, speed and memory a VM gets from an offering; custom offerings take them from the details. */
export function sizeFor(
    offering: any,
    details: Record<string, string>,
): { cpunumber: number; cpuspeed: number; memory: number; details: Record<string, string> } {
    if (!offering.iscustomized) return { cpunumber: offering.cpunumber, cpuspeed: offering.cpuspeed, memory: offering.memory, details: {} };
    const cpu = details.cpuNumber;
    const memory = details.memory;
    if (cpu === undefined || memory === undefined) {
        throw invalidParam("Need to specify custom parameter values cpu, cpu speed and memory when using custom offering");
    }
    if (!/^\d+$/.test(cpu) || Number(cpu) < 1) throw invalidParam(`Invalid cpu cores value, specify a value between 1 and 2147483647`);
    if (!/^\d+$/.test(memory) || Number(memory) < 32) throw invalidParam(`Invalid memory value, specify a value between 32 and 2147483647 MB`);
    const speed = details.cpuSpeed !== undefined && /^\d+$/.test(details.cpuSpeed) ? Number(details.cpuSpeed) : (offering.cpuspeed ?? 1000);
    return { cpunumber: Number(cpu), cpuspeed: speed, memory: Number(memory), details: { cpuNumber: cpu, cpuSpeed: String(speed), memory } };
}

/** Puts an offering's size on a VM record (custom sizes from the details, other details kept). */
export function applyOffering(vm: any, offering: any, details: Record<string, string>): void {
    const size = sizeFor(offering, details);
    vm.serviceofferingid = offering.id;
    vm.serviceofferingname = offering.name;
    vm.cpunumber = size.cpunumber;
    vm.cpuspeed = size.cpuspeed;
    vm.memory = size.memory;
    const kept = Object.fromEntries(Object.entries(vm.details ?? {}).filter(([k]) => !["cpuNumber", "cpuSpeed", "memory"].includes(k)));
    vm.details = { ...kept, ...size.details };
}
