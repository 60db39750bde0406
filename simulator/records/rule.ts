// The network rule records (firewall, port forwarding, load balancing: one firewall_rules table in Mold) and
// their pure operations: shown state, port and protocol checks (FirewallManagerImpl.validateFirewallRule),
// the view conflict detection compares and the conflict rule itself (mold-api-network.md §6.5). The
// handlers keep the tables, jobs and rendering.
import { invalidParam, ruleConflict } from "../errors";

export type RulePurpose = "Firewall" | "PortForwarding" | "LoadBalancing";

/** Zone database id as printed in "Protocol x is not supported in zone <id>". */
export const ZONE_DB_ID = 1;

/** FirewallRule.State as printed by ApiResponseHelper: Revoke is shown as Deleting. */
export function shownState(state: string): string {
    return state === "Revoke" ? "Deleting" : state;
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
