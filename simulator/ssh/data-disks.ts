// The block devices of an emulated node and the data-disks step. A volume Mold has attached to the node's VM
// is a virtio disk: /dev/vd<letter of its device id> (libvirt's target name), serial = the volume id without
// dashes, cut to 20 characters; detached, it is gone from the node. What is on a disk belongs to the volume
// (it moves with it): its filesystem, how many times it was formatted, and what was written on it. mkfs wipes
// what was written, so a step that formats a disk that already holds a filesystem shows in `mkfs` and `data`.
import { T } from "../model";
import { table } from "../state";
import type { SimState } from "../state";
import { fail, ok, result, StepContext, StepHandler } from "./node-state";
import type { EmulatedNode } from "./types";

/** What a volume holds, kept on the volume record (internal: Mold does not report it). */
export interface DiskContent {
    fstype: string;
    uuid: string;
    /** Times mkfs ran on the volume. */
    mkfs: number;
    /** What was written under its mount (e.g. "etcd", "containerd"); mkfs empties it. */
    data: string[];
}

export interface BlockDevice {
    device: string;
    serial: string;
    volumeId: string;
    deviceId: number;
    fstype?: string;
    uuid?: string;
    mkfs: number;
    data: string[];
    /** Where the node has it mounted, if anywhere. */
    mountedAt?: string;
}

export const diskSerial = (volumeId: string) => volumeId.replace(/-/g, "").slice(0, 20);

const deviceName = (deviceId: number) => `/dev/vd${String.fromCharCode(97 + deviceId)}`;

function attachedVolumes(state: SimState, vmId: string): any[] {
    if (!table(state, T.vms)[vmId]) return [];
    return (Object.values(table(state, T.volumes)) as any[]).filter((v) => v.virtualmachineid === vmId && typeof v.deviceid === "number");
}

/** The node's data disks as its kernel shows them, with what each holds and where it is mounted. */
export function blockDevices(state: SimState, node: EmulatedNode): BlockDevice[] {
    return attachedVolumes(state, node.vmId)
        .sort((a, b) => a.deviceid - b.deviceid)
        .map((v) => {
            const c = v._content as DiskContent | undefined;
            const mount = (node.mounts ?? []).find((m) => m.volumeId === v.id);
            return {
                device: deviceName(v.deviceid),
                serial: diskSerial(v.id),
                volumeId: v.id,
                deviceId: v.deviceid,
                ...(c ? { fstype: c.fstype, uuid: c.uuid } : {}),
                mkfs: c?.mkfs ?? 0,
                data: [...(c?.data ?? [])],
                ...(mount ? { mountedAt: mount.path } : {}),
            };
        });
}

/**
 * Something a step writes under `path` on the node: onto the disk mounted there (or above it), else onto the
 * root disk (then a disk mounted there later would hide it: data-disks refuses that).
 */
export function writeUnder(state: SimState, node: EmulatedNode, path: string, what: string): void {
    const mount = (node.mounts ?? []).filter((m) => path === m.path || path.startsWith(`${m.path}/`)).sort((a, b) => b.path.length - a.path.length)[0];
    const vol = mount ? table(state, T.volumes)[mount.volumeId] : undefined;
    if (vol?.virtualmachineid === node.vmId && vol._content) {
        const c = vol._content as DiskContent;
        if (!c.data.includes(what)) c.data.push(what);
        return;
    }
    node.rootFiles = [...new Set([...(node.rootFiles ?? []), path])];
}

export const dataDisks: StepHandler = (ctx: StepContext) => {
    const { state, node } = ctx;
    const lines = (ctx.env.PM_DISKS ?? "").split("\n").filter((l) => l !== "");
    if (!lines.length) return fail(1, "bash: line 1: PM_DISKS: PM_DISKS is required");
    const out: string[] = [];
    let changed = false;
    for (const line of lines) {
        const sp = line.indexOf(" ");
        const [serial, path] = sp < 0 ? [line, ""] : [line.slice(0, sp), line.slice(sp + 1)];
        if (!/^[0-9a-f]{1,20}$/.test(serial) || !path.startsWith("/") || /\s/.test(path)) {
            return fail(1, `error: PM_DISKS line '${line}' is not '<serial> <absolute path>'`, out.join(""));
        }
        const vol = attachedVolumes(state, node.vmId).find((v) => diskSerial(v.id) === serial);
        if (!vol) {
            return fail(1, `error: no disk with serial ${serial} appeared in /dev/disk/by-id within 60s (is its volume attached to this VM?)`, out.join(""));
        }
        const dev = deviceName(vol.deviceid);
        let formatted = "no";
        // mkfs only on a volume without a filesystem (a fresh one): one that has one keeps it and its data.
        if (!vol._content) {
            vol._content = { fstype: "ext4", uuid: ctx.uuid(), mkfs: 1, data: [] } satisfies DiskContent;
            formatted = "yes";
            changed = true;
        }
        const content = vol._content as DiskContent;
        const fstab = (node.fstab ?? []).filter((e) => e.path !== path);
        if (!(node.fstab ?? []).some((e) => e.path === path && e.uuid === content.uuid)) {
            node.fstab = [...fstab, { uuid: content.uuid, path, fstype: content.fstype }];
            changed = true;
        }
        const mounted = (node.mounts ?? []).find((m) => m.path === path);
        if (mounted && mounted.volumeId !== vol.id) {
            return fail(1, `error: ${path} is already a mount point of another filesystem (UUID '${mounted.uuid}'), not ${dev}`, out.join(""));
        }
        if (!mounted) {
            if ((node.rootFiles ?? []).some((f) => f === path || f.startsWith(`${path}/`))) {
                return fail(1, `error: ${path} already holds files on the root disk; mounting ${dev} there would hide them`, out.join(""));
            }
            node.mounts = [...(node.mounts ?? []), { path, volumeId: vol.id, uuid: content.uuid }];
            out.push(`mounted ${dev} at ${path}\n`);
            changed = true;
        }
        out.push(result(`device.${serial}`, dev), result(`formatted.${serial}`, formatted));
    }
    out.push(result("data-disks", changed ? "done" : "already"));
    return ok(out.join(""), changed);
};
