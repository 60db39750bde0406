// Host-key rotation of a group's nodes (provider/kubeadm/host-key-rotation.ts) against a fake fleet: the nodes
// rotate at once, not one after another (a 20-node group paid a connection and a step per node in series), and
// a node whose rotation fails neither stops the others nor hides its name.
import test from "ava";
import { rotateHostKeys } from "../../provider/kubeadm/host-key-rotation";
import type { GroupContext } from "../../provider/kubeadm/group";
import type { NodeRecord } from "../../provider/kubeadm/plan";
import { generateHostKey } from "../../provider/ssh/host-keys";

function fakeGroup(names: string[], failing: string[] = []) {
    const stats = { inFlight: 0, most: 0, runs: 0 };
    const logs: string[] = [];
    const nodes = names.map((name) => ({ name, status: "ready", hostPublicKey: generateHostKey().publicKey, hostKeyRotated: false }) as unknown as NodeRecord);
    const fleet = {
        forget: () => undefined,
        runner: (node: NodeRecord) => ({
            run: async (step: string, env: Record<string, string>) => {
                if (step !== "rotate-host-key") throw new Error(`unexpected step ${step}`);
                stats.runs++;
                stats.most = Math.max(stats.most, ++stats.inFlight);
                // Long enough that rotations one after another could not overlap.
                await new Promise((r) => setTimeout(r, 30));
                stats.inFlight--;
                if (failing.includes(node.name)) throw new Error(`${node.name}: step rotate-host-key failed (exit 1)`);
                return { results: { "host-key": env.PM_HOST_PUBLIC_KEY }, stdout: "", stderr: "" };
            },
        }),
    };
    const g = { ctx: { log: (m: string) => logs.push(m) }, state: { nodes }, fleet } as unknown as GroupContext;
    return { g, nodes, stats, logs };
}

test("every node that needs it rotates at once, and each is confirmed with its new key", async (t) => {
    const { g, nodes, stats, logs } = fakeGroup(["w-1", "w-2", "w-3", "w-4", "w-5"]);
    const before = nodes.map((n) => n.hostPublicKey);
    await rotateHostKeys(g);
    t.is(stats.runs, 5);
    t.is(stats.most, 5, "all five rotations in flight together");
    nodes.forEach((n, i) => {
        t.true(n.hostKeyRotated, n.name);
        t.is(n.hostPublicKeyNext, undefined, n.name);
        t.not(n.hostPublicKey, before[i], n.name);
    });
    t.is(logs.filter((l) => /host key rotated/.test(l)).length, 5);
});

test("a failing rotation lets the others finish and is reported by name", async (t) => {
    const { g, nodes, stats } = fakeGroup(["w-1", "w-2", "w-3"], ["w-2"]);
    const err = await t.throwsAsync(rotateHostKeys(g));
    t.regex(err!.message, /w-2: step rotate-host-key failed/);
    t.is(stats.runs, 3);
    t.deepEqual(
        nodes.map((n) => [n.name, n.hostKeyRotated, !!n.hostPublicKeyNext]),
        [
            ["w-1", true, false],
            // Its pending key stays recorded: the next up finds out which key the node presents.
            ["w-2", false, true],
            ["w-3", true, false],
        ],
    );
});
