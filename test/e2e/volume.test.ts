// Volume through the engine against the simulator: create and attach, grow in place, move to another VM, change
// the snapshot policy, detach, destroy; a no-op up and every refusal at preview make zero state-changing calls.
import test from "ava";
import { getVolume, GB, listSnapshotPolicies, listVolumes } from "../../provider/client/volume";
import { mutatingSince } from "../helpers/engine";
import { programWorld } from "../helpers/program-world";

test("Volume: create, attach, resize, move, snapshot policy change, detach, destroy; refusals at preview change nothing", async (t) => {
    t.timeout(600_000);
    const w = await programWorld(t, "volume");
    // Config persists in the state between runs: every run sets every key ("" and 0 mean "left out").
    const DEFAULTS: Record<string, string> = {
        size: "10",
        offering: "Custom",
        attach: "a",
        interval: "daily",
        schedule: "30:02",
        maxSnapshots: "3",
        allowShrink: "false",
        minIops: "0",
    };
    const cfg = (...pairs: string[]) => {
        const given = Object.fromEntries(pairs.map((p) => p.split("=") as [string, string]));
        return Object.entries({ ...DEFAULTS, ...given }).map(([k, v]) => `${k}=${v}`);
    };

    // ---- create: custom size, attached to vm-a, a daily policy ----
    await w.run("up", ...cfg());
    const id = w.output("volumeId");
    let vol = (await getVolume(w.client, id))!;
    t.is(vol.state, "Ready");
    t.is(vol.virtualmachineid, w.output("vmA"));
    t.is(vol.deviceid, 1);
    t.is(vol.size, 10 * GB);
    t.true(
        vol.tags.some((x) => x.key === "pulumi-mold:managed-by"),
        "ownership tag",
    );
    t.deepEqual(
        (await listSnapshotPolicies(w.client, id)).map((p) => [p.intervaltype, p.schedule, p.maxsnaps, p.timezone]),
        [[1, "30:02", 3, "UTC"]],
    );
    t.is(w.output("sizeGb"), 10);

    // ---- no-op up: nothing sent ----
    let before = { ...w.sim.requestCounts };
    await w.run("up", ...cfg());
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), {});

    // ---- grow in place ----
    before = { ...w.sim.requestCounts };
    await w.run("up", ...cfg("size=20"));
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), { resizeVolume: 1 });
    t.is(w.output("volumeId"), id, "resized in place, not replaced");
    t.is((await getVolume(w.client, id))!.size, 20 * GB);
    t.is(w.output("sizeGb"), 20);

    // ---- refusals at preview, naming the property, with zero state-changing calls ----
    const refusals: [string[], RegExp][] = [
        [["size=15"], /mold:Volume: size is 15 GB, below the current 20 GB.*allowShrink: true/],
        [["size=0"], /mold:Volume: size must be a size in GB from 1/],
        [["offering=Small"], /mold:Volume: size must be left out: disk offering 'Small' has a fixed size of 5 GB/],
        [["minIops=100"], /mold:Volume: minIops must be left out: disk offering 'Custom' does not let you choose IOPS/],
        [["interval=weekly", "schedule=00:03:9"], /mold:Volume: snapshotPolicy.schedule '00:03:9' does not parse for a weekly policy/],
    ];
    for (const [config, message] of refusals) {
        before = { ...w.sim.requestCounts };
        const r = await w.exec("preview", ...cfg("size=20", ...config));
        t.not(r.code, 0, `preview ${config.join(" ")} should fail`);
        t.regex(r.stderr + r.stdout, message);
        t.deepEqual(mutatingSince(before, w.sim.requestCounts), {}, `preview ${config.join(" ")} sent nothing that changes state`);
    }
    t.is((await getVolume(w.client, id))!.size, 20 * GB);

    // ---- shrink when allowed ----
    await w.run("up", ...cfg("size=15", "allowShrink=true"));
    t.is((await getVolume(w.client, id))!.size, 15 * GB);

    // ---- move to vm-b: detach + attach in place ----
    before = { ...w.sim.requestCounts };
    await w.run("up", ...cfg("size=15", "allowShrink=true", "attach=b"));
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), { detachVolume: 1, attachVolume: 1 });
    vol = (await getVolume(w.client, id))!;
    t.is(vol.virtualmachineid, w.output("vmB"));
    t.is(w.output("attachedTo"), w.output("vmB"));
    t.is(w.output("volumeId"), id);

    // ---- snapshot policy: daily → weekly (the daily one goes) ----
    await w.run("up", ...cfg("interval=weekly", "schedule=00:03:7", "maxSnapshots=4", "size=15", "allowShrink=true", "attach=b"));
    t.deepEqual(
        (await listSnapshotPolicies(w.client, id)).map((p) => [p.intervaltype, p.schedule, p.maxsnaps]),
        [[2, "00:03:7", 4]],
    );
    t.is(w.output("snapshotPolicyId"), (await listSnapshotPolicies(w.client, id))[0].id);

    // ---- detach (no VM, no policy) ----
    await w.run("up", ...cfg("size=15", "allowShrink=true", "attach=none", "interval="));
    vol = (await getVolume(w.client, id))!;
    t.is(vol.virtualmachineid, undefined);
    t.is(vol.state, "Ready");
    t.is(w.output("deviceId"), -1);
    t.deepEqual(await listSnapshotPolicies(w.client, id), []);
    t.is(w.output("volumeId"), id);

    // ---- destroy ----
    await w.run("up", ...cfg("size=15", "allowShrink=true", "attach=a"));
    await w.run("destroy", ...cfg("size=15", "allowShrink=true", "attach=a"));
    t.deepEqual(await listVolumes(w.client), []);
});
