// Shared by network, address, firewall, port-forwarding and load-balancer handlers: the rule life cycle
// (jobs, rendering, the firewall rule an openfirewall links), the rules on an IP, and rule removal. The
// records' pure parts (CIDR arithmetic, port/protocol validation, conflict detection, VM NICs) live in
// simulator/records/ and are re-exported here for the handlers.
import { ApiError, invalidParam } from "../errors";
import { dropTags, matchesTagFilter, render, T, tagsOf } from "../model";
import { firewallView, loadBalancerView, portForwardingView, RuleView, shownState } from "../records/rule";
import { table } from "../state";
import type { BaseContext, CommandContext, CommandResult, CommandSpec, EventSpec, JobCompleter } from "../types";

export {
    cidrRange,
    cidrWithin,
    intToIp,
    ipToInt,
    isCidr,
    isIpv4,
    isIpv4Cidr,
    isIpv6Cidr,
    isPrivateOrSharedCidr,
    netmaskToPrefix,
    prefixToNetmask,
} from "../records/cidr";
export {
    detectRulesConflict,
    firewallView,
    isValidPort,
    loadBalancerView,
    portForwardingView,
    ROUTER_PROTOCOLS,
    RulePurpose,
    RuleView,
    shownState,
    validateProtocol,
    validatePublicPorts,
    ZONE_DB_ID,
} from "../records/rule";
export { nicAddresses, ruleVmNic, vmIsDestroyed, vmIsExpunged, vmName, vmNicIn, vmNics } from "../records/vm";

/** Tag resource types (ResourceObjectType) of the records this family owns. */
export const TAG_TYPE = {
    network: "Network",
    publicIp: "PublicIpAddress",
    firewall: "FirewallRule",
    portForwarding: "PortForwardingRule",
    loadBalancer: "LoadBalancer",
} as const;

/** Mold keeps a numeric database id next to each UUID; some error texts print it. */
export function nextDbId(ctx: BaseContext): number {
    return ++ctx.state.seq;
}

/** Every non-revoked ingress rule of any purpose on one public IP. */
export function ingressRulesOnIp(ctx: BaseContext, ipId: string): RuleView[] {
    const live = (r: any) => r.state !== "Revoke" && r.ipaddressid === ipId;
    const liveLb = (r: any) => r.state !== "Revoke" && r.publicipid === ipId;
    return [
        ...Object.values(table(ctx.state, T.firewallRules))
            .filter((r: any) => live(r) && r.traffictype === "Ingress")
            .map(firewallView),
        ...Object.values(table(ctx.state, T.portForwardingRules)).filter(live).map(portForwardingView),
        ...Object.values(table(ctx.state, T.loadBalancerRules)).filter(liveLb).map(loadBalancerView),
    ];
}

// ---- CIDR list parameters -----------------------------------------------------------------------

/** A LIST parameter of CIDRs; an absent, empty or blank single entry gives an empty list. */
export function cidrListParam(ctx: { params: { list(name: string): string[] | undefined } }, name: string): string[] {
    return ctx.params.list(name) ?? [];
}

// ---- rule life cycle (firewall, port forwarding, load balancing) ---------------------------------

/** The public IP a rule is created on inside another job (e.g. CKS); an unknown id is a 431. */
export function publicIpOrThrow(ctx: BaseContext, ipId: string): any {
    const ip = table(ctx.state, T.publicIps)[ipId];
    if (!ip) throw invalidParam(`Unable to find IP address by ID=${ipId}`);
    return ip;
}

/** FirewallResponse, FirewallRuleResponse, LoadBalancerResponse: Revoke is shown as Deleting; tags joined in. */
export function renderRule(ctx: BaseContext, rule: any, tagType: string): Record<string, any> {
    return { ...render(rule), state: shownState(rule.state), tags: tagsOf(ctx, tagType, rule.id) };
}

/** Queues a rule command's job. Rule jobs are serialised per network; create and update jobs name the rule as their instance. */
export function queueRuleJob(ctx: CommandContext, cmd: string, completer: string, rule: any, payload: Record<string, any>, namesRule = true): string {
    const instance = namesRule ? { instanceType: "FirewallRule", instanceId: rule.id } : {};
    return ctx.queueJob({ cmd, completer, ...instance, syncObject: rule.networkid, payload });
}

/** delete*Rule: shown as Deleting while the revoke is in flight; the `:failed` completer puts `previousState` back. */
export function revokeAndQueueDelete(ctx: CommandContext, rule: any, cmd: string, completer: string): string {
    const previousState = rule.state;
    rule.state = "Revoke";
    return queueRuleJob(ctx, cmd, completer, rule, { ruleId: rule.id, previousState }, false);
}

