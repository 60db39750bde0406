// Helpers shared by the egress firewall and port-forwarding rules: canonical CIDR lists (Mold stores
// CIDRs normalised and fills in defaults), "report the declared spelling when Mold means the same" on
// refresh, and the small checks the Validator has no method for.
import { normalizeCidr } from "../net/cidr";
import { jsonEqual } from "../runtime/equal";
import type { Wire } from "../runtime/hooks";
import type { Validator } from "../runtime/validate";

/**
 * A CIDR list in canonical form: each CIDR written with its network address, duplicates dropped, sorted.
 * `aliases` maps spellings Mold replaces (e.g. 0.0.0.0/0 → the network's CIDR); `whenEmpty` is what Mold
 * stores when none is given. Unknown values (preview) and non-lists are returned unchanged (typed as the
 * declared list they stand for).
 */
export function canonicalCidrs(list: string[] | undefined, opts: { whenEmpty?: string[]; aliases?: Record<string, string> } = {}): string[] {
    if (list !== undefined && !Array.isArray(list)) return list;
    const given = (list as unknown[] | undefined) ?? [];
    const raw = given.length === 0 ? (opts.whenEmpty ?? []) : given;
    const out = raw
        .map((c) => (typeof c === "string" ? normalizeCidr(c.trim()) : c))
        .map((c) => (typeof c === "string" ? (opts.aliases?.[c] ?? c) : c)) as string[];
    return [...new Set(out)].sort();
}

/** Mold's comma-joined CIDR field as a list ("" → []). */
export function splitCidrs(field: string | undefined): string[] {
    return (field ?? "")
        .split(",")
        .map((c) => c.trim())
        .filter((c) => c !== "");
}

/**
 * The inputs to report on refresh: for each input Mold can tell, the declared value when it means
 * the same as Mold's (compared in canonical form), else Mold's value, so a refresh after Mold
 * normalised a CIDR or filled in a default shows no drift, and real drift shows Mold's spelling.
 */
export function declaredWhenSame<P extends object, O extends P>(normalize: (p: Partial<P>, olds: O) => Partial<P>, olds: O, inMold: Partial<P>): Partial<P> {
    const declared: Wire = normalize(olds, olds);
    const actual: Wire = normalize({ ...olds, ...inMold }, olds);
    const [old, mold]: Wire[] = [olds, inMold];
    const out: Wire = {};
    for (const k of Object.keys(inMold)) out[k] = jsonEqual(declared[k], actual[k]) ? old[k] : mold[k];
    return out as Partial<P>;
}

/** Whether two inclusive port ranges share a port. */
export function rangesOverlap(a: [number, number], b: [number, number]): boolean {
    return a[0] <= b[1] && b[0] <= a[1];
}

/** Validates a start/end port pair (each 1–65535, start not above end; an end needs a start). */
export function portRange(v: Validator, start: [string, unknown], end: [string, unknown], required: boolean): void {
    v.port(start[0], start[1], { required });
    v.port(end[0], end[1]);
    if (start[1] === undefined && end[1] !== undefined && v.known(end[1])) v.fail(end[0], `needs ${start[0]}`);
    if (typeof start[1] === "number" && typeof end[1] === "number" && start[1] > end[1]) {
        v.fail(start[0], `(${start[1]}) must not be above ${end[0]} (${end[1]})`);
    }
}

/**
 * ICMP type (-1 = any, 0–255) or code (-1 = any, 0–15): the ranges Mold's firewall manager accepts
 * (NetUtils.validateIcmpType / validateIcmpCode).
 */
export function icmpField(v: Validator, property: string, value: unknown): void {
    if (value === undefined || !v.known(value)) return;
    const max = /code/i.test(property) ? 15 : 255;
    if (typeof value !== "number" || !Number.isInteger(value) || value < -1 || value > max) {
        v.fail(property, `must be an integer from -1 (any) to ${max}, got ${JSON.stringify(value)}`);
    }
}

/** A boolean input. */
export function booleanField(v: Validator, property: string, value: unknown): void {
    if (value === undefined || !v.known(value)) return;
    if (typeof value !== "boolean") v.fail(property, `must be true or false, got ${JSON.stringify(value)}`);
}
