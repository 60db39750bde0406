// Ingress and egress firewall rules (mold-api-network.md §6). Mirrors provider/client/firewall.ts.
// OWNER: network helper. The exported internal functions are a CONTRACT used by kubernetes.ts.
import { ApiError, invalidParam, unknownUuid } from "../errors";
import { matchesTagFilter, T, tagFilter } from "../model";
import { listIdFilter } from "../gone";
import { table } from "../state";
import type { BaseContext, CommandContext, CommandSpec, JobCompleter } from "../types";
import {
    cidrListParam,
    cidrWithin,
    detectRulesConflict,
    firewallView,
    ingressRulesOnIp,
    isCidr,
    jobFailure,
    liveRule,
    nextDbId,
    publicIpOrThrow,
    queueRuleJob,
    removeFirewallRow,
    renderRule,
    RuleView,
    revokeAndQueueDelete,
    TAG_TYPE,
    validateProtocol,
    validatePublicPorts,
} from "./rules-common";

export interface FirewallSpec {
    ipaddressid: string;
    protocol: "tcp" | "udp" | "icmp";
    startport?: number;
    endport?: number;
    cidrlist?: string[];
}

const CMD_PKG = "org.apache.cloudstack.api.command.user.firewall";
const ANYWHERE = "0.0.0.0/0";

/** Everything needed to store one firewall rule, after the command or a caller has parsed it. */
interface FirewallDraft {
    traffic: "Ingress" | "Egress";
    /** Ingress only. */
    ip?: any;
    network: any;
    protocol: string;
    startport?: number;
    endport?: number;
    cidrs: string[];
    destCidrs: string[];
    icmptype?: number;
    icmpcode?: number;
    state: "Add" | "Active";
    /** The port-forwarding or LB rule whose openfirewall created this one. */
    relatedTo?: string;
    /** Whether a conflict keeps its NetworkRuleConflictException cause (cserrorcode 4360) or drops it (9999). */
    conflictKeepsCause: boolean;
}

/** Validates (validateFirewallRule, icmp rules, conflicts) and stores a rule; conflicts leave nothing behind. */
function insertFirewallRule(ctx: BaseContext, d: FirewallDraft): any {
    const egress = d.traffic === "Egress";
    validatePublicPorts(d.startport, d.endport);
    validateProtocol(d.protocol, "Firewall", egress);
    const isIcmp = d.protocol === "icmp";
    if (!isIcmp && (d.icmptype !== undefined || d.icmpcode !== undefined)) throw invalidParam("Can specify icmpCode and icmpType for ICMP protocol only");
    if (isIcmp && (d.startport !== undefined || d.endport !== undefined)) throw invalidParam("Can't specify start/end port when protocol is ICMP");
    // FirewallManagerImpl.validateFirewallRule (NetUtils.validateIcmpType / validateIcmpCode); -1 means any.
    if (d.icmptype !== undefined && d.icmptype !== -1 && (d.icmptype < 0 || d.icmptype > 255))
        throw invalidParam("Invalid icmp type; should belong to [0-255] range");
    if (d.icmpcode !== undefined && d.icmpcode !== -1 && (d.icmpcode < 0 || d.icmpcode > 15)) {
        throw invalidParam("Invalid icmp code; should belong to [0-15] range and can be defined when icmpType belongs to [0-40] range");
    }
    const id = ctx.uuid();
    const rule = {
        id,
        protocol: d.protocol,
        startport: d.startport,
        endport: d.endport,
        ipaddressid: d.ip?.id,
        networkid: d.network.id,
        ipaddress: d.ip?.ipaddress,
        state: d.state,
        cidrlist: d.cidrs.join(","),
        destcidrlist: d.destCidrs.join(","),
        icmptype: isIcmp ? (d.icmptype ?? -1) : undefined,
        icmpcode: isIcmp ? (d.icmpcode ?? -1) : undefined,
        traffictype: d.traffic,
        fordisplay: true,
        _dbid: nextDbId(ctx),
        _purpose: "Firewall",
        _cidrs: d.cidrs,
        _destCidrs: d.destCidrs,
        _related: d.relatedTo,
    };
    const existing = egress
        ? Object.values(table(ctx.state, T.firewallRules))
              .filter((r: any) => r.traffictype === "Egress" && r.networkid === d.network.id && r.state !== "Revoke")
              .map(firewallView)
        : ingressRulesOnIp(ctx, d.ip.id);
    detectRulesConflict(firewallView(rule), existing, d.conflictKeepsCause);
    table(ctx.state, T.firewallRules)[id] = rule;
    return rule;
}