/** list*Rules: the rows of a rule table the request's filters keep and its tag filter matches, rendered. */
export function listRules(
    ctx: CommandContext,
    tags: Record<string, string>[],
    rules: { table: string; tagType: string; list: string; render(ctx: BaseContext, rule: any): Record<string, any> },
    keep: (rule: any) => boolean,
): CommandResult {
    const items = Object.values(table(ctx.state, rules.table))
        .filter((r: any) => keep(r) && matchesTagFilter(ctx, tags, rules.tagType, r.id))
        .map((r: any) => rules.render(ctx, r));
    return { list: rules.list, items };
}

/** update*Rule: the rule by id (431 when unknown), then a job (completer named as the command) with the changes asked for. */
export function updateRuleCommand(
    name: string,
    cmdClass: string,
    tableName: string,
    changes: (ctx: CommandContext, rule: any) => Record<string, unknown>,
): CommandSpec {
    return {
        name,
        isAsync: true,
        handle(ctx) {
            const rule = ctx.params.entity<any>("id", table(ctx.state, tableName), true)!;
            return { jobid: queueRuleJob(ctx, cmdClass, name, rule, { ruleId: rule.id, ...changes(ctx, rule) }) };
        },
    };
}

/** A create job that failed: Mold removes the row create() stored. */
export function dropOnFailure(remove: (ctx: BaseContext, ruleId: string) => void): JobCompleter {
    return (ctx, job) => {
        remove(ctx, job.payload.ruleId);
        return { success: true };
    };
}

/** How delete*Rule treats one rule kind. */
export interface RuleDeletion {
    name: string;
    cmdClass: string;
    table: string;
    remove(ctx: BaseContext, ruleId: string): void;
    event(rule: any): EventSpec;
    /** Whether the firewall rule its openfirewall created is revoked with it (and comes back if the delete fails). */
    revokesLinkedFirewall: boolean;
}

/**
 * delete*Rule and its job completers: the rule (and, for port forwarding, its linked firewall rule) shows as
 * Deleting while the job runs; the job removes the row; a failed job puts the previous state back.
 */
export function ruleDeletion(d: RuleDeletion): { command: CommandSpec; jobs: Record<string, JobCompleter> } {
    const command: CommandSpec = {
        name: d.name,
        isAsync: true,
        handle(ctx) {
            const rule = ctx.params.entity<any>("id", table(ctx.state, d.table), true)!;
            const related = d.revokesLinkedFirewall ? linkedFirewallRule(ctx, rule) : undefined;
            if (related) related.state = "Revoke";
            return { jobid: revokeAndQueueDelete(ctx, rule, d.cmdClass, d.name) };
        },
    };
    const jobs: Record<string, JobCompleter> = {
        [d.name](ctx, job) {
            const rule = table(ctx.state, d.table)[job.payload.ruleId];
            if (!rule) return { success: true };
            d.remove(ctx, rule.id);
            ctx.event(d.event(rule));
            return { success: true };
        },
        [`${d.name}:failed`](ctx, job) {
            const rule = table(ctx.state, d.table)[job.payload.ruleId];
            if (!rule) return { success: true };
            rule.state = job.payload.previousState;
            const fw = d.revokesLinkedFirewall ? linkedFirewallRule(ctx, rule) : undefined;
            if (fw) fw.state = "Active";
            return { success: true };
        },
    };
    return { command, jobs };
}

/** The rule a create/update job works on; gone or being revoked is Mold's generic job failure. */
export function liveRule(ctx: BaseContext, tableName: string, ruleId: string, failureText: string): any {
    const rule = table(ctx.state, tableName)[ruleId];
    if (!rule || rule.state === "Revoke") throw jobFailure(failureText);
    return rule;
}

/** The ingress firewall rule that a port-forwarding or LB rule's openfirewall created, if any. */
export function linkedFirewallRule(ctx: BaseContext, rule: any): any | undefined {
    return rule._relatedFirewallId ? table(ctx.state, T.firewallRules)[rule._relatedFirewallId] : undefined;
}

/** Applying a port-forwarding or LB rule applies its linked firewall rule first (Add → Active). */
export function applyLinkedFirewallRule(ctx: BaseContext, rule: any): void {
    const fw = linkedFirewallRule(ctx, rule);
    if (fw && fw.state === "Add") fw.state = "Active";
}

// ---- removal ------------------------------------------------------------------------------------

/** Deletes an ingress/egress firewall rule row with its tags. */
export function removeFirewallRow(ctx: BaseContext, ruleId: string): void {
    const rules = table(ctx.state, T.firewallRules);
    if (!rules[ruleId]) return;
    delete rules[ruleId];
    dropTags(ctx, TAG_TYPE.firewall, ruleId);
}

