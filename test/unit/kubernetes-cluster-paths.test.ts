// KubernetesCluster paths that only the hooks exercise: an in-place offering change (stop → scale → start
// on KVM, then the health gate again), adoption with importId (matching inputs adopted without touching the
// cluster; a replace-only difference refused before any change), a create whose answer is lost (found by
// name, never created twice), and the kubeconfig output across a stop (kept: the same credentials answer
// again after the start).
import test from "ava";
import * as https from "https";
import { runHook } from "../../provider";
import { MoldClient } from "../../provider/client";
import { findZone, listServiceOfferings, pickOne } from "../../provider/client/catalog";
import { createKubernetesCluster, listKubernetesSupportedVersions } from "../../provider/client/kubernetes";
import { parseKubeconfig } from "../../provider/resources/kubernetes-cluster-ops";
import { FaultConfig, Faults, RequestFault } from "../../simulator/faults";
import { startSimulatorServer } from "../../simulator/server";

const INPUTS = { name: "paths-k8s", zone: "zone1", kubernetesVersion: "1.31.9", serviceOffering: "2C-4GB", size: 1, controlNodes: 1, desiredState: "running" };

async function withSim(body: (settings: any, sim: any, client: MoldClient) => Promise<void>) {
    const sim = await startSimulatorServer({ port: 0 });
    const settings = { apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey };
    const client = new MoldClient(settings);
    try {
        await body(settings, sim, client);
    } finally {
        client.close();
        await sim.stop();
    }
}

/** GET /healthz with the kubeconfig's own CA and client certificate: "ok", or why not. */
function healthz(kubeconfig: string): Promise<string> {
    const kc = parseKubeconfig(kubeconfig);
    return new Promise((resolve) => {
        const req = https.get(
            {
                host: kc.server.hostname,
                port: Number(kc.server.port || 443),
                path: "/healthz",
                agent: false,
                ca: kc.ca,
                cert: kc.cert,
                key: kc.key,
                timeout: 3000,
            },
            (res) => {
                let body = "";
                res.on("data", (c) => (body += c));
                res.on("end", () => resolve(res.statusCode === 200 ? body.trim() : `HTTP ${res.statusCode}`));
            },
        );
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", (e) => resolve(`error: ${e.message}`));
    });
}

/** Requests served since `before`, state-changing commands only (list*, query*, get* left out). */
function changesSince(sim: any, before: Record<string, number>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [c, n] of Object.entries(sim.requestCounts as Record<string, number>)) {
        if (/^(list|query|get)/.test(c)) continue;
        const d = n - (before[c] ?? 0);
        if (d > 0) out[c] = d;
    }
    return out;
}

const vmsOf = (sim: any, clusterId: string) => {
    const inv = sim.inventory();
    const cluster = inv.kubernetesClusters.find((c: any) => c.id === clusterId);
    return inv.vms.filter((vm: any) => cluster._vmIds.includes(vm.id));
};

/** The first seed whose first two faults for createKubernetesCluster are `want`. */
function seedFor(config: FaultConfig, want: RequestFault[]): number {
    for (let seed = 1; seed < 10_000; seed++) {
        const f = new Faults({ ...config, seed });
        if (want.every((w) => f.forRequest("createKubernetesCluster") === w)) return seed;
    }
    throw new Error("no seed found");
}

test("offering change in place: stop → scale → start, every node on the new offering, Running, health gate passed again", async (t) => {
    t.timeout(120_000);
    await withSim(async (settings, sim) => {
        const created = await runHook("KubernetesCluster", "create", settings, [INPUTS]);
        t.is(created.outs.state, "Running");
        t.deepEqual([...new Set(vmsOf(sim, created.id).map((vm: any) => vm.serviceofferingname))], ["2C-4GB"]);

        // The cluster-wide offering.
        let before = { ...sim.requestCounts };
        const bigger = { ...INPUTS, serviceOffering: "4C-8GB" };
        const scaled = await runHook("KubernetesCluster", "update", settings, [created.id, created.outs, bigger]);
        t.deepEqual(changesSince(sim, before), { stopKubernetesCluster: 1, scaleKubernetesCluster: 1, startKubernetesCluster: 1 });
        const vms = vmsOf(sim, created.id);
        t.is(vms.length, 2, "one control node and one worker");
        t.deepEqual([...new Set(vms.map((vm: any) => vm.serviceofferingname))], ["4C-8GB"]);
        t.deepEqual([...new Set(vms.map((vm: any) => vm.state))], ["Running"]);
        t.is(scaled.outs.state, "Running");
        t.is(sim.inventory().kubernetesClusters[0].state, "Running");
        t.is(await healthz(scaled.outs.kubeconfig as string), "ok", "the kubeconfig output answers after the restart");

        // A per-node-type offering: only the workers change.
        before = { ...sim.requestCounts };
        const workers = { ...bigger, workerOffering: "8C-16GB" };
        const perType = await runHook("KubernetesCluster", "update", settings, [created.id, scaled.outs, workers]);
        t.deepEqual(changesSince(sim, before), { stopKubernetesCluster: 1, scaleKubernetesCluster: 1, startKubernetesCluster: 1 });
        const byName = Object.fromEntries(vmsOf(sim, created.id).map((vm: any) => [/-control-/.test(vm.name) ? "control" : "worker", vm.serviceofferingname]));
        t.deepEqual(byName, { control: "4C-8GB", worker: "8C-16GB" });
        t.is(perType.outs.state, "Running");
        t.is(await healthz(perType.outs.kubeconfig as string), "ok");

        // Nothing about offerings changed: no stop, no scale.
        before = { ...sim.requestCounts };
        const resized = await runHook("KubernetesCluster", "update", settings, [created.id, perType.outs, { ...workers, size: 2 }]);
        t.deepEqual(changesSince(sim, before), { scaleKubernetesCluster: 1 });

        // An offering change together with desiredState "stopped": stopped once, scaled, not started again.
        before = { ...sim.requestCounts };
        const down = await runHook("KubernetesCluster", "update", settings, [
            created.id,
            resized.outs,
            { ...workers, size: 2, serviceOffering: "8C-16GB", desiredState: "stopped" },
        ]);
        t.deepEqual(changesSince(sim, before), { stopKubernetesCluster: 1, scaleKubernetesCluster: 1 });
        t.is(down.outs.state, "Stopped");
        t.deepEqual([...new Set(vmsOf(sim, created.id).map((vm: any) => vm.serviceofferingname))], ["8C-16GB"]);
    });
});

