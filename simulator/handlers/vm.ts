// Virtual machines (mold-api-network.md §10). Mirrors provider/client/vm.ts.
// OWNER: compute helper. The exported internal functions are a CONTRACT used by kubernetes.ts.
import type { BaseContext, CommandSpec, JobCompleter } from "../types";

export interface VmSpec {
    name: string;
    displayname?: string;
    zoneid: string;
    templateid: string;
    serviceofferingid: string;
    /** First is the default NIC's network. */
    networkids: string[];
    keypair?: string;
    userdata?: string;
    rootdisksize?: number;
    /** "cksnode" for CKS members (Mold 4.20+ vmtype), otherwise "User". */
    vmtype?: "cksnode" | "User";
    state?: "Running" | "Stopped";
}

/** Stores a VM directly (implements its network, allocates its NIC address); used inside CKS jobs. */
export function createVmRecord(ctx: BaseContext, spec: VmSpec): Record<string, any> {
    throw new Error("not implemented yet");
}

export function setVmState(ctx: BaseContext, vmId: string, state: "Running" | "Stopped"): void {
    throw new Error("not implemented yet");
}

/** Changes a VM's offering (cpu/memory fields follow). */
export function changeVmOffering(ctx: BaseContext, vmId: string, serviceOfferingId: string): void {
    throw new Error("not implemented yet");
}

/** Destroys and expunges a VM (calls network.onVmExpunged). */
export function expungeVmRecord(ctx: BaseContext, vmId: string): void {
    throw new Error("not implemented yet");
}

export const commands: CommandSpec[] = [];
export const jobs: Record<string, JobCompleter> = {};
