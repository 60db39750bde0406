// etcd care's pure parts (provider/kubeadm/etcd-care.ts): snapshot file names, the record kept in the
// group's outputs (one per file, only on nodes still there, pruned to keep), and the etcdSnapshots check.
import test from "ava";
import { runHook } from "../../provider";
import { DEFAULT_KEEP, keepOf, recordSnapshot, snapshotFileName } from "../../provider/kubeadm/etcd-care";
import type { EtcdSnapshotRecord } from "../../provider/kubeadm/group";
import { CP, NG } from "./bad-input/common";

const rec = (node: string, n: number, reason = "r"): EtcdSnapshotRecord => ({
    node,
    path: `/var/lib/pulumi-mold/etcd/etcd-${n}.db`,
    takenAt: `2026-01-0${n}T00:00:00Z`,
    reason,
});

test("snapshot file names: dated to the ms, sortable by time, a .db file name the step accepts", (t) => {
    const a = snapshotFileName(new Date("2026-12-04T09:05:07.042Z"));
    t.is(a, "etcd-20261204T090507042Z.db");
    const b = snapshotFileName(new Date("2026-12-04T09:05:07.043Z"));
    const c = snapshotFileName(new Date("2027-01-01T00:00:00.000Z"));
    t.deepEqual([c, b, a].sort(), [a, b, c]);
    t.regex(a, /^[A-Za-z0-9][A-Za-z0-9._-]*\.db$/);
});

test("recordSnapshot: appends, replaces a rerun's record, keeps the newest `keep`, forgets files on nodes no longer in the group", (t) => {
    const nodes = ["cp-1", "cp-2"];
    let list = recordSnapshot([], rec("cp-1", 1), 2, nodes);
    t.deepEqual(list, [rec("cp-1", 1)]);
    list = recordSnapshot(list, rec("cp-1", 1, "again"), 2, nodes);
    t.deepEqual(list, [rec("cp-1", 1, "again")], "the same file once");
    list = recordSnapshot(list, rec("cp-2", 2), 2, nodes);
    list = recordSnapshot(list, rec("cp-1", 3), 2, nodes);
    t.deepEqual(list, [rec("cp-2", 2), rec("cp-1", 3)], "most recent last, at most keep");
    t.deepEqual(recordSnapshot(list, undefined, 2, ["cp-1"]), [rec("cp-1", 3)], "cp-2 left with its files");
    t.deepEqual(recordSnapshot(list, undefined, 1, nodes), [rec("cp-1", 3)], "a smaller keep prunes the record too");
    // Ordered by time whatever the order given.
    t.deepEqual(recordSnapshot([rec("cp-1", 3)], rec("cp-2", 2), 5, nodes), [rec("cp-2", 2), rec("cp-1", 3)]);
});

test("keepOf: default 3", (t) => {
    t.is(DEFAULT_KEEP, 3);
    t.is(keepOf({}), 3);
    t.is(keepOf({ etcdSnapshots: null }), 3);
    t.is(keepOf({ etcdSnapshots: {} }), 3);
    t.is(keepOf({ etcdSnapshots: { keep: 7 } }), 7);
});

test("check: etcdSnapshots on a control-plane group passes; every problem is named at once", async (t) => {
    const ok = await runHook("NodeGroup", "check", undefined, [{}, { __provider: "p", ...CP, etcdSnapshots: { keep: 5 } }]);
    t.deepEqual(ok.failures, []);
    const none = await runHook("NodeGroup", "check", undefined, [{}, { __provider: "p", ...CP }]);
    t.deepEqual(none.failures, []);
    const bad = await runHook("NodeGroup", "check", undefined, [{}, { __provider: "p", ...NG, etcdSnapshots: { keep: 0, days: 2 } }]);
    t.deepEqual(bad.failures.map((f: { property: string }) => f.property).sort(), ["etcdSnapshots", "etcdSnapshots", "etcdSnapshots.keep"]);
});
