// Data volumes and snapshot policies (disk offerings: disk-offerings.ts). Mirrors provider/client/volume.ts.
// Rules follow CloudStack's VolumeApiServiceImpl and SnapshotManagerImpl as the public API docs describe them.
// The reference docs (mold-api-*.md) do not cover volumes: texts marked "reconstructed" are modelled on
// CloudStack's wording as we know it, not copied from a recorded answer.
// - createVolume: Allocated (no storage yet); the first attach makes it Ready, and it stays Ready when detached.
// - KVM attaches, detaches and grows disks of a Running VM, so no command here needs the VM stopped.
import { internalError, invalidParam, unknownUuid } from "../errors";
import { dropTags, matchesKeyword, matchesTagFilter, ownerFields, render, T, tagFilter, tagsOf } from "../model";
import { listIdFilter, removedRow, removeRow } from "../gone";
import { table } from "../state";
import type { BaseContext, CommandContext, CommandSpec, JobCompleter, JobContext } from "../types";

const GB = 1024 ** 3;
/** customdisk.offering.min.size / max.size (GB), CloudStack's defaults. */
const CUSTOM_MIN_GB = 1;
const CUSTOM_MAX_GB = 1024;
/** Data disks a KVM VM takes (hypervisor_capabilities.max_data_volumes_limit; reconstructed default). */
export const MAX_DATA_VOLUMES = 6;
/** Device 3 is the KVM CD-ROM slot; data disks skip it (device 0 is the root disk). */
const RESERVED_DEVICE = 3;
/** snapshot.max.hourly/daily/weekly/monthly, CloudStack's defaults. */
const MAX_SNAPS = 8;
const INTERVALS = ["HOURLY", "DAILY", "WEEKLY", "MONTHLY"] as const;

const userCmd = (pkg: string, short: string) => `org.apache.cloudstack.api.command.user.${pkg}.${short}Cmd`;

// ---------------------------------------------------------------- records

function vmOf(ctx: BaseContext, vol: any): any {
    if (!vol.virtualmachineid) return undefined;
    const vm = table(ctx.state, T.vms)[vol.virtualmachineid];
    // An expunged VM leaves its data disks behind, detached (Mold detaches them before expunging).
    if (!vm) detachRecord(vol);
    return vm;
}

function detachRecord(vol: any): void {
    for (const k of ["virtualmachineid", "vmname", "vmdisplayname", "vmstate", "deviceid", "attached"]) delete vol[k];
}

export function renderVolume(ctx: BaseContext, vol: any): Record<string, any> {
    const vm = vmOf(ctx, vol);
    if (vm) Object.assign(vol, { vmname: vm.name, vmdisplayname: vm.displayname, vmstate: vm.state });
    return { ...render(vol), tags: tagsOf(ctx, "Volume", vol.id) };
}

const volumeResult = (ctx: BaseContext, vol: any) => ({ object: "volume", value: renderVolume(ctx, vol) });

function volEvent(ctx: BaseContext, type: string, description: string, vol: any): void {
    ctx.event({ type, description, state: "Completed", resourceId: vol.id, resourceType: "Volume" });
}

/** Checks a requested custom size (GB) against the offering; returns it or the offering's own size. */
function sizeFor(offering: any, size: number | undefined): number {
    if (offering.iscustomized) {
        // reconstructed
        if (size === undefined) throw invalidParam("This disk offering requires a custom size specified");
        if (size < CUSTOM_MIN_GB || size > CUSTOM_MAX_GB) {
            // reconstructed
            throw invalidParam(`Volume size: ${size}GB is out of allowed range. Max: ${CUSTOM_MAX_GB} Min:${CUSTOM_MIN_GB}`);
        }
        return size;
    }
    // reconstructed
    if (size !== undefined) throw invalidParam("This disk offering does not allow custom size");
    return offering.disksize;
}

