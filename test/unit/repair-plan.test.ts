// Node repair's pure decisions: durations, the check of `repair`, the node-health step's lines, and which
// NotReady nodes are replaced (timeout, maxUnhealthy, a control plane's quorum) with the reason the log shows.
import test from "ava";
import { checkRepair, decideRepair, dueForRepair, formatDuration, parseDuration, parseHealth, repairSpec } from "../../provider/kubeadm/repair-plan";
import { UNKNOWN } from "../../provider/runtime/hooks";
import { Validator } from "../../provider/runtime/validate";

const MIN = 60_000;
const NOW = Date.parse("2026-03-01T12:00:00Z");
const ago = (ms: number) => new Date(NOW - ms).toISOString().replace(/\.000Z$/, "Z");
const nodes = (...names: string[]) => names.map((name) => ({ name }));

test("durations: h, m, s and their combinations; anything else is undefined", (t) => {
    t.is(parseDuration("90s"), 90_000);
    t.is(parseDuration("10m"), 10 * MIN);
    t.is(parseDuration("1h"), 60 * MIN);
    t.is(parseDuration("1h30m"), 90 * MIN);
    t.is(parseDuration("2m30s"), 150_000);
    for (const bad of ["", "10", "ten minutes", "1.5h", "10M", "-5m", "5m1h", "1d", "m"]) t.is(parseDuration(bad), undefined, bad);
    t.is(formatDuration(45_000), "45s");
    t.is(formatDuration(14 * MIN + 59_000), "14m");
    t.is(formatDuration(125 * MIN), "2h5m");
    t.is(formatDuration(120 * MIN), "2h");
});

function check(value: unknown, role = "worker", count: unknown = 3) {
    const v = new Validator("NodeGroup");
    checkRepair(v, value, role, count);
    return v.failures;
}

test("check: off when absent; a timeout that parses and is at least a minute", (t) => {
    t.deepEqual(check(undefined), []);
    t.deepEqual(check(null), []);
    t.deepEqual(check(UNKNOWN), []);
    t.deepEqual(check({ notReadyTimeout: "10m" }), []);
    t.deepEqual(check({ notReadyTimeout: "90s", maxUnhealthy: 4 }), []);
    t.deepEqual(check({ notReadyTimeout: UNKNOWN, maxUnhealthy: UNKNOWN }, "control-plane", 3), []);
    const [unparsable] = check({ notReadyTimeout: "ten minutes" });
    t.is(unparsable.property, "repair.notReadyTimeout");
    t.regex(unparsable.reason, /mold:NodeGroup: repair\.notReadyTimeout must be a duration such as "90s".*got "ten minutes"/);
    const [short] = check({ notReadyTimeout: "30s" });
    t.is(short.property, "repair.notReadyTimeout");
    t.regex(short.reason, /at least 1m.*got '30s'/);
    t.deepEqual(
        check({ maxUnhealthy: 0, extra: 1 }).map((f) => f.property),
        ["repair.extra", "repair.notReadyTimeout", "repair.maxUnhealthy"],
        "every problem at once",
    );
});

