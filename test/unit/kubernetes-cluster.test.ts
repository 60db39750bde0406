// KubernetesCluster hooks against the simulator: the health gate (no kubeconfig until the API answers;
// a create that runs out of time is a partial failure carrying the id), failed jobs reported with Mold's
// events and repaired by the next update, out-of-band deletion seen by read, and the reads-only checks.
import test from "ava";
import { runHook } from "../../provider";
import { MoldClient } from "../../provider/client";
import { deleteKubernetesCluster } from "../../provider/client/kubernetes";
import { startSimulatorServer } from "../../simulator/server";

const INPUTS = { name: "unit-k8s", zone: "zone1", kubernetesVersion: "1.31.9", serviceOffering: "2C-4GB", size: 1, controlNodes: 1, desiredState: "running" };

async function withSim(t: any, options: { kubeApi?: boolean }, body: (settings: any, sim: any, client: MoldClient) => Promise<void>) {
    const sim = await startSimulatorServer({ port: 0, ...options });
    const settings = { apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey };
    const client = new MoldClient(settings);
    try {
        await body(settings, sim, client);
    } finally {
        client.close();
        await sim.stop();
    }
    void t;
}

test("health gate: without a Kubernetes API the create waits, then fails at its timeout as a partial failure carrying the id", async (t) => {
    t.timeout(60_000);
    await withSim(t, { kubeApi: false }, async (settings, sim) => {
        const started = Date.now();
        const err: any = await t.throwsAsync(runHook("KubernetesCluster", "create", settings, [{ ...INPUTS, timeouts: { create: 0.08 } }]));
        const cluster = sim.inventory().kubernetesClusters[0];
        t.is(cluster.state, "Running", "Mold says Running, but the API never answered");
        t.is(err.id, cluster.id, "the id is carried, so Pulumi records the cluster instead of leaking it");
        t.regex(err.message, /did not answer \/healthz in time/);
        t.true(err.properties.createIncomplete);
        t.is(err.properties.kubeconfig, undefined, "no kubeconfig without a healthy API");
        t.true(Date.now() - started >= 4000, "it waited for the create timeout");
    });
});

test("create passes the health gate; a failed scale job is reported with Mold's events and the next update repairs it; out-of-band delete is seen by read", async (t) => {
    t.timeout(90_000);
    await withSim(t, {}, async (settings, sim, client) => {
        const created = await runHook("KubernetesCluster", "create", settings, [INPUTS]);
        t.regex(created.outs.kubeconfig as string, /client-certificate-data/);
        t.is(created.outs.state, "Running");
        const olds = created.outs;

        sim.setFaults({ jobFailureRate: 1, seed: 7 });
        const err: any = await t.throwsAsync(runHook("KubernetesCluster", "update", settings, [created.id, olds, { ...INPUTS, size: 2 }]));
        t.regex(err.message, /scaling cluster .* to 2 workers failed/);
        t.regex(err.message, /injected fault/);
        t.regex(err.message, /Latest Mold events for the cluster:[\s\S]*ERROR SCALEKUBERNETESCLUSTER/);
        t.regex(err.message, /next `pulumi up` retries/);

        sim.setFaults({});
        const repaired = await runHook("KubernetesCluster", "update", settings, [created.id, olds, { ...INPUTS, size: 2 }]);
        t.is(repaired.outs.size, 2);
        t.is(sim.inventory().kubernetesClusters[0].size, 2);

        // A failed upgrade job: the same clear error, Mold's events included.
        sim.setFaults({ jobFailureRate: 1, seed: 7 });
        const upErr: any = await t.throwsAsync(
            runHook("KubernetesCluster", "update", settings, [created.id, repaired.outs, { ...INPUTS, size: 2, kubernetesVersion: "1.32.5" }]),
        );
        t.regex(upErr.message, /upgrading cluster .* to 1\.32\.5 failed[\s\S]*Latest Mold events[\s\S]*UPGRADEKUBERNETESCLUSTER/);
        sim.setFaults({});
        // A cluster left in Alert (as a scale or upgrade that failed midway leaves it) is stopped and started, then changed.
        sim.simulator.transaction(() => void ((sim.simulator as any).state.tables.kubernetesClusters[created.id].state = "Alert"));
        const recovered = await runHook("KubernetesCluster", "update", settings, [
            created.id,
            repaired.outs,
            { ...INPUTS, size: 2, kubernetesVersion: "1.32.5" },
        ]);
        t.deepEqual([recovered.outs.state, recovered.outs.kubernetesVersion], ["Running", "1.32.5"]);
        t.regex(recovered.outs.kubeconfig as string, /client-certificate-data/, "the health gate passed again after the restart");

        await deleteKubernetesCluster(client, created.id);
        const read = await runHook("KubernetesCluster", "read", settings, [created.id, repaired.outs]);
        t.is(read.id, "", "gone from Mold: read says so, refresh drops it");
        await t.notThrowsAsync(runHook("KubernetesCluster", "delete", settings, [created.id, repaired.outs]), "deleting a gone cluster is success");
    });
});

test("checks needing Mold: unknown names list candidates; an offering below the version's minimum is refused", async (t) => {
    await withSim(t, {}, async (settings, sim) => {
        const r = await runHook("KubernetesCluster", "check", settings, [
            {},
            { ...INPUTS, zone: "zone9", kubernetesVersion: "1.99.0", serviceOffering: "1C-1GB", workerOffering: "nope" },
        ]);
        const by = (p: string) => r.failures.find((f: any) => f.property === p)?.reason ?? "";
        t.regex(by("zone"), /no zone named or with id 'zone9'; available: zone1/);
        t.regex(by("kubernetesVersion"), /'1\.99\.0'; available: .*v1\.31\.9/);
        t.regex(by("workerOffering"), /no service offering named or with id 'nope'/);
        const small = await runHook("KubernetesCluster", "check", settings, [{}, { ...INPUTS, serviceOffering: "1C-1GB" }]);
        t.regex(
            small.failures[0]?.reason ?? "",
            /serviceOffering '1C-1GB' is too small: it has 1 vCPU and 1024 MB, Kubernetes 1\.31\.9 nodes need at least 2 vCPU and 2048 MB/,
        );
        t.deepEqual(
            Object.keys(sim.requestCounts).filter((c) => !/^(list|query)/.test(c)),
            [],
            "reads only",
        );
    });
});
