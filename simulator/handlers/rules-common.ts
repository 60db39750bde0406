// Shared by network, address, firewall, port-forwarding and load-balancer handlers: address and CIDR
// arithmetic, port/protocol validation (FirewallManagerImpl.validateFirewallRule), rule conflict
// detection (mold-api-network.md §6.5), the rule life cycle (jobs, rendering, the firewall rule an
// openfirewall links), rule removal, and reading colleagues' VM records.
import { ApiError, invalidParam, ruleConflict } from "../errors";
import { dropTags, matchesTagFilter, render, T, tagsOf } from "../model";
import { table } from "../state";
import type { BaseContext, CommandContext, CommandResult, CommandSpec, EventSpec, JobCompleter } from "../types";

export type RulePurpose = "Firewall" | "PortForwarding" | "LoadBalancing";

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

/** Zone database id as printed in "Protocol x is not supported in zone <id>". */
export const ZONE_DB_ID = 1;

/** FirewallRule.State as printed by ApiResponseHelper: Revoke is shown as Deleting. */
export function shownState(state: string): string {
    return state === "Revoke" ? "Deleting" : state;
}

// ---- addresses and CIDRs ----------------------------------------------------------------------

export function isIpv4(value: string): boolean {
    const parts = value.split(".");
    return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

export function ipToInt(ip: string): number {
    return ip.split(".").reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function intToIp(n: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

export function isIpv4Cidr(value: string): boolean {
    const m = /^([^/]+)\/(\d{1,2})$/.exec(value.trim());
    return !!m && isIpv4(m[1]) && Number(m[2]) <= 32;
}

function isIpv6(value: string): boolean {
    if (!/^[0-9a-fA-F:.]+$/.test(value) || !value.includes(":")) return false;
    const halves = value.split("::");
    if (halves.length > 2) return false;
    const groups = halves.flatMap((h) => (h === "" ? [] : h.split(":")));
    if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
    return halves.length === 2 ? groups.length < 8 : groups.length === 8;
}

export function isIpv6Cidr(value: string): boolean {
    const m = /^([^/]+)\/(\d{1,3})$/.exec(value.trim());
    return !!m && isIpv6(m[1]) && Number(m[2]) <= 128;
}

export function isCidr(value: string): boolean {
    return isIpv4Cidr(value) || isIpv6Cidr(value);
}

export function prefixToNetmask(prefix: number): string {
    return intToIp(prefix === 0 ? 0 : (0xffffffff - (2 ** (32 - prefix) - 1)) >>> 0);
}

/** Prefix length of a dotted netmask, or undefined when it is not a contiguous mask. */
export function netmaskToPrefix(netmask: string): number | undefined {
    if (!isIpv4(netmask)) return undefined;
    const bits = ipToInt(netmask).toString(2).padStart(32, "0");
    return /^1*0*$/.test(bits) ? bits.replace(/0+$/, "").length : undefined;
}

/** First and last address (as ints) of an IPv4 CIDR. */
export function cidrRange(cidr: string): { first: number; last: number; prefix: number } {
    const [ip, p] = cidr.split("/");
    const prefix = Number(p);
    const size = 2 ** (32 - prefix);
    const first = Math.floor(ipToInt(ip) / size) * size;
    return { first, last: first + size - 1, prefix };
}

/** Whether IPv4 CIDR `inner` lies inside IPv4 CIDR `outer`. */
export function cidrWithin(inner: string, outer: string): boolean {
    if (!isIpv4Cidr(inner) || !isIpv4Cidr(outer)) return false;
    const a = cidrRange(inner);
    const b = cidrRange(outer);
    return a.first >= b.first && a.last <= b.last;
}

/** RFC 1918 private ranges plus RFC 6598 shared space, the ranges Mold accepts for isolated guest CIDRs. */
export function isPrivateOrSharedCidr(cidr: string): boolean {
    return ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"].some((r) => cidrWithin(cidr, r));
}

// ---- ports and protocols ----------------------------------------------------------------------

export const isValidPort = (p: number) => p >= 0 && p <= 65535;

/** The public-port part of FirewallManagerImpl.validateFirewallRule. */
export function validatePublicPorts(start: number | undefined, end: number | undefined): void {
    if (start !== undefined && !isValidPort(start)) throw invalidParam(`publicPort is an invalid value: ${start}`);
    if (end !== undefined && !isValidPort(end)) throw invalidParam(`Public port range is an invalid value: ${end}`);
    if (start !== undefined && end !== undefined && start > end) throw invalidParam("Start port can't be bigger than end port");
}

/** Virtual-router capability strings; Mold's check is a plain substring test on them. */
export const ROUTER_PROTOCOLS: Record<RulePurpose | "Egress", string> = {
    Firewall: "tcp,udp,icmp",
    Egress: "tcp,udp,icmp, all",
    PortForwarding: "tcp,udp",
    LoadBalancing: "tcp, udp, tcp-proxy, ssl",
};

/** The protocol part of validateFirewallRule. */
export function validateProtocol(protocol: string, purpose: RulePurpose, egress = false): void {
    if (purpose !== "Firewall" && protocol === "icmp") {
        throw invalidParam(`Protocol ${protocol} is currently supported only for rules with purpose Firewall`);
    }
    const supported = ROUTER_PROTOCOLS[egress ? "Egress" : purpose];
    if (!supported.includes(protocol)) throw invalidParam(`Protocol ${protocol} is not supported in zone ${ZONE_DB_ID}`);
}

// ---- conflict detection ------------------------------------------------------------------------

/** What conflict detection needs to know about a rule, whatever table it lives in. */
export interface RuleView {
    id: string;
    dbid: number;
    purpose: RulePurpose;
    /** Firewall protocol: LB rules count as tcp whatever their LB protocol. */
    protocol: string;
    start?: number;
    end?: number;
    cidrs: string[];
    destCidrs: string[];
    icmptype?: number;
    icmpcode?: number;
    networkid: string;
    state: string;
}

export function firewallView(r: any): RuleView {
    return {
        id: r.id,
        dbid: r._dbid,
        purpose: "Firewall",
        protocol: r.protocol,
        start: r.startport,
        end: r.endport,
        cidrs: r._cidrs ?? [],
        destCidrs: r._destCidrs ?? [],
        icmptype: r.icmptype,
        icmpcode: r.icmpcode,
        networkid: r.networkid,
        state: r.state,
    };
}

export function portForwardingView(r: any): RuleView {
    return {
        id: r.id,
        dbid: r._dbid,
        purpose: "PortForwarding",
        protocol: r.protocol,
        start: Number(r.publicport),
        end: Number(r.publicendport),
        cidrs: r._cidrs ?? [],
        destCidrs: [],
        networkid: r.networkid,
        state: r.state,
    };
}

export function loadBalancerView(r: any): RuleView {
    return {
        id: r.id,
        dbid: r._dbid,
        purpose: "LoadBalancing",
        protocol: "tcp",
        start: Number(r.publicport),
        end: Number(r.publicport),
        cidrs: [],
        destCidrs: [],
        networkid: r.networkid,
        state: r.state,
    };
}

/** Every non-revoked ingress rule of any purpose on one public IP. */
export function ingressRulesOnIp(ctx: BaseContext, ipId: string): RuleView[] {
    const live = (r: any) => r.state !== "Revoke" && r.ipaddressid === ipId;
    const liveLb = (r: any) => r.state !== "Revoke" && r.publicipid === ipId;
    return [
        ...Object.values(table(ctx.state, T.firewallRules)).filter((r: any) => live(r) && r.traffictype === "Ingress").map(firewallView),
        ...Object.values(table(ctx.state, T.portForwardingRules)).filter(live).map(portForwardingView),
        ...Object.values(table(ctx.state, T.loadBalancerRules)).filter(liveLb).map(loadBalancerView),
    ];
}

/** Exact-string intersection, as Mold compares CIDR lists; two empty lists count as overlapping. */
function cidrsOverlap(a: string[], b: string[]): boolean {
    if (a.length === 0 && b.length === 0) return true;
    return a.some((c) => b.includes(c));
}

/**
 * FirewallManagerImpl.detectRulesConflict. `keepCause` decides the cserrorcode of the 537:
 * 4360 when the command passes the NetworkRuleConflictException on, 9999 when it drops it.
 */
export function detectRulesConflict(candidate: RuleView, existing: RuleView[], keepCause: boolean): void {
    for (const rule of existing) {
        if (rule.id === candidate.id) continue;
        const oneIsFirewall =
            (rule.purpose === "Firewall" || candidate.purpose === "Firewall") && (rule.purpose !== candidate.purpose || rule.protocol !== candidate.protocol);
        const bothFirewall = rule.purpose === "Firewall" && candidate.purpose === "Firewall";
        const bothPortForwarding = rule.purpose === "PortForwarding" && candidate.purpose === "PortForwarding";
        let duplicatedCidrs = false;
        if (bothFirewall) duplicatedCidrs = cidrsOverlap(rule.cidrs, candidate.cidrs) && cidrsOverlap(rule.destCidrs, candidate.destCidrs);
        if (bothPortForwarding) duplicatedCidrs = cidrsOverlap(rule.cidrs, candidate.cidrs);

        if (rule.networkid !== candidate.networkid) {
            throw ruleConflict(`New rule is for a different network than what's specified in rule ${rule.id}`, keepCause);
        }
        if (candidate.protocol === "icmp" && rule.protocol === "icmp") {
            if (candidate.icmpcode === rule.icmpcode && candidate.icmptype === rule.icmptype && duplicatedCidrs) {
                throw invalidParam(`New rule conflicts with existing rule: ${rule.dbid}`);
            }
        }
        const allPortsSet = [candidate.start, candidate.end, rule.start, rule.end].every((p) => p !== undefined);
        const noPortsSet = [candidate.start, candidate.end, rule.start, rule.end].every((p) => p === undefined);
        if (noPortsSet && duplicatedCidrs && rule.protocol === candidate.protocol && candidate.protocol !== "icmp") {
            throw ruleConflict(`There is already a firewall rule specified with protocol = ${candidate.protocol} and no ports`, keepCause);
        }
        if (oneIsFirewall || !allPortsSet) continue;
        if ((bothFirewall || bothPortForwarding) && !duplicatedCidrs) continue;
        const overlap = candidate.start! <= rule.end! && rule.start! <= candidate.end!;
        if (!overlap) continue;
        if (bothPortForwarding && rule.protocol !== candidate.protocol) continue;
        throw ruleConflict(
            `The range specified, ${candidate.start}-${candidate.end}, conflicts with rule ${rule.dbid} which has ${rule.start}-${rule.end}`,
            keepCause,
        );
    }
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
export function updateRuleCommand(name: string, cmdClass: string, tableName: string, changes: (ctx: CommandContext, rule: any) => Record<string, unknown>): CommandSpec {
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
}

/** Revokes every rule on a public IP (disassociate, network delete). */
export function removeAllRulesOnIp(ctx: BaseContext, ipId: string): void {
    for (const [id, r] of Object.entries(table(ctx.state, T.loadBalancerRules))) if ((r as any).publicipid === ipId) removeLoadBalancerRow(ctx, id);
    for (const [id, r] of Object.entries(table(ctx.state, T.portForwardingRules))) if ((r as any).ipaddressid === ipId) removePortForwardingRow(ctx, id);
    for (const [id, r] of Object.entries(table(ctx.state, T.firewallRules))) if ((r as any).ipaddressid === ipId) removeFirewallRow(ctx, id);
}

// ---- VMs (records owned by vm.ts) ------------------------------------------------------------

/** A VM's NICs as stored on its record (UserVmResponse `nic[]`). */
export function vmNics(vm: any): { networkid: string; ipaddress?: string; secondaryip?: { ipaddress: string }[] }[] {
    return Array.isArray(vm?.nic) ? vm.nic : [];
}

export function vmNicIn(vm: any, networkId: string): { networkid: string; ipaddress?: string; secondaryip?: { ipaddress: string }[] } | undefined {
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
export function nicAddresses(nic: { ipaddress?: string; secondaryip?: { ipaddress: string }[] }): string[] {
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

/** A job step that finds its entity gone raises Mold's generic job failure text. */
export function jobFailure(text: string): ApiError {
    return new ApiError(530, text, 4250);
}
