// Load-balancer rules and their policies (mold-api-network.md §8). Mirrors provider/client/loadbalancer.ts.
// OWNER: network helper. The exported internal functions are a CONTRACT used by kubernetes.ts.
import type { BaseContext, CommandSpec, JobCompleter } from "../types";

export interface LoadBalancerSpec {
    name: string;
    description?: string;
    publicipid: string;
    publicport: number;
    privateport: number;
    algorithm: "roundrobin" | "leastconn" | "source";
    protocol?: "tcp" | "udp" | "tcp-proxy";
    networkid: string;
    cidrlist?: string[];
    /** Default false here: CKS creates its own firewall rules. */
    openfirewall?: boolean;
}

/** Stores a load-balancer rule directly (used inside other jobs, e.g. CKS's api-lb). */
export function createLoadBalancerRecord(ctx: BaseContext, spec: LoadBalancerSpec): Record<string, any> {
    throw new Error("not implemented yet");
}

/** Adds VMs to a rule's members (state becomes Active once it has a member). */
export function assignVmsToLoadBalancer(ctx: BaseContext, ruleId: string, vmIds: string[]): void {
    throw new Error("not implemented yet");
}

export function deleteLoadBalancerRecord(ctx: BaseContext, ruleId: string): void {
    throw new Error("not implemented yet");
}

export const commands: CommandSpec[] = [];
export const jobs: Record<string, JobCompleter> = {};
