// The runtime's hook-in for node repair: diff and update ask a definition's lookForRepair only when nothing else
// calls for an update, and a NodeGroup without `repair` answers without any I/O; a refresh's unhealthyNodes
// make the next update run (needsRepair) only while repair is on.
import test from "ava";
import { ResourceDefinition, runHook, Wire } from "../../provider/runtime/hooks";
import { nodeGroup } from "../../provider/resources/node-group";

function fake(answer: boolean) {
    const calls = { look: 0, update: 0 };
    const def: ResourceDefinition = {
        kind: "Fake",
        inputs: ["name"],
        handles: {} as never,
        replaceOnChanges: [],
        check: (news) => ({ inputs: news, failures: [] }),
        lookForRepair: async () => {
            calls.look++;
            return answer;
        },
        create: async () => ({ id: "x", outs: {} }),
        read: async () => undefined,
        update: async () => {
            calls.update++;
            return {};
        },
        delete: async () => undefined,
    };
    return { defs: { Fake: def }, calls };
}

const olds: Wire = { __provider: "p", name: "a" };

test("diff asks lookForRepair only when nothing changed, and its answer makes an update", async (t) => {
    const due = fake(true);
    t.true((await runHook(due.defs, "Fake", "diff", undefined, ["x", olds, { ...olds }])).changes);
    t.is(due.calls.look, 1);
    t.true((await runHook(due.defs, "Fake", "diff", undefined, ["x", olds, { ...olds, name: "b" }])).changes);
    t.is(due.calls.look, 1, "an input change needs no look");
    const well = fake(false);
    t.false((await runHook(well.defs, "Fake", "diff", undefined, ["x", olds, { ...olds }])).changes);
});

test("update runs the definition's update when the look finds work, and not when it finds none", async (t) => {
    const due = fake(true);
    await runHook(due.defs, "Fake", "update", undefined, ["x", olds, { ...olds, __provider: "q" }]);
    t.deepEqual(due.calls, { look: 1, update: 1 });
    const well = fake(false);
    await runHook(well.defs, "Fake", "update", undefined, ["x", olds, { ...olds, __provider: "q" }]);
    t.deepEqual(well.calls, { look: 1, update: 0 });
    const changed = fake(false);
    await runHook(changed.defs, "Fake", "update", undefined, ["x", olds, { ...olds, name: "b" }]);
    t.deepEqual(changed.calls, { look: 0, update: 1 }, "an input change updates without a look");
});

test("NodeGroup: no repair, no look (no SSH: the key is not even a key); unhealthyNodes count only with repair on", async (t) => {
    const logs: string[] = [];
    const ctx = { kind: "NodeGroup", client: () => t.fail("no Mold call") as never, log: (m: string) => logs.push(m) };
    const group = { role: "worker", sshPrivateKey: "not a key", nodes: [{ name: "a", status: "ready", hostKeyRotated: true }], controlPlaneNodes: [] };
    t.false(await nodeGroup.lookForRepair!(ctx, "ng", group as never, group as never));
    t.deepEqual(logs, []);
    // On, but the control plane cannot be reached: logged, no repair decided, no failure.
    const on = { ...group, repair: { notReadyTimeout: "10m" } };
    t.false(await nodeGroup.lookForRepair!(ctx, "ng", on as never, on as never));
    t.regex(logs.join("\n"), /node health not read \(.*\); no repair decided/);
    t.true(nodeGroup.needsRepair!({ ...on, unhealthyNodes: ["a"] } as never));
    t.false(nodeGroup.needsRepair!({ ...group, unhealthyNodes: ["a"] } as never), "repair switched off since the refresh");
    t.false(nodeGroup.needsRepair!({ ...on, unhealthyNodes: [] } as never));
});
