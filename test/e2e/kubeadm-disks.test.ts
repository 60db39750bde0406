// Data disks of node groups through the engine (test/programs/kubeadm-disks): the control plane's etcd on a
// disk per node, formatted exactly once across dropped connections and a failed up; a worker group's disks
// following scale-up, scale-down (deleted, or kept with retainOnDelete) and a roll; bad input refused at
// preview with zero state-changing calls.
import test, { ExecutionContext } from "ava";
import { listVolumes, Volume } from "../../provider/client/volume";
import { destroyVirtualMachine } from "../../provider/client/vm";
import { deleteTags } from "../../provider/client/tags";
import { mutatingSince } from "../helpers/engine";
import { programWorld } from "../helpers/program-world";

type World = Awaited<ReturnType<typeof programWorld>>;

const tag = (v: Volume, key: string) => v.tags.find((x) => x.key === key)?.value;
/** The emulated nodes by host name, each with its block devices. */
async function nodesByName(w: World): Promise<Map<string, any>> {
    return new Map((await w.admin.get("/sim/nodes")).map((n: any) => [n.hostname, n]));
}
const liveVms = (w: World, part: string) => w.sim.inventory().vms.filter((v: any) => v.name.includes(part) && v.state === "Running");
const groupNodes = (w: World, group: string) => (w.output("nodes") as any[]).filter((n) => n.group === group);

/** Each node of `group` has one disk at `mountPath`: attached in Mold, mounted on the node, recorded in the outputs. */
async function assertDisks(t: ExecutionContext, w: World, group: string, mountPath: string, data: string): Promise<Map<string, Volume>> {
    const nodes = groupNodes(w, group);
    const emulated = await nodesByName(w);
    const vols = new Map((await listVolumes(w.client)).map((v) => [v.id, v]));
    const out = new Map<string, Volume>();
    for (const n of nodes) {
        t.is(n.dataDisks?.length, 1, `${n.name} records one data disk`);
        const [d] = n.dataDisks;
        t.like(d, { mountPath, status: "mounted", device: "/dev/vdb", deviceId: 1 });
        const vol = vols.get(d.volumeId)!;
        t.truthy(vol, `${n.name}: its volume ${d.volumeId} exists`);
        t.is(vol.virtualmachineid, n.vmId, `${n.name}: its volume is attached to its VM`);
        t.is(tag(vol, "pulumi-mold:node"), n.name);
        t.truthy(tag(vol, "pulumi-mold:node-group"));
        t.is(tag(vol, "pulumi-mold:managed-by"), "pulumi-mold");
        const node = emulated.get(n.name);
        t.is(node.blockDevices.length, 1, `${n.name} sees one data disk`);
        const [b] = node.blockDevices;
        t.like(b, { device: "/dev/vdb", volumeId: vol.id, mountedAt: mountPath, mkfs: 1 }, `${n.name}: formatted exactly once, mounted at ${mountPath}`);
        t.true(b.data.includes(data), `${n.name}: ${data} wrote onto the disk (mounted before it started), got ${JSON.stringify(b.data)}`);
        t.deepEqual(node.fstab, [{ uuid: b.uuid, path: mountPath, fstype: "ext4" }], `${n.name}: one fstab line, by UUID`);
        out.set(n.name, vol);
    }
    return out;
}

