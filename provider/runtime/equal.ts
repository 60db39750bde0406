// Deep equality of JSON values where object key order does not matter (Mold and Pulumi reorder keys).

export function jsonEqual(a: unknown, b: unknown): boolean {
    if (a === b) return true;
    if (a === undefined || b === undefined || a === null || b === null) return (a ?? null) === (b ?? null);
    if (Array.isArray(a) || Array.isArray(b)) {
        return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
    }
    if (typeof a === "object" && typeof b === "object") {
        const [x, y] = [a as Record<string, unknown>, b as Record<string, unknown>];
        const ka = Object.keys(x).filter((k) => x[k] !== undefined);
        const kb = Object.keys(y).filter((k) => y[k] !== undefined);
        return ka.length === kb.length && ka.every((k) => jsonEqual(x[k], y[k]));
    }
    return false;
}
