// Networks (mold-api-network.md §4). Mirrors provider/client/network.ts.
// OWNER: network helper. The exported internal functions below are a CONTRACT used by vm.ts and
// kubernetes.ts: keep their names and signatures; replace the bodies.
import type { BaseContext, CommandSpec, JobCompleter } from "../types";

export interface NetworkSpec {
    name: string;
    displaytext?: string;
    zoneid: string;
    networkofferingid: string;
    gateway?: string;
    netmask?: string;
    networkdomain?: string;
}

/** Stores a new isolated network in state Allocated (as createNetwork does) and returns the record. */
export function createNetworkRecord(ctx: BaseContext, spec: NetworkSpec): Record<string, any> {
    throw new Error("not implemented yet");
}

/** Allocated → Implemented (first VM); acquires the source-NAT public IP if the network has none. Returns that IP record. */
export function implementNetwork(ctx: BaseContext, networkId: string): Record<string, any> {
    throw new Error("not implemented yet");
}

/** The network's source-NAT public IP record, if any. */
export function sourceNatIp(ctx: BaseContext, networkId: string): Record<string, any> | undefined {
    throw new Error("not implemented yet");
}

/** Next free guest (private) address inside the network's CIDR. Nothing ever connects to it. */
export function allocateGuestIp(ctx: BaseContext, networkId: string): string {
    throw new Error("not implemented yet");
}

/** Removes a network with its public IPs and every rule on them (CKS delete of its auto-created network). */
export function deleteNetworkRecord(ctx: BaseContext, networkId: string): void {
    throw new Error("not implemented yet");
}

/** Called when a VM is expunged: drops port-forwarding rules to it and its load-balancer memberships. */
export function onVmExpunged(ctx: BaseContext, vmId: string): void {
    throw new Error("not implemented yet");
}

export const commands: CommandSpec[] = [];
export const jobs: Record<string, JobCompleter> = {};
