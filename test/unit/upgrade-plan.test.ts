// Pure decisions of Kubernetes upgrades of node groups: allowed targets, skew, order of work, batches.
import test from "ava";
import { outdatedNodes } from "../../provider/kubeadm/plan";
import {
    allowedNext,
    batches,
    lowestVersion,
    maxUnavailableProblem,
    skewProblem,
    upgradeOrder,
    versionChangeProblem,
} from "../../provider/kubeadm/upgrade-plan";
import { nodeRecord } from "../helpers/node-record";

const node = nodeRecord;

test("allowed targets: a newer patch or the next minor; skips and downgrades name both versions and what is allowed next", (t) => {
    t.is(versionChangeProblem("1.31.9", "1.31.10"), undefined);
    t.is(versionChangeProblem("1.31.9", "1.32.0"), undefined);
    t.is(versionChangeProblem("1.31.9", "1.31.9"), undefined, "no change");
    const skip = versionChangeProblem("1.31.9", "1.33.1");
    t.regex(skip!, /cannot change from 1\.31\.9 to 1\.33\.1: kubeadm upgrades one minor release at a time/);
    t.regex(skip!, /allowed next from 1\.31\.9: a newer patch of 1\.31 or a 1\.32\.x release/);
    t.regex(
        versionChangeProblem("1.32.5", "1.31.9")!,
        /cannot change from 1\.32\.5 to 1\.31\.9: a downgrade is not possible; allowed next from 1\.32\.5: .*1\.33\.x/,
    );
    t.regex(versionChangeProblem("1.32.5", "1.32.4")!, /downgrade/);
    t.regex(versionChangeProblem("1.32.5", "2.0.0")!, /one minor release at a time/);
    t.is(allowedNext("1.29.3"), "a newer patch of 1.29 or a 1.30.x release");
    t.is(versionChangeProblem("1.32", "1.33.0"), undefined, "malformed versions are checkVersion's to report");
});

test("skew: a worker never newer than the control plane, at most three minors older", (t) => {
    t.is(skewProblem("1.32.5", "1.32.5"), undefined);
    t.is(skewProblem("1.29.0", "1.32.5"), undefined, "three minors behind is allowed");
    t.regex(skewProblem("1.28.9", "1.32.5")!, /1\.28\.9 is more than 3 minor releases older than the control plane's 1\.32\.5/);
    t.regex(skewProblem("1.33.0", "1.32.5")!, /1\.33\.0 is newer than the control plane's 1\.32\.5.*upgrade the control plane first/);
    t.regex(skewProblem("1.32.6", "1.32.5")!, /newer/, "a newer patch is newer too");
});

test("the order of work: nodes at the target are skipped; the control plane applies on its first node once", (t) => {
    const nodes = [node(2), node(0), node(1), node(3, { status: "pending" })];
    const fresh = upgradeOrder(nodes, "1.32.5", "1.31.9", true);
    t.deepEqual(
        fresh.nodes.map((n) => n.slot),
        [0, 1, 2],
        "oldest slot first, pending nodes left to the bootstrap",
    );
    t.is(fresh.applyOn?.slot, 0);
    // Resumed: node 0 finished (apply ran), node 2 too; node 1 remains and runs `upgrade node`.
    const resumed = upgradeOrder(
        [node(0, { kubeletVersion: "1.32.5" }), node(1, { kubeletVersion: "1.31.9" }), node(2, { kubeletVersion: "1.32.5" })],
        "1.32.5",
        "1.31.9",
        true,
    );
    t.deepEqual(
        resumed.nodes.map((n) => n.slot),
        [1],
    );
    t.is(resumed.applyOn, undefined);
    // States without recorded versions: the group's old version.
    t.deepEqual(upgradeOrder([node(0), node(1)], "1.32.5", "1.32.5", true).nodes, []);
    const workers = upgradeOrder([node(1), node(0, { kubeletVersion: "1.32.5" })], "1.32.5", "1.31.9", false);
    t.deepEqual(
        workers.nodes.map((n) => n.slot),
        [1],
    );
    t.is(workers.applyOn, undefined, "workers never apply");
});

test("the group's version is its oldest node's", (t) => {
    t.is(lowestVersion([node(0, { kubeletVersion: "1.32.5" }), node(1)], "1.31.9"), "1.31.9");
    t.is(lowestVersion([node(0, { kubeletVersion: "1.32.5" }), node(1, { kubeletVersion: "1.32.10" })], "1.33.0"), "1.32.5");
    t.is(lowestVersion([], "1.31.9"), "1.31.9");
});

test("maxUnavailable batches and its bounds", (t) => {
    t.deepEqual(batches([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
    t.deepEqual(batches([1, 2], 1), [[1], [2]]);
    t.deepEqual(batches([1, 2], 0), [[1], [2]], "never an empty batch size");
    t.deepEqual(batches([], 3), []);
    t.is(maxUnavailableProblem(undefined, 3), undefined);
    t.is(maxUnavailableProblem(3, 3), undefined);
    t.regex(maxUnavailableProblem(0, 3)!, /at least 1/);
    t.regex(maxUnavailableProblem(4, 3)!, /at most the group's count \(3\), got 4/);
    t.regex(maxUnavailableProblem(1.5, 3)!, /whole number/);
});

test("replace: a node whose kubelet version differs is outdated; without a wanted version it is not", (t) => {
    const want = { serviceOfferingId: "o1", templateId: "t1", keyPair: "k" };
    const nodes = [node(0, { kubeletVersion: "1.31.9" }), node(1, { kubeletVersion: "1.32.5" }), node(2)];
    t.deepEqual(
        outdatedNodes(nodes, { ...want, kubernetesVersion: "1.32.5" }).map((n) => n.slot),
        [0],
    );
    t.deepEqual(outdatedNodes(nodes, want), []);
});
