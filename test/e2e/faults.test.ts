// Under injected faults (5xx, 429 and cut connections, some after Mold already acted), a topology
// converges with nothing duplicated or leaked: after up the simulator holds exactly what the state
// says, after destroy nothing the program made.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RunningSimulator, startSimulatorServer } from "../../simulator/server";
import { cleanEnv, programDir, runEngine } from "../helpers/engine";

/** Mold objects the program's resources stand for, by kind, from the state file. */
function stateIds(stateFile: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const r of JSON.parse(fs.readFileSync(stateFile, "utf8")).resources) {
        const kind = String(r.type).split(":").pop()!;
        if (!r.custom || !String(r.type).startsWith("pulumi-nodejs:dynamic")) continue;
        (out[kind] ??= []).push(r.id);
    }
    return out;
}

/** What the simulator holds of the kinds the programs manage (public IPs: only allocated ones). */
function heldIds(sim: RunningSimulator): Record<string, string[]> {
    const inv = sim.inventory();
    const rules = inv.firewallRules ?? [];
    return {
        Network: (inv.networks ?? []).map((n: any) => n.id),
        PublicIpAddress: (inv.publicIps ?? []).filter((ip: any) => ip.state !== "Free").map((ip: any) => ip.id),
        FirewallRule: rules.filter((r: any) => r.traffictype !== "Egress").map((r: any) => r.id),
        EgressFirewallRule: rules.filter((r: any) => r.traffictype === "Egress").map((r: any) => r.id),
        PortForwardingRule: (inv.portForwardingRules ?? []).map((r: any) => r.id),
        LoadBalancerRule: (inv.loadBalancerRules ?? []).map((r: any) => r.id),
        VirtualMachine: (inv.vms ?? []).map((v: any) => v.id),
        SshKeyPair: (inv.sshKeyPairs ?? []).map((k: any) => k.id),
    };
}

const EMPTY = {
    Network: [],
    PublicIpAddress: [],
    FirewallRule: [],
    EgressFirewallRule: [],
    PortForwardingRule: [],
    LoadBalancerRule: [],
    VirtualMachine: [],
    SshKeyPair: [],
};

test("up and destroy converge through 10% 5xx, 10% 429 and 10% dropped connections", async (t) => {
    const sim = await startSimulatorServer({ port: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-faults-"));
    const state = path.join(dir, "state.json");
    try {
        const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
        sim.setFaults({ serverErrorRate: 0.1, throttleRate: 0.1, dropRate: 0.1, seed: 20261122 });
        const up = await runEngine(["up", programDir("dependent"), "--state", state], env);
        t.is(up.code, 0, up.stderr);
        t.deepEqual(up.result!.steps, { create: 3, update: 0, replace: 0, delete: 0, same: 0 });
        const injected = { ...sim.simulator.faults.injected };
        t.log("faults injected during up:", JSON.stringify(injected));
        t.true((injected.dropAfter ?? 0) + (injected.dropBefore ?? 0) > 0, "the run met dropped connections");

        const held = heldIds(sim);
        const inState = stateIds(state);
        for (const kind of ["Network", "PublicIpAddress", "FirewallRule"]) {
            t.deepEqual(held[kind].sort(), (inState[kind] ?? []).sort(), `${kind}: the simulator holds exactly what the state says`);
        }
        const tags = sim.inventory().tags.filter((x: any) => x.key === "pulumi-mold:managed-by");
        t.is(tags.length, 3, "every object carries the ownership tag once");

        const again = await runEngine(["up", programDir("dependent"), "--state", state], env);
        t.is(again.code, 0, again.stderr);
        t.deepEqual(again.result!.steps, { create: 0, update: 0, replace: 0, delete: 0, same: 3 });

        const destroyed = await runEngine(["destroy", programDir("dependent"), "--state", state], env);
        t.is(destroyed.code, 0, destroyed.stderr);
        t.deepEqual(heldIds(sim), EMPTY);
    } finally {
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("examples/network-basics, every networking resource, converges through the same faults", async (t) => {
    const sim = await startSimulatorServer({ port: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-faults-all-"));
    const state = path.join(dir, "state.json");
    const example = path.resolve(__dirname, "../../../examples/network-basics");
    try {
        const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
        sim.setFaults({ serverErrorRate: 0.1, throttleRate: 0.1, dropRate: 0.1, seed: 4711 });
        const up = await runEngine(["up", example, "--state", state], env, 600_000);
        t.is(up.code, 0, up.stderr);
        t.is(up.result!.steps.create, 12);
        t.log("faults injected during up:", JSON.stringify(sim.simulator.faults.injected));
        const held = heldIds(sim);
        const inState = stateIds(state);
        // Mold gives a network its own source-NAT address when a VM implements it first; that one is Mold's.
        const sourceNat = new Set(
            sim
                .inventory()
                .publicIps.filter((ip: any) => ip.issourcenat && !(inState.PublicIpAddress ?? []).includes(ip.id))
                .map((ip: any) => ip.id),
        );
        held.PublicIpAddress = held.PublicIpAddress.filter((id) => !sourceNat.has(id));
        t.true(sourceNat.size <= 1);
        for (const kind of Object.keys(EMPTY)) {
            t.deepEqual([...held[kind]].sort(), [...(inState[kind] ?? [])].sort(), `${kind}: the simulator holds exactly what the state says`);
        }
        const destroyed = await runEngine(["destroy", example, "--state", state], env, 600_000);
        t.is(destroyed.code, 0, destroyed.stderr);
        t.deepEqual(heldIds(sim), EMPTY);
    } finally {
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