/** IOPS only on an offering that lets the user choose them, min ≤ max (reconstructed texts). */
function checkIops(offering: any, min: number | undefined, max: number | undefined): void {
    if (!offering.iscustomizediops) {
        if (min !== undefined) throw invalidParam("The current disk offering does not support customization of the 'Min IOPS' parameter.");
        if (max !== undefined) throw invalidParam("The current disk offering does not support customization of the 'Max IOPS' parameter.");
        return;
    }
    if (min !== undefined && min < 0) throw invalidParam("The 'Min IOPS' parameter must be greater than or equal to 0.");
    if (min !== undefined && max !== undefined && min > max)
        throw invalidParam("The 'Min IOPS' parameter must be less than or equal to the 'Max IOPS' parameter.");
}

function liveVolume(ctx: CommandContext, name = "id", required = true): any {
    const id = required ? ctx.params.required(name) : ctx.params.str(name);
    if (id === undefined) return undefined;
    const vol = table(ctx.state, T.volumes)[id];
    if (!vol) {
        // reconstructed: a deleted volume's UUID still resolves; Mold then reports it gone.
        if (removedRow(ctx, T.volumes, id)) throw invalidParam(`Unable to find volume with ID: ${id}`);
        throw unknownUuid(ctx.cmdLower, name, id);
    }
    return vol;
}

// ---------------------------------------------------------------- volumes

const createVolume: CommandSpec = {
    name: "createVolume",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        const offering = p.entity("diskofferingid", table(ctx.state, T.diskOfferings));
        const zone = p.entity("zoneid", table(ctx.state, T.zones));
        if (p.str("snapshotid") !== undefined) throw internalError("Creating a volume from a snapshot is not simulated");
        // reconstructed
        if (!offering) throw invalidParam("Either disk Offering Id or snapshot Id must be passed whilst creating volume");
        // reconstructed
        if (!zone) throw invalidParam("Please specify a zone ID for the volume");
        const size = sizeFor(offering, p.int("size", true));
        const [miniops, maxiops] = [p.int("miniops", true), p.int("maxiops", true)];
        checkIops(offering, miniops, maxiops);
        const id = ctx.uuid();
        const owner = ownerFields(ctx);
        const vol = {
            id,
            name: p.str("name") ?? `DATA-${++ctx.state.seq}`,
            zoneid: zone.id,
            zonename: zone.name,
            type: "DATADISK",
            state: "Allocated",
            size: size * GB,
            diskofferingid: offering.id,
            diskofferingname: offering.name,
            diskofferingdisplaytext: offering.displaytext,
            miniops,
            maxiops,
            storagetype: offering.storagetype,
            provisioningtype: offering.provisioningtype,
            account: owner.account,
            domainid: owner.domainid,
            domain: owner.domain,
            created: ctx.timestamp(),
            destroyed: false,
            isextractable: true,
            displayvolume: p.bool("displayvolume") ?? true,
            hasannotations: false,
        };
        table(ctx.state, T.volumes)[id] = vol;
        const jobid = ctx.queueJob({
            cmd: userCmd("volume", "CreateVolume"),
            completer: "createVolume",
            instanceType: "Volume",
            instanceId: id,
            payload: { id },
        });
        return { id, jobid };
    },
};

function jobVolume(ctx: JobContext): any {
    const vol = table(ctx.state, T.volumes)[ctx.job.payload.id];
    // reconstructed
    if (!vol) throw invalidParam(`Unable to find volume with ID: ${ctx.job.payload.id}`);
    return vol;
}

/** The first free device id from 1, skipping the CD-ROM slot. */
function freeDevice(ctx: BaseContext, vmId: string): number {
    const used = new Set((Object.values(table(ctx.state, T.volumes)) as any[]).filter((v) => v.virtualmachineid === vmId).map((v) => v.deviceid));
    let d = 1;
    while (used.has(d) || d === RESERVED_DEVICE) d++;
    return d;
}

