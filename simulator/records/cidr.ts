// IPv4/IPv6 addresses and CIDRs as Mold's NetUtils reads them: parsing, masks, ranges, containment. Pure;
// the network, address and rule records use it.

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
