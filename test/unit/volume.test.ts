// Data volumes client↔simulator: the seeded disk offerings, Allocated → Ready on the first attach, device ids,
// resize rules (fixed offerings, shrinkok, IOPS), refusals to delete an attached volume, snapshot policies
// (one per interval, schedule formats) and the simulator's error codes and texts.
import test, { ExecutionContext } from "ava";
import { findNetworkOffering, findServiceOffering, findTemplate, findZone, MoldApiError, deployVirtualMachine, createTags } from "../../provider/client";
import {
    attachVolume,
    createSnapshotPolicy,
    createVolume,
    deleteSnapshotPolicies,
    deleteVolume,
    detachVolume,
    GB,
    getVolume,
    listSnapshotPolicies,
    listVolumes,
    resizeVolume,
    updateSnapshotPolicy,
    Volume,
} from "../../provider/client/volume";
import { SEED_NETWORK_OFFERING, SEED_TEMPLATE_NAME, SEED_ZONE_NAME } from "../../simulator/seed";
import { SimAndClient, withSimulator } from "../helpers/sim";
import { MoldJobError } from "../../provider/client";
import { findDiskOffering, listDiskOfferings } from "../../provider/client/disk-offerings";

interface World extends SimAndClient {
    zoneid: string;
    vm(name: string): Promise<string>;
    offering(name: string): Promise<string>;
}

async function world(): Promise<World> {
    const env = await withSimulator();
    const { client } = env;
    const zoneid = (await findZone(client, SEED_ZONE_NAME)).id;
    const templateid = (await findTemplate(client, SEED_TEMPLATE_NAME)).id;
    const networkofferingid = (await findNetworkOffering(client, SEED_NETWORK_OFFERING)).id;
    const net = await client.call<{ network: any }>("createNetwork", { name: "net1", displaytext: "net1", zoneid, networkofferingid });
    const serviceofferingid = (await findServiceOffering(client, "2C-2GB")).id;
    return {
        ...env,
        zoneid,
        vm: async (name) => (await deployVirtualMachine(client, { zoneid, templateid, serviceofferingid, networkids: [net.network.id], name })).id,
        offering: async (name) => (await findDiskOffering(client, name)).id,
    };
}

async function refused(t: ExecutionContext, fn: () => Promise<unknown>, code: number, text: string | RegExp): Promise<void> {
    const e = (await t.throwsAsync(fn)) as MoldApiError | MoldJobError;
    t.true(e instanceof MoldApiError || e instanceof MoldJobError, `expected a Mold refusal, got ${e}`);
    t.is(e.errorcode, code);
    if (typeof text === "string") t.is(e.errortext, text);
    else t.regex(e.errortext, text);
}

test("disk offerings: a fixed-size one, a custom-size one and one with custom IOPS", async (t) => {
    const w = await world();
    try {
        const rows = await listDiskOfferings(w.client);
        const by = Object.fromEntries(rows.map((o) => [o.name, o]));
        t.deepEqual(Object.keys(by).sort(), ["Custom", "Custom IOPS", "Medium", "Small"]);
        t.is(by.Small.disksize, 5);
        t.false(by.Small.iscustomized);
        t.true(by.Custom.iscustomized);
        t.false(by.Custom.iscustomizediops);
        t.true(by["Custom IOPS"].iscustomizediops);
        t.deepEqual(
            (await listDiskOfferings(w.client, { name: "Custom" })).map((o) => o.id),
            [by.Custom.id],
        );
    } finally {
        await w.stop();
    }
});

