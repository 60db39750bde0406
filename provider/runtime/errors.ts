// Errors hooks throw. A create that fails after the Mold object exists throws an error carrying `id`
// (and the outputs known so far): the dynamic-provider host turns it into ErrorResourceInitFailed, so
// Pulumi records the object and a later `up` repairs it instead of leaking it.

export interface PartialFailure extends Error {
    id: string;
    properties: Record<string, unknown>;
    reasons: string[];
}

export function partialFailure(message: string, id: string, properties: Record<string, unknown>, cause?: unknown): PartialFailure {
    const e = new Error(message, cause === undefined ? undefined : { cause }) as PartialFailure;
    e.id = id;
    e.properties = properties;
    e.reasons = [message];
    return e;
}

/** What makes the dynamic-provider host treat an error as a partial failure (ErrorResourceInitFailed). */
const PARTIAL_KEYS = new Set(["id", "properties", "reasons"]);

/**
 * An error from a hook, prefixed with the resource kind so users know which resource failed. It keeps the
 * original's class and fields (a MoldApiError stays one, with its codes, so callers can still classify it)
 * and the original itself as `cause`.
 */
export function hookError(kind: string, hook: string, e: unknown): Error {
    const message = `mold:${kind} ${hook}: ${e instanceof Error ? e.message : String(e)}`;
    if (!(e instanceof Error)) return new Error(message, { cause: e });
    // A native Error (so every tool still sees one) given the original's prototype and fields.
    const out = new Error(message, { cause: e });
    Object.setPrototypeOf(out, Object.getPrototypeOf(e) as object);
    for (const [k, v] of Object.entries(e)) {
        // Never let an error from lower layers that happens to carry `id` turn into a partial failure by accident.
        if (!PARTIAL_KEYS.has(k)) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
    const head = `${e.name}: ${e.message}`;
    const stack = e.stack ?? head;
    Object.defineProperty(out, "stack", {
        value: stack.startsWith(head) ? `${out.name}: ${message}${stack.slice(head.length)}` : `${out.name}: ${message}\n${stack}`,
        writable: true,
        configurable: true,
    });
    return out;
}
