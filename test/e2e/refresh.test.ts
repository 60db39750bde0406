// refresh through the engine: right after a clean up nothing has changed (every step "same"), and an object
// deleted out of band leaves the state on refresh and comes back on the next up — against both of Mold's
// answers for an id that is gone (431 for rules, an empty list for networks and VMs; or "empty-list" for all).
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MoldClient } from "../../provider/client";
import { deleteFirewallRule } from "../../provider/client/firewall";
import { destroyVirtualMachine } from "../../provider/client/vm";
import type { GoneAnswer } from "../../simulator/gone";
import { startSimulatorServer } from "../../simulator/server";
import { cleanEnv, runEngine } from "../helpers/engine";

const EXAMPLE = path.resolve(__dirname, "../../../examples/network-basics");

test("network-basics: the first refresh after a clean up reports every resource the same", async (t) => {
    const sim = await startSimulatorServer({ port: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "refresh-same-"));
    const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
    const state = path.join(dir, "state.json");
    try {
        const up = await runEngine(["up", EXAMPLE, "--state", state], env);
        t.is(up.code, 0, up.stderr);
        const refreshed = await runEngine(["refresh", EXAMPLE, "--state", state], env);
        t.is(refreshed.code, 0, refreshed.stderr);
        t.deepEqual(refreshed.result!.steps, { create: 0, update: 0, replace: 0, delete: 0, same: up.result!.steps.create - 0 }, refreshed.stderr);
        t.notRegex(refreshed.stderr, /refresh: .* changed/);
    } finally {
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

for (const goneAnswer of ["mold", "empty-list"] as GoneAnswer[]) {
    test(`network-basics (${goneAnswer}): a VM and a firewall rule deleted out of band leave the state on refresh and come back on up`, async (t) => {
        const sim = await startSimulatorServer({ port: 0, goneAnswer });
        const client = new MoldClient({ apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey });
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "refresh-gone-"));
        const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
        const state = path.join(dir, "state.json");
        const ids = () => {
            const out: Record<string, string> = {};
            for (const r of JSON.parse(fs.readFileSync(state, "utf8")).resources) if (r.id) out[r.urn.split("::").pop()] = r.id;
            return out;
        };
        try {
            const up = await runEngine(["up", EXAMPLE, "--state", state], env);
            t.is(up.code, 0, up.stderr);
            const before = ids();
            const vm = Object.entries(before).find(([name]) => /web-1$/.test(name));
            const rule = sim
                .inventory()
                .firewallRules.find((r: any) => r.startport === 443 && r.traffictype !== "Egress" && Object.values(before).includes(r.id));
            t.truthy(vm && rule, JSON.stringify(before));
            await destroyVirtualMachine(client, vm![1], true);
            await deleteFirewallRule(client, rule.id);

            const refreshed = await runEngine(["refresh", EXAMPLE, "--state", state], env);
            t.is(refreshed.code, 0, refreshed.stderr);
            // The port forward to the VM goes with it (Mold drops a VM's forwards when it is expunged).
            t.true(refreshed.result!.steps.delete >= 2, JSON.stringify(refreshed.result!.steps));
            const after = ids();
            t.false(Object.values(after).includes(vm![1]));
            t.false(Object.values(after).includes(rule.id));

            const again = await runEngine(["up", EXAMPLE, "--state", state], env);
            t.is(again.code, 0, again.stderr);
            t.is(again.result!.steps.create, refreshed.result!.steps.delete, JSON.stringify(again.result!.steps));
            t.is(sim.inventory().vms.length, 2);
            t.is(Object.keys(ids()).length, Object.keys(before).length);

            const destroyed = await runEngine(["destroy", EXAMPLE, "--state", state], env);
            t.is(destroyed.code, 0, destroyed.stderr);
            t.is(sim.inventory().vms.length, 0);
            client.close();
        } finally {
            await sim.stop();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
}
