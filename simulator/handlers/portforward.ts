// Port forwarding (mold-api-network.md §7). Mirrors provider/client/portforward.ts.
// OWNER: network helper. The exported internal functions are a CONTRACT used by kubernetes.ts.
import type { BaseContext, CommandSpec, JobCompleter } from "../types";

export interface PortForwardingSpec {
    ipaddressid: string;
    protocol: "tcp" | "udp";
    publicport: number;
    publicendport?: number;
    privateport: number;
    privateendport?: number;
    virtualmachineid: string;
    /** Default false here: CKS creates its own firewall rules. */
    openfirewall?: boolean;
}

/** Stores a port-forwarding rule directly in state Active (used inside other jobs, e.g. CKS). */
export function createPortForwardingRecord(ctx: BaseContext, spec: PortForwardingSpec): Record<string, any> {
    throw new Error("not implemented yet");
}

export function deletePortForwardingRecord(ctx: BaseContext, ruleId: string): void {
    throw new Error("not implemented yet");
}

export const commands: CommandSpec[] = [];
export const jobs: Record<string, JobCompleter> = {};
