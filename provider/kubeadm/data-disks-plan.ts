// Pure rules of a node group's dataDisks: the shape checks at preview (every problem at once, each naming its
// property), the key that tells a node made with other disks (it rolls), the step's env and what a volume is
// called and tagged. No I/O: data-disks.ts does the Mold side.
import { containsUnknown } from "../runtime/hooks";
import type { Validator } from "../runtime/validate";

/** One entry of `dataDisks` as the check leaves it. */
export interface DataDiskSpec {
    diskOffering: string;
    size?: number;
    mountPath: string;
    retainOnDelete?: boolean;
}

/** A node's disk as the group records it (NodeGroupNode.dataDisks). */
export interface NodeDisk {
    volumeId: string;
    /** Mold's device id of the attachment; absent until attached. */
    deviceId?: number;
    /** The guest's block device, as the data-disks step found it by serial; absent until the step ran. */
    device?: string;
    mountPath: string;
    /** created: the volume exists; attached: it is on the node's VM; mounted: the step formatted (once) and mounted it. */
    status: "created" | "attached" | "mounted";
}

/**
 * Paths a data disk must not hide: the root, the OS's own directories and the parents of everything else
 * (mounting over /var or /var/lib would hide what the packages and kubelet keep there).
 */
export const SYSTEM_PATHS: readonly string[] = [
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/home",
    "/lib",
    "/lib32",
    "/lib64",
    "/media",
    "/mnt",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/srv",
    "/sys",
    "/tmp",
    "/usr",
    "/usr/local",
    "/var",
    "/var/lib",
    "/var/log",
    "/var/cache",
    "/var/tmp",
    "/var/run",
    "/var/lib/dpkg",
    "/var/lib/apt",
    "/var/lib/pulumi-mold",
];

/** Trees no data disk goes under: pseudo filesystems, the boot files and the configuration. */
const SYSTEM_TREES = ["/proc", "/sys", "/dev", "/run", "/boot", "/etc"];

/** Why `path` cannot be a data disk's mount path, or undefined. */
export function mountPathProblem(path: string): string | undefined {
    if (!path.startsWith("/")) return `must be an absolute path (starting with /), got '${path}'`;
    if (/\s/.test(path) || path.includes("\\")) return `must not contain whitespace or backslashes (it is a field of /etc/fstab), got '${path}'`;
    if (path.length > 255) return `must be at most 255 characters, got ${path.length}`;
    const parts = path.split("/").slice(1);
    if (path !== "/" && parts.some((p) => p === "" || p === "." || p === "..")) {
        return `must be a normalised path (no empty, '.' or '..' parts, no trailing /), got '${path}'`;
    }
    if (SYSTEM_PATHS.includes(path)) return `'${path}' is a system path: a disk mounted there would hide what the node keeps in it`;
    const tree = SYSTEM_TREES.find((t) => path.startsWith(`${t}/`));
    if (tree) return `'${path}' is under ${tree}, which belongs to the system`;
    return undefined;
}

/** Shape checks of `dataDisks` (no Mold): every problem at once, each naming its property. */
export function checkDataDisks(v: Validator, disks: unknown): void {
    if (!v.known(disks) || disks === undefined || disks === null) return;
    if (!Array.isArray(disks)) return v.fail("dataDisks", "must be a list of { diskOffering, size?, mountPath, retainOnDelete? }");
    const seen = new Map<string, number>();
    disks.forEach((d, i) => {
        const p = `dataDisks[${i}]`;
        if (!v.known(d)) return;
        if (!d || typeof d !== "object" || Array.isArray(d)) return v.fail(p, "must be { diskOffering, size?, mountPath, retainOnDelete? }");
        const disk = d as Record<string, unknown>;
        v.string(`${p}.diskOffering`, disk.diskOffering, { required: true });
        v.integer(`${p}.size`, disk.size, { min: 1, what: "a size in GB" });
        if (v.known(disk.retainOnDelete) && disk.retainOnDelete !== undefined && disk.retainOnDelete !== null && typeof disk.retainOnDelete !== "boolean") {
            v.fail(`${p}.retainOnDelete`, `must be a boolean, got ${typeof disk.retainOnDelete}`);
        }
        if (!v.known(disk.mountPath)) return;
        if (typeof disk.mountPath !== "string" || disk.mountPath === "") return v.fail(`${p}.mountPath`, "is required (an absolute path, e.g. /var/lib/etcd)");
        const problem = mountPathProblem(disk.mountPath);
        if (problem) return v.fail(`${p}.mountPath`, problem);
        const earlier = seen.get(disk.mountPath);
        if (earlier !== undefined) return v.fail(`${p}.mountPath`, `repeats dataDisks[${earlier}].mountPath '${disk.mountPath}': one disk per mount path`);
        for (const [other, j] of seen) {
            const [outer, inner] = other.length < disk.mountPath.length ? [other, disk.mountPath] : [disk.mountPath, other];
            if (inner.startsWith(`${outer}/`)) {
                v.fail(`${p}.mountPath`, `'${disk.mountPath}' and dataDisks[${j}].mountPath '${other}' are nested: each disk needs a mount path of its own`);
            }
        }
        seen.set(disk.mountPath, i);
    });
}

/** The entries as given (check has refused everything else), [] when there are none. */
export function dataDiskSpecs(disks: unknown): DataDiskSpec[] {
    if (!Array.isArray(disks) || containsUnknown(disks)) return [];
    return disks.map((d) => ({
        diskOffering: String(d.diskOffering),
        ...(typeof d.size === "number" ? { size: d.size } : {}),
        mountPath: String(d.mountPath),
        ...(d.retainOnDelete === true ? { retainOnDelete: true } : {}),
    }));
}

/**
 * What a node's disks were made from: another key (an entry added, removed or changed) rolls the node, so
 * its replacement gets the new disks. retainOnDelete is left out: it only decides what a removal does.
 */
export function dataDisksKey(specs: readonly DataDiskSpec[]): string {
    if (!specs.length) return "";
    return JSON.stringify(specs.map((s) => [s.diskOffering, s.size ?? null, s.mountPath]));
}

/** The serial KVM gives a volume's virtio disk: its id without dashes, cut to 20 characters (/dev/disk/by-id/virtio-<serial>). */
export function diskSerial(volumeId: string): string {
    return volumeId.replace(/-/g, "").slice(0, 20);
}

/** The Mold name of a node's disk `index`: found again by it after a lost answer. */
export function volumeName(node: string, index: number): string {
    return `${node}-data${index}`;
}

/** The data-disks step's env: one `<serial> <mount path>` line per disk (PROTOCOL.md). */
export function dataDisksEnv(disks: readonly NodeDisk[]): Record<string, string> {
    return { PM_DISKS: disks.map((d) => `${diskSerial(d.volumeId)} ${d.mountPath}`).join("\n") };
}

/** Whether the disk of a removed node stays: its entry (by mount path) in the inputs says so. */
export function retained(specs: readonly DataDiskSpec[], mountPath: string): boolean {
    return specs.some((s) => s.mountPath === mountPath && s.retainOnDelete === true);
}
