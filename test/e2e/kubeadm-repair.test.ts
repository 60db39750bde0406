// Node repair through the engine (test/programs/kubeadm-repair): a worker whose kubelet stops goes NotReady in the
// emulation; once the simulator's clock is past repair.notReadyTimeout an up (or a refresh, then an up) replaces
// it when repair is on, and leaves it alone — without even looking — when repair is off.
import test, { ExecutionContext } from "ava";
import { stopVirtualMachine } from "../../provider/client/vm";
import { programWorld } from "../helpers/program-world";
import { mutatingSince } from "../helpers/engine";
import { kget, readKubeconfig } from "../helpers/kube-get";

const MIN = 60_000;

async function world(t: ExecutionContext) {
    const w = await programWorld(t, "kubeadm-repair");
    /** Stops a node's kubelet in the emulation (its Node goes NotReady as of the simulated time). */
    const stopKubelet = (vmName: string) => w.admin.post(`/sim/nodes/${encodeURIComponent(vmName)}/kubelet`, { running: false });
    const advance = (ms: number) => w.admin.post("/sim/clock", { advanceMs: ms });
    return { ...w, stopKubelet, advance };
}

const running = (sim: any, part: string) =>
    sim
        .inventory()
        .vms.filter((v: any) => v.name.includes(part) && v.state === "Running")
        .map((v: any) => v.name)
        .sort();
const clusterNode = (sim: any, name: string) => sim.kubeadmClusters()[0].nodes.find((n: any) => n.name === name);
const healthLooks = (sim: any) =>
    sim
        .emulatedNodes()
        .flatMap((n: any) => n.history)
        .filter((h: any) => h.step === "node-health").length;

test("repair on: a worker NotReady is left alone before the timeout, and replaced by the next up once past it", async (t) => {
    const { sim, run, stopKubelet, advance } = await world(t);
    const ON = ["repair=on", "notReadyTimeout=10m"];
    await run("up", ...ON);
    const workers = running(sim, "mend-workers-");
    t.is(workers.length, 2);
    const [sick, well] = workers;
    const stopped = await stopKubelet(sick);
    t.false(stopped.running);
    t.false(clusterNode(sim, sick).ready, "the emulated API reports it NotReady");

    await advance(4 * MIN);
    let before = { ...sim.requestCounts };
    const early = await run("up", ...ON);
    t.deepEqual(mutatingSince(before, sim.requestCounts), {}, "nothing changed in Mold before the timeout");
    t.deepEqual(running(sim, "mend-workers-"), workers);
    t.regex(early.stderr, new RegExp(`${sick}: NotReady \\(status Unknown\\) for 4m \\(≤ 10m\\): waiting`));
    t.true(healthLooks(sim) > 0, "the up looked at the nodes' health");

    await advance(10 * MIN);
    before = { ...sim.requestCounts };
    const up = await run("up", ...ON);
    t.regex(up.stderr, new RegExp(`${sick}: NotReady \\(status Unknown\\) for 14m \\(> 10m\\): replacing`));
    const mutating = mutatingSince(before, sim.requestCounts);
    t.is(mutating.deployVirtualMachine, 1, JSON.stringify(mutating));
    t.is(mutating.destroyVirtualMachine, 1, JSON.stringify(mutating));
    const now = running(sim, "mend-workers-");
    t.is(now.length, 2);
    t.false(now.includes(sick), "the NotReady worker's VM is gone");
    t.true(now.includes(well), "the Ready worker stayed");
    const [fresh] = now.filter((n: string) => n !== well);
    t.true(clusterNode(sim, fresh)?.ready, "the replacement is Ready");
    t.falsy(clusterNode(sim, sick), "Kubernetes forgot the old node");
    const names = up.result!.outputs.nodes.map((n: any) => n.name).sort();
    t.true(names.includes(fresh) && !names.includes(sick), names.join(","));

    // All well again: another up changes nothing.
    before = { ...sim.requestCounts };
    await run("up", ...ON);
    t.deepEqual(mutatingSince(before, sim.requestCounts), {});
});