/** Deletes a port-forwarding rule with the firewall rule its openfirewall created. */
export function removePortForwardingRow(ctx: BaseContext, ruleId: string): void {
    const rules = table(ctx.state, T.portForwardingRules);
    const rule = rules[ruleId];
    if (!rule) return;
    if (rule._relatedFirewallId) removeFirewallRow(ctx, rule._relatedFirewallId);
    delete rules[ruleId];
    dropTags(ctx, TAG_TYPE.portForwarding, ruleId);
    untieUnusedVpcIp(ctx, rule.ipaddressid);
}

/**
 * The tier a port-forwarding or LB rule on a VPC's address serves (Create…RuleCmd.getNetworkId): the tier the
 * address is tied to, else the `networkid` given, which must be a tier of the address's VPC. Returns the tier to
 * tie the address to (the caller ties it once the rule passed its checks), or undefined when nothing is to tie.
 */
export function vpcTierToTie(ip: any, networkParam: any | undefined): any | undefined {
    if (ip.associatednetworkid || !ip.vpcid || !networkParam) return undefined;
    if (networkParam.vpcid !== ip.vpcid) throw invalidParam(`Ip address ${ip.ipaddress} is not assigned to the network ${networkParam.name}`);
    return networkParam;
}

/** Ties a VPC's address to a tier (IpAddressManagerImpl.associateIPToGuestNetwork), or unties it (undo). */
export function tieVpcIp(ip: any, tier: any | undefined): void {
    if (tier) Object.assign(ip, { associatednetworkid: tier.id, associatednetworkname: tier.name });
    else for (const k of ["associatednetworkid", "associatednetworkname"]) delete ip[k];
}

/** Runs a rule's insert; a refused rule leaves the address untied again (Mold's performedIpAssoc rollback). */
export function untieOnFailure<R>(ip: any, tier: any | undefined, insert: () => R): R {
    try {
        return insert();
    } catch (e) {
        if (tier) tieVpcIp(ip, undefined);
        throw e;
    }
}

/** Create…RuleCmd.getOpenFirewall: default true, false for a VPC's address, where true is refused. */
export function ruleOpenFirewall(ip: any, given: boolean | undefined): boolean {
    if (ip.vpcid && given === true) throw invalidParam("Can't have openFirewall=true when IP address belongs to VPC");
    return given ?? !ip.vpcid;
}

/** A VPC's address with no rule and no static NAT left goes back to the VPC (VpcManagerImpl.unassignIPFromVpcNetwork). */
function untieUnusedVpcIp(ctx: BaseContext, ipId: string | undefined): void {
    const ip = ipId ? table(ctx.state, T.publicIps)[ipId] : undefined;
    if (!ip?.vpcid || !ip.associatednetworkid || ip.issourcenat || ip.isstaticnat) return;
    const used =
        Object.values(table(ctx.state, T.portForwardingRules)).some((r: any) => r.ipaddressid === ipId) ||
        Object.values(table(ctx.state, T.loadBalancerRules)).some((r: any) => r.publicipid === ipId);
    if (!used) tieVpcIp(ip, undefined);
}

/** Deletes a load-balancer rule with its firewall rule, member mappings and policies. */
export function removeLoadBalancerRow(ctx: BaseContext, ruleId: string): void {
    const rules = table(ctx.state, T.loadBalancerRules);
    const rule = rules[ruleId];
    if (!rule) return;
    if (rule._relatedFirewallId) removeFirewallRow(ctx, rule._relatedFirewallId);
    for (const name of [T.lbStickinessPolicies, T.lbHealthCheckPolicies]) {
        const policies = table(ctx.state, name);
        for (const [id, p] of Object.entries(policies)) if ((p as any)._lbruleid === ruleId) delete policies[id];
    }
    delete rules[ruleId];
    dropTags(ctx, TAG_TYPE.loadBalancer, ruleId);
    untieUnusedVpcIp(ctx, rule.publicipid);
}

/** Revokes every rule on a public IP (disassociate, network delete). */
export function removeAllRulesOnIp(ctx: BaseContext, ipId: string): void {
    for (const [id, r] of Object.entries(table(ctx.state, T.loadBalancerRules))) if ((r as any).publicipid === ipId) removeLoadBalancerRow(ctx, id);
    for (const [id, r] of Object.entries(table(ctx.state, T.portForwardingRules))) if ((r as any).ipaddressid === ipId) removePortForwardingRow(ctx, id);
    for (const [id, r] of Object.entries(table(ctx.state, T.firewallRules))) if ((r as any).ipaddressid === ipId) removeFirewallRow(ctx, id);
}

/** A job step that finds its entity gone raises Mold's generic job failure text. */
export function jobFailure(text: string): ApiError {
    return new ApiError(530, text, 4250);
}
