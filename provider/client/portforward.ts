// Typed wrappers for port-forwarding rules (mold-api-network.md §7). openfirewall (default true)
// makes Mold add a linked ingress firewall rule that goes away with the rule. Mirrors
// simulator/handlers/portforward.ts.
import { MoldClient, WaitOptions } from "./client";
import { ListFilter, listParams } from "./list-filter";
import type { ResourceTag } from "./tags";
import { rowsUnlessGone } from "./errors";

/** FirewallRuleResponse (wire names): every port is a string. */
export interface PortForwardingRule {
    id: string;
    privateport: string;
    privateendport: string;
    protocol: string;
    publicport: string;
    publicendport: string;
    virtualmachineid: string;
    virtualmachinename?: string;
    virtualmachinedisplayname?: string;
    ipaddressid: string;
    ipaddress: string;
    state: "Staged" | "Add" | "Active" | "Deleting";
    cidrlist: string;
    tags: ResourceTag[];
    vmguestip?: string;
    networkid: string;
    fordisplay?: boolean;
    [field: string]: unknown;
}

export interface CreatePortForwardingRuleArgs {
    ipaddressid: string;
    /** tcp or udp. */
    protocol: string;
    publicport: number;
    /** Defaults to publicport; a range must map onto the same private range. */
    publicendport?: number;
    privateport: number;
    privateendport?: number;
    virtualmachineid: string;
    vmguestip?: string;
    cidrlist?: string[];
    /** Default true: adds an ingress firewall rule for the public ports. */
    openfirewall?: boolean;
    networkid?: string;
}

/** Public ports and protocol cannot change. */
export interface UpdatePortForwardingRuleArgs {
    privateport?: number;
    privateendport?: number;
    virtualmachineid?: string;
    vmguestip?: string;
    cidrlist?: string[];
}

export async function createPortForwardingRule(client: MoldClient, args: CreatePortForwardingRuleArgs, wait?: WaitOptions): Promise<PortForwardingRule> {
    const r = await client.callAsync<{ portforwardingrule: PortForwardingRule }>("createPortForwardingRule", { ...args }, wait);
    return r.result.portforwardingrule;
}

export function listPortForwardingRules(client: MoldClient, filter: ListFilter = {}): Promise<PortForwardingRule[]> {
    return client.list<PortForwardingRule>("listPortForwardingRules", listParams(filter), "portforwardingrule");
}

/** The rule, or undefined once it is gone (rules are hard-deleted: Mold answers 431, see isGone). */
export async function getPortForwardingRule(client: MoldClient, id: string): Promise<PortForwardingRule | undefined> {
    return (await rowsUnlessGone(listPortForwardingRules(client, { id })))[0];
}

export async function updatePortForwardingRule(
    client: MoldClient,
    id: string,
    args: UpdatePortForwardingRuleArgs,
    wait?: WaitOptions,
): Promise<PortForwardingRule> {
    const r = await client.callAsync<{ portforwardingrule: PortForwardingRule }>("updatePortForwardingRule", { id, ...args }, wait);
    return r.result.portforwardingrule;
}

/** Also removes the firewall rule its openfirewall created. */
export async function deletePortForwardingRule(client: MoldClient, id: string, wait?: WaitOptions): Promise<void> {
    await client.callAsync("deletePortForwardingRule", { id }, wait);
}