const attachVolume: CommandSpec = {
    name: "attachVolume",
    isAsync: true,
    handle(ctx) {
        const vol = liveVolume(ctx);
        const vm = ctx.params.entity("virtualmachineid", table(ctx.state, T.vms), true);
        const deviceid = ctx.params.int("deviceid", true);
        // VolumeApiServiceImpl.attachVolumeToVM, in its order (reconstructed texts).
        if (vmOf(ctx, vol)) throw invalidParam("Please specify a volume that is not attached to any VM.");
        if (vm.state !== "Running" && vm.state !== "Stopped") throw invalidParam("Please specify a VM that is either running or stopped.");
        if (vm.zoneid !== vol.zoneid) throw invalidParam("Please specify a VM that is in the same zone as the volume.");
        const attached = (Object.values(table(ctx.state, T.volumes)) as any[]).filter((v) => v.virtualmachineid === vm.id);
        if (attached.length >= MAX_DATA_VOLUMES) {
            throw invalidParam(`The specified VM already has the maximum number of data disks (${MAX_DATA_VOLUMES}) attached. Please specify another VM.`);
        }
        if (deviceid !== undefined) {
            if (deviceid === 0) throw invalidParam("deviceId can't be 0, which is used by Root device");
            if (deviceid === RESERVED_DEVICE) throw invalidParam(`deviceId can't be ${RESERVED_DEVICE}, which is used by the CD-ROM device`);
            if (attached.some((v) => v.deviceid === deviceid)) throw invalidParam(`deviceId ${deviceid} is used by vm ${vm.id}`);
        }
        const jobid = ctx.queueJob({
            cmd: userCmd("volume", "AttachVolume"),
            completer: "attachVolume",
            instanceType: "Volume",
            instanceId: vol.id,
            payload: { id: vol.id, vmId: vm.id, deviceid },
        });
        return { jobid };
    },
};

const detachVolume: CommandSpec = {
    name: "detachVolume",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        let vol = liveVolume(ctx, "id", false);
        if (!vol) {
            const vm = p.entity("virtualmachineid", table(ctx.state, T.vms));
            const deviceid = p.int("deviceid", true);
            // reconstructed
            if (!vm || deviceid === undefined) throw invalidParam("Please provide either a volume id, or a tuple(device id, instance id)");
            vol = (Object.values(table(ctx.state, T.volumes)) as any[]).find((v) => v.virtualmachineid === vm.id && v.deviceid === deviceid);
            // reconstructed
            if (!vol) throw invalidParam(`Unable to find volume with device id ${deviceid} on vm ${vm.id}`);
        }
        // reconstructed
        if (!vmOf(ctx, vol)) throw invalidParam("Please specify a volume that is attached to a VM.");
        const jobid = ctx.queueJob({
            cmd: userCmd("volume", "DetachVolume"),
            completer: "detachVolume",
            instanceType: "Volume",
            instanceId: vol.id,
            payload: { id: vol.id },
        });
        return { jobid };
    },
};