test("data disks on a 3-node control plane at /var/lib/etcd: formatted exactly once across dropped connections and a failed up; the next up resumes; a no-op up sends nothing; a VM destroyed out of band loses its disk, its replacement gets a new one", async (t) => {
    t.timeout(600_000);
    const w = await programWorld(t, "kubeadm-disks");
    // Every run of the step on every node is cut right after it did its work, three times a node: each node's
    // runner gives up, the up fails with the nodes pending.
    w.sim.setSshFaults({ drops: [{ step: "data-disks", when: "after", times: 9 }] });
    const failed = await w.exec("up");
    t.not(failed.code, 0, "the up fails: the step's connection dropped on every attempt");
    t.regex(failed.stderr, /data-disks/);
    let emulated = [...(await nodesByName(w)).values()];
    t.is(emulated.length, 3);
    for (const n of emulated) {
        t.is(n.history.filter((h: any) => h.step === "data-disks").length, 3, `${n.hostname}: three attempts`);
        t.like(n.blockDevices[0], { mkfs: 1, mountedAt: "/var/lib/etcd" }, "the first attempt formatted and mounted; the reruns found it done");
        t.false(n.kubeadm.kubeletConf, "no node joined yet");
    }

    w.sim.setSshFaults({});
    await w.run("up");
    const vols = await assertDisks(t, w, "control-plane", "/var/lib/etcd", "etcd");
    t.is(vols.size, 3);
    emulated = [...(await nodesByName(w)).values()];
    for (const n of emulated) {
        const runs = n.history.filter((h: any) => h.step === "data-disks").map((h: any) => h.outcome);
        t.deepEqual(runs.slice(-1), ["already"], `${n.hostname}: the resumed up found the disk formatted and mounted`);
    }
    const [cluster] = await w.admin.get("/sim/kubeadm-clusters");
    t.is(cluster.etcdMembers.length, 3);

    // Unchanged: not one state-changing call.
    const before = { ...w.sim.requestCounts };
    await w.run("up");
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), {});

    // A control-plane VM destroyed out of band (Mold detaches its data disk as it expunges it): refresh + up remove
    // the node and delete its disk; the replacement gets a disk of its own, formatted once, with etcd on it.
    const gone = groupNodes(w, "control-plane")[0];
    await destroyVirtualMachine(w.client, gone.vmId, true);
    const orphan = (await listVolumes(w.client)).find((v) => v.id === gone.dataDisks[0].volumeId)!;
    t.is(orphan.virtualmachineid, undefined, "Mold detached the disk of the expunged VM");
    await w.run("refresh");
    await w.run("up");
    const replaced = await assertDisks(t, w, "control-plane", "/var/lib/etcd", "etcd");
    t.false(replaced.has(gone.name));
    t.is(replaced.size, 3);
    t.false(
        (await listVolumes(w.client)).some((v) => v.id === orphan.id),
        "the vanished node's disk is deleted",
    );

    // Destroy: the disks go with their nodes.
    await w.run("destroy");
    t.deepEqual(await listVolumes(w.client), [], "no volume left");
});