/** FirewallResponse: ports and icmp fields are ints; Revoke is shown as Deleting. */
export function renderFirewallRule(ctx: BaseContext, rule: any): Record<string, any> {
    return renderRule(ctx, rule, TAG_TYPE.firewall);
}

/** The network of the public IP an ingress rule goes on; an IP outside any network is refused. */
function networkOfIp(ctx: BaseContext, ip: any): any {
    const network = ip.associatednetworkid ? table(ctx.state, T.networks)[ip.associatednetworkid] : undefined;
    if (!network) {
        throw invalidParam(
            `Unable to create firewall rule for the IP address ID=${ip._dbid} as IP is not associated with any network and no networkId is passed in`,
        );
    }
    return network;
}

/**
 * openfirewall=true of port forwarding and LB (FirewallManagerImpl.createRuleForAllCidrs): an ingress rule
 * 0.0.0.0/0 for the public ports, linked to its owner; an existing rule with the same ports and protocol
 * is reused instead (and then not removed with the owner). Returns the id of a rule it created.
 */
export function openFirewallFor(
    ctx: BaseContext,
    ip: any,
    protocol: string,
    startport: number,
    endport: number,
    ownerRuleId: string,
    state: "Add" | "Active",
): string | undefined {
    const reusable = Object.values(table(ctx.state, T.firewallRules)).some(
        (r: any) => r.ipaddressid === ip.id && r.state !== "Revoke" && r.protocol === protocol && r.startport === startport && r.endport === endport,
    );
    if (reusable) return undefined;
    const network = table(ctx.state, T.networks)[ip.associatednetworkid];
    const rule = insertFirewallRule(ctx, {
        traffic: "Ingress",
        ip,
        network,
        protocol,
        startport,
        endport,
        cidrs: [ANYWHERE],
        destCidrs: [],
        state,
        relatedTo: ownerRuleId,
        conflictKeepsCause: true,
    });
    return rule.id;
}

/** How create() stores a rule on a public IP (port forwarding, load balancing) once its own checks passed. */
export interface RuleOnIp {
    table: string;
    purpose: "PortForwarding" | "LoadBalancing";
    view(rule: any): RuleView;
    /** Whether a 537 keeps its cause (cserrorcode 4360, port forwarding) or drops it (9999, load balancing). */
    keepCause: boolean;
    /** The firewall rule `openfirewall` asks for, if it does. */
    openFirewall?: { protocol: string; startport: number; endport: number; state: "Add" | "Active" };
}

/**
 * The end of create() shared by port-forwarding and load-balancer rules: the row gets its database id, the
 * conflict check runs against every live rule on the IP, then the firewall rule `openfirewall` asks for (which
 * may still conflict with another firewall rule: then nothing is stored), then the row is stored.
 */
export function insertRuleOnIp(ctx: BaseContext, ip: any, fields: Record<string, any>, how: RuleOnIp): any {
    const rule: any = { ...fields, fordisplay: true, _dbid: nextDbId(ctx), _purpose: how.purpose };
    detectRulesConflict(how.view(rule), ingressRulesOnIp(ctx, ip.id), how.keepCause);
    const fw = how.openFirewall;
    if (fw) rule._relatedFirewallId = openFirewallFor(ctx, ip, fw.protocol, fw.startport, fw.endport, rule.id, fw.state);
    table(ctx.state, how.table)[rule.id] = rule;
    return rule;
}

/** Stores an ingress firewall rule directly in state Active (used inside other jobs, e.g. CKS). */
export function createFirewallRecord(ctx: BaseContext, spec: FirewallSpec): Record<string, any> {
    const ip = publicIpOrThrow(ctx, spec.ipaddressid);
    const network = networkOfIp(ctx, ip);
    const rule = insertFirewallRule(ctx, {
        traffic: "Ingress",
        ip,
        network,
        protocol: spec.protocol,
        startport: spec.startport,
        endport: spec.endport ?? spec.startport,
        cidrs: spec.cidrlist?.length ? spec.cidrlist : [ANYWHERE],
        destCidrs: [],
        state: "Active",
        conflictKeepsCause: true,
    });
    ctx.event({ type: "FIREWALL.OPEN", description: `Creating firewall rule ${rule.id}`, resourceId: rule.id, resourceType: "FirewallRule" });
    return rule;
}

export function deleteFirewallRecord(ctx: BaseContext, ruleId: string): void {
    removeFirewallRow(ctx, ruleId);
}

