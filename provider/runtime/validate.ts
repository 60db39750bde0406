// Check-time validation: collects every problem at once, names the property, makes no API call, and
// lets values Pulumi does not know yet (preview) through.
import { isValidCidr } from "../net/cidr";
import { CheckFailure, UNKNOWN } from "./hooks";

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

    string(property: string, value: unknown, opts: { required?: boolean; maxLength?: number } = {}): void {
        if (!this.known(value)) return;
        if (value === undefined || value === null) {
            if (opts.required) this.fail(property, "is required");
            return;
        }
        if (typeof value !== "string") return this.fail(property, `must be a string, got ${typeof value}`);
        if (opts.required && value.trim() === "") return this.fail(property, "must not be empty");
        if (opts.maxLength !== undefined && value.length > opts.maxLength) {
            this.fail(property, `must be at most ${opts.maxLength} characters, got ${value.length}`);
        }
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

    cidrList(property: string, value: unknown): void {
        if (!this.known(value) || value === undefined) return;
        if (!Array.isArray(value)) return this.fail(property, "must be a list of CIDRs");
        value.forEach((c, i) => {
            if (this.known(c) && (typeof c !== "string" || !isValidCidr(c))) this.fail(`${property}[${i}]`, `is not a valid IPv4 CIDR: '${String(c)}'`);
        });
    }

    ipv4(property: string, value: unknown): void {
        if (!this.known(value) || value === undefined) return;
        if (typeof value !== "string" || !isValidCidr(`${value}/32`)) this.fail(property, `is not a valid IPv4 address: '${String(value)}'`);
    }

    tags(property: string, value: unknown): void {
        if (!this.known(value) || value === undefined) return;
        if (typeof value !== "object" || value === null || Array.isArray(value)) return this.fail(property, "must be a map of strings");
        for (const [k, v] of Object.entries(value)) {
            if (k.trim() === "") this.fail(property, "keys must not be empty");
            if (this.known(v) && (typeof v !== "string" || v === "")) this.fail(`${property}.${k}`, "must be a non-empty string (Mold refuses empty tag values)");
        }
    }
}
