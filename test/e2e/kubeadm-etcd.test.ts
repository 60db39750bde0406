// etcd care through the engine (test/programs/kubeadm-etcd, three control-plane nodes): a control-plane VM
// destroyed out of band has its etcd member removed before a replacement joins; a control-plane scale-down
// takes an etcd snapshot first (outputs and the node's files agree, pruned to keep); bad etcdSnapshots
// input is refused at preview with zero state-changing calls.
import test, { ExecutionContext } from "ava";
import * as fs from "fs";
import { destroyVirtualMachine, stopVirtualMachine } from "../../provider/client/vm";
import { programWorld } from "../helpers/program-world";
import { mutatingSince } from "../helpers/engine";
import { kget, readKubeconfig } from "../helpers/kube-get";
import { nodesToRemove } from "../../provider/kubeadm/plan";
import { T } from "../../simulator/model";

async function world(t: ExecutionContext) {
    const w = await programWorld(t, "kubeadm-etcd");
    return { ...w, admin: w.admin.get };
}

const running = (sim: any, part: string) => sim.inventory().vms.filter((v: any) => v.name.includes(part) && v.state === "Running");
const clustersOf = (body: any) => (Array.isArray(body) ? body : (body.kubeadmClusters ?? body.clusters ?? body.items));
/** Every history entry of every emulated node, with the node's name, in simulator order. */
const events = (nodes: any[]) => nodes.flatMap((n: any) => n.history.map((h: any) => ({ ...h, node: n.hostname }))).sort((a: any, b: any) => a.seq - b.seq);

test("a control-plane VM destroyed out of band: refresh + up removes its etcd member before the replacement joins; etcd ends with the three live nodes", async (t) => {
    const { sim, run, client, output, admin } = await world(t);
    await run("up", "workers=1");
    const before = running(sim, "etcd-control-plane-");
    t.is(before.length, 3);
    const gone = before[1];
    let [cluster] = clustersOf(await admin("/sim/kubeadm-clusters"));
    t.deepEqual([...cluster.etcdMembers].sort(), before.map((v: any) => v.name).sort());
    await destroyVirtualMachine(client, gone.id, true);
    [cluster] = clustersOf(await admin("/sim/kubeadm-clusters"));
    t.false(cluster.etcd.find((m: any) => m.name === gone.name).healthy, "the destroyed node's member is down");

    // The connection drops right after the member was removed: the rerun finds it gone.
    sim.setSshFaults({ drops: [{ step: "etcd-member-remove", when: "after" }] });
    const refreshed = await run("refresh", "workers=1");
    t.regex(refreshed.stderr, /NodeGroup::etcd-control-plane changed .*vanishedNodes/, "refresh saw the control-plane VM gone");
    const up = await run("up", "workers=1");
    t.regex(up.stderr, new RegExp(`${gone.name}: its VM ${gone.id} is gone from Mold; removing the node`));
    // The rerun after the drop finds the member already gone.
    t.regex(up.stderr, new RegExp(`${gone.name}: no etcd member left to remove`));

    const now = running(sim, "etcd-control-plane-");
    t.is(now.length, 3, "back to three control-plane nodes");
    const fresh = now.find((v: any) => !before.some((b: any) => b.id === v.id));
    t.truthy(fresh, "a replacement VM");
    [cluster] = clustersOf(await admin("/sim/kubeadm-clusters"));
    t.deepEqual([...cluster.etcdMembers].sort(), now.map((v: any) => v.name).sort(), "etcd members = the three live nodes");
    t.false(cluster.etcdMembers.includes(gone.name));
    t.deepEqual(
        cluster.etcd.map((m: any) => m.healthy),
        [true, true, true],
    );
    t.false(
        cluster.nodes.some((n: any) => n.name === gone.name),
        "Kubernetes forgot the node",
    );
    t.true(cluster.nodes.every((n: any) => n.ready));

    // Order, from the simulator's step history: the member removal (on a surviving node) before the new join.
    const history = events(await admin("/sim/nodes"));
    const removal = history.filter((e: any) => e.step === "etcd-member-remove" && e.outcome === "applied");
    t.is(removal.length, 1, JSON.stringify(removal));
    t.not(removal[0].node, gone.name);
    t.deepEqual(
        history.filter((e: any) => e.step === "etcd-member-remove").map((e: any) => [e.outcome, e.drop ?? ""]),
        [
            ["applied", "after"],
            ["already", ""],
        ],
        "run again after the drop, finding the member gone",
    );
    const join = history.filter((e: any) => e.step === "kubeadm-join" && e.node === fresh.name);
    t.deepEqual(
        join.map((e: any) => e.outcome),
        ["applied"],
        "the replacement joined at the first attempt",
    );
    t.true(removal[0].seq < join[0].seq, `member removed (seq ${removal[0].seq}) before the join (seq ${join[0].seq})`);
    t.deepEqual(
        history.filter((e: any) => e.step === "kubeadm-join" && e.outcome === "failed"),
        [],
        "no join was refused",
    );
    t.is((await kget(readKubeconfig(output("kubeconfig")), "/healthz")).body, "ok");
});

