// mold:index:Volume — a data volume. What changes in place and what replaces it:
// - in place: size and IOPS (resizeVolume; a smaller size only with allowShrink, refused at preview otherwise),
//   virtualMachine (detach from the old VM, attach to the new; empty detaches), snapshotPolicy, tags;
// - replace: name, zone, diskOffering.
// KVM attaches, detaches and grows disks of a running VM (the simulator models the same rules), so no change
// here stops the VM. Delete detaches first and never deletes a volume pulumi-mold did not create.
import { findZone, MoldLookupError, pickOne } from "../client/catalog";
import type { MoldClient } from "../client/client";
import { getVirtualMachine, listVirtualMachines } from "../client/vm";
import {
    attachVolume,
    createSnapshotPolicy,
    createVolume,
    deleteSnapshotPolicies,
    deleteVolume,
    detachVolume,
    GB,
    getVolume,
    IntervalType,
    listSnapshotPolicies,
    listVolumes,
    resizeVolume,
    SnapshotPolicy,
    Volume,
} from "../client/volume";
import { volumeSchema } from "../generated/schema";
import type { VolumeInputs, VolumeOutputs, VolumeSnapshotPolicy } from "../generated/types";
import type { CheckFailure, Reported, ResourceDefinition } from "../runtime/hooks";
import { containsUnknown } from "../runtime/hooks";
import type { ResourceTag } from "../client/tags";
import { currentTags, isOwned } from "../runtime/tags";
import { Validator } from "../runtime/validate";
import { afterCreate, createTagged } from "../runtime/common";
import { changeIdempotent, waitFor } from "../runtime/reconcile";
import { listAsyncJobs } from "../client/asyncjobs";
import { MoldOutcomeUnknownError } from "../client/errors";
import { convergeTags, current, deleteOwned, ObjectKind, ownedForChange } from "../runtime/steps";
import { INTERVALS, Interval, offeringProblems, scheduleProblem, shrinkProblem } from "./volume-rules";
import { findDiskOffering } from "../client/disk-offerings";

// Sends after a lost answer, each preceded by a read (as in reconcile.ts).
const ATTEMPTS = 6;

const tagsOf = (v: Volume) => v.tags as unknown as ResourceTag[];
const VOLUME: ObjectKind<Volume> = {
    what: "volume",
    tagType: "Volume",
    get: getVolume,
    tagsOf,
    gone: (v) => ["Destroy", "Expunging", "Expunged"].includes(v.state),
};

function outputsOf(vol: Volume, policy: SnapshotPolicy | undefined): Reported<VolumeInputs, VolumeOutputs> {
    return {
        name: vol.name,
        zoneId: vol.zoneid,
        diskOfferingId: vol.diskofferingid ?? "",
        sizeGb: Math.round(vol.size / GB),
        state: vol.state,
        virtualMachineId: vol.virtualmachineid ?? "",
        deviceId: vol.deviceid ?? -1,
        snapshotPolicyId: policy?.id ?? "",
    };
}

const wantsVm = (inputs: Partial<VolumeInputs>) => typeof inputs.virtualMachine === "string" && inputs.virtualMachine !== "";

/** A VM by id, else by exact name. */
async function findVm(client: MoldClient, nameOrId: string): Promise<string> {
    const byId = await getVirtualMachine(client, nameOrId).catch(() => undefined);
    if (byId) return byId.id;
    return pickOne("virtual machine", nameOrId, await listVirtualMachines(client, { name: nameOrId })).id;
}

