// Pure decisions of node groups: SSH slots, which nodes leave on scale-down, what rolls, label/taint changes.
import test from "ava";
import { freeSlots, inBatches, metadataChange, metadataEnv, nodeName, NodeRecord, nodesToRemove, outdatedNodes } from "../../provider/kubeadm/plan";
import { osOfTemplateName, packageProblem } from "../../provider/kubeadm/packages";
import { qualifiedNameProblem } from "../../provider/kubeadm/spec";
import { nodeRecord } from "../helpers/node-record";

const node = (slot: number, createdAt: string, extra: Partial<NodeRecord> = {}): NodeRecord => nodeRecord(slot, { createdAt, ...extra });

test("free slots fill the gaps first", (t) => {
    t.deepEqual(freeSlots([0, 2, 3], 3), [1, 4, 5]);
    t.deepEqual(freeSlots([], 2), [0, 1]);
    t.throws(() => freeSlots([...Array(100).keys()], 1), { message: /no free SSH port/ });
});

test("scale-down removes the newest nodes", (t) => {
    const nodes = [node(0, "2026-01-01T00:00:00Z"), node(1, "2026-01-03T00:00:00Z"), node(2, "2026-01-02T00:00:00Z")];
    t.deepEqual(
        nodesToRemove(nodes, 1).map((n) => n.slot),
        [1, 2],
    );
    t.deepEqual(nodesToRemove(nodes, 3), []);
    // Outdated nodes (rolled anyway otherwise) leave first, the oldest included.
    t.deepEqual(
        nodesToRemove(nodes, 2, (n) => n.slot === 0).map((n) => n.slot),
        [0],
    );
});

test("nodes of another offering, template or key pair are outdated", (t) => {
    const nodes = [node(0, "a"), node(1, "b", { templateId: "t0" }), node(2, "c", { keyPair: "old" })];
    t.deepEqual(
        outdatedNodes(nodes, { serviceOfferingId: "o1", templateId: "t1", keyPair: "k" }).map((n) => n.slot),
        [1, 2],
    );
});

test("label and taint changes: set what differs, remove what is gone", (t) => {
    const old = {
        labels: { a: "1", b: "2" },
        taints: [
            { key: "x", effect: "NoSchedule" as const },
            { key: "y", value: "1", effect: "NoExecute" as const },
        ],
    };
    const want = { labels: { a: "1", b: "3", c: "4" }, taints: [{ key: "y", value: "2", effect: "NoExecute" as const }] };
    const c = metadataChange(old, want);
    t.deepEqual(c, { labels: { b: "3", c: "4" }, removeLabels: [], taints: [{ key: "y", value: "2", effect: "NoExecute" }], removeTaints: ["x:NoSchedule"] });
    t.deepEqual(metadataChange(want, { labels: {} }).removeLabels.sort(), ["a", "b", "c"]);
    const env = metadataEnv(["n1", "n2"], metadataChange(undefined, want));
    t.is(env.PM_NODES, "n1\nn2");
    t.is(env.PM_LABELS, "a=1\nb=3\nc=4");
    t.is(env.PM_TAINTS, "y=2:NoExecute");
});

test("node-metadata batches: in order, none longer than asked, none empty", (t) => {
    t.deepEqual(inBatches([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
    t.deepEqual(inBatches(["a"], 50), [["a"]]);
    t.deepEqual(inBatches([], 50), []);
});

test("node names are host names of at most 63 characters", (t) => {
    t.is(nodeName("ha", "control-plane", "0a1b2"), "ha-control-plane-0a1b2");
    const long = nodeName("c".repeat(40), "g".repeat(40), "0a1b2");
    t.true(long.length <= 63 && /^[a-z][a-z0-9-]*[a-z0-9]$/.test(long), long);
    t.is(nodeName("9lives", "w", "abcde"), "k8s-9lives-w-abcde");
});

test("template names tell the OS; versions are judged against it", (t) => {
    t.deepEqual(osOfTemplateName("ubuntu-22.04"), { family: "ubuntu", version: 22.04 });
    t.deepEqual(osOfTemplateName("Debian 12 cloud"), { family: "debian", version: 12 });
    t.is(osOfTemplateName("my-golden-image"), undefined);
    t.is(packageProblem("1.32.5", "ubuntu-22.04"), undefined);
    t.is(packageProblem("1.32.5", "my-golden-image"), undefined);
    t.regex(packageProblem("1.35.1", "ubuntu-20.04")!, /cgroup v1/);
    t.is(packageProblem("1.34.2", "ubuntu-20.04"), undefined);
    t.regex(packageProblem("1.32.5", "ubuntu-18.04")!, /cannot be installed/);
    t.regex(packageProblem("1.23.9", undefined)!, /not published/);
});

test("qualified names follow Kubernetes' rules", (t) => {
    for (const ok of ["app", "node.example.com/pool", "a_b.c-d", "kubernetes.io/hostname"]) t.is(qualifiedNameProblem(ok), undefined, ok);
    for (const bad of ["", "-a", "a-", "a/b/c", "/a", "UPPER.example.com/x", "x".repeat(64)]) t.truthy(qualifiedNameProblem(bad), bad);
});
