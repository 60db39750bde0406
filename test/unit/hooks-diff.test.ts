// The generic diff: connection inputs and unfinished work make an update (no replacement) without any input
// change, so stale connection details never stay in the state and work a refresh forgot is still done.
import test from "ava";
import { diffInputs, ResourceDefinition } from "../../provider/runtime/hooks";
import { nodeGroup } from "../../provider/resources/node-group";

const base = { __provider: "p", name: "workers", count: 2 };
const ready = [{ name: "a", status: "ready", hostKeyRotated: true }];

test("a changed connection input is an update without replacement; an unchanged one is nothing", (t) => {
    const olds = { ...base, controlPlaneNodes: [{ name: "cp-1" }], sshPrivateKey: "k1" };
    t.deepEqual(diffInputs(nodeGroup, { ...olds, nodes: ready }, { ...olds }), { changes: false, replaces: [], deleteBeforeReplace: false });
    const rolled = diffInputs(nodeGroup, { ...olds, nodes: ready }, { ...olds, controlPlaneNodes: [{ name: "cp-2" }] });
    t.true(rolled.changes);
    t.deepEqual(rolled.replaces, []);
    t.true(diffInputs(nodeGroup, { ...olds, nodes: ready }, { ...olds, sshPrivateKey: "k2" }).changes);
});

test("unfinished nodes, vanished nodes or an incomplete create make an update even with the same inputs", (t) => {
    const inputs = { ...base };
    t.true(diffInputs(nodeGroup, { ...inputs, nodes: [{ name: "a", status: "pending" }] }, inputs).changes);
    t.true(diffInputs(nodeGroup, { ...inputs, nodes: ready, vanishedNodes: [{ name: "b" }] }, inputs).changes);
    t.true(diffInputs(nodeGroup, { ...inputs, nodes: ready, createIncomplete: true }, inputs).changes);
    t.false(diffInputs(nodeGroup, { ...inputs, nodes: ready, vanishedNodes: [] }, inputs).changes);
    // Host keys still from cloud-init (states from before rotation existed), or a rotation left unconfirmed.
    t.true(diffInputs(nodeGroup, { ...inputs, nodes: [{ name: "a", status: "ready" }] }, inputs).changes);
    t.true(diffInputs(nodeGroup, { ...inputs, nodes: [{ ...ready[0], hostPublicKeyNext: "ssh-ed25519 AAAA" }] }, inputs).changes);
    // A definition without needsRepair is unaffected.
    const plain: ResourceDefinition = { ...nodeGroup, needsRepair: undefined, connectionInputs: undefined };
    t.false(diffInputs(plain, { ...inputs, nodes: [{ name: "a", status: "pending" }] }, inputs).changes);
});
