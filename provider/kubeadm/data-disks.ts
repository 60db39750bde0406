// The Mold side of a node group's data disks: each node gets one volume per dataDisks entry, created under a
// name it is found again by (a lost answer never makes two), tagged with the group and the node, and attached
// to the node's VM before its bootstrap; the data-disks step then formats (once) and mounts it. A removed
// node's disks are deleted after its VM, unless retainOnDelete keeps them (detached and tagged); a volume
// without our group's tag is never deleted.
import { MoldLookupError } from "../client/catalog";
import type { MoldClient } from "../client/client";
import { DiskOffering, findDiskOffering } from "../client/disk-offerings";
import { attachVolume, createVolume, deleteVolume, detachVolume, getVolume, listVolumes, Volume } from "../client/volume";
import { CheckFailure, containsUnknown } from "../runtime/hooks";
import { createOnce, deleteConfirmed } from "../runtime/reconcile";
import { tagsForCreate } from "../runtime/common";
import { setTags } from "../runtime/tags";
import { offeringProblems } from "../resources/volume-rules";
import { DataDiskSpec, dataDiskSpecs, diskSerial, retained, volumeName } from "./data-disks-plan";
import type { GroupContext } from "./group";
import { GROUP_TAG } from "./machines";
import type { NodeRecord } from "./plan";

export const NODE_TAG = "pulumi-mold:node";
export const RETAINED_TAG = "pulumi-mold:retained-from";

/** Read-only at preview: each entry's disk offering exists, and its size fits the offering (volume-rules.ts). */
export async function dataDisksInMold(client: MoldClient, kind: string, disks: unknown): Promise<CheckFailure[]> {
    if (!Array.isArray(disks) || containsUnknown(disks)) return [];
    const failures: CheckFailure[] = [];
    const offerings = new Map<string, DiskOffering | undefined>();
    for (const [i, d] of disks.entries()) {
        if (!d || typeof d.diskOffering !== "string" || !d.diskOffering) continue;
        const p = `dataDisks[${i}]`;
        if (!offerings.has(d.diskOffering)) {
            try {
                offerings.set(d.diskOffering, await findDiskOffering(client, d.diskOffering));
            } catch (e) {
                if (!(e instanceof MoldLookupError)) throw e;
                offerings.set(d.diskOffering, undefined);
                failures.push({ property: `${p}.diskOffering`, reason: `mold:${kind}: ${p}.diskOffering ${e.message}` });
            }
        }
        const offering = offerings.get(d.diskOffering);
        if (!offering) continue;
        for (const f of offeringProblems(offering, { size: typeof d.size === "number" ? d.size : undefined })) {
            failures.push({ property: `${p}.${f.property}`, reason: `mold:${kind}: ${p}.${f.property} ${f.reason}` });
        }
    }
    return failures;
}

/** The group's entries with their offerings resolved (once per run). */
export async function resolveDataDisks(client: MoldClient, disks: unknown): Promise<{ spec: DataDiskSpec; offeringId: string }[]> {
    const specs = dataDiskSpecs(disks);
    const ids = new Map<string, string>();
    for (const s of specs) if (!ids.has(s.diskOffering)) ids.set(s.diskOffering, (await findDiskOffering(client, s.diskOffering)).id);
    return specs.map((spec) => ({ spec, offeringId: ids.get(spec.diskOffering)! }));
}

/**
 * Creates and attaches the node's missing disks, recording each on the node as soon as its volume exists (a
 * failure part-way leaves nothing unrecorded). Disks recorded already are checked: attached where they belong.
 */