test("createVolume: Allocated, size in bytes; the offering decides whether a size or IOPS may be given", async (t) => {
    const w = await world();
    try {
        const [small, custom, iops] = [await w.offering("Small"), await w.offering("Custom"), await w.offering("Custom IOPS")];
        const a = await createVolume(w.client, { zoneid: w.zoneid, diskofferingid: small, name: "a" });
        t.is(a.state, "Allocated");
        t.is(a.type, "DATADISK");
        t.is(a.size, 5 * GB);
        t.is(a.virtualmachineid, undefined);
        const b = await createVolume(w.client, { zoneid: w.zoneid, diskofferingid: custom, size: 20 });
        t.is(b.size, 20 * GB);
        t.regex(b.name, /^DATA-\d+$/);
        const c = await createVolume(w.client, { zoneid: w.zoneid, diskofferingid: iops, size: 10, miniops: 100, maxiops: 500 });
        t.is(c.miniops, 100);
        t.is(c.maxiops, 500);
        await refused(
            t,
            () => createVolume(w.client, { zoneid: w.zoneid, diskofferingid: small, size: 10 }),
            431,
            "This disk offering does not allow custom size",
        );
        await refused(
            t,
            () => createVolume(w.client, { zoneid: w.zoneid, diskofferingid: custom }),
            431,
            "This disk offering requires a custom size specified",
        );
        await refused(t, () => createVolume(w.client, { zoneid: w.zoneid, diskofferingid: custom, size: 0 }), 431, /out of allowed range/);
        await refused(
            t,
            () => createVolume(w.client, { zoneid: w.zoneid, diskofferingid: custom, size: 5, miniops: 10 }),
            431,
            "The current disk offering does not support customization of the 'Min IOPS' parameter.",
        );
        await refused(
            t,
            () => createVolume(w.client, { zoneid: w.zoneid, diskofferingid: iops, size: 5, miniops: 900, maxiops: 10 }),
            431,
            /less than or equal/,
        );
        t.is((await listVolumes(w.client)).length, 3, "refused creates leave nothing behind");
    } finally {
        await w.stop();
    }
});

test("attach: Ready with the first free device id (3 is the CD-ROM's); stays Ready when detached; refusals", async (t) => {
    const w = await world();
    try {
        const vm1 = await w.vm("vm1");
        const vm2 = await w.vm("vm2");
        const small = await w.offering("Small");
        const vols: Volume[] = [];
        for (let i = 0; i < 4; i++) vols.push(await createVolume(w.client, { zoneid: w.zoneid, diskofferingid: small, name: `d${i}` }));
        const devices: (number | undefined)[] = [];
        for (const v of vols) devices.push((await attachVolume(w.client, v.id, vm1)).deviceid);
        t.deepEqual(devices, [1, 2, 4, 5]);
        const ready = (await getVolume(w.client, vols[0].id))!;
        t.is(ready.state, "Ready");
        t.is(ready.virtualmachineid, vm1);
        t.is(ready.vmname, "vm1");
        t.deepEqual((await listVolumes(w.client, { virtualmachineid: vm1 })).map((v) => v.name).sort(), ["d0", "d1", "d2", "d3"]);
        await refused(t, () => attachVolume(w.client, vols[0].id, vm2), 431, "Please specify a volume that is not attached to any VM.");
        await refused(t, () => deleteVolume(w.client, vols[0].id), 431, "Please specify a volume that is not attached to any VM.");
        const off = await detachVolume(w.client, vols[1].id);
        t.is(off.state, "Ready");
        t.is(off.virtualmachineid, undefined);
        t.is(off.deviceid, undefined);
        await refused(t, () => detachVolume(w.client, vols[1].id), 431, "Please specify a volume that is attached to a VM.");
        // The freed device id is the next one handed out.
        t.is((await attachVolume(w.client, vols[1].id, vm2)).deviceid, 1);
        // Up to the hypervisor's limit of data disks per VM.
        for (let i = 0; i < 3; i++) {
            const v = await createVolume(w.client, { zoneid: w.zoneid, diskofferingid: small });
            await attachVolume(w.client, v.id, vm1);
        }
        const extra = await createVolume(w.client, { zoneid: w.zoneid, diskofferingid: small });
        await refused(t, () => attachVolume(w.client, extra.id, vm1), 431, /already has the maximum number of data disks \(6\) attached/);
    } finally {
        await w.stop();
    }
});

