// examples/vpc-tiers under 20 % injected faults (as faults-heavy.test.ts does for network-basics): 5xx, 429 and
// connections cut before or after Mold ran the request. One `up` converges or the next one does; the simulator
// then holds exactly what the state says (nothing twice, nothing leaked, Mold's Kubernetes service's own rules
// aside); `destroy` (or the next one) leaves nothing but Mold's default ACL lists.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { FaultConfig } from "../../simulator/faults";
import { RunningSimulator, startSimulatorServer } from "../../simulator/server";
import { cleanEnv } from "../helpers/engine";
import { converge, sorted, stateIds } from "../helpers/fault-runs";

const EXAMPLE = path.resolve(__dirname, "../../../examples/vpc-tiers");

/**
 * What the simulator holds of the kinds the example manages. Left out as Mold's own: the VPC's source-NAT
 * address, the default lists and their rules, the cluster's VMs, its address and the rules Mold's Kubernetes
 * service made (its ACL rules and port forwards).
 */
function heldIds(sim: RunningSimulator): Record<string, string[]> {
    const inv = sim.inventory();
    const cluster = (inv.kubernetesClusters ?? [])[0];
    const clusterVms: string[] = cluster?._vmIds ?? [];
    const cksIp = cluster?._rules?.vpcPublicIpId;
    const cksAcl: string[] = cluster?._rules?.aclItemIds ?? [];
    const lists = (inv.networkAclLists ?? []).filter((l: any) => !l._default);
    return {
        Vpc: (inv.vpcs ?? []).map((v: any) => v.id),
        Network: (inv.networks ?? []).map((n: any) => n.id),
        NetworkAclList: lists.map((l: any) => l.id),
        NetworkAclRule: (inv.networkAcls ?? []).filter((i: any) => lists.some((l: any) => l.id === i.aclid) && !cksAcl.includes(i.id)).map((i: any) => i.id),
        PublicIpAddress: (inv.publicIps ?? []).filter((ip: any) => ip.state !== "Free" && !ip.issourcenat && ip.id !== cksIp).map((ip: any) => ip.id),
        LoadBalancerRule: (inv.loadBalancerRules ?? []).filter((r: any) => r.publicipid !== cksIp).map((r: any) => r.id),
        VirtualMachine: (inv.vms ?? []).filter((v: any) => !clusterVms.includes(v.id)).map((v: any) => v.id),
        KubernetesCluster: (inv.kubernetesClusters ?? []).map((c: any) => c.id),
    };
}

const PROFILES: [string, FaultConfig, number][] = [
    ["20 % mixed faults (7 % 5xx, 7 % 429, 6 % dropped connections)", { serverErrorRate: 0.07, throttleRate: 0.07, dropRate: 0.06 }, 2026],
    ["20 % dropped connections", { dropRate: 0.2 }, 11],
    ["20 % dropped connections", { dropRate: 0.2 }, 90210],
    ["20 % mixed faults (7 % 5xx, 7 % 429, 6 % dropped connections)", { serverErrorRate: 0.07, throttleRate: 0.07, dropRate: 0.06 }, 7],
];

for (const [profile, FAULTS, SEED] of PROFILES)
    test(`vpc-tiers under ${profile} (seed ${SEED}): converges, nothing twice, nothing left after destroy`, async (t) => {
        t.timeout(900_000);
        const sim = await startSimulatorServer({ port: 0, latencyProfile: "fast" });
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vpc-tiers-faults-"));
        const state = path.join(dir, "state.json");
        const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
        try {
            sim.setFaults({ ...FAULTS, seed: SEED });
            const up = await converge(t, "up", EXAMPLE, state, env, 3);
            t.is(up.code, 0, up.stderr.slice(-4000));
            const inState = stateIds(state);
            t.is(Object.values(inState).flat().length, 20, JSON.stringify(inState));
            const held = heldIds(sim);
            for (const kind of Object.keys(held))
                t.deepEqual(sorted(held[kind]), sorted(inState[kind]), `${kind}: the simulator holds exactly what the state says`);
            t.is((sim.inventory().kubernetesClusters ?? []).length, 1, "one cluster");
            t.is(
                sim.inventory().networkAcls.filter((i: any) => (sim.inventory().kubernetesClusters[0]._rules.aclItemIds ?? []).includes(i.id)).length,
                2,
                "Mold's two ACL rules, once",
            );

            const destroyed = await converge(t, "destroy", EXAMPLE, state, env, 3);
            t.is(destroyed.code, 0, destroyed.stderr.slice(-4000));
            const left = heldIds(sim);
            for (const kind of Object.keys(left)) t.deepEqual(left[kind], [], `${kind}: nothing left after destroy`);
            t.deepEqual(
                sim
                    .inventory()
                    .networkAclLists.map((l: any) => l.name)
                    .sort(),
                ["default_allow", "default_deny"],
            );
            t.deepEqual(
                (sim.inventory().publicIps ?? []).filter((ip: any) => ip.state !== "Free"),
                [],
                "no address left",
            );
            t.log("faults injected:", JSON.stringify(sim.simulator.faults.injected));
            const injected = sim.simulator.faults.injected as Record<string, number>;
            t.true(Object.values(injected).reduce((a, b) => a + b, 0) > 10, "faults were injected");
            t.true((injected.dropAfter ?? 0) > 0, "some requests were cut after Mold ran them");
        } finally {
            await sim.stop();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
