// Deep equality of JSON values where object key order does not matter (Mold and Pulumi reorder keys).

export function jsonEqual(a: unknown, b: unknown): boolean {
    if (a === b) return true;
    if (a === undefined || b === undefined || a === null || b === null) return (a ?? null) === (b ?? null);
    if (Array.isArray(a) || Array.isArray(b)) {
        return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
    }
    if (typeof a === "object" && typeof b === "object") {
        const ka = Object.keys(a as object).filter((k) => (a as any)[k] !== undefined);
        const kb = Object.keys(b as object).filter((k) => (b as any)[k] !== undefined);
        return ka.length === kb.length && ka.every((k) => jsonEqual((a as any)[k], (b as any)[k]));
    }
    return false;
}
