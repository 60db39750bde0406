// IPv4 and CIDR arithmetic, pure. Used by check-time validation and diffs.

export function parseIpv4(text: string): number | undefined {
    const parts = text.split(".");
    if (parts.length !== 4) return undefined;
    let value = 0;
    for (const p of parts) {
        if (!/^\d{1,3}$/.test(p) || Number(p) > 255 || (p.length > 1 && p.startsWith("0"))) return undefined;
        value = value * 256 + Number(p);
    }
    return value;
}

export function formatIpv4(value: number): string {
    return [24, 16, 8, 0].map((shift) => (Math.floor(value / 2 ** shift) % 256).toString()).join(".");
}

export interface Cidr {
    network: number;
    prefix: number;
}

export function parseCidr(text: string): Cidr | undefined {
    const m = /^([^/]+)\/(\d{1,2})$/.exec(text.trim());
    if (!m) return undefined;
    const ip = parseIpv4(m[1]);
    const prefix = Number(m[2]);
    if (ip === undefined || prefix > 32) return undefined;
    const size = 2 ** (32 - prefix);
    return { network: Math.floor(ip / size) * size, prefix };
}

export function isValidCidr(text: string): boolean {
    return parseCidr(text) !== undefined;
}

/** The CIDR written with its network address, e.g. 10.1.1.5/24 → 10.1.1.0/24 (what Mold stores). */
export function normalizeCidr(text: string): string {
    const c = parseCidr(text);
    return c ? `${formatIpv4(c.network)}/${c.prefix}` : text;
}

export function cidrsOverlap(a: string, b: string): boolean {
    const x = parseCidr(a);
    const y = parseCidr(b);
    if (!x || !y) return false;
    const xEnd = x.network + 2 ** (32 - x.prefix);
    const yEnd = y.network + 2 ** (32 - y.prefix);
    return x.network < yEnd && y.network < xEnd;
}

/** Netmask in dotted form for a prefix length, e.g. 24 → 255.255.255.0. */
export function prefixToNetmask(prefix: number): string {
    return formatIpv4(prefix === 0 ? 0 : 2 ** 32 - 2 ** (32 - prefix));
}

/** Prefix length of a dotted netmask, or undefined when it is not a contiguous mask (255.0.255.0). */
export function netmaskPrefix(netmask: string): number | undefined {
    const n = parseIpv4(netmask);
    if (n === undefined) return undefined;
    const bits = n.toString(2).padStart(32, "0");
    return /^1*0*$/.test(bits) ? (bits.indexOf("0") === -1 ? 32 : bits.indexOf("0")) : undefined;
}

/**
 * Why a gateway/netmask pair cannot be a guest network's addressing, as Mold judges it (createNetwork:
 * "Invalid netmask", "Invalid gateway IP provided. Either the IP is broadcast or network IP."): the mask
 * must be contiguous and leave room for hosts, the gateway must be neither the subnet's network nor its
 * broadcast address. Both values must already be valid IPv4 addresses.
 */
export function subnetProblems(gateway: string, netmask: string): { field: "gateway" | "netmask"; reason: string }[] {
    const prefix = netmaskPrefix(netmask);
    if (prefix === undefined) return [{ field: "netmask", reason: `'${netmask}' is not a contiguous netmask (ones then zeros, e.g. 255.255.255.0)` }];
    if (prefix < 1 || prefix > 30) return [{ field: "netmask", reason: `'${netmask}' (/${prefix}) leaves no room for a gateway and hosts: use /1 to /30` }];
    const gw = parseIpv4(gateway)!;
    const size = 2 ** (32 - prefix);
    const network = Math.floor(gw / size) * size;
    const cidr = `${formatIpv4(network)}/${prefix}`;
    if (gw === network)
        return [{ field: "gateway", reason: `${gateway} is the network address of ${cidr}; Mold needs a host address (e.g. ${formatIpv4(network + 1)})` }];
    if (gw === network + size - 1)
        return [{ field: "gateway", reason: `${gateway} is the broadcast address of ${cidr}; Mold needs a host address (e.g. ${formatIpv4(network + 1)})` }];
    return [];
}