test("repair off: a worker NotReady past any timeout is left alone, and the up does not even look", async (t) => {
    const { sim, run, stopKubelet, advance } = await world(t);
    await run("up");
    const workers = running(sim, "mend-workers-");
    await stopKubelet(workers[0]);
    await advance(60 * MIN);
    const before = { ...sim.requestCounts };
    const up = await run("up");
    t.deepEqual(mutatingSince(before, sim.requestCounts), {}, "no change");
    t.deepEqual(running(sim, "mend-workers-"), workers, "same VMs");
    t.false(clusterNode(sim, workers[0]).ready, "still NotReady");
    t.notRegex(up.stderr, /replacing/);
    t.is(healthLooks(sim), 0, "no node-health step without repair");
});

test("repair on, refresh then up: the refresh records the NotReady worker, the up replaces it", async (t) => {
    const { sim, run, stopKubelet, advance } = await world(t);
    const ON = ["repair=on", "notReadyTimeout=2m"];
    await run("up", ...ON);
    const [sick] = running(sim, "mend-workers-");
    await stopKubelet(sick);
    await advance(3 * MIN);
    const refreshed = await run("refresh", ...ON);
    t.regex(refreshed.stderr, /NodeGroup::mend-workers changed .*unhealthyNodes/, "the refresh recorded it");
    const up = await run("up", ...ON);
    t.regex(up.stderr, new RegExp(`${sick}: NotReady \\(status Unknown\\) for 3m \\(> 2m\\): replacing`));
    const now = running(sim, "mend-workers-");
    t.is(now.length, 2);
    t.false(now.includes(sick));
    t.true(now.every((n: string) => clusterNode(sim, n)?.ready));
    t.deepEqual(
        up.result!.outputs.nodes.filter((n: any) => n.name === sick),
        [],
    );
});

test("control-plane repair: one of three control-plane nodes NotReady is replaced, its etcd member gone, the API answering", async (t) => {
    const { sim, run, stopKubelet, advance } = await world(t);
    const CONFIG = ["controlPlaneCount=3", "controlPlaneRepair=on", "notReadyTimeout=5m", "workers=1"];
    await run("up", ...CONFIG);
    const cps = running(sim, "mend-control-plane-");
    t.is(cps.length, 3);
    const sick = cps[1];
    await stopKubelet(sick);
    await advance(6 * MIN);
    const up = await run("up", ...CONFIG);
    t.regex(up.stderr, new RegExp(`${sick}: NotReady \\(status Unknown\\) for 6m \\(> 5m\\): replacing`));
    t.notRegex(up.stderr, /could not remove its etcd member|could not be reset/, "the node could be reset: kubeadm reset removed its member");
    const now = running(sim, "mend-control-plane-");
    t.is(now.length, 3);
    t.false(now.includes(sick));
    const [cluster] = sim.kubeadmClusters();
    t.deepEqual([...cluster.etcdMembers].sort(), now, "etcd has the two old members and the new one");
    t.true(now.every((n: string) => clusterNode(sim, n)?.ready));
    const sickNode = sim.emulatedNodes().find((n: any) => n.hostname === sick);
    t.deepEqual(
        (sickNode?.history ?? []).filter((h: any) => h.step === "reset-node").map((h: any) => h.outcome),
        ["applied"],
        "the NotReady node was reset before its VM went",
    );
    t.is((await kget(readKubeconfig(cluster.adminKubeconfig), "/healthz")).body, "ok", "the API answers through the load balancer");
});