function checkPolicy(v: Validator, news: Partial<VolumeInputs>): void {
    const p = news.snapshotPolicy as unknown;
    if (!v.known(p) || p === undefined || p === null) return;
    if (typeof p !== "object" || Array.isArray(p)) return v.fail("snapshotPolicy", "must be an object");
    const sp = p as Record<string, unknown>;
    v.oneOf("snapshotPolicy.intervalType", sp.intervalType, INTERVALS, { required: true });
    v.string("snapshotPolicy.schedule", sp.schedule, { required: true });
    v.integer("snapshotPolicy.maxSnapshots", sp.maxSnapshots, { min: 1, required: true, what: "a count" });
    v.string("snapshotPolicy.timezone", sp.timezone);
    const interval = typeof sp.intervalType === "string" ? sp.intervalType.toLowerCase() : undefined;
    if (INTERVALS.includes(interval as Interval) && typeof sp.schedule === "string" && v.known(sp.schedule)) {
        const problem = scheduleProblem(interval as Interval, sp.schedule);
        if (problem) v.fail("snapshotPolicy.schedule", problem);
    }
    if (v.known(news.virtualMachine) && !wantsVm(news)) {
        v.fail("snapshotPolicy", "needs virtualMachine: Mold snapshots a volume only once it has been attached (Ready)");
    }
}

/** The policy as Mold's createSnapshotPolicy takes it. */
function policyArgs(volumeid: string, p: VolumeSnapshotPolicy) {
    return {
        volumeid,
        intervaltype: p.intervalType.toUpperCase() as IntervalType,
        schedule: p.schedule,
        maxsnaps: p.maxSnapshots,
        timezone: p.timezone ?? "UTC",
    };
}

/** Brings the volume's snapshot policies to the declared one (or none): other intervals go, the one wanted is set. */
async function convergePolicy(client: MoldClient, volumeId: string, wanted: VolumeSnapshotPolicy | undefined): Promise<SnapshotPolicy | undefined> {
    const have = await listSnapshotPolicies(client, volumeId);
    const args = wanted ? policyArgs(volumeId, wanted) : undefined;
    const index = args ? ["HOURLY", "DAILY", "WEEKLY", "MONTHLY"].indexOf(args.intervaltype) : -1;
    await deleteSnapshotPolicies(
        client,
        have.filter((p) => p.intervaltype !== index).map((p) => p.id),
    );
    if (!args) return undefined;
    const same = have.find((p) => p.intervaltype === index);
    if (same && same.schedule === args.schedule && same.maxsnaps === args.maxsnaps && same.timezone === args.timezone) return same;
    // Asking again for the same interval updates that policy (one per interval): safe to re-send.
    return changeIdempotent(() => createSnapshotPolicy(client, args));
}

/** The volume once no job of its own is pending (after a lost answer, the job it may have started). */
async function settledVolume(client: MoldClient, id: string): Promise<Volume> {
    await waitFor(async () => {
        const pending = (await listAsyncJobs(client)).some((j) => j.jobinstanceid === id && j.jobstatus === 0);
        return { done: !pending, value: true };
    }, 300_000);
    const vol = await getVolume(client, id);
    if (!vol) throw new Error(`volume ${id} no longer exists in Mold; run refresh`);
    return vol;
}

/**
 * Attaches, detaches or moves the volume so it sits on `vmId` (or nowhere). Each step looks at where Mold has the
 * volume first, so after a lost answer it re-reads (once the job it may have started is done) instead of sending
 * an attach Mold would refuse as "already attached".
 */
async function convergeAttachment(client: MoldClient, vol: Volume, vmId: string | undefined, log: (m: string) => void): Promise<Volume> {
    for (let attempt = 1; ; attempt++) {
        try {
            if (vol.virtualmachineid && vol.virtualmachineid !== vmId) {
                log(`detaching volume ${vol.id} from ${vol.virtualmachineid}`);
                vol = await detachVolume(client, vol.id);
            }
            if (vmId && vol.virtualmachineid !== vmId) {
                log(`attaching volume ${vol.id} to ${vmId}`);
                vol = await attachVolume(client, vol.id, vmId);
            }
            return vol;
        } catch (e) {
            if (!(e instanceof MoldOutcomeUnknownError) || attempt >= ATTEMPTS) throw e;
            vol = await settledVolume(client, vol.id);
        }
    }
}

