// Pure rules of a Volume's inputs: the snapshot schedule per interval, sizes and IOPS against the disk offering.
// Written from CloudStack's documented formats, independently of the simulator's copy of the same rules.
import type { DiskOffering } from "../client/disk-offerings";

export const INTERVALS = ["hourly", "daily", "weekly", "monthly"] as const;
export type Interval = (typeof INTERVALS)[number];

/** The schedule format of each interval, as createSnapshotPolicy documents it. */
const FORMATS: Record<Interval, { parts: number; format: string; day?: [number, number] }> = {
    hourly: { parts: 1, format: "MM (minute 0-59)" },
    daily: { parts: 2, format: "MM:HH (minute 0-59, hour 0-23)" },
    weekly: { parts: 3, format: "MM:HH:D (minute 0-59, hour 0-23, day of week 1-7)", day: [1, 7] },
    monthly: { parts: 3, format: "MM:HH:D (minute 0-59, hour 0-23, day of month 1-28)", day: [1, 28] },
};

/** Why `schedule` does not parse for `interval`, or undefined when it does. */
export function scheduleProblem(interval: Interval, schedule: string): string | undefined {
    const f = FORMATS[interval];
    const bad = `'${schedule}' does not parse for a ${interval} policy: the format is ${f.format}`;
    const parts = schedule.split(":");
    if (parts.length !== f.parts || !parts.every((p) => /^\d{1,2}$/.test(p))) return bad;
    const [mm, hh, dd] = parts.map(Number);
    if (mm > 59 || (hh !== undefined && hh > 23)) return bad;
    if (f.day && (dd < f.day[0] || dd > f.day[1])) return bad;
    return undefined;
}

/** Why a size change from `oldSize` to `size` (GB) is refused, or undefined. */
export function shrinkProblem(oldSize: number | undefined, size: number | undefined, allowShrink: boolean | undefined): string | undefined {
    if (oldSize === undefined || size === undefined || size >= oldSize || allowShrink === true) return undefined;
    return `is ${size} GB, below the current ${oldSize} GB: shrinking loses the data past the new end; set allowShrink: true to allow it`;
}

/** The size and IOPS inputs the offering refuses, by property. */
export function offeringProblems(
    offering: Pick<DiskOffering, "name" | "iscustomized" | "iscustomizediops" | "disksize">,
    inputs: { size?: number; minIops?: number; maxIops?: number },
): { property: string; reason: string }[] {
    const out: { property: string; reason: string }[] = [];
    if (offering.iscustomized && inputs.size === undefined) {
        out.push({ property: "size", reason: `is required: disk offering '${offering.name}' has a custom size` });
    }
    if (!offering.iscustomized && inputs.size !== undefined) {
        out.push({ property: "size", reason: `must be left out: disk offering '${offering.name}' has a fixed size of ${offering.disksize} GB` });
    }
    for (const p of ["minIops", "maxIops"] as const) {
        if (inputs[p] !== undefined && !offering.iscustomizediops) {
            out.push({ property: p, reason: `must be left out: disk offering '${offering.name}' does not let you choose IOPS` });
        }
    }
    return out;
}
