// Ingress and egress firewall rules (mold-api-network.md §6). Mirrors provider/client/firewall.ts.
// OWNER: network helper. The exported internal functions are a CONTRACT used by kubernetes.ts.
import type { BaseContext, CommandSpec, JobCompleter } from "../types";

export interface FirewallSpec {
    ipaddressid: string;
    protocol: "tcp" | "udp" | "icmp";
    startport?: number;
    endport?: number;
    cidrlist?: string[];
}

/** Stores an ingress firewall rule directly in state Active (used inside other jobs, e.g. CKS). */
export function createFirewallRecord(ctx: BaseContext, spec: FirewallSpec): Record<string, any> {
    throw new Error("not implemented yet");
}

export function deleteFirewallRecord(ctx: BaseContext, ruleId: string): void {
    throw new Error("not implemented yet");
}

export const commands: CommandSpec[] = [];
export const jobs: Record<string, JobCompleter> = {};
