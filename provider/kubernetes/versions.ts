// Kubernetes semantic versions and the upgrade rule exactly as Mold applies it
// (KubernetesVersionManagerImpl.canUpgradeKubernetesVersion in ablestack-cloud). Pure: no I/O. The provider
// plans upgrades and explains refusals with it before calling Mold; the simulator judges requests with its
// own code (simulator/records/kubernetes-version.ts), and one table of cases judges both.

export interface SemVer {
    major: number;
    minor: number;
    patch: number;
    /** Mold accepts more than three numeric parts ("1.2.3.4"); kept for comparisons. */
    parts: number[];
}

/** Mold's own format check: digits separated by dots, at least three parts. */
export function isSemanticVersion(version: string): boolean {
    return /^[0-9]+(\.[0-9]+)*$/.test(version) && version.split(".").length >= 3;
}

/** Mold's text for a malformed version, used by add and by every comparison. */
export function invalidVersionText(version: string): string {
    return `Invalid version format, ${version}. Semantic version should be specified in MAJOR.MINOR.PATCH format`;
}

/** Parses MAJOR.MINOR.PATCH[.x…]; a leading "v" (as in version names like "v1.30.2") is tolerated. */
export function parseSemver(version: string): SemVer {
    const text = version.trim().replace(/^v/i, "");
    if (!isSemanticVersion(text)) throw new Error(invalidVersionText(version));
    const parts = text.split(".").map((p) => Number.parseInt(p, 10));
    return { major: parts[0], minor: parts[1], patch: parts[2], parts };
}

/** -1, 0 or 1, comparing part by part with missing parts counted as 0 (as Mold does). */
export function compareSemver(a: string, b: string): number {
    const x = parseSemver(a).parts;
    const y = parseSemver(b).parts;
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
        const d = (x[i] ?? 0) - (y[i] ?? 0);
        if (d !== 0) return d < 0 ? -1 : 1;
    }
    return 0;
}

export type UpgradeCheck = { allowed: true } | { allowed: false; reason: string };

/**
 * Whether a cluster on `current` may be upgraded to `target`: no downgrade, same major, minor at most +1.
 * Mold accepts the same semantic version (another version entry with an equal semver), so this does too.
 * The refusal texts are Mold's, so they can be shown as Mold would show them.
 */
export function checkUpgrade(current: string, target: string): UpgradeCheck {
    let diff: number;
    try {
        diff = compareSemver(target, current);
    } catch (e) {
        return { allowed: false, reason: (e as Error).message };
    }
    if (diff < 0) {
        return { allowed: false, reason: `Kubernetes clusters can not be downgraded, current version: ${current}, upgrade version: ${target}` };
    }
    const from = parseSemver(current);
    const to = parseSemver(target);
    if (to.major !== from.major || to.minor - from.minor > 1) {
        return {
            allowed: false,
            reason: `Kubernetes clusters can be upgraded between next minor or patch version releases, current version: ${current}, upgrade version: ${target}`,
        };
    }
    return { allowed: true };
}

export function canUpgrade(current: string, target: string): boolean {
    return checkUpgrade(current, target).allowed;
}

/**
 * The versions a cluster on `current` may move to, in ascending order, without duplicates.
 * Accepts plain semvers or version records carrying `semanticversion` (as listKubernetesSupportedVersions returns);
 * malformed entries are skipped, the same semver is kept (Mold accepts it).
 */
export function nextAllowedVersions<V extends string | { semanticversion: string }>(current: string, available: readonly V[]): V[] {
    const semverOf = (v: V) => (typeof v === "string" ? v : v.semanticversion);
    const seen = new Set<string>();
    return available
        .filter((v) => {
            const s = semverOf(v);
            if (!isSemanticVersion(s.replace(/^v/i, "")) || !canUpgrade(current, s)) return false;
            const key = typeof v === "string" ? s : JSON.stringify(v);
            if (seen.has(key)) return false;
            seen.add(key);
            return true;
        })
        .sort((a, b) => compareSemver(semverOf(a), semverOf(b)));
}

/** Highest version reachable in one step, or undefined when there is none. */
export function latestUpgradeTarget(current: string, available: readonly string[]): string | undefined {
    const next = nextAllowedVersions(current, available);
    return next.length ? next[next.length - 1] : undefined;
}
