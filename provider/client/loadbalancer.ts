// Typed wrappers for load-balancer rules, their members and policies (mold-api-network.md §8).
// A new rule stays in state Add until a VM is assigned. Mirrors simulator/handlers/loadbalancer.ts
// and lb-policies.ts.
import { MoldClient, WaitOptions } from "./client";
import { ListFilter, listParams } from "./list-filter";
import type { ResourceTag } from "./tags";
import type { VirtualMachine } from "./vm";
import { rowsUnlessGone } from "./errors";

/** LoadBalancerResponse (wire names): ports are strings. */
export interface LoadBalancerRule {
    id: string;
    name: string;
    description?: string;
    publicipid: string;
    publicip: string;
    publicport: string;
    privateport: string;
    algorithm: string;
    networkid: string;
    /** Space-separated after create, comma-separated after update; "" when none. */
    cidrlist?: string;
    account?: string;
    domainid?: string;
    domain?: string;
    state: "Add" | "Active" | "Deleting";
    zoneid: string;
    zonename?: string;
    protocol?: string;
    tags: ResourceTag[];
    fordisplay?: boolean;
    [field: string]: unknown;
}

export interface CreateLoadBalancerRuleArgs {
    name: string;
    publicipid: string;
    publicport: number;
    privateport: number;
    algorithm: "roundrobin" | "leastconn" | "source";
    description?: string;
    /** tcp, udp, tcp-proxy or ssl. */
    protocol?: string;
    cidrlist?: string[];
    /** Default true: adds an ingress tcp firewall rule for the public port. */
    openfirewall?: boolean;
    networkid?: string;
}

/** Ports and the public IP cannot change. */
export interface UpdateLoadBalancerRuleArgs {
    name?: string;
    description?: string;
    algorithm?: string;
    protocol?: string;
    cidrlist?: string[];
}

/** VMs by id (their NIC's primary address), and/or explicit VM → address pairs. */
export interface LoadBalancerMembers {
    virtualmachineids?: string[];
    vmidipmap?: { vmid: string; vmip: string }[];
}

export interface LoadBalancerRuleVmIps {
    loadbalancerruleinstance: VirtualMachine;
    lbvmipaddresses: string[];
}

export interface LBStickinessPolicy {
    id: string;
    name: string;
    methodname: string;
    description?: string;
    state: string;
    fordisplay?: boolean;
    params: Record<string, string>;
}

/** LBStickinessResponse: the rule with its policies (object `stickinesspolicies`). */
export interface LBStickinessPolicies {
    lbruleid: string;
    account?: string;
    domainid?: string;
    domain?: string;
    zoneid?: string;
    stickinesspolicy: LBStickinessPolicy[];
}

export interface CreateLBStickinessPolicyArgs {
    lbruleid: string;
    name: string;
    /** LbCookie, AppCookie or SourceBased. */
    methodname: string;
    description?: string;
    /** Method parameters; a flag parameter takes "" as value. */
    param?: Record<string, string>;
}

export interface LBHealthCheckPolicy {
    id: string;
    pingpath: string;
    description?: string;
    state: string;
    responsetime: number;
    healthcheckinterval: number;
    /** Mold's spelling. */
    healthcheckthresshold: number;
    unhealthcheckthresshold: number;
    fordisplay?: boolean;
}

export interface LBHealthCheckPolicies {
    lbruleid: string;
    account?: string;
    domainid?: string;
    domain?: string;
    zoneid?: string;
    healthcheckpolicy: LBHealthCheckPolicy[];
}

export interface CreateLBHealthCheckPolicyArgs {
    lbruleid: string;
    description?: string;
    pingpath?: string;
    responsetimeout?: number;
    intervaltime?: number;
    healthythreshold?: number;
    unhealthythreshold?: number;
}

export async function createLoadBalancerRule(client: MoldClient, args: CreateLoadBalancerRuleArgs, wait?: WaitOptions): Promise<LoadBalancerRule> {
    const r = await client.callAsync<{ loadbalancer: LoadBalancerRule }>("createLoadBalancerRule", { ...args }, wait);
    return r.result.loadbalancer;
}

/** Filters: id, name, keyword, publicipid, networkid, virtualmachineid, zoneid, tags. */
export function listLoadBalancerRules(client: MoldClient, filter: ListFilter = {}): Promise<LoadBalancerRule[]> {
    return client.list<LoadBalancerRule>("listLoadBalancerRules", listParams(filter), "loadbalancerrule");
}

