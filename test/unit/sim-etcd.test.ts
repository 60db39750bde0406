// The emulated etcd (simulator/kubeadm/etcd.ts): quorum arithmetic and etcd's strict reconfiguration checks
// as pure functions, then over SSH on emulated nodes: snapshots (refused off an etcd member, idempotent by
// name, pruned to PM_KEEP), a control-plane join refused while a member is down, and member removal that
// etcd refuses when it would leave no live quorum.
import test, { ExecutionContext } from "ava";
import { stopVirtualMachine } from "../../provider/client";
import { addMemberRefusal, EtcdMember, pruneSnapshots, quorum, removeMemberRefusal } from "../../simulator/kubeadm/etcd";
import { inSshWorld, Node, prepare, SshWorld } from "./sim-ssh-world";

const VERSION = "1.31.2";
const member = (name: string, healthy = true): EtcdMember => ({ id: `id-${name}`, name, clientUrl: `https://${name}:2379`, healthy });

test("quorum: a majority of the members", (t) => {
    t.deepEqual([1, 2, 3, 4, 5, 6, 7].map(quorum), [1, 2, 2, 3, 3, 4, 4]);
});

test("adding a member: refused while any member is down, naming it (kubeadm's check-etcd dials every member)", (t) => {
    t.is(addMemberRefusal([member("a"), member("b"), member("c")]), undefined);
    t.is(addMemberRefusal([member("a")]), undefined);
    t.regex(addMemberRefusal([member("a"), member("b", false), member("c")])!, /^etcd cluster is not healthy: failed to dial endpoint https:\/\/b:2379 /);
    t.truthy(addMemberRefusal([member("a"), member("b"), member("c"), member("d"), member("e", false)]), "even with a quorum left");
});

test("removing a member: a down one may go while a quorum is live; a live one only if the smaller cluster keeps a live quorum", (t) => {
    const three = [member("a"), member("b"), member("c", false)];
    t.is(removeMemberRefusal(three, "id-c"), undefined, "the down member");
    t.is(removeMemberRefusal(three, "id-b"), "etcdserver: unhealthy cluster", "2 live of 3: removing a live one leaves 1 of 2");
    t.is(removeMemberRefusal([member("a"), member("b"), member("c")], "id-b"), undefined, "all live: 2 of 2 remain");
    t.is(removeMemberRefusal([member("a")], "id-a"), "etcdserver: unhealthy cluster", "the last member");
    t.is(removeMemberRefusal(three, "id-x"), "etcdserver: member not found");
    t.is(removeMemberRefusal([member("a"), member("b", false), member("c", false)], "id-c"), "etcdserver: request timed out", "no live quorum: no change");
    const five = [member("a"), member("b"), member("c"), member("d", false), member("e", false)];
    t.is(removeMemberRefusal(five, "id-e"), undefined, "3 live of 5");
    t.is(removeMemberRefusal(five, "id-a"), "etcdserver: unhealthy cluster", "2 live of 4 is no quorum");
});

test("snapshot pruning keeps the newest by name", (t) => {
    const f = (path: string) => ({ path, takenAt: "", revision: 1, clusterId: "c", members: [] });
    const { kept, pruned } = pruneSnapshots([f("/d/etcd-3.db"), f("/d/etcd-1.db"), f("/d/etcd-2.db")], 2);
    t.deepEqual(
        kept.map((x) => x.path),
        ["/d/etcd-2.db", "/d/etcd-3.db"],
    );
    t.deepEqual(
        pruned.map((x) => x.path),
        ["/d/etcd-1.db"],
    );
    t.is(pruneSnapshots([f("/d/a.db")], 3).pruned.length, 0);
});

async function controlPlaneNode(t: ExecutionContext, w: SshWorld, name: string, join?: { command: string; key: string }): Promise<Node> {
    const node = await w.deploy(name);
    await prepare(t, w, node, VERSION);
    if (!join) {
        await w.loadBalancer(6443, 6443, [node]);
        const init = await w.run(node, "kubeadm-init", {
            PM_KUBERNETES_VERSION: VERSION,
            PM_NODE_NAME: name,
            PM_CONTROL_PLANE_ENDPOINT: `${w.ip}:6443`,
            PM_POD_CIDR: "10.244.0.0/16",
            PM_SERVICE_CIDR: "10.96.0.0/12",
            PM_CERT_SANS: "",
        });
        t.is(init.exitCode, 0, init.stderr);
        t.is((await w.run(node, "cni", { PM_CNI: "flannel", PM_POD_CIDR: "10.244.0.0/16" })).exitCode, 0);
    } else {
        const r = await w.run(node, "kubeadm-join", { PM_JOIN_COMMAND: join.command, PM_CONTROL_PLANE: "1", PM_CERTIFICATE_KEY: join.key, PM_NODE_NAME: name });
        t.is(r.exitCode, 0, r.stderr);
    }
    return node;
}

