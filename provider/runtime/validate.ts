// Check-time validation: collects every problem at once, names the property, makes no API call, and
// lets values Pulumi does not know yet (preview) through. The limits are Mold's own (mold-api-core.md
// §3.2, mold-api-network.md), so what passes here is what Mold's parameter binding accepts.
import { isValidCidr, subnetProblems } from "../net/cidr";
import { CheckFailure, UNKNOWN } from "./hooks";

/** Mold's default maximum length of a STRING parameter (`@Parameter.length`). */
export const MOLD_STRING_MAX = 255;
/** The largest value of a Mold INTEGER parameter (a Java int); larger numbers are refused as invalid. */
export const MOLD_INT_MAX = 2147483647;

export interface StringOptions {
    required?: boolean;
    /** Default MOLD_STRING_MAX, Mold's limit for any STRING parameter. */
    maxLength?: number;
    /**
     * Free text (descriptions, keys, PEM): whitespace is part of the value. Everything else is a name or a
     * reference to one (a zone, an offering, an id), where stray whitespace is refused (see `stray`).
     */
    text?: boolean;
}

export class Validator {
    readonly failures: CheckFailure[] = [];
    constructor(private readonly kind: string) {}

    fail(property: string, reason: string): void {
        this.failures.push({ property, reason: `mold:${this.kind}: ${property} ${reason}` });
    }

    /** True when the value is known (not Pulumi's preview placeholder). */
    known(value: unknown): boolean {
        return value !== UNKNOWN;
    }

    /**
     * The one rule for stray whitespace in names and CIDRs: refused, never trimmed silently. Mold keeps a
     * name's spaces as written (so " web" and "web" would be two names) and refuses a CIDR with spaces,
     * so the only safe answer is to say so at preview. Returns true when the value had some.
     */
    stray(property: string, value: string): boolean {
        if (value.trim() === value || value.trim() === "") return false;
        this.fail(property, `has leading or trailing whitespace (${JSON.stringify(value)}): remove it, Mold takes names and CIDRs as written`);
        return true;
    }

    string(property: string, value: unknown, opts: StringOptions = {}): void {
        if (!this.known(value)) return;
        if (value === undefined || value === null) {
            if (opts.required) this.fail(property, "is required");
            return;
        }
        if (typeof value !== "string") return this.fail(property, `must be a string, got ${typeof value}`);
        if (opts.required && value.trim() === "") return this.fail(property, "must not be empty");
        const max = opts.maxLength ?? MOLD_STRING_MAX;
        if (value.length > max) this.fail(property, `must be at most ${max} characters, got ${value.length} (Mold's limit)`);
        if (!opts.text) this.stray(property, value);
    }

    oneOf(property: string, value: unknown, allowed: readonly string[], opts: { required?: boolean } = {}): void {
        if (!this.known(value)) return;
        if (value === undefined) {
            if (opts.required) this.fail(property, `is required (one of ${allowed.join(", ")})`);
            return;
        }
        if (typeof value !== "string" || !allowed.includes(value.toLowerCase())) {
            this.fail(property, `must be one of ${allowed.join(", ")}, got '${String(value)}'`);
        }
    }

    /** A whole number from `min` to `max` (default: a Java int, Mold's INTEGER), `what` saying what it counts. */
    integer(property: string, value: unknown, opts: { min: number; max?: number; required?: boolean; what?: string }): void {
        if (!this.known(value)) return;
        if (value === undefined || value === null) {
            if (opts.required) this.fail(property, "is required");
            return;
        }
        const max = opts.max ?? MOLD_INT_MAX;
        if (typeof value !== "number" || !Number.isInteger(value) || value < opts.min || value > max) {
            this.fail(property, `must be ${opts.what ?? "an integer"} from ${opts.min} to ${max}, got ${JSON.stringify(value)}`);
        }
    }

    port(property: string, value: unknown, opts: { required?: boolean } = {}): void {
        if (!this.known(value)) return;
        if (value === undefined) {
            if (opts.required) this.fail(property, "is required");
            return;
        }
        if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65535) {
            this.fail(property, `must be a port number between 1 and 65535, got ${JSON.stringify(value)}`);
        }
    }

    /** One IPv4 CIDR. */
    cidr(property: string, value: unknown, opts: { required?: boolean } = {}): void {
        if (!this.known(value)) return;
        if (value === undefined || value === null) {
            if (opts.required) this.fail(property, "is required");
            return;
        }
        if (typeof value === "string" && this.stray(property, value)) return;
        if (typeof value !== "string" || !isValidCidr(value)) this.fail(property, `is not a valid IPv4 CIDR: '${String(value)}'`);
    }

    cidrList(property: string, value: unknown): void {
        if (!this.known(value) || value === undefined) return;
        if (!Array.isArray(value)) return this.fail(property, "must be a list of CIDRs");
        value.forEach((c, i) => this.cidr(`${property}[${i}]`, c, { required: true }));
    }

    ipv4(property: string, value: unknown): void {
        if (!this.known(value) || value === undefined) return;
        if (typeof value === "string" && this.stray(property, value)) return;
        if (typeof value !== "string" || !isValidCidr(`${value}/32`)) this.fail(property, `is not a valid IPv4 address: '${String(value)}'`);
    }

    /** A network's gateway and netmask: both or neither, a contiguous mask, the gateway a host of the subnet. */
    subnet(gatewayProperty: string, gateway: unknown, netmaskProperty: string, netmask: unknown): void {
        if (!this.known(gateway) || !this.known(netmask)) return;
        if ((gateway === undefined) !== (netmask === undefined)) {
            const [given, missing] = gateway === undefined ? [netmaskProperty, gatewayProperty] : [gatewayProperty, netmaskProperty];
            this.fail(given, `and ${missing} must be given together`);
            return;
        }
        if (gateway === undefined) return;
        const before = this.failures.length;
        this.ipv4(gatewayProperty, gateway);
        this.ipv4(netmaskProperty, netmask);
        if (this.failures.length > before) return;
        for (const p of subnetProblems(gateway as string, netmask as string)) this.fail(p.field === "gateway" ? gatewayProperty : netmaskProperty, p.reason);
    }

    /** Mold tags: non-empty keys and values of at most 255 characters (its tag table's columns). */
    tags(property: string, value: unknown): void {
        if (!this.known(value) || value === undefined) return;
        if (typeof value !== "object" || value === null || Array.isArray(value)) return this.fail(property, "must be a map of strings");
        for (const [k, v] of Object.entries(value)) {
            if (k.trim() === "") this.fail(property, "keys must not be empty");
            else if (k.length > MOLD_STRING_MAX)
                this.fail(`${property}.${k.slice(0, 20)}…`, `key is ${k.length} characters; Mold takes at most ${MOLD_STRING_MAX}`);
            else this.stray(`${property}.${k}`, k);
            if (!this.known(v)) continue;
            if (typeof v !== "string" || v === "") this.fail(`${property}.${k}`, "must be a non-empty string (Mold refuses empty tag values)");
            else if (v.length > MOLD_STRING_MAX) this.fail(`${property}.${k}`, `must be at most ${MOLD_STRING_MAX} characters, got ${v.length} (Mold's limit)`);
        }
    }
}