test("repair on: a worker whose VM is stopped (unreachable) is deleted from Kubernetes, its reset given up, its VM destroyed and replaced", async (t) => {
    const { sim, run, advance, client } = await world(t);
    const ON = ["repair=on", "notReadyTimeout=10m", "workers=1"];
    await run("up", ...ON);
    const [sick] = running(sim, "mend-workers-");
    const vm = sim.inventory().vms.find((v: any) => v.name === sick);
    await advance(30 * MIN); // the node has been Ready a while: its age must count from the stop
    await stopVirtualMachine(client, vm.id, true);
    // NotReady since the VM stopped (not since it joined): before the timeout it is left alone.
    await advance(4 * MIN);
    const early = await run("up", ...ON);
    t.regex(early.stderr, new RegExp(`${sick}: NotReady \\(status Unknown\\) for 4m \\(≤ 10m\\): waiting`));
    t.deepEqual(running(sim, "mend-workers-"), []);
    await advance(8 * MIN);
    const up = await run("up", ...ON);
    t.regex(up.stderr, new RegExp(`${sick}: NotReady \\(status Unknown\\) for 12m \\(> 10m\\): replacing`));
    t.regex(up.stderr, new RegExp(`${sick}: kubeadm reset failed .*its VM is destroyed anyway`), "the unreachable node's reset is best effort");
    const now = running(sim, "mend-workers-");
    t.is(now.length, 1);
    t.not(now[0], sick);
    t.true(clusterNode(sim, now[0])?.ready);
    t.falsy(clusterNode(sim, sick), "deleted from Kubernetes");
    t.false(
        sim.inventory().vms.some((v: any) => v.id === vm.id && v.state !== "Destroyed" && v.state !== "Expunging"),
        "the stopped VM is destroyed",
    );
});

test("maxUnhealthy 1: two NotReady workers are replaced one after the other in one up, the first replacement joined before the second leaves", async (t) => {
    const { sim, run, stopKubelet, advance } = await world(t);
    const ON = ["repair=on", "notReadyTimeout=10m", "maxUnhealthy=1", "workers=3"];
    await run("up", ...ON);
    const workers = running(sim, "mend-workers-");
    t.is(workers.length, 3);
    const sick = workers.slice(0, 2);
    for (const name of sick) await stopKubelet(name);
    await advance(12 * MIN);
    const up = await run("up", ...ON);
    for (const name of sick)
        t.regex(up.stderr, new RegExp(`${name}: NotReady \\(status Unknown\\) for 12m \\(> 10m\\): (replacing|waiting, 1 node at a time)`));
    const now = running(sim, "mend-workers-");
    t.is(now.length, 3);
    t.true(
        sick.every((n: string) => !now.includes(n)),
        now.join(","),
    );
    t.true(now.every((n: string) => clusterNode(sim, n)?.ready));
    // The order of the leaving resets and the joins, across nodes: out, in, out, in.
    const events = sim
        .emulatedNodes()
        .filter((n: any) => n.hostname.includes("mend-workers-") && !workers.slice(2).includes(n.hostname))
        .flatMap((n: any) =>
            n.history
                .filter((h: any) => (h.step === "reset-node" && sick.includes(n.hostname)) || (h.step === "kubeadm-join" && !sick.includes(n.hostname)))
                .map((h: any) => ({ seq: h.seq, step: h.step })),
        )
        .sort((a: any, b: any) => a.seq - b.seq)
        .map((e: any) => e.step);
    t.deepEqual(events, ["reset-node", "kubeadm-join", "reset-node", "kubeadm-join"]);
});

test("repair on and a scale-down in the same up: the NotReady worker is the one that goes, no replacement is made", async (t) => {
    const { sim, run, stopKubelet, advance } = await world(t);
    await run("up", "repair=on", "workers=2");
    const [sick, well] = running(sim, "mend-workers-");
    await stopKubelet(sick);
    await advance(11 * MIN);
    const before = { ...sim.requestCounts };
    const up = await run("up", "repair=on", "workers=1");
    t.regex(up.stderr, new RegExp(`${sick}: NotReady \\(status Unknown\\) for 11m \\(> 10m\\): replacing`));
    const mutating = mutatingSince(before, sim.requestCounts);
    t.falsy(mutating.deployVirtualMachine, JSON.stringify(mutating));
    t.is(mutating.destroyVirtualMachine, 1, JSON.stringify(mutating));
    t.deepEqual(running(sim, "mend-workers-"), [well], "the Ready worker stays");
    t.falsy(clusterNode(sim, sick));
});

test("bad repair input is refused by the engine's preview, naming the property, with no state-changing call", async (t) => {
    const { sim, exec } = await world(t);
    const before = { ...sim.requestCounts };
    const r = await exec("preview", "repair=on", "notReadyTimeout=30s");
    t.not(r.code, 0);
    t.regex(r.stderr, /repair\.notReadyTimeout must be at least 1m .*got '30s'/);
    t.deepEqual(mutatingSince(before, sim.requestCounts), {}, "nothing made in Mold");
});