const resizeVolume: CommandSpec = {
    name: "resizeVolume",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        const vol = liveVolume(ctx);
        const newOffering = p.entity("diskofferingid", table(ctx.state, T.diskOfferings));
        const size = p.int("size", true);
        const [miniops, maxiops] = [p.int("miniops", true), p.int("maxiops", true)];
        const shrinkok = p.bool("shrinkok") ?? false;
        if (vol.state !== "Ready" && vol.state !== "Allocated") {
            // reconstructed
            throw invalidParam(
                `Volume should be in ready or allocated state before attempting a resize. Volume ${vol.uuid ?? vol.id} is in state ${vol.state}.`,
            );
        }
        const offering = newOffering ?? table(ctx.state, T.diskOfferings)[vol.diskofferingid];
        // reconstructed: a fixed offering's size is the offering's; only another offering changes it.
        if (!offering.iscustomized && size !== undefined) throw invalidParam("This disk offering does not allow custom size");
        const newGb = offering.iscustomized ? (size ?? vol.size / GB) : offering.disksize;
        if (offering.iscustomized) sizeFor(offering, newGb);
        checkIops(offering, miniops, maxiops);
        const newBytes = newGb * GB;
        if (newBytes < vol.size && !shrinkok) {
            // CloudStack's text (sizes in bytes).
            throw invalidParam(
                `Going from existing size of ${vol.size} to size of ${newBytes} would shrink the volume.` +
                    " Need to sign off by supplying the shrinkok parameter with value of true.",
            );
        }
        const jobid = ctx.queueJob({
            cmd: userCmd("volume", "ResizeVolume"),
            completer: "resizeVolume",
            instanceType: "Volume",
            instanceId: vol.id,
            payload: { id: vol.id, offeringId: offering.id, size: newBytes, miniops, maxiops },
        });
        return { jobid };
    },
};

const deleteVolume: CommandSpec = {
    name: "deleteVolume",
    handle(ctx) {
        const vol = liveVolume(ctx);
        // reconstructed
        if (vmOf(ctx, vol)) throw invalidParam("Please specify a volume that is not attached to any VM.");
        for (const pol of Object.values(table(ctx.state, T.snapshotPolicies)) as any[]) {
            if (pol.volumeid === vol.id) removePolicy(ctx, pol.id);
        }
        dropTags(ctx, "Volume", vol.id);
        volEvent(ctx, "VOLUME.DELETE", `Deleting volume. Volume Id: ${vol.id}`, vol);
        removeRow(ctx, T.volumes, vol.id);
        return { success: true };
    },
};

const listVolumes: CommandSpec = {
    name: "listVolumes",
    handle(ctx) {
        const p = ctx.params;
        const rows = table(ctx.state, T.volumes);
        const one = listIdFilter(ctx, "id", T.volumes);
        const ids = p.list("ids");
        const vm = p.entity("virtualmachineid", table(ctx.state, T.vms));
        const zone = p.entity("zoneid", table(ctx.state, T.zones));
        const offering = p.entity("diskofferingid", table(ctx.state, T.diskOfferings));
        const [name, type, state, keyword] = [p.str("name"), p.str("type"), p.str("state"), p.str("keyword")];
        const tags = tagFilter(ctx);
        const items = (Object.values(rows) as any[])
            .filter((v) => v.account === ctx.caller.name && v.domainid === ctx.caller.domainid)
            .filter((v) => (!one || v.id === one) && (!ids || ids.includes(v.id)))
            .filter((v) => (!name || v.name === name) && matchesKeyword(keyword, v.name))
            .filter((v) => (!type || v.type.toLowerCase() === type.toLowerCase()) && (!state || v.state.toLowerCase() === state.toLowerCase()))
            .filter((v) => (!zone || v.zoneid === zone.id) && (!offering || v.diskofferingid === offering.id))
            .filter((v) => (!vm || (vmOf(ctx, v) && v.virtualmachineid === vm.id)) && matchesTagFilter(ctx, tags, "Volume", v.id))
            .map((v) => renderVolume(ctx, v));
        return { list: "volume", items };
    },
};

// ---------------------------------------------------------------- snapshot policies

/** DateUtil's schedule formats: HOURLY "MM", DAILY "MM:HH", WEEKLY "MM:HH:D" (1-7), MONTHLY "MM:HH:D" (1-28). */
export function scheduleParses(interval: string, schedule: string): boolean {
    const parts = schedule.split(":");
    const want = { HOURLY: 1, DAILY: 2, WEEKLY: 3, MONTHLY: 3 }[interval];
    if (want === undefined || parts.length !== want || !parts.every((x) => /^\d{1,2}$/.test(x))) return false;
    const [mm, hh, dd] = parts.map(Number);
    if (mm > 59 || (hh !== undefined && hh > 23)) return false;
    if (interval === "WEEKLY") return dd >= 1 && dd <= 7;
    if (interval === "MONTHLY") return dd >= 1 && dd <= 28;
    return true;
}

