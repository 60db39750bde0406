// Which Kubernetes versions the bootstrap steps can install on a template, judged from the template's
// name alone (check-time rules make no API call). The steps use apt and pkgs.k8s.io, which publishes
// v1.24 onwards; the newest minor is the newest our scripts were written against.
import { isSemanticVersion, parseSemver } from "../kubernetes/versions";

export const OLDEST_MINOR = 24;
export const NEWEST_MINOR = 35;

interface OsRelease {
    family: "ubuntu" | "debian";
    version: number;
    /** Highest Kubernetes minor the release can run (cgroup v1 by default blocks kubelet ≥ 1.35). */
    maxMinor?: number;
}

/** Releases the apt-based steps support; older ones lack the containerd/kernel the steps rely on. */
const RELEASES: OsRelease[] = [
    { family: "ubuntu", version: 20.04, maxMinor: 34 },
    { family: "ubuntu", version: 22.04 },
    { family: "ubuntu", version: 24.04 },
    { family: "ubuntu", version: 26.04 },
    { family: "debian", version: 11 },
    { family: "debian", version: 12 },
    { family: "debian", version: 13 },
];

/** The OS a template name announces (e.g. "ubuntu-22.04", "Debian 12 cloud"), or undefined. */
export function osOfTemplateName(name: string): { family: string; version: number } | undefined {
    const ubuntu = /ubuntu[\s_-]*(\d{2})[._]?(\d{2})/i.exec(name);
    if (ubuntu) return { family: "ubuntu", version: Number(`${ubuntu[1]}.${ubuntu[2]}`) };
    const debian = /debian[\s_-]*(\d{1,2})(?!\d)/i.exec(name);
    if (debian) return { family: "debian", version: Number(debian[1]) };
    for (const family of ["centos", "rocky", "rhel", "almalinux", "oracle", "windows", "alpine", "opensuse", "suse"]) {
        if (name.toLowerCase().includes(family)) return { family, version: 0 };
    }
    return undefined;
}

/**
 * Why `version` cannot be installed on a template named `templateName`, or undefined when it can (or when
 * the name says nothing about the OS: an id, a custom name — the kube-packages step then decides).
 */
export function packageProblem(version: string, templateName: string | undefined): string | undefined {
    if (!isSemanticVersion(version)) return `must be a Kubernetes version MAJOR.MINOR.PATCH such as 1.32.5, got '${version}'`;
    const v = parseSemver(version);
    if (v.major !== 1 || v.minor < OLDEST_MINOR || v.minor > NEWEST_MINOR) {
        return `${version} is not published by pkgs.k8s.io for the bootstrap steps (supported: 1.${OLDEST_MINOR}.x to 1.${NEWEST_MINOR}.x)`;
    }
    if (!templateName) return undefined;
    const os = osOfTemplateName(templateName);
    if (!os) return undefined;
    const release = RELEASES.find((r) => r.family === os.family && r.version === os.version);
    if (!release) {
        const known = RELEASES.map((r) => `${r.family} ${r.family === "ubuntu" ? r.version.toFixed(2) : r.version}`).join(", ");
        return `${version} cannot be installed on template '${templateName}': the bootstrap steps support ${known}`;
    }
    if (release.maxMinor !== undefined && v.minor > release.maxMinor) {
        return `${version} cannot run on template '${templateName}' (${os.family} ${templateName.match(/\d+[._]?\d*/)?.[0]} boots with cgroup v1; kubelet 1.${release.maxMinor + 1}+ needs cgroup v2): use 1.${release.maxMinor}.x or a newer template`;
    }
    return undefined;
}
