// Bootstrap faults through the engine on a small self-managed cluster: a connection dropped in the middle of a
// step is resumed within the same up; drops that outlast the retries fail the up with the node and step named,
// and the next up finishes with every step's effect applied exactly once; a host key that no longer matches
// the pinned one is refused before any command runs.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MoldClient } from "../../provider/client";
import { encodeUserData, updateVirtualMachine } from "../../provider/client/vm";
import { generateHostKey, nodeCloudConfig } from "../../provider/ssh/host-keys";
import { startSimulatorServer } from "../../simulator/server";
import { cleanEnv, programDir, runEngine } from "../helpers/engine";

const PROGRAM = programDir("kubeadm-small");
const EFFECT_STEPS = ["swap-off", "kernel-modules", "sysctls", "containerd", "kube-packages"];

async function world(t: any) {
    const sim = await startSimulatorServer({ port: 0, latencyProfile: "fast" });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeadm-faults-"));
    const stateFile = path.join(dir, "state.json");
    const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
    const run = (command: string, ...config: string[]) =>
        runEngine([command, PROGRAM, "--state", stateFile, ...config.flatMap((c) => ["--config", c])], env, 300_000);
    t.teardown(async () => {
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });
    return { sim, run };
}

test("a connection dropped after a step's effect is resumed in the same up: the step runs once", async (t) => {
    const { sim, run } = await world(t);
    sim.setSshFaults({ drops: [{ step: "containerd", when: "after", times: 1 }] });
    const up = await run("up");
    t.is(up.code, 0, up.stderr.slice(-3000));
    t.regex(up.stderr + up.stdout, /connection lost during containerd, reconnecting/);
    const nodes = sim.emulatedNodes();
    t.is(nodes.length, 2);
    const hit: any = nodes.find((n: any) => n.history.some((h: any) => h.step === "containerd" && h.drop === "after"));
    t.truthy(hit, "the drop fired");
    const containerd = hit.history.filter((h: any) => h.step === "containerd").map((h: any) => h.outcome);
    t.deepEqual(containerd, ["applied", "already"], "re-run after the drop found the work done");
    for (const n of nodes) for (const step of EFFECT_STEPS) t.is(n.counters[step], 1, `${n.hostname} ${step}`);
    await run("destroy");
});

test("drops that outlast the retries fail the up naming node and step; the next up finishes, every step once", async (t) => {
    const { sim, run } = await world(t);
    // kubeadm-join runs on the worker only: its join happens, then every reply is cut (more often than the retries).
    sim.setSshFaults({ drops: [{ step: "kubeadm-join", when: "after", times: 5 }] });
    const first = await run("up");
    t.not(first.code, 0);
    t.regex(first.stderr, /small-workers-[0-9a-f]{5}.*kubeadm-join|kubeadm-join.*small-workers-[0-9a-f]{5}/);
    const worker = (): any => sim.emulatedNodes().find((n: any) => n.hostname.includes("-workers-"));
    t.is(worker().counters["kubeadm-join"], 1, "joined once despite the cut replies");

    sim.setSshFaults({});
    const second = await run("up");
    t.is(second.code, 0, second.stderr.slice(-3000));
    const w = worker();
    for (const step of [...EFFECT_STEPS, "kubeadm-join"]) t.is(w.counters[step], 1, `${step} applied exactly once`);
    const resumed = w.history.filter((h: any) => h.outcome === "already").map((h: any) => h.step);
    t.true(resumed.includes("kubeadm-join") && resumed.includes("containerd"), resumed.join(","));
    t.is(sim.emulatedNodes().length, 2, "no node was created twice");
    t.is(second.result!.outputs.nodes.length, 2);
    await run("destroy");
});

test("a node presenting another host key than the pinned one is refused before any command runs", async (t) => {
    const { sim, run } = await world(t);
    const up = await run("up");
    t.is(up.code, 0, up.stderr.slice(-3000));
    const cp: any = sim.emulatedNodes().find((n: any) => n.hostname.includes("-control-plane-"));
    // Someone replaced the control-plane VM's host key (a man in the middle would look the same).
    const client = new MoldClient({ apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey });
    await updateVirtualMachine(client, cp.vmId, { userdata: encodeUserData(nodeCloudConfig({ hostKey: generateHostKey(), hostname: cp.hostname })) });
    const historyBefore = cp.history.length;
    const relabel = await run("up", "role=db");
    t.not(relabel.code, 0);
    t.regex(relabel.stderr, /host key/i);
    t.regex(relabel.stderr, new RegExp(cp.hostname));
    const after: any = sim.emulatedNodes().find((n: any) => n.vmId === cp.vmId);
    t.is(after.history.length, historyBefore, "no command ran on the node");
});