function renderPolicy(ctx: BaseContext, pol: any): Record<string, any> {
    return { ...render(pol), tags: tagsOf(ctx, "SnapshotPolicy", pol.id) };
}

function removePolicy(ctx: BaseContext, id: string): void {
    dropTags(ctx, "SnapshotPolicy", id);
    removeRow(ctx, T.snapshotPolicies, id);
}

const createSnapshotPolicy: CommandSpec = {
    name: "createSnapshotPolicy",
    handle(ctx) {
        const p = ctx.params;
        const vol = liveVolume(ctx, "volumeid");
        const intervalRaw = p.required("intervaltype");
        const schedule = p.required("schedule");
        const timezone = p.required("timezone");
        const maxsnaps = p.requiredInt("maxsnaps");
        const interval = INTERVALS.find((i) => i === intervalRaw.toUpperCase());
        // reconstructed texts below
        if (!interval) throw invalidParam(`Unsupported interval type ${intervalRaw}`);
        if (vol.state !== "Ready") throw invalidParam(`VolumeId: ${vol.id} is not in Ready state but ${vol.state}. Cannot take snapshot.`);
        if (!scheduleParses(interval, schedule)) throw invalidParam(`Invalid schedule: ${schedule} for interval type: ${interval}`);
        if (maxsnaps <= 0) throw invalidParam("maxSnaps should be greater than 0");
        if (maxsnaps > MAX_SNAPS) throw invalidParam(`maxSnaps exceeds limit: ${MAX_SNAPS} for interval type: ${interval}`);
        const intervaltype = INTERVALS.indexOf(interval);
        const policies = table(ctx.state, T.snapshotPolicies);
        // One policy per volume and interval: asking again updates it (SnapshotManagerImpl.createPolicy).
        const existing = (Object.values(policies) as any[]).find((x) => x.volumeid === vol.id && x.intervaltype === intervaltype);
        const pol = existing ?? { id: ctx.uuid(), volumeid: vol.id, intervaltype, fordisplay: true };
        Object.assign(pol, { schedule, timezone, maxsnaps, fordisplay: p.bool("fordisplay") ?? pol.fordisplay });
        policies[pol.id] = pol;
        return { object: "snapshotpolicy", value: renderPolicy(ctx, pol) };
    },
};

const listSnapshotPolicies: CommandSpec = {
    name: "listSnapshotPolicies",
    handle(ctx) {
        const vol = liveVolume(ctx, "volumeid", false);
        const one = ctx.params.entity("id", table(ctx.state, T.snapshotPolicies));
        const items = (Object.values(table(ctx.state, T.snapshotPolicies)) as any[])
            .filter((x) => (!vol || x.volumeid === vol.id) && (!one || x.id === one.id))
            .filter((x) => {
                const v = table(ctx.state, T.volumes)[x.volumeid];
                return v && v.account === ctx.caller.name;
            })
            .map((x) => renderPolicy(ctx, x));
        return { list: "snapshotpolicy", items };
    },
};

const deleteSnapshotPolicies: CommandSpec = {
    name: "deleteSnapshotPolicies",
    handle(ctx) {
        const rows = table(ctx.state, T.snapshotPolicies);
        const one = ctx.params.str("id");
        const ids = one ? [one] : (ctx.params.list("ids") ?? []);
        // reconstructed
        if (!ids.length) throw invalidParam("No policy id (or list of ids) specified.");
        for (const id of ids) if (!rows[id]) throw unknownUuid(ctx.cmdLower, one ? "id" : "ids", id);
        for (const id of ids) removePolicy(ctx, id);
        return { success: true };
    },
};