test(
    "over SSH: snapshots on a member only, idempotent and pruned; a join refused while a member is down; member removal (etcdctl and kubeadm reset) with etcd's checks",
    inSshWorld(async (t, w) => {
        const cp1 = await controlPlaneNode(t, w, "cp-1");
        const info = await w.run(cp1, "join-info", { PM_WITH_CERTIFICATE_KEY: "1" });
        const join = { command: info.results["join-command"], key: info.results["certificate-key"] };
        const cp2 = await controlPlaneNode(t, w, "cp-2", join);
        const cp3 = await controlPlaneNode(t, w, "cp-3", join);
        const worker = await w.deploy("worker-1");
        await prepare(t, w, worker, VERSION);
        t.is((await w.run(worker, "kubeadm-join", { PM_JOIN_COMMAND: join.command, PM_CONTROL_PLANE: "0", PM_NODE_NAME: "worker-1" })).exitCode, 0);
        const cluster = () => w.sim.kubeadmClusters()[0] as any;
        t.deepEqual(cluster().etcdMembers, ["cp-1", "cp-2", "cp-3"]);

        // Snapshots: refused off a member, checked input, idempotent by name, pruned to PM_KEEP.
        const off = await w.run(worker, "etcd-snapshot", { PM_SNAPSHOT: "a.db", PM_KEEP: "2" });
        t.is(off.exitCode, 1);
        t.regex(off.stderr, /etcd\.yaml is missing: this node runs no etcd member/);
        t.regex((await w.run(cp1, "etcd-snapshot", { PM_SNAPSHOT: "a.db", PM_KEEP: "0" })).stderr, /PM_KEEP must be a number from 1 to 100/);
        t.regex((await w.run(cp1, "etcd-snapshot", { PM_SNAPSHOT: "../x", PM_KEEP: "2" })).stderr, /PM_SNAPSHOT must be a file name ending in \.db/);
        const a = await w.run(cp1, "etcd-snapshot", { PM_SNAPSHOT: "a.db", PM_KEEP: "2" });
        t.like(a, { exitCode: 0, results: { snapshot: "done", path: "/var/lib/pulumi-mold/etcd/a.db", pruned: "0" } });
        t.regex(a.results["taken-at"], /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
        const again = await w.run(cp1, "etcd-snapshot", { PM_SNAPSHOT: "a.db", PM_KEEP: "2" });
        t.like(again, { exitCode: 0, results: { snapshot: "already", "taken-at": a.results["taken-at"], revision: a.results.revision } });
        t.is(w.nodeState(cp1).history.at(-1).outcome, "already");
        await w.run(cp1, "etcd-snapshot", { PM_SNAPSHOT: "b.db", PM_KEEP: "2" });
        const c = await w.run(cp1, "etcd-snapshot", { PM_SNAPSHOT: "c.db", PM_KEEP: "2" });
        t.is(c.results.pruned, "1");
        t.deepEqual(
            w.nodeState(cp1).etcdSnapshots.map((f: any) => [f.path, f.members]),
            [
                ["/var/lib/pulumi-mold/etcd/b.db", ["cp-1", "cp-2", "cp-3"]],
                ["/var/lib/pulumi-mold/etcd/c.db", ["cp-1", "cp-2", "cp-3"]],
            ],
        );

        // cp-3 goes down: its member is unhealthy, and etcd takes no new member.
        await stopVirtualMachine(w.client, cp3.vm.id);
        t.deepEqual(
            cluster().etcd.map((m: any) => [m.name, m.healthy]),
            [
                ["cp-1", true],
                ["cp-2", true],
                ["cp-3", false],
            ],
        );
        const cp4 = await w.deploy("cp-4");
        await prepare(t, w, cp4, VERSION);
        const joinEnv = { PM_JOIN_COMMAND: join.command, PM_CONTROL_PLANE: "1", PM_CERTIFICATE_KEY: join.key, PM_NODE_NAME: "cp-4" };
        const refused = await w.run(cp4, "kubeadm-join", joinEnv);
        t.is(refused.exitCode, 1);
        const cp3Ip = cp3.vm.nic[0].ipaddress;
        t.regex(
            refused.stderr,
            new RegExp(`^error execution phase check-etcd: etcd cluster is not healthy: failed to dial endpoint https://${cp3Ip.replace(/\./g, "\\.")}:2379 `),
        );
        t.false(
            cluster().nodes.some((n: any) => n.name === "cp-4"),
            "nothing joined",
        );
        t.false(w.nodeState(cp4).kubeadm.kubeletConf);

        // Removing a live member now would leave 1 live of 2: etcd refuses. The down one goes; a rerun finds it gone.
        const live = await w.run(cp1, "etcd-member-remove", { PM_MEMBER: "cp-2" });
        t.is(live.exitCode, 1);
        t.regex(live.stderr, /^Error: etcdserver: unhealthy cluster$/m);
        t.regex((await w.run(worker, "etcd-member-remove", { PM_MEMBER: "cp-3" })).stderr, /this node runs no etcd member/);
        const removed = await w.run(cp1, "etcd-member-remove", { PM_MEMBER: "cp-3" });
        t.like(removed, { exitCode: 0, results: { removed: "done" } });
        t.regex(removed.results["member-id"], /^[0-9a-f]{16}$/);
        t.like(await w.run(cp2, "etcd-member-remove", { PM_MEMBER: "cp-3" }), { exitCode: 0, results: { removed: "absent" } });
        t.deepEqual(cluster().etcdMembers, ["cp-1", "cp-2"]);

        // Now the join goes through.
        t.like(await w.run(cp4, "kubeadm-join", joinEnv), { exitCode: 0, results: { join: "done" } });
        t.deepEqual(cluster().etcdMembers, ["cp-1", "cp-2", "cp-4"]);
        t.true(cluster().etcd.every((m: any) => m.healthy));

        // kubeadm reset's own member removal meets the same check: with cp-4 down, cp-2 leaving would leave 1 live of 2.
        await stopVirtualMachine(w.client, cp4.vm.id);
        const reset = await w.run(cp2, "reset-node");
        t.like(reset, { exitCode: 0, results: { "etcd-member": "left" } });
        t.regex(reset.stderr, /Failed to remove etcd member: etcdserver: unhealthy cluster/);
        t.deepEqual(cluster().etcdMembers, ["cp-1", "cp-2", "cp-4"], "the member stays");
    }),
);
