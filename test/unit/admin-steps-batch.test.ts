// Admin steps that answer for a whole group at once, run by a real bash against a stand-in kubectl that records
// its calls: wait-ready looks at every listed node with one `kubectl get nodes` (not a call per node), and
// node-metadata labels and taints every node of PM_NODES in one kubectl call each.
import test from "ava";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stepInput, StepName } from "../../provider/bootstrap/steps";

/** Runs `step` with `env`; kubectl prints `nodes` for `get nodes` and records every call's arguments. */
function runStep(t: { teardown(fn: () => void): void }, step: StepName, env: Record<string, string>, nodes = "") {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-admin-step-"));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const calls = path.join(dir, "calls");
    fs.writeFileSync(path.join(dir, "nodes"), nodes);
    fs.writeFileSync(
        path.join(dir, "kubectl"),
        `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >>'${calls}'\nif [ "$3 $4" = "get nodes" ]; then cat '${path.join(dir, "nodes")}'; fi\n`,
        { mode: 0o755 },
    );
    const run = spawnSync("bash", ["-s", "--", step], {
        input: stepInput(step, env),
        encoding: "utf8",
        env: { PATH: `${dir}:${process.env.PATH}`, ...env },
        timeout: 20_000,
    });
    const recorded = fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").trim().split("\n") : [];
    return { code: run.status, stdout: run.stdout, stderr: run.stderr, calls: recorded.map((c) => c.replace(/^--kubeconfig \S+ /, "")) };
}

test("wait-ready: one kubectl call looks at every listed node", (t) => {
    const ready = runStep(t, "wait-ready", { PM_NODES: "w-1\nw-2\nW-3", PM_TIMEOUT_SECONDS: "30" }, "cp-1 True\nw-1 True\nw-2 True\nw-3 True\n");
    t.is(ready.code, 0, ready.stderr);
    t.regex(ready.stdout, /ready: w-1 w-2 w-3/);
    t.is(ready.calls.length, 1, ready.calls.join("\n"));
    t.regex(ready.calls[0], /^get nodes -o jsonpath=/);
    // At the deadline the not-ready ones are named; a node missing from the list is not Ready either.
    const late = runStep(t, "wait-ready", { PM_NODES: "w-1\nw-2\nw-3", PM_TIMEOUT_SECONDS: "0" }, "w-1 True\nw-2 False\n");
    t.is(late.code, 1);
    t.regex(late.stderr, /not Ready after 0s: w-2 w-3/);
    t.is(late.calls.length, 1);
    // A name that only starts like a Ready node's is not that node.
    const prefix = runStep(t, "wait-ready", { PM_NODES: "w-1", PM_TIMEOUT_SECONDS: "0" }, "w-10 True\n");
    t.is(prefix.code, 1);
});

test("node-metadata: the nodes of PM_NODES get their labels and taints in one kubectl call each", (t) => {
    const run = runStep(t, "node-metadata", { PM_NODES: "w-1\nw-2\nw-3", PM_LABELS: "pool=bench\ntier=a", PM_TAINTS: "gpu=yes:NoSchedule" });
    t.is(run.code, 0, run.stderr);
    t.deepEqual(run.calls, ["label node w-1 w-2 w-3 --overwrite pool=bench tier=a", "taint node w-1 w-2 w-3 --overwrite gpu=yes:NoSchedule"]);
    // One node through PM_NODE, as before; removals look at each node's own taints.
    const one = runStep(t, "node-metadata", { PM_NODE: "W-1", PM_REMOVE_LABELS: "tier", PM_REMOVE_TAINTS: "gpu:NoSchedule" });
    t.is(one.code, 0, one.stderr);
    t.deepEqual(one.calls, ["label node w-1 tier-", 'get node w-1 -o jsonpath={range .spec.taints[*]}{.key}:{.effect}{"\\n"}{end}']);
    const none = runStep(t, "node-metadata", { PM_LABELS: "a=b" });
    t.is(none.code, 1);
    t.regex(none.stderr, /PM_NODES/);
});
