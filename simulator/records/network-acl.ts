// Network ACL lists and their items (rules), as NetworkACLServiceImpl checks them, and the pure parts of
// their records: the two default lists every zone has, item validation, numbering and rendering. The
// handler (handlers/network-acl.ts) keeps the tables and jobs.
import { ApiError, invalidParam } from "../errors";
import { isCidr } from "./cidr";

/** Mold's default lists: not tied to a VPC (vpc_id 0), each with an ingress and an egress rule for everything. */
export const DEFAULT_ACL_LISTS = [
    { name: "default_deny", description: "Default Network ACL Deny All", action: "Deny" },
    { name: "default_allow", description: "Default Network ACL Allow All", action: "Allow" },
] as const;

/** Whether a list is one of Mold's defaults (NetworkACL.DEFAULT_DENY / DEFAULT_ALLOW). */
export function isDefaultAclList(list: { _default?: boolean } | undefined): boolean {
    return list?._default === true;
}

/** Everything an ACL item holds besides its identity (NetworkACLItemVO). */
export interface AclItemFields {
    number: number;
    action: "Allow" | "Deny";
    traffictype: "Ingress" | "Egress";
    protocol: string;
    startport?: number;
    endport?: number;
    cidrs: string[];
    icmptype?: number;
    icmpcode?: number;
    reason?: string;
}

/** validateAndCreateNetworkAclRuleAction: allow/deny in any case; absent means Allow. */
export function parseAction(value: string | undefined): "Allow" | "Deny" {
    if (value === undefined || value.trim() === "") return "Allow";
    const v = value.toLowerCase();
    if (v === "allow") return "Allow";
    if (v === "deny") return "Deny";
    throw invalidParam("Invalid action. Allowed actions are Allow and Deny");
}

/** CreateNetworkACLCmd.getTrafficType: Ingress when absent, else one of the enum names in any case. */
export function parseTrafficType(value: string | undefined): "Ingress" | "Egress" {
    if (value === undefined) return "Ingress";
    const v = value.toLowerCase();
    if (v === "ingress") return "Ingress";
    if (v === "egress") return "Egress";
    throw invalidParam(`Invalid traffic type ${value}`);
}

/** CreateNetworkACLCmd.getProtocol: trimmed; protocol number 1 is ICMP (it pairs with icmp type and code). */
export function parseProtocol(value: string): string {
    const p = value.trim();
    return /^\d+$/.test(p) && Number(p) === 1 ? "icmp" : p;
}

/**
 * validateNetworkACLItem: ports, source CIDRs, then protocol (a number 0–255 or tcp/udp/icmp/all), ICMP fields
 * only on icmp, no ports on icmp. Ports on protocol "all" or a number pass: Mold stores them (the router ignores them).
 */
export function validateAclItem(item: AclItemFields): void {
    const validPort = (p: number) => p >= 0 && p <= 65535;
    if (item.startport !== undefined && !validPort(item.startport)) throw invalidParam(`Start port can't be ${item.startport}`);
    if (item.endport !== undefined && !validPort(item.endport)) throw invalidParam(`End port can't be ${item.endport}`);
    if (item.startport !== undefined && item.endport !== undefined && item.startport > item.endport) {
        throw invalidParam("Start port can't be bigger than end port");
    }
    // A ServerApiException(PARAM_ERROR) without a cause: cserrorcode 9999.
    for (const c of item.cidrs) if (!isCidr(c)) throw new ApiError(431, `Source cidrs formatting error ${c}`, 9999);
    const protocol = item.protocol;
    if (protocol === "") return;
    if (/^\d+$/.test(protocol)) {
        const n = Number(protocol);
        if (n < 0 || n > 255) throw invalidParam(`Invalid protocol number: ${n}`);
    } else if (!["tcp", "udp", "icmp", "all"].includes(protocol.toLowerCase())) {
        throw invalidParam(`Invalid protocol: ${protocol}`);
    }
    const icmp = protocol.toLowerCase() === "icmp";
    if (!icmp && (item.icmpcode !== undefined || item.icmptype !== undefined)) throw invalidParam("Can specify icmpCode and icmpType for ICMP protocol only");
    if (icmp && (item.startport !== undefined || item.endport !== undefined)) throw invalidParam("Can't specify start/end port when protocol is ICMP");
}

/** The "number already taken" refusal of create and update (the table's unique key is acl_id + number). */
export function numberTaken(number: number, aclUuid: string): ApiError {
    return invalidParam(`ACL item with number ${number} already exists in ACL: ${aclUuid}`);
}

/** The number Mold gives an item created without one: the list's highest plus one. */
export function nextNumber(numbers: number[]): number {
    return numbers.length === 0 ? 1 : Math.max(...numbers) + 1;
}

/** NetworkACLItemResponse: ports are strings (unlike firewall rules), CIDRs comma-joined, Revoke shown as Deleting. */
export function renderAclItem(item: any, list: any, tags: Record<string, any>[]): Record<string, any> {
    const out: Record<string, any> = {
        id: item.id,
        protocol: item.protocol,
        startport: item._startport === undefined ? undefined : String(item._startport),
        endport: item._endport === undefined ? undefined : String(item._endport),
        traffictype: item.traffictype,
        state: item.state === "Revoke" ? "Deleting" : item.state,
        cidrlist: item._cidrs.join(","),
        icmptype: item.icmptype,
        icmpcode: item.icmpcode,
        tags,
        aclid: list?.id,
        aclname: list?.name,
        number: item.number,
        action: item.action,
        fordisplay: item.fordisplay,
        reason: item.reason,
    };
    for (const k of Object.keys(out)) if (out[k] === undefined || out[k] === null) delete out[k];
    return out;
}

/** NetworkACLResponse: a default list has no VPC (vpc_id 0), so vpcid and vpcname are absent. */
export function renderAclList(list: any, vpc: any): Record<string, any> {
    const out: Record<string, any> = {
        id: list.id,
        name: list.name,
        description: list.description,
        vpcid: vpc?.id,
        vpcname: vpc?.name,
        fordisplay: list.fordisplay,
    };
    for (const k of Object.keys(out)) if (out[k] === undefined || out[k] === null) delete out[k];
    return out;
}
