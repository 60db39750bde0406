// Request parameters as Mold binds them (mold-api-core.md §3): names are case-insensitive,
// map parameters are name[i].field with the field kept as sent, LIST values are comma-separated.
import { ApiError, badNumber, emptyParam, MALFORMED_MAP, missingParam, unknownUuid } from "./errors";

const MAP_KEY = /^([^[\]]+)\[([^[\]]*)\]\.(.+)$/;

/**
 * Java field names behind wire names, where they differ: Mold's too-long text names the command class's
 * field (ParamProcessWorker: "... for param: <field.getName()>"), not the parameter. By "<command>.<param>"
 * first, then by parameter.
 */
const JAVA_FIELDS: Record<string, string> = {
    displaytext: "displayText",
    displayname: "displayName",
    networkdomain: "networkDomain",
    publickey: "publicKey",
    userdata: "userData",
    keypair: "sshKeyPairName",
    "createloadbalancerrule.name": "loadBalancerRuleName",
    "updateloadbalancerrule.name": "loadBalancerName",
};

/** Mold's 431 for a STRING longer than its `@Parameter.length` (default 255); ServerApiException without cause. */
export function tooLong(cmdLower: string, name: string, maxLength: number): ApiError {
    const field = JAVA_FIELDS[`${cmdLower}.${name}`] ?? JAVA_FIELDS[name] ?? name;
    return new ApiError(
        431,
        `Unable to execute API command ${cmdLower} due to invalid value. Value greater than max allowed length ${maxLength} for param: ${field}`,
        9999,
    );
}

export class Params {
    /** Scalar parameters, lower-cased names. */
    private readonly scalars: Record<string, string> = {};
    /** Map parameters: lower-cased name → index → field → value. */
    private readonly maps: Record<string, Record<number, Record<string, string>>> = {};

    constructor(
        raw: Record<string, string>,
        /** Lower-cased command name, used in error texts. */
        readonly cmdLower: string,
    ) {
        for (const [key, value] of Object.entries(raw)) {
            if (key.includes("[") || key.includes("]")) {
                const m = MAP_KEY.exec(key);
                if (!m || !/^\d+$/.test(m[2]) || m[3].includes("[") || m[3].includes("]")) throw MALFORMED_MAP(key);
                const name = m[1].toLowerCase();
                const entries = (this.maps[name] ??= {});
                (entries[Number(m[2])] ??= {})[m[3]] = value;
            } else {
                this.scalars[key.toLowerCase()] = value;
            }
        }
    }

    has(name: string): boolean {
        return this.scalars[name] !== undefined || this.maps[name] !== undefined;
    }

    /** A string value; `undefined` when absent. Blank counts as absent, as for optional params in Mold. */
    str(name: string, maxLength = 255): string | undefined {
        const v = this.scalars[name];
        if (v === undefined || v === "") return undefined;
        if (v.length > maxLength) throw tooLong(this.cmdLower, name, maxLength);
        return v;
    }

    /** A required parameter: 431 when missing or blank. */
    required(name: string, maxLength = 255): string {
        const v = this.scalars[name];
        if (v === undefined) throw missingParam(this.cmdLower, name);
        if (v.trim() === "") throw emptyParam(name);
        return this.str(name, maxLength)!;
    }

    /**
     * An INTEGER (Java int; `long` for LONG parameters): Integer.valueOf refuses anything else, including
     * numbers past 2147483647, with Mold's "invalid value" 431.
     */
    int(name: string, long = false): number | undefined {
        const v = this.scalars[name];
        if (v === undefined || v.trim() === "") return undefined;
        if (!/^-?\d+$/.test(v.trim())) throw badNumber(this.cmdLower, v, name);
        const n = BigInt(v.trim());
        const limit = long ? 2n ** 63n : 2n ** 31n;
        if (n < -limit || n >= limit) throw badNumber(this.cmdLower, v, name);
        return Number(n);
    }

    requiredInt(name: string): number {
        this.required(name);
        return this.int(name)!;
    }

    /** Boolean.valueOf: anything but a case-insensitive "true" is false. */
    bool(name: string): boolean | undefined {
        const v = this.scalars[name];
        if (v === undefined || v === "") return undefined;
        return v.toLowerCase() === "true";
    }

    /** A LIST parameter: comma-separated, empty tokens skipped. */
    list(name: string): string[] | undefined {
        const v = this.scalars[name];
        if (v === undefined || v === "") return undefined;
        return v
            .split(",")
            .map((s) => s.trim())
            .filter((s) => s !== "");
    }

    /** A MAP parameter as entries ordered by index. */
    map(name: string): Record<string, string>[] {
        const entries = this.maps[name];
        if (!entries) return [];
        return Object.keys(entries)
            .map(Number)
            .sort((a, b) => a - b)
            .map((i) => entries[i]);
    }

    /**
     * A UUID parameter resolved against a table: 431 with Mold's text when the entity does not exist.
     * Returns the record.
     */
    entity<T>(name: string, table: Record<string, T>, required = false): T | undefined {
        const v = required ? this.required(name) : this.str(name);
        if (v === undefined) return undefined;
        const row = table[v];
        if (!row) throw unknownUuid(this.cmdLower, name, v);
        return row;
    }

    /** All scalar parameter names (lower-cased), for diagnostics. */
    names(): string[] {
        return [...Object.keys(this.scalars), ...Object.keys(this.maps)];
    }
}