/** The rule, or undefined once it is gone (see isGone). */
export async function getLoadBalancerRule(client: MoldClient, id: string): Promise<LoadBalancerRule | undefined> {
    return (await rowsUnlessGone(listLoadBalancerRules(client, { id })))[0];
}

export async function updateLoadBalancerRule(client: MoldClient, id: string, args: UpdateLoadBalancerRuleArgs, wait?: WaitOptions): Promise<LoadBalancerRule> {
    const r = await client.callAsync<{ loadbalancer: LoadBalancerRule }>("updateLoadBalancerRule", { id, ...args }, wait);
    return r.result.loadbalancer;
}

/** Also removes its firewall rule, members and policies. */
export async function deleteLoadBalancerRule(client: MoldClient, id: string, wait?: WaitOptions): Promise<void> {
    await client.callAsync("deleteLoadBalancerRule", { id }, wait);
}

export async function assignToLoadBalancerRule(client: MoldClient, id: string, members: LoadBalancerMembers, wait?: WaitOptions): Promise<void> {
    await client.callAsync("assignToLoadBalancerRule", { id, ...members }, wait);
}

export async function removeFromLoadBalancerRule(client: MoldClient, id: string, members: LoadBalancerMembers, wait?: WaitOptions): Promise<void> {
    await client.callAsync("removeFromLoadBalancerRule", { id, ...members }, wait);
}

/** The rule's member VMs (`applied` true, the default), or the network's VMs not yet members (false). */
export function listLoadBalancerRuleInstances(client: MoldClient, id: string, applied?: boolean): Promise<VirtualMachine[]> {
    return client.list<VirtualMachine>("listLoadBalancerRuleInstances", { id, applied }, "loadbalancerruleinstance");
}

/** Members with the addresses the rule sends traffic to (`lbvmips=true`). */
export function listLoadBalancerRuleVmIps(client: MoldClient, id: string): Promise<LoadBalancerRuleVmIps[]> {
    return client.list<LoadBalancerRuleVmIps>("listLoadBalancerRuleInstances", { id, lbvmips: true }, "lbrulevmidip");
}

export async function createLBStickinessPolicy(client: MoldClient, args: CreateLBStickinessPolicyArgs, wait?: WaitOptions): Promise<LBStickinessPolicies> {
    const { param, ...rest } = args;
    const entries = param ? Object.entries(param).map(([name, value]): Record<string, string> => (value === "" ? { name } : { name, value })) : undefined;
    const r = await client.callAsync<{ stickinesspolicies: LBStickinessPolicies }>(
        "createLBStickinessPolicy",
        { ...rest, param: entries?.length ? entries : undefined },
        wait,
    );
    return r.result.stickinesspolicies;
}

/** By rule (`lbruleid`) or by policy (`id`): one entry holding the rule's policies. */
export function listLBStickinessPolicies(client: MoldClient, by: { lbruleid?: string; id?: string }): Promise<LBStickinessPolicies[]> {
    return client.list<LBStickinessPolicies>("listLBStickinessPolicies", { ...by }, "stickinesspolicies");
}

export async function deleteLBStickinessPolicy(client: MoldClient, id: string, wait?: WaitOptions): Promise<void> {
    await client.callAsync("deleteLBStickinessPolicy", { id }, wait);
}

/** Mold's virtual router has no health-check capability: on router networks this fails with 431. */
export async function createLBHealthCheckPolicy(client: MoldClient, args: CreateLBHealthCheckPolicyArgs, wait?: WaitOptions): Promise<LBHealthCheckPolicies> {
    const r = await client.callAsync<{ healthcheckpolicies: LBHealthCheckPolicies }>("createLBHealthCheckPolicy", { ...args }, wait);
    return r.result.healthcheckpolicies;
}

export function listLBHealthCheckPolicies(client: MoldClient, by: { lbruleid?: string; id?: string }): Promise<LBHealthCheckPolicies[]> {
    return client.list<LBHealthCheckPolicies>("listLBHealthCheckPolicies", { ...by }, "healthcheckpolicies");
}

export async function deleteLBHealthCheckPolicy(client: MoldClient, id: string, wait?: WaitOptions): Promise<void> {
    await client.callAsync("deleteLBHealthCheckPolicy", { id }, wait);
}
