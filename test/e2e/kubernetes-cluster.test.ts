// KubernetesCluster through the real dynamic-provider host: each step a separate engine process sharing
// one state file, against one simulator (fast latency profile), every change checked in Mold's inventory.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startSimulatorServer } from "../../simulator/server";
import { cleanEnv, mutatingSince, programDir, runEngine } from "../helpers/engine";

const PROGRAM = programDir("kubernetes");

test("KubernetesCluster: create with every form field → no-op → scale → autoscaling → upgrade (and a refused skip) → stop → start → remove a node → destroy", async (t) => {
    t.timeout(420_000);
    const sim = await startSimulatorServer({ port: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-k8s-"));
    const state = path.join(dir, "state.json");
    const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
    const engine = (command: string, ...config: string[]) => runEngine([command, PROGRAM, "--state", state, ...config.flatMap((c) => ["--config", c])], env);
    const run = async (command: string, ...config: string[]) => {
        const r = await engine(command, ...config);
        t.is(r.code, 0, `engine ${command} ${config.join(" ")} failed:\n${r.stderr}\n${r.stdout.slice(-3000)}`);
        return r.result!;
    };
    const cluster = () => {
        const all = sim.inventory().kubernetesClusters ?? [];
        t.is(all.length, 1, "exactly one cluster in Mold");
        return all[0];
    };
    const versionOf = (c: any) => (sim.inventory().kubernetesVersions ?? []).find((v: any) => v.id === c.kubernetesversionid)?.semanticversion;
    try {
        // ---- create: every field of Mold's form except an external LB IP (that needs a Shared network) ----
        const first = await run("up");
        t.deepEqual(first.steps, { create: 2, update: 0, replace: 0, delete: 0, same: 0 });
        let c = cluster();
        const o = first.outputs;
        t.is(o.clusterId, c.id);
        t.deepEqual([c.state, c.size, c.controlnodes, c.keypair, c.description], ["Running", 2, 1, "k8s-key", "engine test cluster"]);
        t.is(versionOf(c), "1.31.9");
        t.deepEqual([o.state, o.size, o.controlNodes, o.kubernetesVersion, o.clusterType], ["Running", 2, 1, "1.31.9", "CloudManaged"]);
        t.is(o.networkName, "demo-k8s-network", "Mold created the network");
        t.truthy(o.networkId && o.ipAddressId && o.ipAddress && o.account && o.domain && o.created);
        t.is(o.endpoint, `https://${o.ipAddress}:6443/`);
        t.is(typeof o.cpuNumber, "number");
        t.is(o.memory, 3 * 4096, "memory is a number: three 2C-4GB nodes");
        t.is(o.kubeconfig, "[secret]");
        t.is(o.privateRegistry, "[secret]");
        t.deepEqual(o.nodes.map((n: any) => n.role).sort(), ["control", "worker", "worker"]);
        t.true(o.nodes.every((n: any) => n.id && n.name && n.state === "Running" && n.privateIp));
        const text = fs.readFileSync(state, "utf8");
        t.false(text.includes("registry-s3cret-42"), "the registry password is encrypted in the state");
        t.false(text.includes("BEGIN CERTIFICATE") || text.includes("client-key-data"), "the kubeconfig is encrypted in the state");

        // ---- the same program again: not one state-changing call ----
        let before = { ...sim.requestCounts };
        const same = await run("up");
        t.deepEqual(same.steps, { create: 0, update: 0, replace: 0, delete: 0, same: 2 });
        t.deepEqual(mutatingSince(before, sim.requestCounts), {});

        // ---- scale up and down ----
        before = { ...sim.requestCounts };
        const up3 = await run("up", "size=3");
        t.deepEqual(up3.steps, { create: 0, update: 1, replace: 0, delete: 0, same: 1 });
        t.deepEqual(mutatingSince(before, sim.requestCounts), { scaleKubernetesCluster: 1 });
        t.is(cluster().size, 3);
        t.is(up3.outputs.nodes.length, 4);
        await run("up", "size=2");
        t.deepEqual([cluster().size, cluster().state], [2, "Running"]);

        // ---- autoscaling on; then the autoscaler's worker count is not fought; then off ----
        await run("up", "autoscale=true");
        c = cluster();
        t.deepEqual([c.autoscalingenabled, c.minsize, c.maxsize], [true, 1, 4]);
        before = { ...sim.requestCounts };
        const ignored = await run("up", "autoscale=true", "size=3");
        t.deepEqual(ignored.steps, { create: 0, update: 0, replace: 0, delete: 0, same: 2 }, "size is ignored while autoscaling is on");
        t.deepEqual(mutatingSince(before, sim.requestCounts), {});
        await run("up", "autoscale=false", "size=2");
        c = cluster();
        t.deepEqual([c.autoscalingenabled, c.size], [false, 2]);

        // ---- a skipped minor is refused at check: engine fails, names the versions, zero API calls ----
        before = { ...sim.requestCounts };
        const skip = await engine("up", "version=1.33.1");
        t.is(skip.code, 1);
        const said = skip.stderr + skip.stdout;
        t.regex(said, /kubernetesVersion cannot change from 1\.31\.9 to 1\.33\.1/);
        t.regex(said, /1\.31\.x \(≥ 1\.31\.9\) or 1\.32\.x/);
        t.deepEqual(mutatingSince(before, sim.requestCounts), {}, "nothing was sent");
        t.is(versionOf(cluster()), "1.31.9");

        // ---- upgrade one minor; then a downgrade is refused ----
        before = { ...sim.requestCounts };
        const upgraded = await run("up", "version=1.32.5");
        t.deepEqual(mutatingSince(before, sim.requestCounts), { upgradeKubernetesCluster: 1 });
        t.is(versionOf(cluster()), "1.32.5");
        t.is(upgraded.outputs.kubernetesVersion, "1.32.5");
        const down = await engine("up", "version=1.31.9");
        t.is(down.code, 1);
        t.regex(down.stderr + down.stdout, /cannot change from 1\.32\.5 to 1\.31\.9.*1\.32\.x \(≥ 1\.32\.5\) or 1\.33\.x/s);

        // ---- stop, start ----
        const stopped = await run("up", "version=1.32.5", "desiredState=stopped");
        t.is(cluster().state, "Stopped");
        t.is(stopped.outputs.state, "Stopped");
        await run("up", "version=1.32.5", "desiredState=running");
        t.is(cluster().state, "Running");

        // ---- remove one worker (the VM tab's delete) with size lowered to match ----
        const nodesNow = (await run("up", "version=1.32.5")).outputs.nodes;
        const victim = nodesNow.find((n: any) => n.role === "worker");
        before = { ...sim.requestCounts };
        const removed = await run("up", "version=1.32.5", `removeNode=${victim.name}`, "size=1");
        t.deepEqual(mutatingSince(before, sim.requestCounts), { scaleKubernetesCluster: 1 });
        t.is(cluster().size, 1);
        t.false(
            removed.outputs.nodes.some((n: any) => n.id === victim.id),
            "that node is gone",
        );
        t.false(sim.inventory().vms.some((vm: any) => vm.id === victim.id && vm.state !== "Expunging"));

        // ---- destroy: nothing left of the cluster, its network, VMs or rules ----
        const destroyed = await run("destroy");
        t.deepEqual(destroyed.steps, { create: 0, update: 0, replace: 0, delete: 2, same: 0 });
        const inv = sim.inventory();
        t.deepEqual(inv.kubernetesClusters ?? [], []);
        t.deepEqual(inv.networks ?? [], []);
        t.deepEqual(inv.vms ?? [], []);
        t.deepEqual(inv.firewallRules ?? [], []);
        t.deepEqual(inv.portForwardingRules ?? [], []);
        t.deepEqual(inv.loadBalancerRules ?? [], []);
    } finally {
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