test("resize: grows, refuses a shrink without shrinkok (Mold's text), a size on a fixed offering, IOPS without them", async (t) => {
    const w = await world();
    try {
        const vm = await w.vm("vm1");
        const [small, custom, iops] = [await w.offering("Small"), await w.offering("Custom"), await w.offering("Custom IOPS")];
        const v = await createVolume(w.client, { zoneid: w.zoneid, diskofferingid: custom, size: 10 });
        await attachVolume(w.client, v.id, vm);
        t.is((await resizeVolume(w.client, v.id, { size: 20 })).size, 20 * GB, "grows while attached to a running VM");
        await refused(
            t,
            () => resizeVolume(w.client, v.id, { size: 15 }),
            431,
            `Going from existing size of ${20 * GB} to size of ${15 * GB} would shrink the volume. Need to sign off by supplying the shrinkok parameter with value of true.`,
        );
        t.is((await getVolume(w.client, v.id))!.size, 20 * GB, "a refused shrink changes nothing");
        t.is((await resizeVolume(w.client, v.id, { size: 15, shrinkok: true })).size, 15 * GB);
        await refused(t, () => resizeVolume(w.client, v.id, { miniops: 100 }), 431, /does not support customization of the 'Min IOPS'/);
        const fixed = await createVolume(w.client, { zoneid: w.zoneid, diskofferingid: small });
        await refused(t, () => resizeVolume(w.client, fixed.id, { size: 50 }), 431, "This disk offering does not allow custom size");
        const withIops = await createVolume(w.client, { zoneid: w.zoneid, diskofferingid: iops, size: 5, miniops: 100, maxiops: 200 });
        const changed = await resizeVolume(w.client, withIops.id, { miniops: 150, maxiops: 300 });
        t.deepEqual([changed.miniops, changed.maxiops, changed.size], [150, 300, 5 * GB]);
    } finally {
        await w.stop();
    }
});

test("snapshot policies: Ready volumes only, one per interval (asking again updates it), schedule formats per interval", async (t) => {
    const w = await world();
    try {
        const vm = await w.vm("vm1");
        const v = await createVolume(w.client, { zoneid: w.zoneid, diskofferingid: await w.offering("Small") });
        const args = { volumeid: v.id, intervaltype: "DAILY" as const, schedule: "30:02", maxsnaps: 3, timezone: "UTC" };
        await refused(t, () => createSnapshotPolicy(w.client, args), 431, `VolumeId: ${v.id} is not in Ready state but Allocated. Cannot take snapshot.`);
        await attachVolume(w.client, v.id, vm);
        const daily = await createSnapshotPolicy(w.client, args);
        t.is(daily.intervaltype, 1);
        t.is(daily.schedule, "30:02");
        const again = await createSnapshotPolicy(w.client, { ...args, schedule: "00:04", maxsnaps: 5 });
        t.is(again.id, daily.id, "same interval: the policy is updated, not doubled");
        t.deepEqual(
            (await listSnapshotPolicies(w.client, v.id)).map((p) => [p.schedule, p.maxsnaps]),
            [["00:04", 5]],
        );
        const bad: [string, string][] = [
            ["HOURLY", "60"],
            ["HOURLY", "10:02"],
            ["DAILY", "10"],
            ["DAILY", "10:24"],
            ["WEEKLY", "10:02:8"],
            ["WEEKLY", "10:02:0"],
            ["MONTHLY", "10:02:29"],
        ];
        for (const [intervaltype, schedule] of bad) {
            await refused(
                t,
                () => createSnapshotPolicy(w.client, { ...args, intervaltype: intervaltype as any, schedule }),
                431,
                `Invalid schedule: ${schedule} for interval type: ${intervaltype}`,
            );
        }
        await refused(t, () => createSnapshotPolicy(w.client, { ...args, maxsnaps: 9 }), 431, "maxSnaps exceeds limit: 8 for interval type: DAILY");
        t.false((await updateSnapshotPolicy(w.client, daily.id, false)).fordisplay, "updateSnapshotPolicy (async) changes fordisplay");
        const weekly = await createSnapshotPolicy(w.client, { ...args, intervaltype: "WEEKLY", schedule: "00:03:7" });
        t.is((await listSnapshotPolicies(w.client, v.id)).length, 2);
        await deleteSnapshotPolicies(w.client, [daily.id]);
        t.deepEqual(
            (await listSnapshotPolicies(w.client, v.id)).map((p) => p.id),
            [weekly.id],
        );
        // Deleting the volume takes its policies and tags with it; its UUID is then gone from the lists.
        await createTags(w.client, "Volume", [v.id], { k: "v" });
        t.deepEqual(
            (await getVolume(w.client, v.id))!.tags.map((x) => x.key),
            ["k"],
        );
        await detachVolume(w.client, v.id);
        await deleteVolume(w.client, v.id);
        t.is(await getVolume(w.client, v.id), undefined);
        t.is(await w.client.list<any>("listSnapshotPolicies", {}, "snapshotpolicy").then((r) => r.length), 0);
    } finally {
        await w.stop();
    }
});