/** Async, though it only changes `fordisplay`: the schedule is changed by createSnapshotPolicy. */
const updateSnapshotPolicy: CommandSpec = {
    name: "updateSnapshotPolicy",
    isAsync: true,
    handle(ctx) {
        const pol = ctx.params.entity("id", table(ctx.state, T.snapshotPolicies), true);
        // customid (an admin's rename of the UUID) is accepted and not modelled.
        const payload = { id: pol.id, fordisplay: ctx.params.bool("fordisplay") };
        const jobid = ctx.queueJob({
            cmd: userCmd("snapshot", "UpdateSnapshotPolicy"),
            completer: "updateSnapshotPolicy",
            instanceType: "SnapshotPolicy",
            instanceId: pol.id,
            payload,
        });
        return { jobid };
    },
};

export const commands: CommandSpec[] = [
    ...[createVolume, attachVolume, detachVolume, resizeVolume, deleteVolume, listVolumes],
    ...[createSnapshotPolicy, updateSnapshotPolicy, listSnapshotPolicies, deleteSnapshotPolicies],
];

// ---------------------------------------------------------------- jobs

export const jobs: Record<string, JobCompleter> = {
    createVolume(ctx) {
        const vol = jobVolume(ctx);
        volEvent(ctx, "VOLUME.CREATE", `Successfully completed creating volume. Volume Id: ${vol.id}`, vol);
        return volumeResult(ctx, vol);
    },
    attachVolume(ctx, job) {
        const vol = jobVolume(ctx);
        const vm = table(ctx.state, T.vms)[job.payload.vmId];
        // reconstructed
        if (!vm) throw invalidParam(`Unable to find a virtual machine with specified vmId ${job.payload.vmId}`);
        if (vmOf(ctx, vol)) throw invalidParam("Please specify a volume that is not attached to any VM.");
        const deviceid = job.payload.deviceid ?? freeDevice(ctx, vm.id);
        Object.assign(vol, { state: "Ready", virtualmachineid: vm.id, deviceid, attached: ctx.timestamp(), hypervisor: vm.hypervisor ?? "KVM" });
        if (!vol.path) vol.path = ctx.uuid();
        volEvent(ctx, "VOLUME.ATTACH", `Successfully completed attaching volume. Volume Id: ${vol.id} VmId: ${vm.id}`, vol);
        return volumeResult(ctx, vol);
    },
    detachVolume(ctx) {
        const vol = jobVolume(ctx);
        const vmId = vol.virtualmachineid;
        detachRecord(vol);
        volEvent(ctx, "VOLUME.DETACH", `Successfully completed detaching volume. Volume Id: ${vol.id} VmId: ${vmId}`, vol);
        return volumeResult(ctx, vol);
    },
    updateSnapshotPolicy(ctx, job) {
        const pol = table(ctx.state, T.snapshotPolicies)[job.payload.id];
        // reconstructed
        if (!pol) throw invalidParam(`Unable to find snapshot policy with id ${job.payload.id}`);
        if (job.payload.fordisplay !== undefined) pol.fordisplay = job.payload.fordisplay;
        return { object: "snapshotpolicy", value: renderPolicy(ctx, pol) };
    },
    resizeVolume(ctx, job) {
        const vol = jobVolume(ctx);
        const offering = table(ctx.state, T.diskOfferings)[job.payload.offeringId];
        Object.assign(vol, {
            size: job.payload.size,
            diskofferingid: offering.id,
            diskofferingname: offering.name,
            diskofferingdisplaytext: offering.displaytext,
        });
        if (job.payload.miniops !== undefined) vol.miniops = job.payload.miniops;
        if (job.payload.maxiops !== undefined) vol.maxiops = job.payload.maxiops;
        volEvent(ctx, "VOLUME.RESIZE", `Successfully completed resizing volume. Volume Id: ${vol.id}`, vol);
        return volumeResult(ctx, vol);
    },
};