/** Shared parsing of startport/endport/icmp parameters (endport defaults to startport). */
function portParams(ctx: CommandContext) {
    const p = ctx.params;
    const protocol = p.required("protocol").trim().toLowerCase();
    const startport = p.int("startport");
    const endport = p.int("endport") ?? startport;
    return { protocol, startport, endport, icmptype: p.int("icmptype"), icmpcode: p.int("icmpcode") };
}

const createFirewallRule: CommandSpec = {
    name: "createFirewallRule",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        const ip = p.entity<any>("ipaddressid", table(ctx.state, T.publicIps), true)!;
        const ports = portParams(ctx);
        const cidrs = cidrListParam(ctx, "cidrlist");
        for (const c of cidrs) if (!isCidr(c)) throw new ApiError(431, `Source CIDRs formatting error ${c}`, 9999);
        const network = networkOfIp(ctx, ip);
        const rule = insertFirewallRule(ctx, {
            traffic: "Ingress",
            ip,
            network,
            ...ports,
            cidrs: cidrs.length ? cidrs : [ANYWHERE],
            destCidrs: [],
            state: "Add",
            conflictKeepsCause: true,
        });
        return { id: rule.id, jobid: queueCreate(ctx, rule, "CreateFirewallRuleCmd") };
    },
};

const createEgressFirewallRule: CommandSpec = {
    name: "createEgressFirewallRule",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        const network = p.entity<any>("networkid", table(ctx.state, T.networks), true)!;
        const ports = portParams(ctx);
        const given = cidrListParam(ctx, "cidrlist");
        const destCidrs = cidrListParam(ctx, "destcidrlist");
        for (const c of given) if (!isCidr(c)) throw invalidParam(`Source CIDRs formatting error [${c}].`);
        for (const c of destCidrs) if (!isCidr(c)) throw invalidParam(`Destination CIDRs formatting error [${c}].`);
        for (const c of given) {
            if (c !== ANYWHERE && !cidrWithin(c, network.cidr)) throw invalidParam(`[${c}] is not within the guest CIDR [${network.cidr}]. `);
        }
        if (network.type === "Shared") throw invalidParam("Egress firewall rules are not supported for Shared  networks");
        if (ports.protocol === "all" && ports.startport !== undefined && ports.endport !== undefined) {
            throw invalidParam(
                `Unable to create firewall rule for the network id=[${network._dbid}] due to: ports must not be informed to protocol ALL, as it does not require them.`,
            );
        }
        // The source defaults to the guest CIDR, and 0.0.0.0/0 stands for it too.
        const cidrs = given.length === 0 ? [network.cidr] : [...new Set(given.map((c) => (c === ANYWHERE ? network.cidr : c)))];
        const rule = insertFirewallRule(ctx, { traffic: "Egress", network, ...ports, cidrs, destCidrs, state: "Add", conflictKeepsCause: false });
        return { id: rule.id, jobid: queueCreate(ctx, rule, "CreateEgressFirewallRuleCmd") };
    },
};

function queueCreate(ctx: CommandContext, rule: any, cmdClass: string): string {
    return queueRuleJob(ctx, `${CMD_PKG}.${cmdClass}`, "createFirewallRule", rule, { ruleId: rule.id });
}

function listRules(ctx: CommandContext, traffic: "Ingress" | "Egress") {
    const p = ctx.params;
    const tags = tagFilter(ctx);
    const id = listIdFilter(ctx, "id", T.firewallRules, T.portForwardingRules, T.loadBalancerRules);
    const networkId = p.str("networkid");
    const ip = p.entity<any>("ipaddressid", table(ctx.state, T.publicIps));
    if (ip && ip.state !== "Allocated") throw invalidParam(`Ip address id=${ip._dbid} not ready for firewall rules yet`);
    const items = Object.values(table(ctx.state, T.firewallRules))
        .filter((r: any) => r.traffictype === traffic && (!id || r.id === id) && (!networkId || r.networkid === networkId))
        .filter((r: any) => (!ip || r.ipaddressid === ip.id) && matchesTagFilter(ctx, tags, TAG_TYPE.firewall, r.id))
        .map((r: any) => renderFirewallRule(ctx, r));
    return { list: "firewallrule", items };
}

const listFirewallRules: CommandSpec = { name: "listFirewallRules", handle: (ctx) => listRules(ctx, "Ingress") };
const listEgressFirewallRules: CommandSpec = { name: "listEgressFirewallRules", handle: (ctx) => listRules(ctx, "Egress") };

