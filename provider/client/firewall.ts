// Typed wrappers for ingress and egress firewall rules (mold-api-network.md §6). Creates are
// async-create (a failed job still names the rule via MoldJobError.entityId); only `fordisplay` can be
// updated. Mirrors simulator/handlers/firewall.ts.
import { MoldClient, Params, WaitOptions } from "./client";
import { ListFilter, listParams } from "./list-filter";
import type { ResourceTag } from "./tags";
import { rowsUnlessGone } from "./errors";

/** FirewallResponse (wire names): ports and icmp fields are numbers, unlike port-forwarding and LB rules. */
export interface FirewallRule {
    id: string;
    protocol: string;
    startport?: number;
    endport?: number;
    /** Ingress rules only. */
    ipaddressid?: string;
    ipaddress?: string;
    networkid: string;
    /** Add → Active; Deleting while a delete runs. */
    state: "Staged" | "Add" | "Active" | "Deleting";
    /** Comma-joined source CIDRs. */
    cidrlist: string;
    /** Comma-joined destination CIDRs (egress); "" when none. */
    destcidrlist?: string;
    icmptype?: number;
    icmpcode?: number;
    traffictype?: "Ingress" | "Egress";
    tags: ResourceTag[];
    fordisplay?: boolean;
    [field: string]: unknown;
}

export interface CreateFirewallRuleArgs {
    ipaddressid: string;
    /** tcp, udp or icmp. */
    protocol: string;
    startport?: number;
    /** Defaults to startport. */
    endport?: number;
    /** Defaults to 0.0.0.0/0. */
    cidrlist?: string[];
    icmptype?: number;
    icmpcode?: number;
}

export interface CreateEgressFirewallRuleArgs {
    networkid: string;
    /** tcp, udp, icmp or all. */
    protocol: string;
    startport?: number;
    endport?: number;
    /** Source CIDRs inside the guest CIDR; defaults to it (0.0.0.0/0 also stands for it). */
    cidrlist?: string[];
    destcidrlist?: string[];
    icmptype?: number;
    icmpcode?: number;
}

export interface UpdateFirewallRuleArgs {
    fordisplay?: boolean;
}

/** An async command whose job result is the rule: create and update, ingress and egress alike. */
async function callForRule(client: MoldClient, command: string, params: Params, wait?: WaitOptions): Promise<FirewallRule> {
    const r = await client.callAsync<{ firewallrule: FirewallRule }>(command, params, wait);
    return r.result.firewallrule;
}

export function createFirewallRule(client: MoldClient, args: CreateFirewallRuleArgs, wait?: WaitOptions): Promise<FirewallRule> {
    return callForRule(client, "createFirewallRule", { ...args }, wait);
}

/** Ingress rules, including those port forwarding and LB rules opened (filters: id, ipaddressid, networkid, tags). */
export function listFirewallRules(client: MoldClient, filter: ListFilter = {}): Promise<FirewallRule[]> {
    return client.list<FirewallRule>("listFirewallRules", listParams(filter), "firewallrule");
}

/** The ingress rule, or undefined once it is gone (see isGone). */
export async function getFirewallRule(client: MoldClient, id: string): Promise<FirewallRule | undefined> {
    return (await rowsUnlessGone(listFirewallRules(client, { id })))[0];
}

export function updateFirewallRule(client: MoldClient, id: string, args: UpdateFirewallRuleArgs = {}, wait?: WaitOptions): Promise<FirewallRule> {
    return callForRule(client, "updateFirewallRule", { id, ...args }, wait);
}

export async function deleteFirewallRule(client: MoldClient, id: string, wait?: WaitOptions): Promise<void> {
    await client.callAsync("deleteFirewallRule", { id }, wait);
}

export function createEgressFirewallRule(client: MoldClient, args: CreateEgressFirewallRuleArgs, wait?: WaitOptions): Promise<FirewallRule> {
    return callForRule(client, "createEgressFirewallRule", { ...args }, wait);
}

export function listEgressFirewallRules(client: MoldClient, filter: ListFilter = {}): Promise<FirewallRule[]> {
    return client.list<FirewallRule>("listEgressFirewallRules", listParams(filter), "firewallrule");
}

/** The egress rule, or undefined once it is gone (see isGone). */
export async function getEgressFirewallRule(client: MoldClient, id: string): Promise<FirewallRule | undefined> {
    return (await rowsUnlessGone(listEgressFirewallRules(client, { id })))[0];
}

export function updateEgressFirewallRule(client: MoldClient, id: string, args: UpdateFirewallRuleArgs = {}, wait?: WaitOptions): Promise<FirewallRule> {
    return callForRule(client, "updateEgressFirewallRule", { id, ...args }, wait);
}

export async function deleteEgressFirewallRule(client: MoldClient, id: string, wait?: WaitOptions): Promise<void> {
    await client.callAsync("deleteEgressFirewallRule", { id }, wait);
}
