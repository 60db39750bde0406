// Pure logic of NetworkAclRule: validation (every problem at once), the canonical form diffs compare, the
// inputs a listed Mold item stands for and the parameters create and update send. No I/O here; the hooks
// are in network-acl-rule.ts.
//
// Mold stores CIDRs normalised, fills in defaults (0.0.0.0/0, Allow, Ingress, endport = startport, ICMP -1)
// and turns protocol number 1 into icmp: the canonical form resolves all of that, so an equivalent spelling
// makes no diff and a refresh shows no drift.
import type { NetworkAcl, NetworkAclItemArgs } from "../client/network-acl";
import { DEFAULT_ACL_LIST_NAMES } from "../client/network-acl";
import type { NetworkAclRuleInputs } from "../generated/types";
import type { CheckFailure } from "../runtime/hooks";
import { Validator } from "../runtime/validate";
import { canonicalCidrs, icmpField, portRange, splitCidrs } from "./rule-inputs";

export const ACTIONS = ["allow", "deny"] as const;
export const TRAFFIC_TYPES = ["ingress", "egress"] as const;
const NAMED_PROTOCOLS = ["tcp", "udp", "icmp", "all"];
const ANYWHERE = "0.0.0.0/0";

type Rule = Partial<NetworkAclRuleInputs>;

/** The protocol in Mold's spelling: lower-cased, trimmed of leading zeros, number 1 as icmp. */
export function canonicalProtocol(protocol: unknown): unknown {
    if (typeof protocol !== "string") return protocol;
    const p = protocol.toLowerCase();
    if (/^\d+$/.test(p)) return Number(p) === 1 ? "icmp" : String(Number(p));
    return p;
}

/** Whether a protocol (canonical) takes ports: only tcp and udp do. */
function takesPorts(protocol: unknown): boolean {
    return protocol === "tcp" || protocol === "udp";
}

/** check: validation, then the inputs with action, traffic type and protocol lower-cased. */
export function checkRule(news: Rule): { inputs: Rule; failures: CheckFailure[] } {
    const v = new Validator("NetworkAclRule");
    v.string("aclList", news.aclList, { required: true });
    if (typeof news.aclList === "string" && (DEFAULT_ACL_LIST_NAMES as readonly string[]).includes(news.aclList)) {
        v.fail(
            "aclList",
            `'${news.aclList}' is one of Mold's default lists, which cannot be changed: create a NetworkAclList for the VPC and put the tier on it`,
        );
    }
    v.integer("number", news.number, { min: 1, max: 2147483647, required: true, what: "a rule number (Mold applies a list's rules in this order)" });
    v.oneOf("action", lower(news.action), ACTIONS);
    v.oneOf("trafficType", lower(news.trafficType), TRAFFIC_TYPES);
    const protocol = canonicalProtocol(news.protocol);
    if (news.protocol === undefined) v.fail("protocol", "is required");
    else if (v.known(news.protocol)) {
        const ok = typeof protocol === "string" && (NAMED_PROTOCOLS.includes(protocol) || (/^\d+$/.test(protocol) && Number(protocol) <= 255));
        if (!ok) v.fail("protocol", `must be tcp, udp, icmp, all or a protocol number 0–255, got ${JSON.stringify(news.protocol)}`);
    }
    const portsGiven = news.startPort !== undefined || news.endPort !== undefined;
    if (news.protocol !== undefined && v.known(news.protocol) && !takesPorts(protocol) && portsGiven) {
        const why =
            protocol === "all"
                ? "a rule on protocol all covers every port: Mold would keep the ports but ignore them, so a deny meant for some ports would block all traffic"
                : "ports only apply to tcp and udp rules";
        v.fail("startPort", `and endPort must not be set on protocol ${protocol}: ${why}`);
    } else {
        portRange(v, ["startPort", news.startPort], ["endPort", news.endPort], false);
    }
    if (news.protocol !== undefined && v.known(news.protocol) && protocol !== "icmp" && (news.icmpType !== undefined || news.icmpCode !== undefined)) {
        v.fail("icmpType", `and icmpCode only apply to icmp rules, not to protocol ${protocol}`);
    } else {
        icmpField(v, "icmpType", news.icmpType);
        icmpField(v, "icmpCode", news.icmpCode);
    }
    v.cidrList("cidrList", news.cidrList);
    v.string("reason", news.reason, { text: true });
    v.tags("tags", news.tags);
    const inputs: Rule = { ...news };
    if (typeof news.protocol === "string" && v.known(news.protocol)) inputs.protocol = news.protocol.toLowerCase();
    if (typeof news.action === "string" && v.known(news.action)) inputs.action = news.action.toLowerCase();
    if (typeof news.trafficType === "string" && v.known(news.trafficType)) inputs.trafficType = news.trafficType.toLowerCase();
    return { inputs, failures: v.failures };
}