export async function ensureNodeDisks(g: GroupContext, node: NodeRecord): Promise<void> {
    const wanted = g.dataDisks ?? [];
    if (!wanted.length) return;
    node.dataDisks ??= [];
    for (const [i, { spec, offeringId }] of wanted.entries()) {
        let disk = node.dataDisks[i];
        if (!disk) {
            const name = volumeName(node.name, i);
            const find = async () => (await listVolumes(g.client, { name, zoneid: g.placement.zoneId })).find((v) => v.name === name);
            const vol =
                (await find()) ??
                (await createOnce(
                    () => createVolume(g.client, { zoneid: g.placement.zoneId, diskofferingid: offeringId, name, ...(spec.size ? { size: spec.size } : {}) }),
                    find,
                ));
            disk = { volumeId: vol.id, mountPath: spec.mountPath, status: "created" };
            node.dataDisks[i] = disk;
            await setTags(g.client, "Volume", vol.id, tagsForCreate({ [GROUP_TAG]: g.id, [NODE_TAG]: node.name }));
            g.ctx.log(`${node.name}: volume ${vol.id} (${name}) created for ${spec.mountPath}`);
        }
        if (disk.status !== "created" && disk.deviceId !== undefined) {
            const vol = await getVolume(g.client, disk.volumeId);
            if (vol?.virtualmachineid === node.vmId) continue;
        }
        disk.deviceId = (await attach(g.client, disk.volumeId, node)).deviceid;
        if (disk.status === "created") disk.status = "attached";
    }
}

/** Attaches the volume to the node's VM; already there is fine, elsewhere is an error naming both. */
async function attach(client: MoldClient, volumeId: string, node: NodeRecord): Promise<Volume> {
    const vol = await getVolume(client, volumeId);
    if (!vol) throw new Error(`${node.name}: its data disk volume ${volumeId} is gone from Mold`);
    if (vol.virtualmachineid === node.vmId) return vol;
    if (vol.virtualmachineid)
        throw new Error(`${node.name}: its data disk volume ${volumeId} is attached to another VM (${vol.vmname ?? vol.virtualmachineid})`);
    // After a lost answer the attach may have happened: read again before sending it twice.
    return createOnce(
        () => attachVolume(client, volumeId, node.vmId),
        async () => {
            const again = await getVolume(client, volumeId);
            return again?.virtualmachineid === node.vmId ? again : undefined;
        },
    );
}

/** After the data-disks step: each disk is mounted, at the device the node found it as. */
export function markMounted(node: NodeRecord, results: Record<string, string>): void {
    for (const d of node.dataDisks ?? []) {
        d.status = "mounted";
        const device = results[`device.${diskSerial(d.volumeId)}`];
        if (device) d.device = device;
    }
}

/**
 * The disks of a node whose VM is gone (destroyed by us, or out of band): deleted, or kept (detached, tagged
 * with the node they came from) when their entry says retainOnDelete. Only volumes carrying this group's tag.
 */
export async function dropNodeDisks(g: GroupContext, node: NodeRecord): Promise<void> {
    const specs = dataDiskSpecs(g.inputs.dataDisks);
    for (const disk of node.dataDisks ?? []) {
        const vol = await getVolume(g.client, disk.volumeId);
        if (!vol) continue;
        const ours = (vol.tags ?? []).some((t) => t.key === GROUP_TAG && t.value === g.id);
        if (!ours) {
            g.ctx.log(`${node.name}: volume ${vol.id} does not carry ${GROUP_TAG}=${g.id}; left as it is`);
            continue;
        }
        // Expunging the VM detaches its data disks; one still attached (a VM Mold kept) is detached first.
        if (vol.virtualmachineid) await detachVolume(g.client, vol.id);
        if (retained(specs, disk.mountPath)) {
            const kept = Object.fromEntries((vol.tags ?? []).map((t) => [t.key, t.value]));
            await setTags(g.client, "Volume", vol.id, { ...kept, [RETAINED_TAG]: node.name });
            g.ctx.log(`${node.name}: volume ${vol.id} (${disk.mountPath}) kept (retainOnDelete)`);
            continue;
        }
        await deleteConfirmed(
            () => deleteVolume(g.client, vol.id),
            async () => (await getVolume(g.client, vol.id)) !== undefined,
        );
        g.ctx.log(`${node.name}: volume ${vol.id} (${disk.mountPath}) deleted`);
    }
}
