// Dynamic resources cannot be `pulumi import`ed: importId takes an object over, Resource.get only reads it.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MoldClient } from "../../provider/client";
import { findNetworkOffering, findZone } from "../../provider/client/catalog";
import { createNetwork } from "../../provider/client/network";
import { startSimulatorServer } from "../../simulator/server";
import { cleanEnv, mutatingSince, programDir, runEngine } from "../helpers/engine";

test("importId adopts an existing network; Network.get references one read-only", async (t) => {
    const sim = await startSimulatorServer({ port: 0 });
    const client = new MoldClient({ apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-adopt-"));
    try {
        const zone = await findZone(client, "zone1");
        const offering = await findNetworkOffering(client, "DefaultIsolatedNetworkOfferingWithSourceNatService");
        const make = (name: string, gateway: string) =>
            createNetwork(client, { name, zoneid: zone.id, networkofferingid: offering.id, gateway, netmask: "255.255.255.0" });
        const shared = await make("shared-net", "10.50.0.1");
        const legacy = await make("legacy-net", "10.60.0.1");
        const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
        const base = ["--state", path.join(dir, "s.json"), "--config", `sharedNetworkId=${shared.id}`, "--config", `adoptNetworkId=${legacy.id}`];

        // An input Mold cannot change that differs: refused, nothing touched.
        const before = { ...sim.requestCounts };
        const refused = await runEngine(["up", programDir("adopt"), ...base, "--config", "gateway=10.70.0.1"], env);
        t.is(refused.code, 1);
        t.regex(refused.stderr, /cannot be adopted: gateway is "10\.60\.0\.1" in Mold but "10\.70\.0\.1" in the program/);
        t.deepEqual(mutatingSince(before, sim.requestCounts), {});

        const up = await runEngine(["up", programDir("adopt"), ...base, "--config", "gateway=10.60.0.1"], env);
        t.is(up.code, 0, up.stderr);
        t.deepEqual(up.result!.steps, { create: 1, update: 0, replace: 0, delete: 0, same: 1 });
        t.is(up.result!.outputs.sharedName, "shared-net");
        t.is(up.result!.outputs.sharedCidr, "10.50.0.0/24");
        t.is(up.result!.outputs.adoptedId, legacy.id);
        t.is(up.result!.outputs.adoptedName, "adopted-net");
        const byId = (id: string) => sim.inventory().networks.find((n: any) => n.id === id);
        t.is(byId(legacy.id).name, "adopted-net", "adoption brings in-place inputs to the program's values");
        const tagsOf = (id: string) =>
            sim
                .inventory()
                .tags.filter((x: any) => x.resourceid === id)
                .map((x: any) => `${x.key}=${x.value}`)
                .sort();
        t.deepEqual(tagsOf(legacy.id), ["pulumi-mold:managed-by=pulumi-mold", "team=platform"]);
        t.deepEqual(tagsOf(shared.id), [], "a network referenced with get is never changed");

        const again = await runEngine(["up", programDir("adopt"), ...base, "--config", "gateway=10.60.0.1"], env);
        t.deepEqual(again.result!.steps, { create: 0, update: 0, replace: 0, delete: 0, same: 2 });

        const destroyed = await runEngine(["destroy", programDir("adopt"), ...base], env);
        t.is(destroyed.code, 0, destroyed.stderr);
        t.is(byId(legacy.id), undefined, "the adopted network is managed: destroy deletes it");
        t.truthy(byId(shared.id), "the referenced network is left alone");
    } finally {
        client.close();
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