test("check: a control plane's maxUnhealthy keeps etcd's quorum; one of fewer than 3 nodes cannot be repaired", (t) => {
    t.deepEqual(check({ notReadyTimeout: "10m" }, "control-plane", 3), []);
    t.deepEqual(check({ notReadyTimeout: "10m", maxUnhealthy: 2 }, "control-plane", 5), []);
    const [three] = check({ notReadyTimeout: "10m", maxUnhealthy: 2 }, "control-plane", 3);
    t.is(three.property, "repair.maxUnhealthy");
    t.regex(three.reason, /2 would break etcd's quorum: a control plane of 3 keeps a majority with at most 1 node out at a time/);
    const [single] = check({ notReadyTimeout: "10m" }, "control-plane", 1);
    t.is(single.property, "repair");
    t.regex(single.reason, /at least 3 nodes.*one of 1 would break etcd's quorum/);
    t.deepEqual(check({ notReadyTimeout: "10m", maxUnhealthy: 5 }, "worker", 1), [], "workers have no quorum");
    t.deepEqual(check({ notReadyTimeout: "10m", maxUnhealthy: 3 }, "control-plane", UNKNOWN), [], "count unknown at preview");
});

test("repairSpec: the checked input, maxUnhealthy defaulting to 1; off without a timeout", (t) => {
    t.deepEqual(repairSpec({ notReadyTimeout: "10m" }), { timeoutMs: 10 * MIN, maxUnhealthy: 1 });
    t.deepEqual(repairSpec({ notReadyTimeout: "1h", maxUnhealthy: 3 }), { timeoutMs: 60 * MIN, maxUnhealthy: 3 });
    t.is(repairSpec(undefined), undefined);
    t.is(repairSpec(null), undefined);
    t.is(repairSpec({}), undefined);
});

test("parseHealth: one line per node and the cluster's clock; other lines ignored", (t) => {
    const out = [
        "pulumi-mold: node=a ready=True since=2026-03-01T10:00:00Z",
        "pulumi-mold: node=b ready=Unknown since=2026-03-01T11:40:00Z\r",
        "pulumi-mold: node=c ready= since=",
        "some log line",
        "pulumi-mold: now=2026-03-01T12:00:00Z",
    ].join("\n");
    const h = parseHealth(out);
    t.is(h.now, NOW);
    t.deepEqual(h.nodes, [
        { name: "a", ready: "True", since: "2026-03-01T10:00:00Z" },
        { name: "b", ready: "Unknown", since: "2026-03-01T11:40:00Z" },
        { name: "c", ready: "", since: "" },
    ]);
    t.is(parseHealth("").now, undefined);
});

const opts = { now: NOW, timeoutMs: 10 * MIN, maxUnhealthy: 1, controlPlane: false };

test("decide: only NotReady nodes past the timeout, the longest first, maxUnhealthy at a time, with the reason", (t) => {
    const health = [
        { name: "w1", ready: "True", since: ago(60 * MIN) },
        { name: "w2", ready: "False", since: ago(14 * MIN) },
        { name: "w3", ready: "Unknown", since: ago(30 * MIN) },
        { name: "w4", ready: "False", since: ago(5 * MIN) },
    ];
    const d = decideRepair(nodes("w1", "w2", "w3", "w4", "w5"), health, opts);
    t.deepEqual(
        d.replace.map((r) => [r.node.name, r.reason]),
        [["w3", "NotReady (status Unknown) for 30m (> 10m): replacing"]],
    );
    t.deepEqual(
        d.kept.map((k) => [k.node.name, k.reason]),
        [
            ["w2", "NotReady for 14m (> 10m): waiting, 1 node at a time (maxUnhealthy)"],
            ["w4", "NotReady for 5m (≤ 10m): waiting"],
        ],
    );
    t.deepEqual(dueForRepair(d), ["w3", "w2"]);
    const two = decideRepair(nodes("w1", "w2", "w3", "w4"), health, { ...opts, maxUnhealthy: 2 });
    t.deepEqual(
        two.replace.map((r) => r.node.name),
        ["w3", "w2"],
    );
    t.deepEqual(decideRepair(nodes("w4"), health, opts).replace, [], "before the timeout nothing is replaced");
    t.deepEqual(decideRepair(nodes("w2"), health, { ...opts, timeoutMs: 14 * MIN }).replace, [], "exactly at the timeout: not past it");
});

test("decide: a node without a transition time or unknown to the cluster is not replaced", (t) => {
    const d = decideRepair(nodes("a", "b"), [{ name: "a", ready: "False", since: "" }], opts);
    t.deepEqual(d.replace, []);
    t.regex(d.kept[0].reason, /unknown time/);
    t.is(d.kept.length, 1, "b is not listed by the cluster: not judged");
});

test("decide: a control plane replaces at most (n-1)/2 and nothing once the Ready nodes are no majority", (t) => {
    const cp = { ...opts, controlPlane: true, maxUnhealthy: 5 };
    const five = nodes("c1", "c2", "c3", "c4", "c5");
    const bad = (...names: string[]) => names.map((name) => ({ name, ready: "Unknown", since: ago(20 * MIN) }));
    t.is(decideRepair(five, bad("c1", "c2"), cp).replace.length, 2);
    t.is(decideRepair(nodes("c1", "c2", "c3"), bad("c1"), cp).replace.length, 1);
    const lost = decideRepair(nodes("c1", "c2", "c3"), bad("c1", "c2"), cp);
    t.deepEqual(lost.replace, []);
    t.regex(lost.kept[0].reason, /not replaced, only 1 of 3 control-plane nodes are Ready and etcd needs 2/);
    t.is(decideRepair(five, bad("c1", "c2", "c3"), cp).replace.length, 0);
});