test("an offering change rolls the workers one at a time: each replacement is Ready before its old node leaves", async (t) => {
    const { sim, run } = await world(t);
    const up = await run("up", "workers=2");
    t.is(up.code, 0, up.stderr.slice(-3000));
    const oldWorkers = sim
        .emulatedNodes()
        .filter((n: any) => n.hostname.includes("-workers-"))
        .map((n: any) => n.hostname);
    t.is(oldWorkers.length, 2);
    const roll = await run("up", "workers=2", "workerOffering=4C-8GB");
    t.is(roll.code, 0, roll.stderr.slice(-3000));
    t.is(roll.result!.steps.update, 1);
    // The order the hook reported, as Pulumi shows it: rolling X, <new>: Ready, X: removed, then the next.
    const lines = roll.stderr.split("\n").filter((l) => /rolling to the new|: Ready$|: removed$/.test(l));
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    let previousRemoved = -1;
    const rollOrder = [...oldWorkers].sort((a, b) => at(new RegExp(`${a}: rolling`)) - at(new RegExp(`${b}: rolling`)));
    for (const old of rollOrder) {
        t.true(at(new RegExp(`${old}: rolling`)) >= 0, `${old} was rolled:\n${lines.join("\n")}`);
        const start = at(new RegExp(`${old}: rolling`));
        const removed = at(new RegExp(`${old}: removed`));
        t.true(start > previousRemoved, `${old} starts rolling after the previous node left:\n${lines.join("\n")}`);
        const readyBetween = lines.slice(start, removed).some((l) => /small-workers-[0-9a-f]{5}: Ready$/.test(l) && !l.includes(old));
        t.true(readyBetween, `a replacement was Ready before ${old} left:\n${lines.join("\n")}`);
        previousRemoved = removed;
    }
    // Mold: two workers, both of the new offering; the old VMs are gone; Kubernetes has exactly the new ones.
    const vms = sim.inventory().vms.filter((v: any) => v.name.includes("-workers-") && v.state === "Running");
    t.is(vms.length, 2);
    t.true(
        vms.every((v: any) => v.serviceofferingname === "4C-8GB"),
        vms.map((v: any) => v.serviceofferingname).join(","),
    );
    t.false(vms.some((v: any) => oldWorkers.includes(v.name)));
    const [cluster] = sim.kubeadmClusters();
    t.deepEqual(
        cluster.nodes
            .filter((n: any) => n.role === "worker")
            .map((n: any) => n.name)
            .sort(),
        vms.map((v: any) => v.name).sort(),
    );
    await run("destroy");
});

test("a step failing on the worker fails the up naming node, step, exit code and output; once the fault is gone the next up finishes, each step once", async (t) => {
    const { sim, run } = await world(t);
    // The control plane first, so the only kube-packages of the next up is the new worker's.
    const base = await run("up", "workers=0");
    t.is(base.code, 0, base.stderr.slice(-3000));
    const cp: any = sim.emulatedNodes().find((n: any) => n.hostname.includes("-control-plane-"));
    const stderr =
        "E: Failed to fetch https://pkgs.k8s.io/core:/stable:/v1.31/deb/Packages  503  Service Unavailable\nE: Some index files failed to download. They have been ignored, or old ones used instead.";
    sim.setSshFaults({ fails: [{ step: "kube-packages", exitCode: 100, stderr }] });
    const first = await run("up", "workers=1");
    t.not(first.code, 0);
    const worker = (): any => sim.emulatedNodes().find((n: any) => n.hostname.includes("-workers-"));
    const name = worker().hostname;
    t.regex(first.stderr, new RegExp(`${name}: step kube-packages failed with exit code 100`), first.stderr.slice(-3000));
    t.regex(first.stderr, /Some index files failed to download/, "the tail of the output is reported");
    t.deepEqual(
        worker()
            .history.filter((h: any) => h.step === "kube-packages")
            .map((h: any) => [h.outcome, h.exitCode]),
        [["failed", 100]],
    );
    t.is(worker().packages.kubeadm, undefined, "nothing installed");
    t.is(worker().counters["kubeadm-join"] ?? 0, 0, "the node did not go on to join");
    t.is(
        sim
            .emulatedNodes()
            .find((n: any) => n.vmId === cp.vmId)!
            .history.filter((h: any) => h.outcome === "failed").length,
        0,
    );

    sim.setSshFaults({});
    const second = await run("up", "workers=1");
    t.is(second.code, 0, second.stderr.slice(-3000));
    const w = worker();
    t.is(w.hostname, name, "the same VM was resumed");
    t.is(sim.emulatedNodes().filter((n: any) => n.hostname.includes("-workers-")).length, 1, "no second worker VM");
    for (const step of [...EFFECT_STEPS, "kubeadm-join"]) t.is(w.counters[step], 1, `${step} applied exactly once`);
    t.deepEqual(
        w.history.filter((h: any) => h.step === "kube-packages").map((h: any) => h.outcome),
        ["failed", "applied"],
    );
    const [cluster] = sim.kubeadmClusters();
    t.true(
        cluster.nodes.some((n: any) => n.name === name && n.ready),
        "the worker is a Ready node",
    );
    t.is(second.result!.outputs.nodes.length, 2);
});