/** A firewall-rule UUID parameter: Mold keeps every rule purpose in one table, so a PF/LB id resolves too. */
function resolveFirewallRule(ctx: CommandContext, traffic: "Ingress" | "Egress", forDelete: boolean): any {
    const id = ctx.params.required("id");
    const rule = table(ctx.state, T.firewallRules)[id];
    if (!rule) {
        const otherPurpose = table(ctx.state, T.portForwardingRules)[id] ?? table(ctx.state, T.loadBalancerRules)[id];
        if (!otherPurpose) throw unknownUuid(ctx.cmdLower, "id", id);
        if (forDelete) throw invalidParam(`Unable to find ${otherPurpose._dbid} having purpose [Firewall, Ipv6Firewall]`);
        throw invalidParam("Unable to find firewall rule by ID");
    }
    if (!forDelete && rule.traffictype !== traffic) throw invalidParam("Unable to find firewall rule by ID");
    return rule;
}

function updateCommand(name: string, traffic: "Ingress" | "Egress", cmdClass: string): CommandSpec {
    return {
        name,
        isAsync: true,
        handle(ctx) {
            const rule = resolveFirewallRule(ctx, traffic, false);
            const payload = { ruleId: rule.id, fordisplay: ctx.params.bool("fordisplay") };
            return { jobid: queueRuleJob(ctx, `${CMD_PKG}.${cmdClass}`, "updateFirewallRule", rule, payload) };
        },
    };
}

function deleteCommand(name: string, traffic: "Ingress" | "Egress", cmdClass: string): CommandSpec {
    return {
        name,
        isAsync: true,
        handle(ctx) {
            const rule = resolveFirewallRule(ctx, traffic, true);
            return { jobid: revokeAndQueueDelete(ctx, rule, `${CMD_PKG}.${cmdClass}`, "deleteFirewallRule") };
        },
    };
}

export const commands: CommandSpec[] = [
    createFirewallRule,
    listFirewallRules,
    updateCommand("updateFirewallRule", "Ingress", "UpdateFirewallRuleCmd"),
    deleteCommand("deleteFirewallRule", "Ingress", "DeleteFirewallRuleCmd"),
    createEgressFirewallRule,
    listEgressFirewallRules,
    updateCommand("updateEgressFirewallRule", "Egress", "UpdateEgressFirewallRuleCmd"),
    deleteCommand("deleteEgressFirewallRule", "Egress", "DeleteEgressFirewallRuleCmd"),
];

const eventType = (rule: any, ingress: string, egress: string) => (rule.traffictype === "Egress" ? egress : ingress);

export const jobs: Record<string, JobCompleter> = {
    createFirewallRule(ctx, job) {
        const rule = liveRule(ctx, T.firewallRules, job.payload.ruleId, "Failed to create firewall rule");
        rule.state = "Active";
        ctx.event({
            type: eventType(rule, "FIREWALL.OPEN", "FIREWALL.EGRESS.OPEN"),
            description: `Creating firewall rule ${rule.id}`,
            resourceId: rule.id,
            resourceType: "FirewallRule",
        });
        return { object: "firewallrule", value: renderFirewallRule(ctx, rule) };
    },
    /** Mold revokes a rule whose apply failed: it disappears. */
    "createFirewallRule:failed"(ctx, job) {
        removeFirewallRow(ctx, job.payload.ruleId);
        return { success: true };
    },
    updateFirewallRule(ctx, job) {
        const rule = table(ctx.state, T.firewallRules)[job.payload.ruleId];
        if (!rule) throw jobFailure("Unable to find firewall rule by ID");
        if (job.payload.fordisplay !== undefined) rule.fordisplay = job.payload.fordisplay;
        ctx.event({
            type: eventType(rule, "FIREWALL.UPDATE", "FIREWALL.EGRESS.UPDATE"),
            description: `Updating firewall rule ${rule.id}`,
            resourceId: rule.id,
            resourceType: "FirewallRule",
        });
        return { object: "firewallrule", value: renderFirewallRule(ctx, rule) };
    },
    deleteFirewallRule(ctx, job) {
        const rule = table(ctx.state, T.firewallRules)[job.payload.ruleId];
        if (!rule) return { success: true };
        removeFirewallRow(ctx, rule.id);
        ctx.event({
            type: eventType(rule, "FIREWALL.CLOSE", "FIREWALL.EGRESS.CLOSE"),
            description: `Deleting firewall rule ${rule.id}`,
            resourceId: rule.id,
            resourceType: "FirewallRule",
        });
        return { success: true };
    },
    /** The revoke did not go through: the rule is back in its previous state. */
    "deleteFirewallRule:failed"(ctx, job) {
        const rule = table(ctx.state, T.firewallRules)[job.payload.ruleId];
        if (rule) rule.state = job.payload.previousState;
        return { success: true };
    },
};
