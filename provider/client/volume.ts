// Typed wrappers for data volumes and snapshot policies (disk offerings: disk-offerings.ts). Async commands wait for their job
// and return the `volume` of the job result. Sizes: requests in GB, answers in bytes (VolumeResponse.size).
import type { MoldClient, Params, WaitOptions } from "./client";
import { rowsUnlessGone } from "./errors";

export const GB = 1024 ** 3;

export type VolumeState = "Allocated" | "Ready" | "Creating" | "Resizing" | "Migrating" | "Destroy" | "Expunging" | "Expunged" | string;

/** VolumeResponse (wire names). */
export interface Volume {
    id: string;
    name: string;
    zoneid: string;
    zonename?: string;
    /** ROOT or DATADISK. */
    type: string;
    state: VolumeState;
    /** Bytes. */
    size: number;
    diskofferingid?: string;
    diskofferingname?: string;
    miniops?: number;
    maxiops?: number;
    virtualmachineid?: string;
    vmname?: string;
    vmstate?: string;
    deviceid?: number;
    tags: { key: string; value: string; [field: string]: unknown }[];
    [field: string]: unknown;
}

/** SnapshotPolicyResponse. `intervaltype` is a number: 0 hourly, 1 daily, 2 weekly, 3 monthly. */
export interface SnapshotPolicy {
    id: string;
    volumeid: string;
    intervaltype: number;
    schedule: string;
    maxsnaps: number;
    timezone: string;
    fordisplay?: boolean;
    [field: string]: unknown;
}

export const INTERVAL_TYPES = ["HOURLY", "DAILY", "WEEKLY", "MONTHLY"] as const;
export type IntervalType = (typeof INTERVAL_TYPES)[number];

async function volumeJob(client: MoldClient, command: string, params: Params, wait?: WaitOptions): Promise<Volume> {
    const r = await client.callAsync<{ volume: Volume }>(command, params, wait);
    return r.result.volume;
}

export interface CreateVolumeArgs {
    zoneid: string;
    diskofferingid: string;
    name?: string;
    /** GB; only for custom-size offerings. */
    size?: number;
    miniops?: number;
    maxiops?: number;
}

export function createVolume(client: MoldClient, args: CreateVolumeArgs, wait?: WaitOptions): Promise<Volume> {
    return volumeJob(client, "createVolume", { ...args }, wait);
}

/** The volume with that id, or undefined once it is gone. */
export async function getVolume(client: MoldClient, id: string): Promise<Volume | undefined> {
    return (await rowsUnlessGone(client.list<Volume>("listVolumes", { id }, "volume")))[0];
}

export function listVolumes(client: MoldClient, filter: Params = {}): Promise<Volume[]> {
    return client.list<Volume>("listVolumes", filter, "volume");
}

/** Mold picks the first free device id unless one is given. */
export function attachVolume(client: MoldClient, id: string, virtualmachineid: string, deviceid?: number, wait?: WaitOptions): Promise<Volume> {
    return volumeJob(client, "attachVolume", { id, virtualmachineid, deviceid }, wait);
}

export function detachVolume(client: MoldClient, id: string, wait?: WaitOptions): Promise<Volume> {
    return volumeJob(client, "detachVolume", { id }, wait);
}

export interface ResizeVolumeArgs {
    /** GB. */
    size?: number;
    diskofferingid?: string;
    miniops?: number;
    maxiops?: number;
    /** Required by Mold for a smaller size. */
    shrinkok?: boolean;
}

export function resizeVolume(client: MoldClient, id: string, args: ResizeVolumeArgs, wait?: WaitOptions): Promise<Volume> {
    return volumeJob(client, "resizeVolume", { id, ...args }, wait);
}

/** Sync; Mold refuses an attached volume. */
export async function deleteVolume(client: MoldClient, id: string): Promise<void> {
    await client.call("deleteVolume", { id });
}

export interface SnapshotPolicyArgs {
    volumeid: string;
    intervaltype: IntervalType;
    schedule: string;
    maxsnaps: number;
    timezone: string;
}

/** Sync. A volume has at most one policy per interval type: asking again updates it. */
export async function createSnapshotPolicy(client: MoldClient, args: SnapshotPolicyArgs): Promise<SnapshotPolicy> {
    const r = await client.call<{ snapshotpolicy: SnapshotPolicy }>("createSnapshotPolicy", { ...args });
    return r.snapshotpolicy;
}

export function listSnapshotPolicies(client: MoldClient, volumeid: string): Promise<SnapshotPolicy[]> {
    return client.list<SnapshotPolicy>("listSnapshotPolicies", { volumeid }, "snapshotpolicy");
}

export async function deleteSnapshotPolicies(client: MoldClient, ids: string[]): Promise<void> {
    if (ids.length) await client.call("deleteSnapshotPolicies", { ids });
}

/** Async; changes only whether the policy is shown to users (the schedule is changed by createSnapshotPolicy). */
export async function updateSnapshotPolicy(client: MoldClient, id: string, fordisplay: boolean, wait?: WaitOptions): Promise<SnapshotPolicy> {
    const r = await client.callAsync<{ snapshotpolicy: SnapshotPolicy }>("updateSnapshotPolicy", { id, fordisplay }, wait);
    return r.result.snapshotpolicy;
}
