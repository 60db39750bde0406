// A VPC's CIDR and its tiers' CIDRs as Mold judges them (createVPC, createNetwork with vpcid), pure: checked at
// preview so a bad VPC or tier is refused before anything is created.
import { cidrsOverlap, formatIpv4, netmaskPrefix, normalizeCidr, parseCidr, parseIpv4 } from "./cidr";

/** The private ranges Mold takes a VPC CIDR from (RFC 1918); 10.0.0.0/8 is thus the largest VPC CIDR. */
export const VPC_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] as const;

/** Whether CIDR `inner` lies inside CIDR `outer` (both valid). */
export function cidrWithin(inner: string, outer: string): boolean {
    const a = parseCidr(inner);
    const b = parseCidr(outer);
    if (!a || !b) return false;
    return a.prefix >= b.prefix && a.network >= b.network && a.network + 2 ** (32 - a.prefix) <= b.network + 2 ** (32 - b.prefix);
}

/** Why Mold would refuse this VPC CIDR ("Guest Cidr … is not RFC1918 compliant"), or undefined. */
export function vpcCidrProblem(cidr: string): string | undefined {
    if (!parseCidr(cidr)) return `is not a valid IPv4 CIDR: '${cidr}'`;
    if (VPC_RANGES.some((r) => cidrWithin(cidr, r))) return undefined;
    const prefix = parseCidr(cidr)!.prefix;
    const larger = prefix < 8 ? `; /${prefix} is larger than any VPC Mold accepts (10.0.0.0/8 is the largest)` : "";
    return `'${cidr}' is not inside an RFC 1918 range (${VPC_RANGES.join(", ")}), which Mold requires of a VPC${larger}`;
}

/** The tier CIDR a gateway/netmask pair makes (what Mold stores), or undefined when they are not valid. */
export function tierCidr(gateway: string, netmask: string): string | undefined {
    const prefix = netmaskPrefix(netmask);
    const gw = parseIpv4(gateway);
    if (prefix === undefined || gw === undefined) return undefined;
    return normalizeCidr(`${formatIpv4(gw)}/${prefix}`);
}

/**
 * Why a tier cannot take this CIDR in the VPC, or undefined: it must lie inside the VPC's CIDR and overlap no
 * other tier (`others`: tier name → CIDR). Mold's own texts: "Network cidr … is not within vpc … cidr",
 * "Network cidr … crosses other network cidr … belonging to the same vpc".
 */
export function tierProblem(cidr: string, vpcCidr: string | undefined, others: Record<string, string>): string | undefined {
    if (vpcCidr !== undefined && parseCidr(vpcCidr) && !cidrWithin(cidr, vpcCidr))
        return `makes the tier CIDR ${cidr}, which is not inside the VPC's CIDR ${normalizeCidr(vpcCidr)}`;
    for (const [name, other] of Object.entries(others)) {
        if (parseCidr(other) && cidrsOverlap(cidr, other))
            return `makes the tier CIDR ${cidr}, which overlaps tier '${name}' (${normalizeCidr(other)}) of the same VPC`;
    }
    return undefined;
}
