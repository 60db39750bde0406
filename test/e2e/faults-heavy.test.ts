// examples/network-basics under heavier faults than faults.test.ts, over several seeds: 20 % of requests
// cut (half before Mold runs them, half after), and 20 % of requests failing in mixed ways (5xx, 429, cut). One `up`
// converges or the next one does; the simulator then holds exactly what the state says (nothing twice);
// `destroy` (or the next one) leaves nothing behind.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { FaultConfig } from "../../simulator/faults";
import { RunningSimulator, startSimulatorServer } from "../../simulator/server";
import { cleanEnv } from "../helpers/engine";
import { converge, sorted, stateIds } from "../helpers/fault-runs";

const EXAMPLE = path.resolve(__dirname, "../../../examples/network-basics");

/** What the simulator holds of the kinds the example manages (public IPs: allocated ones, without Mold's source NAT). */
function heldIds(sim: RunningSimulator, ours: string[] = []): Record<string, string[]> {
    const inv = sim.inventory();
    const rules = inv.firewallRules ?? [];
    return {
        Network: (inv.networks ?? []).map((n: any) => n.id),
        PublicIpAddress: (inv.publicIps ?? []).filter((ip: any) => ip.state !== "Free" && (!ip.issourcenat || ours.includes(ip.id))).map((ip: any) => ip.id),
        FirewallRule: rules.filter((r: any) => r.traffictype !== "Egress").map((r: any) => r.id),
        EgressFirewallRule: rules.filter((r: any) => r.traffictype === "Egress").map((r: any) => r.id),
        PortForwardingRule: (inv.portForwardingRules ?? []).map((r: any) => r.id),
        LoadBalancerRule: (inv.loadBalancerRules ?? []).map((r: any) => r.id),
        VirtualMachine: (inv.vms ?? []).map((v: any) => v.id),
        SshKeyPair: (inv.sshKeyPairs ?? []).map((k: any) => k.id),
    };
}

const PROFILES: Record<string, FaultConfig> = {
    "20 % dropped connections": { dropRate: 0.2 },
    "20 % mixed faults (7 % 5xx, 7 % 429, 6 % dropped connections)": { serverErrorRate: 0.07, throttleRate: 0.07, dropRate: 0.06 },
};
const SEEDS = [11, 2026, 90210];

for (const [profile, faults] of Object.entries(PROFILES)) {
    for (const seed of SEEDS) {
        test(`network-basics under ${profile} (seed ${seed}): converges, nothing twice, nothing left after destroy`, async (t) => {
            const sim = await startSimulatorServer({ port: 0, kubeApi: false });
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "faults-heavy-"));
            const state = path.join(dir, "state.json");
            const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
            try {
                sim.setFaults({ ...faults, seed });
                const up = await converge(t, "up", EXAMPLE, state, env, 2);
                t.is(up.code, 0, up.stderr);
                const inState = stateIds(state);
                const ours = inState.PublicIpAddress ?? [];
                const held = heldIds(sim, ours);
                t.is(Object.values(inState).flat().length, 12, JSON.stringify(inState));
                for (const kind of Object.keys(held))
                    t.deepEqual(sorted(held[kind]), sorted(inState[kind]), `${kind}: the simulator holds exactly what the state says`);
                t.is(sim.inventory().tags.filter((x: any) => x.key === "pulumi-mold:managed-by").length, 11, "one ownership tag per taggable object");

                const destroyed = await converge(t, "destroy", EXAMPLE, state, env, 2);
                t.is(destroyed.code, 0, destroyed.stderr);
                const left = heldIds(sim);
                for (const kind of Object.keys(left)) t.deepEqual(left[kind], [], `${kind}: nothing left after destroy`);
                t.log("faults injected:", JSON.stringify(sim.simulator.faults.injected));
                t.true((sim.simulator.faults.injected.dropAfter ?? 0) > 0, "some requests were cut after Mold ran them");
            } finally {
                await sim.stop();
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }
}
