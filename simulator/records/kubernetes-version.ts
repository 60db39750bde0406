// Kubernetes version rules as Mold applies them to requests (KubernetesVersionManagerImpl; mold-api-kubernetes.md
// §6.4 and §6.6): the semantic-version format, comparison and the upgrade step rule. The simulator's own
// code, apart from provider/kubernetes/versions.ts, because it judges what the provider sends: a rule both
// sides shared would make a wrong refusal (or a wrong acceptance) invisible to the tests. Pure.

/** Mold's text for a version it cannot read. */
export function badVersionText(version: string): string {
    return `Invalid version format, ${version}. Semantic version should be specified in MAJOR.MINOR.PATCH format`;
}

/** Numeric dot-separated parts, at least MAJOR.MINOR.PATCH (Mold reads more parts too: 1.2.3.4). */
export function isSemver(version: string): boolean {
    const parts = version.split(".");
    return parts.length >= 3 && parts.every((p) => p.length > 0 && [...p].every((c) => c >= "0" && c <= "9"));
}

/** The numeric parts; a leading "v" (version names such as "v1.30.2") is read past. Throws Mold's text. */
function partsOf(version: string): number[] {
    const text = version.trim();
    const bare = text.startsWith("v") || text.startsWith("V") ? text.slice(1) : text;
    if (!isSemver(bare)) throw new Error(badVersionText(version));
    return bare.split(".").map(Number);
}

/** Sign of a − b, part by part, a missing part counting as 0. Throws Mold's text on a malformed version. */
export function semverOrder(a: string, b: string): -1 | 0 | 1 {
    const x = partsOf(a);
    const y = partsOf(b);
    const n = Math.max(x.length, y.length);
    for (let i = 0; i < n; i++) {
        const xi = i < x.length ? x[i] : 0;
        const yi = i < y.length ? y[i] : 0;
        if (xi !== yi) return xi < yi ? -1 : 1;
    }
    return 0;
}

/**
 * canUpgradeKubernetesVersion: the refusal text for moving a cluster from `from` to `to`, or undefined when
 * Mold lets it: no downgrade; same major; the minor rises by at most one (any patch of it). The same
 * semantic version (another version entry) is let through, as Mold does.
 */
export function upgradeRefusal(from: string, to: string): string | undefined {
    let order: number;
    try {
        order = semverOrder(to, from);
    } catch (e) {
        return (e as Error).message;
    }
    if (order < 0) return `Kubernetes clusters can not be downgraded, current version: ${from}, upgrade version: ${to}`;
    const [fromMajor, fromMinor] = partsOf(from);
    const [toMajor, toMinor] = partsOf(to);
    if (toMajor === fromMajor && toMinor <= fromMinor + 1) return undefined;
    return `Kubernetes clusters can be upgraded between next minor or patch version releases, current version: ${from}, upgrade version: ${to}`;
}