test("kubeconfig across a stop: kept while the API is down, and the same credentials answer again after the start", async (t) => {
    t.timeout(120_000);
    await withSim(async (settings) => {
        const created = await runHook("KubernetesCluster", "create", settings, [INPUTS]);
        const stopped = await runHook("KubernetesCluster", "update", settings, [created.id, created.outs, { ...INPUTS, desiredState: "stopped" }]);
        t.is(stopped.outs.state, "Stopped");
        t.is(stopped.outs.kubeconfig, created.outs.kubeconfig, "kept: not cleared while stopped");
        t.not(await healthz(stopped.outs.kubeconfig as string), "ok", "the API is down while stopped");
        const read = await runHook("KubernetesCluster", "read", settings, [created.id, stopped.outs]);
        t.is(read.props.kubeconfig, created.outs.kubeconfig, "refresh keeps it too");
        t.is(read.props.desiredState, "stopped");

        const started = await runHook("KubernetesCluster", "update", settings, [created.id, stopped.outs, INPUTS]);
        t.is(started.outs.state, "Running");
        t.is(started.outs.kubeconfig, created.outs.kubeconfig, "Mold hands out the same kubeconfig after the start");
        t.is(await healthz(created.outs.kubeconfig as string), "ok", "the kept value works again");
    });
});

test("importId: a cluster made outside Pulumi is adopted without a state-changing call; a replace-only difference is refused untouched", async (t) => {
    t.timeout(120_000);
    await withSim(async (settings, sim, client) => {
        const zone = await findZone(client, "zone1");
        const version = (await listKubernetesSupportedVersions(client, { zoneid: zone.id })).find((v) => v.semanticversion === "1.31.9")!;
        const offering = pickOne("service offering", "2C-4GB", await listServiceOfferings(client));
        const made = await createKubernetesCluster(client, {
            name: "legacy-k8s",
            zoneid: zone.id,
            kubernetesversionid: version.id,
            serviceofferingid: offering.id,
            size: 1,
            controlnodes: 1,
        });
        const inputs = { ...INPUTS, name: "legacy-k8s" };

        let before = { ...sim.requestCounts };
        const wrongControl: any = await t.throwsAsync(runHook("KubernetesCluster", "create", settings, [{ ...inputs, controlNodes: 3, importId: made.id }]));
        t.regex(wrongControl.message, /cannot be adopted: controlNodes is 1 in Mold but 3 in the program/);
        const wrongName: any = await t.throwsAsync(runHook("KubernetesCluster", "create", settings, [{ ...inputs, name: "other-k8s", importId: made.id }]));
        t.regex(wrongName.message, /name is "legacy-k8s" in Mold but "other-k8s" in the program/);
        t.deepEqual(changesSince(sim, before), {}, "refusals change nothing");

        before = { ...sim.requestCounts };
        // The zone by id, the offering by name: spelled differently from Mold's answer, the same objects.
        const adopted = await runHook("KubernetesCluster", "create", settings, [{ ...inputs, zone: zone.id, importId: made.id }]);
        t.is(adopted.id, made.id);
        t.is(adopted.outs.state, "Running");
        t.is(adopted.outs.clusterId, made.id);
        t.is(await healthz(adopted.outs.kubeconfig as string), "ok", "adopted with a working kubeconfig");
        t.deepEqual(changesSince(sim, before), {}, "matching inputs: the running cluster is not stopped or scaled");
        t.is(sim.inventory().kubernetesClusters.length, 1);
    });
});

test("lost create answer: dropped after Mold ran it, the cluster is found by name; dropped before, it is sent again; one cluster either way", async (t) => {
    t.timeout(120_000);
    const config: FaultConfig = { dropRate: 1, commands: ["createKubernetesCluster"] };
    for (const [faults, requests] of [
        [["dropAfter"], 1],
        [["dropBefore", "dropAfter"], 2],
    ] as [RequestFault[], number][]) {
        await withSim(async (settings, sim) => {
            sim.setFaults({ ...config, seed: seedFor(config, faults) });
            const created = await runHook("KubernetesCluster", "create", settings, [INPUTS]);
            sim.setFaults({});
            const injected = sim.simulator.faults.injected;
            for (const f of faults) t.true((injected[f] ?? 0) > 0, `${faults.join(",")}: ${f} injected (${JSON.stringify(injected)})`);
            const clusters = sim.inventory().kubernetesClusters;
            t.is(clusters.length, 1, `${faults.join(",")}: exactly one cluster`);
            t.is(sim.requestCounts.createKubernetesCluster, requests, `${faults.join(",")}: createKubernetesCluster requests`);
            t.is(created.id, clusters[0].id, "the resource's id is that cluster's");
            t.is(created.outs.state, "Running");
            t.is(await healthz(created.outs.kubeconfig as string), "ok");
        });
    }
});