test("a worker group's data disks: scale 2 → 3 → 2 deletes the removed node's disk; with retainOnDelete it is kept, detached and tagged; a changed disk rolls the nodes onto new disks", async (t) => {
    t.timeout(900_000);
    const w = await programWorld(t, "kubeadm-disks");
    const base = ["controlPlaneCount=1", "etcdDisk=false"];
    const volumes = async () => new Map((await listVolumes(w.client)).map((v) => [v.id, v]));

    await w.run("up", ...base, "workers=2");
    const two = await assertDisks(t, w, "workers", "/var/lib/containerd", "containerd");
    t.is(two.size, 2);
    t.is(groupNodes(w, "control-plane")[0].dataDisks, undefined, "no disks on the control plane");

    // ---- 2 → 3: the new node gets its own disk; the others keep theirs ----
    await w.run("up", ...base, "workers=3");
    const three = await assertDisks(t, w, "workers", "/var/lib/containerd", "containerd");
    t.is(three.size, 3);
    for (const [name, vol] of two) t.is(three.get(name)?.id, vol.id, `${name} kept its disk`);

    // ---- 3 → 2: the removed node's disk is deleted with it ----
    let before = { ...w.sim.requestCounts };
    await w.run("up", ...base, "workers=2");
    const after = await assertDisks(t, w, "workers", "/var/lib/containerd", "containerd");
    const [removed] = [...three.keys()].filter((n) => !after.has(n));
    t.truthy(removed);
    t.false((await volumes()).has(three.get(removed)!.id), "the removed node's disk is deleted");
    t.like(mutatingSince(before, w.sim.requestCounts), { deleteVolume: 1 });

    // ---- retainOnDelete, 2 → 1: the removed node's disk stays, detached, tagged with where it came from ----
    await w.run("up", ...base, "workers=2", "retain=true");
    t.false("createVolume" in mutatingSince(before, w.sim.requestCounts), "retainOnDelete alone makes no disk");
    before = { ...w.sim.requestCounts };
    await w.run("up", ...base, "workers=1", "retain=true");
    t.false("deleteVolume" in mutatingSince(before, w.sim.requestCounts), "nothing deleted");
    const one = await assertDisks(t, w, "workers", "/var/lib/containerd", "containerd");
    const [gone] = [...after.keys()].filter((n) => !one.has(n));
    const kept = (await volumes()).get(after.get(gone)!.id)!;
    t.truthy(kept, "the removed node's disk is kept");
    t.is(kept.virtualmachineid, undefined, "detached");
    t.is(tag(kept, "pulumi-mold:retained-from"), gone);

    // ---- a changed disk (another size) rolls the node: the new one gets a new disk, the old disk goes ----
    const old = [...one.values()][0];
    await w.run("up", ...base, "workers=1", "workerSize=30", "retain=false");
    const rolled = await assertDisks(t, w, "workers", "/var/lib/containerd", "containerd");
    const [fresh] = [...rolled.values()];
    t.not(fresh.id, old.id, "a new disk");
    t.is(fresh.size, 30 * 1024 ** 3);
    t.false((await volumes()).has(old.id), "the rolled node's disk is deleted");
    t.is(liveVms(w, "disks-workers-").length, 1);

    // ---- destroy: every disk made for a node is gone; the retained one stays (it outlived its node on purpose), and
    // so does one whose group tag was taken off out of band (it is no longer known to be ours) ----
    await deleteTags(w.client, "Volume", [fresh.id], { "pulumi-mold:node-group": tag(fresh, "pulumi-mold:node-group")! });
    const destroyed = await w.run("destroy", ...base, "workers=1", "workerSize=30", "retain=false");
    t.regex(destroyed.stderr + destroyed.stdout, new RegExp(`volume ${fresh.id} does not carry pulumi-mold:node-group`));
    t.deepEqual([...(await volumes()).keys()].sort(), [kept.id, fresh.id].sort());
});

test("data disk bad input is refused at preview naming the property, with no state-changing call", async (t) => {
    t.timeout(300_000);
    const w = await programWorld(t, "kubeadm-disks");
    const refused = async (config: string[], pattern: RegExp) => {
        const before = { ...w.sim.requestCounts };
        // Stack config stays between runs: every key the cases change is given each time.
        const defaults = ["etcdPath=/var/lib/etcd", "etcdSize=10", "workers=0", "workerOffering=Custom", "workerSize=20"];
        const r = await w.exec("preview", "controlPlaneCount=1", ...defaults, ...config);
        t.not(r.code, 0, `preview ${config.join(" ")} should fail`);
        t.regex(r.stderr + r.stdout, pattern);
        t.deepEqual(mutatingSince(before, w.sim.requestCounts), {}, `preview ${config.join(" ")} sent nothing that changes state`);
    };
    await refused(["etcdPath=var/lib/etcd"], /dataDisks\[0\]\.mountPath must be an absolute path/);
    await refused(["etcdPath=/etc"], /dataDisks\[0\]\.mountPath '\/etc' is a system path/);
    await refused(["etcdPath=/var/lib"], /dataDisks\[0\]\.mountPath '\/var\/lib' is a system path/);
    await refused(["etcdSize=0"], /dataDisks\[0\]\.size must be/);
    await refused(["workers=1", "workerOffering=Small", "workerSize=8"], /dataDisks\[0\]\.size must be left out: disk offering 'Small' has a fixed size/);
    await refused(["workers=1", "workerOffering=no-such-offering"], /dataDisks\[0\]\.diskOffering no disk offering named or with id 'no-such-offering'/);
});
