// Errors hooks throw. A create that fails after the Mold object exists throws an error carrying `id`
// (and the outputs known so far): the dynamic-provider host turns it into ErrorResourceInitFailed, so
// Pulumi records the object and a later `up` repairs it instead of leaking it.

export interface PartialFailure extends Error {
    id: string;
    properties: Record<string, unknown>;
    reasons: string[];
}

export function partialFailure(message: string, id: string, properties: Record<string, unknown>): PartialFailure {
    const e = new Error(message) as PartialFailure;
    e.id = id;
    e.properties = properties;
    e.reasons = [message];
    return e;
}

/** An error from a hook, prefixed with the resource kind so users know which resource failed. */
export function hookError(kind: string, hook: string, e: unknown): Error {
    const message = e instanceof Error ? e.message : String(e);
    const out = new Error(`mold:${kind} ${hook}: ${message}`);
    // Never let an error from lower layers that happens to carry `id` turn into a partial failure by accident.
    return out;
}
