// Outputs go through google.protobuf.Struct after the hook returns: `undefined`, functions, BigInt and
// Buffers make it throw *after* the cloud object exists (it would leak) and Dates silently become {}.
// Everything a hook returns passes through here first.

export function sanitize<T>(value: T): T {
    return clean(value) as T;
}

function clean(value: unknown): unknown {
    if (value === null) return null;
    if (value === undefined || typeof value === "function" || typeof value === "symbol") return undefined;
    if (typeof value === "bigint") return value.toString();
    if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
    if (value instanceof Date) return value.toISOString();
    if (Buffer.isBuffer(value)) return value.toString("base64");
    if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
    if (Array.isArray(value)) return value.map((v) => clean(v) ?? null);
    if (value instanceof Map) return clean(Object.fromEntries(value));
    if (value instanceof Set) return clean([...value]);
    if (typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
            const c = clean(v);
            if (c !== undefined) out[k] = c;
        }
        return out;
    }
    return value;
}