/** resizeVolume when the declared size or IOPS differ from Mold's. */
async function convergeSize(client: MoldClient, vol: Volume, news: Partial<VolumeInputs>): Promise<Volume> {
    const sizeChange = news.size !== undefined && news.size * GB !== vol.size;
    const minChange = news.minIops !== undefined && news.minIops !== vol.miniops;
    const maxChange = news.maxIops !== undefined && news.maxIops !== vol.maxiops;
    if (!sizeChange && !minChange && !maxChange) return vol;
    return changeIdempotent(() =>
        resizeVolume(client, vol.id, {
            size: sizeChange ? news.size : undefined,
            shrinkok: sizeChange && news.size! * GB < vol.size ? true : undefined,
            miniops: minChange ? news.minIops : undefined,
            maxiops: maxChange ? news.maxIops : undefined,
        }),
    );
}

export const volume: ResourceDefinition<VolumeInputs, VolumeOutputs> = {
    kind: "Volume",
    inputs: volumeSchema.inputs,
    replaceOnChanges: volumeSchema.replaceOnChanges,
    computedInputs: ["name"],
    handles: {
        name: "createVolume name",
        zone: "createVolume zoneid (found by name or id)",
        diskOffering: "createVolume diskofferingid (found by name or id); its size and IOPS rules are checked at preview",
        size: "createVolume size; update: resizeVolume (shrinkok only with allowShrink)",
        allowShrink: "the check's permission for a smaller size: nothing to send",
        minIops: "createVolume miniops; update: resizeVolume miniops",
        maxIops: "createVolume maxiops; update: resizeVolume maxiops",
        virtualMachine: "attachVolume after create; update: detachVolume then attachVolume (empty: detach)",
        snapshotPolicy: "createSnapshotPolicy; update: createSnapshotPolicy again (same interval) or deleteSnapshotPolicies",
        tags: "createTags with the ownership tag; update: createTags/deleteTags",
    },

    check(news, olds = {}) {
        const v = new Validator("Volume");
        v.string("name", news.name);
        v.string("zone", news.zone, { required: true });
        v.string("diskOffering", news.diskOffering, { required: true });
        v.integer("size", news.size, { min: 1, what: "a size in GB" });
        v.integer("minIops", news.minIops, { min: 1 });
        v.integer("maxIops", news.maxIops, { min: 1 });
        if (typeof news.minIops === "number" && typeof news.maxIops === "number" && news.minIops > news.maxIops) {
            v.fail("minIops", `must not exceed maxIops (${news.minIops} > ${news.maxIops})`);
        }
        if (v.known(news.allowShrink) && news.allowShrink !== undefined && typeof news.allowShrink !== "boolean") v.fail("allowShrink", "must be a boolean");
        if (v.known(news.virtualMachine) && news.virtualMachine !== "") v.string("virtualMachine", news.virtualMachine);
        if (typeof olds.size === "number" && typeof news.size === "number" && v.known(news.allowShrink)) {
            const problem = shrinkProblem(olds.size, news.size, news.allowShrink);
            if (problem) v.fail("size", problem);
        }
        checkPolicy(v, news);
        v.tags("tags", news.tags);
        const inputs = { ...news };
        if (news.snapshotPolicy && typeof news.snapshotPolicy === "object" && news.snapshotPolicy.timezone === undefined) {
            inputs.snapshotPolicy = { ...news.snapshotPolicy, timezone: "UTC" };
        }
        return { inputs, failures: v.failures };
    },

    async checkInMold(ctx, inputs) {
        const failures: CheckFailure[] = [];
        const client = ctx.client();
        const lookup = async <T>(property: string, value: unknown, find: (s: string) => Promise<T>): Promise<T | undefined> => {
            if (typeof value !== "string" || value === "" || containsUnknown(value)) return undefined;
            try {
                return await find(value);
            } catch (e) {
                if (!(e instanceof MoldLookupError)) throw e;
                failures.push({ property, reason: `mold:Volume: ${property} ${e.message}` });
                return undefined;
            }
        };
        await lookup("zone", inputs.zone, (s) => findZone(client, s));
        const offering = await lookup("diskOffering", inputs.diskOffering, (s) => findDiskOffering(client, s));
        if (offering && !containsUnknown(inputs)) {
            for (const f of offeringProblems(offering, inputs)) failures.push({ property: f.property, reason: `mold:Volume: ${f.property} ${f.reason}` });
        }
        return failures;
    },

    async create(ctx, inputs) {
        const client = ctx.client();
        const zone = await findZone(client, inputs.zone);
        const offering = await findDiskOffering(client, inputs.diskOffering);
        // After a lost answer: an untagged volume of that name made since we asked is ours (only with a name).
        const find = inputs.name ? async () => (await listVolumes(client, { name: inputs.name, zoneid: zone.id })).find((v) => !isOwned(tagsOf(v))) : undefined;
        const made = await createTagged(
            client,
            "Volume",
            inputs,
            () =>
                createVolume(client, {
                    zoneid: zone.id,
                    diskofferingid: offering.id,
                    name: inputs.name,
                    size: inputs.size,
                    miniops: inputs.minIops,
                    maxiops: inputs.maxIops,
                }),
            (v) => outputsOf(v, undefined),
            find,
        );
        return afterCreate(made.id, { ...inputs, ...made.outs }, async () => {
            let vol = (await getVolume(client, made.id))!;
            if (wantsVm(inputs)) vol = await convergeAttachment(client, vol, await findVm(client, inputs.virtualMachine!), ctx.log);
            const policy = inputs.snapshotPolicy ? await convergePolicy(client, vol.id, inputs.snapshotPolicy) : undefined;
            return { id: made.id, outs: outputsOf(vol, policy) };
        });
    },

    async read(ctx, id, olds) {
        const client = ctx.client();
        const vol = await current(client, VOLUME, id);
        if (!vol) return undefined;
        const policies = await listSnapshotPolicies(client, id);
        const policy = policies.find((p) => p.id === olds.snapshotPolicyId) ?? policies[0];
        return {
            outs: outputsOf(vol, policy),
            inputs: {
                tags: currentTags(olds.tags, tagsOf(vol)),
                // Zone and offering as Mold names them, unless the state already holds a spelling of the same one.
                zone: olds.zone !== undefined && [vol.zoneid, vol.zonename].includes(olds.zone) ? olds.zone : vol.zonename,
                diskOffering:
                    olds.diskOffering !== undefined && [vol.diskofferingid, vol.diskofferingname].includes(olds.diskOffering)
                        ? olds.diskOffering
                        : vol.diskofferingname,
                size: olds.size !== undefined ? Math.round(vol.size / GB) : undefined,
            },
        };
    },

    async update(ctx, id, olds, news) {
        const client = ctx.client();
        let vol = await ownedForChange(ctx, VOLUME, id, olds);
        vol = await convergeSize(client, vol, news);
        vol = await convergeAttachment(client, vol, wantsVm(news) ? await findVm(client, news.virtualMachine!) : undefined, ctx.log);
        const policy = await convergePolicy(client, id, news.snapshotPolicy);
        await convergeTags(ctx, VOLUME, id, olds, news);
        return { ...outputsOf(vol, policy), snapshotPolicy: news.snapshotPolicy ?? null, virtualMachine: news.virtualMachine ?? null };
    },

    async delete(ctx, id, olds) {
        await deleteOwned(ctx, VOLUME, id, olds, async (client, vol) => {
            if (vol.virtualmachineid) {
                ctx.log(`detaching volume ${id} from ${vol.virtualmachineid} before deleting it`);
                await detachVolume(client, id);
            }
            await deleteVolume(client, id);
        });
    },
};
