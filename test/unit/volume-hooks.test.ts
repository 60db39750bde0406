// Volume hooks against the simulator: importId adoption (brought to the program's size, ownership tag put on,
// refused when the offering differs) and the ownership rule of delete (never a volume pulumi-mold did not create).
import test from "ava";
import { runHook } from "../../provider";
import { findNetworkOffering, findServiceOffering, findTemplate, findZone } from "../../provider/client/catalog";
import { deployVirtualMachine } from "../../provider/client/vm";
import { SEED_NETWORK_OFFERING, SEED_TEMPLATE_NAME } from "../../simulator/seed";
import { findDiskOffering } from "../../provider/client/disk-offerings";
import { createVolume, GB, getVolume } from "../../provider/client/volume";
import type { HookName } from "../../provider/runtime/hooks";
import { OWNER_TAG_KEY } from "../../provider/runtime/tags";
import { withSimulator } from "../helpers/sim";

async function world(t: { teardown(fn: () => Promise<void>): void }) {
    const s = await withSimulator();
    t.teardown(s.stop);
    const zoneid = (await findZone(s.client, "zone1")).id;
    const settings = { apiUrl: s.sim.url, apiKey: s.sim.apiKey, secretKey: s.sim.secretKey };
    const hook = (name: HookName, ...args: unknown[]) => runHook("Volume", name, settings, args) as Promise<any>;
    const foreign = async () => createVolume(s.client, { zoneid, diskofferingid: (await findDiskOffering(s.client, "Custom")).id, size: 10, name: "legacy" });
    return { ...s, hook, foreign };
}

test("importId adopts an existing volume: grown to the program's size, tagged as pulumi-mold's", async (t) => {
    const w = await world(t);
    const vol = await w.foreign();
    const r = await w.hook("create", { zone: "zone1", diskOffering: "Custom", size: 12, tags: { team: "db" }, importId: vol.id });
    t.is(r.id, vol.id);
    t.is(r.outs.sizeGb, 12);
    const now = (await getVolume(w.client, vol.id))!;
    t.is(now.size, 12 * GB);
    t.deepEqual(now.tags.map((x) => x.key).sort(), [OWNER_TAG_KEY, "team"].sort());
});

test("importId with another disk offering is refused untouched", async (t) => {
    const w = await world(t);
    const vol = await w.foreign();
    const e = await t.throwsAsync(w.hook("create", { zone: "zone1", diskOffering: "Small", importId: vol.id }));
    t.regex(e!.message, /cannot be adopted: diskOffering is "Custom" in Mold but "Small" in the program/);
    const now = (await getVolume(w.client, vol.id))!;
    t.deepEqual(now.tags, []);
});

test("delete and update refuse a volume without the ownership tag; it stays in Mold", async (t) => {
    const w = await world(t);
    const vol = await w.foreign();
    const olds = { zone: "zone1", diskOffering: "Custom", size: 10, name: "legacy" };
    const del = await t.throwsAsync(w.hook("delete", vol.id, olds));
    t.regex(del!.message, /refusing to delete volume .* pulumi-mold did not create it/);
    const upd = await t.throwsAsync(w.hook("update", vol.id, olds, { ...olds, size: 20 }));
    t.regex(upd!.message, /refusing to change volume/);
    t.is((await getVolume(w.client, vol.id))!.size, 10 * GB);
});

for (const dropPhase of ["before", "after"] as const) {
    test(`a move whose attach answer is lost (cut ${dropPhase}) ends attached once, re-sent only if it did not happen`, async (t) => {
        const w = await world(t);
        const zoneid = (await findZone(w.client, "zone1")).id;
        const networkofferingid = (await findNetworkOffering(w.client, SEED_NETWORK_OFFERING)).id;
        const net = await w.client.call<{ network: { id: string } }>("createNetwork", { name: "n", displaytext: "n", zoneid, networkofferingid });
        const vm = async (name: string) =>
            (
                await deployVirtualMachine(w.client, {
                    zoneid,
                    templateid: (await findTemplate(w.client, SEED_TEMPLATE_NAME)).id,
                    serviceofferingid: (await findServiceOffering(w.client, "1C-1GB")).id,
                    networkids: [net.network.id],
                    name,
                })
            ).id;
        const [a, b] = [await vm("a"), await vm("b")];
        const inputs = { zone: "zone1", diskOffering: "Custom", size: 5, virtualMachine: a };
        const made = await w.hook("create", inputs);
        t.is((await getVolume(w.client, made.id))!.virtualmachineid, a);
        const before = w.sim.requestCounts.attachVolume ?? 0;
        w.sim.setFaults({ dropRate: 1, commands: ["attachVolume"], dropPhase, limit: 1 });
        await w.hook("update", made.id, { ...inputs, ...made.outs }, { ...inputs, virtualMachine: b });
        w.sim.setFaults({});
        const vol = (await getVolume(w.client, made.id))!;
        t.is(vol.virtualmachineid, b);
        t.is(vol.deviceid, 1);
        t.is((w.sim.requestCounts.attachVolume ?? 0) - before, dropPhase === "before" ? 2 : 1);
    });
}