function lower(value: unknown): unknown {
    return typeof value === "string" ? value.toLowerCase() : value;
}

/** The canonical form diffs and refresh compare: Mold's defaults filled in, CIDRs normalised and sorted. */
export function normalizeRule(p: Rule): Rule {
    const protocol = canonicalProtocol(p.protocol) as string | undefined;
    const out: Rule = {
        ...p,
        protocol,
        action: (lower(p.action) as string | undefined) ?? "allow",
        trafficType: (lower(p.trafficType) as string | undefined) ?? "ingress",
        cidrList: canonicalCidrs(p.cidrList, { whenEmpty: [ANYWHERE] }),
        endPort: p.endPort ?? p.startPort,
    };
    if (protocol === "icmp") {
        out.icmpType = p.icmpType ?? -1;
        out.icmpCode = p.icmpCode ?? -1;
    }
    if (p.reason === "") delete out.reason;
    return out;
}

/** The inputs a listed Mold item stands for, in Mold's spelling (ports come as strings). */
export function ruleInputsInMold(r: NetworkAcl): Rule {
    const port = (s: string | undefined) => (s === undefined || s === "" ? undefined : Number(s));
    return {
        aclList: r.aclid,
        number: r.number,
        action: r.action.toLowerCase(),
        trafficType: r.traffictype.toLowerCase(),
        protocol: r.protocol.toLowerCase(),
        startPort: port(r.startport),
        endPort: port(r.endport),
        cidrList: splitCidrs(r.cidrlist),
        icmpType: r.icmptype ?? undefined,
        icmpCode: r.icmpcode ?? undefined,
        reason: r.reason || undefined,
    };
}

/**
 * Every attribute of the rule as create and a full update (partialupgrade=false) send it: a field left out is
 * one the program does not set, which the full update then clears in Mold.
 */
export function itemArgs(inputs: Rule): NetworkAclItemArgs & { protocol: string } {
    const args: NetworkAclItemArgs & { protocol: string } = {
        number: inputs.number,
        action: inputs.action ?? "allow",
        traffictype: inputs.trafficType ?? "ingress",
        protocol: inputs.protocol as string,
        cidrlist: inputs.cidrList?.length ? inputs.cidrList : [ANYWHERE],
    };
    if (inputs.startPort !== undefined) args.startport = inputs.startPort;
    if (inputs.endPort !== undefined || inputs.startPort !== undefined) args.endport = inputs.endPort ?? inputs.startPort;
    if (inputs.icmpType !== undefined) args.icmptype = inputs.icmpType;
    if (inputs.icmpCode !== undefined) args.icmpcode = inputs.icmpCode;
    if (inputs.reason) args.reason = inputs.reason;
    return args;
}

/** The rule attributes that update sends (all but the list and the tags). */
export const RULE_ATTRIBUTES = ["number", "action", "trafficType", "protocol", "startPort", "endPort", "cidrList", "icmpType", "icmpCode", "reason"] as const;