test("a control-plane scale-down 3 → 1 takes an etcd snapshot first, on the node that stays; keep prunes the files and the outputs", async (t) => {
    const { sim, run, output } = await world(t);
    await run("up", "keep=1");
    t.deepEqual(output("etcdSnapshotFiles"), [], "no snapshot yet");
    const three = running(sim, "etcd-control-plane-").map((v: any) => v.name);

    // The connection drops right after the snapshot was saved: the rerun finds the file and takes no second one.
    sim.setSshFaults({ drops: [{ step: "etcd-snapshot", when: "after" }] });
    const down = await run("up", "keep=1", "controlPlaneCount=1");
    const [stays] = running(sim, "etcd-control-plane-").map((v: any) => v.name);
    t.true(three.includes(stays));
    const files = output("etcdSnapshotFiles");
    t.is(files.length, 1, JSON.stringify(files));
    const [first] = files;
    t.like(first, { node: stays, reason: "the control-plane scale-down 3 → 1" });
    t.regex(first.path, /^\/var\/lib\/pulumi-mold\/etcd\/etcd-\d{8}T\d{9}Z\.db$/);
    t.regex(first.takenAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    t.true(Number.isInteger(first.revision));
    t.regex(down.stderr, /etcd snapshot before the control-plane scale-down 3 → 1/);
    const node = () => sim.emulatedNodes().find((n: any) => n.hostname === stays) as any;
    t.deepEqual(
        node().etcdSnapshots.map((f: any) => [f.path, f.takenAt, [...f.members].sort()]),
        [[first.path, first.takenAt, [...three].sort()]],
        "the node holds the file, taken while etcd had the three members",
    );
    t.deepEqual(
        node()
            .history.filter((h: any) => h.step === "etcd-snapshot")
            .map((h: any) => [h.outcome, h.drop ?? ""]),
        [
            ["applied", "after"],
            ["already", ""],
        ],
    );
    // The snapshot came before any member left.
    const history = events(sim.emulatedNodes());
    const snap = history.find((e: any) => e.step === "etcd-snapshot" && e.outcome === "applied");
    const resets = history.filter((e: any) => e.step === "reset-node");
    t.is(resets.length, 2);
    t.true(resets.every((r: any) => r.seq > snap.seq));
    t.deepEqual(sim.kubeadmClusters()[0].etcdMembers, [stays]);

    // Again: a second scale-down's snapshot replaces the first (keep 1) on the node and in the outputs.
    await run("up", "keep=1", "controlPlaneCount=3");
    await run("up", "keep=1", "controlPlaneCount=1");
    const again = output("etcdSnapshotFiles");
    t.is(again.length, 1);
    t.not(again[0].path, first.path);
    t.is(again[0].node, stays);
    t.deepEqual(
        node().etcdSnapshots.map((f: any) => f.path),
        [again[0].path],
        "the older file was pruned",
    );
    t.deepEqual((await run("up", "keep=1", "controlPlaneCount=1")).result!.outputs.etcdSnapshotFiles, again, "a no-op up takes no snapshot");
});

test("a control-plane node whose Node object was deleted out of band: its reset leaves the etcd member behind, which is removed through another node, and the scale-down completes", async (t) => {
    const { sim, run, stateFile } = await world(t);
    await run("up");
    const group = JSON.parse(fs.readFileSync(stateFile, "utf8")).resources.find((r: any) => r.type.endsWith(":NodeGroup"));
    // The nodes the scale-down 3 → 1 will remove (the provider's own rule), and one of them loses its Node object.
    const leaving = nodesToRemove(group.outputs.nodes, 1).map((n) => n.name);
    t.is(leaving.length, 2);
    const victim = leaving[0];
    sim.simulator.transaction(() => {
        const [cluster] = Object.values(sim.simulator.state.tables[T.kubeadmClusters] as Record<string, any>);
        cluster.nodes = cluster.nodes.filter((n: any) => n.name !== victim);
    });

    const down = await run("up", "controlPlaneCount=1");
    t.regex(down.stderr, new RegExp(`${victim}: etcd member removed`));
    const [stays] = running(sim, "etcd-control-plane-").map((v: any) => v.name);
    t.false(leaving.includes(stays));
    const [cluster] = sim.kubeadmClusters() as any[];
    t.deepEqual(cluster.etcdMembers, [stays]);
    t.deepEqual(
        cluster.etcd.map((m: any) => m.healthy),
        [true],
    );
    // The victim's reset ran (and left its member), then the member was removed through the node that stays.
    const history = events(sim.emulatedNodes());
    const reset = history.find((e: any) => e.step === "reset-node" && e.node === victim);
    const removal = history.filter((e: any) => e.step === "etcd-member-remove" && e.outcome === "applied");
    t.is(removal.length, 1);
    t.is(removal[0].node, stays);
    t.true(reset.seq < removal[0].seq);
});

test("a control-plane node that cannot be reached when it is removed: its etcd member is removed through another node, and the scale-down completes", async (t) => {
    const { sim, run, client, stateFile } = await world(t);
    await run("up");
    const group = JSON.parse(fs.readFileSync(stateFile, "utf8")).resources.find((r: any) => r.type.endsWith(":NodeGroup"));
    // The first node the scale-down 3 → 1 removes is stopped: no SSH, its etcd member down.
    const leaving = nodesToRemove(group.outputs.nodes, 1);
    const victim = leaving[0];
    await stopVirtualMachine(client, victim.vmId);

    const down = await run("up", "controlPlaneCount=1");
    t.regex(down.stderr, new RegExp(`${victim.name}: unreachable for kubeadm reset .*removing its etcd member through another node`));
    t.regex(down.stderr, new RegExp(`${victim.name}: etcd member removed`));
    const [stays] = running(sim, "etcd-control-plane-").map((v: any) => v.name);
    const [cluster] = sim.kubeadmClusters() as any[];
    t.deepEqual(cluster.etcdMembers, [stays]);
    t.deepEqual(
        cluster.etcd.map((m: any) => m.healthy),
        [true],
    );
    t.deepEqual(
        sim.inventory().vms.filter((v: any) => leaving.some((l) => l.vmId === v.id) && v.state !== "Destroyed" && v.state !== "Expunging"),
        [],
        "both leaving VMs destroyed",
    );
});

test("bad etcdSnapshots input is refused at preview naming the property, with zero state-changing calls", async (t) => {
    const { sim, exec } = await world(t);
    for (const keep of ["0", "101", "2.5"]) {
        const before = { ...sim.requestCounts };
        const r = await exec("preview", `keep=${keep}`);
        t.not(r.code, 0, `keep=${keep} was accepted`);
        t.regex(r.stderr, /mold:NodeGroup: etcdSnapshots\.keep must be a number of snapshots from 1 to 100/);
        t.deepEqual(mutatingSince(before, sim.requestCounts), {}, `keep=${keep}`);
    }
});
