// Kubernetes upgrades of a self-managed HA cluster through the engine (test/programs/kubeadm-upgrade: three
// control-plane nodes, a worker group upgraded in place two at a time, one replaced): 1.31 → 1.32 → 1.33 with
// /healthz answering throughout; a skipped minor refused at preview with no state-changing call; a connection
// dropped during a control-plane node's kubeadm upgrade fails the up, and the next up resumes where it stopped
// with each step's effect applied once per node. Versions are read from the emulation and from the outputs.
import test, { ExecutionContext } from "ava";
import * as fs from "fs";
import { programWorld } from "../helpers/program-world";
import { mutatingSince } from "../helpers/engine";
import { healthPoller } from "../helpers/health-poller";
import { kget, readKubeconfig } from "../helpers/kube-get";

async function world(t: ExecutionContext) {
    // UPGRADE_TEST_LOG=<prefix> keeps each engine run's log in <prefix>-<n>.log, for debugging this test.
    const logTo = process.env.UPGRADE_TEST_LOG;
    let runs = 0;
    return programWorld(t, "kubeadm-upgrade", {
        timeoutMs: 400_000,
        onRun: logTo
            ? (command, config, ms, r) => fs.writeFileSync(`${logTo}-${++runs}.log`, `${command} ${config.join(" ")} ${ms} ms\n${r.stderr}`)
            : undefined,
    });
}

const kubeletVersions = (sim: any) => Object.fromEntries(sim.kubeadmClusters()[0].nodes.map((n: any) => [n.name, n.kubeletVersion])) as Record<string, string>;
const steps = (node: any, step: string, outcome = "applied") => node.history.filter((h: any) => h.step === step && h.outcome === outcome).length;

test("1.31 → 1.32 → 1.33 with three control-plane nodes and two worker groups: /healthz throughout, a skip refused at preview, a dropped connection resumed", async (t) => {
    const { sim, run, exec, state, output } = await world(t);
    const first = await run("up");
    const names = (nodes: any[], group: string) => nodes.filter((n) => n.group === group).map((n) => n.name);
    const initial = first.result!.outputs.nodes as any[];
    t.is(initial.length, 6);
    t.true(
        initial.every((n) => n.kubeletVersion === "1.31.9"),
        JSON.stringify(initial),
    );
    const cps = names(initial, "control-plane");
    const inplace = names(initial, "inplace");
    const replaced = names(initial, "replaced");
    t.is(cps.length, 3);
    const kubeconfig = output("kubeconfig");
    const kc = readKubeconfig(kubeconfig);
    t.is((await kget(kc, "/version")).json.gitVersion, "v1.31.9");

    // A skipped minor: refused at preview, naming the versions and what is allowed next; nothing changes.
    const before = { ...sim.requestCounts };
    const history = () => sim.emulatedNodes().reduce((n: number, x: any) => n + x.history.length, 0);
    const historyBefore = history();
    const skip = await exec("up", "version=1.33.1");
    t.not(skip.code, 0);
    t.regex(
        skip.stderr,
        /kubernetesVersion.*cannot change from 1\.31\.9 to 1\.33\.1: kubeadm upgrades one minor release at a time; allowed next from 1\.31\.9: a newer patch of 1\.31 or a 1\.32\.x release/,
    );
    t.deepEqual(mutatingSince(before, sim.requestCounts), {}, "no state-changing call");
    t.is(history(), historyBefore, "no SSH step ran");
    t.is(sim.kubeadmClusters()[0].version, "1.31.9");

    // 1.31 → 1.32 while /healthz is polled. Each control-plane node's API server is down while its kubeadm
    // upgrade runs (1.5 s here, dozens of polls): connections sent to it would fail unless it left the load balancer.
    const restarts = { stepLatency: { "kubeadm-upgrade": 1500 } };
    sim.setSshFaults(restarts);
    let poller = healthPoller(t, kubeconfig);
    const to132 = await run("up", "version=1.32.5");
    let health = await poller.stop();
    t.true(health.polls > 60, `${health.polls} polls`);
    t.deepEqual(health.failures, [], "the API answered /healthz during the whole upgrade");
    for (const n of cps) t.regex(to132.stderr, new RegExp(`${n}: out of the API load balancer while its API server restarts`));
    const after132 = to132.result!.outputs.nodes as any[];
    t.true(
        after132.every((n) => n.kubeletVersion === "1.32.5"),
        JSON.stringify(after132),
    );
    t.deepEqual(names(after132, "control-plane").sort(), [...cps].sort(), "the control plane was upgraded in place");
    t.deepEqual(names(after132, "inplace").sort(), [...inplace].sort(), "the in-place group kept its VMs");
    const replaced132 = names(after132, "replaced");
    t.is(replaced132.length, 1);
    t.false(replaced.includes(replaced132[0]), "the replace group's node is a new VM");
    let [cluster] = sim.kubeadmClusters();
    t.is(cluster.version, "1.32.5");
    t.deepEqual(Object.values(kubeletVersions(sim)).sort(), Array(6).fill("1.32.5"), JSON.stringify(kubeletVersions(sim)));
    t.true(
        cluster.nodes.filter((n: any) => n.role === "control-plane").every((n: any) => n.apiServerVersion === "1.32.5"),
        "every API server at 1.32.5",
    );
    t.false(
        cluster.nodes.some((n: any) => n.unschedulable),
        "every node uncordoned",
    );
    t.is((await kget(kc, "/version")).json.gitVersion, "v1.32.5");
    // kubeadm's order: apply on one control-plane node, then upgrade node on the other two, then the workers.
    const byName = () => new Map<string, any>(sim.emulatedNodes().map((n: any) => [n.hostname, n]));
    const upgrades = [...byName().values()]
        .flatMap((n: any) =>
            n.history.filter((h: any) => h.step === "kubeadm-upgrade" && h.outcome === "applied").map((h: any) => ({ seq: h.seq, name: n.hostname })),
        )
        .sort((a: any, b: any) => a.seq - b.seq)
        .map((u: any) => u.name);
    t.deepEqual(upgrades.slice(0, 3).sort(), [...cps].sort(), `control plane first: ${upgrades.join(", ")}`);
    // An etcd snapshot before the first kubeadm upgrade, recorded in the control plane's outputs.
    const firstUpgrade = Math.min(
        ...[...byName().values()].flatMap((n: any) =>
            n.history.filter((h: any) => h.step === "kubeadm-upgrade" && h.outcome === "applied").map((h: any) => h.seq),
        ),
    );
    const snapshots = [...byName().values()].flatMap((n: any) => n.history.filter((h: any) => h.step === "etcd-snapshot" && h.outcome === "applied"));
    t.is(snapshots.length, 1, "one snapshot for the upgrade");
    t.true(snapshots[0].seq < firstUpgrade, "the snapshot came before the first kubeadm upgrade");
    const cpFiles = state().resources.find((r: any) => String(r.urn).endsWith("::up-control-plane")).outputs.etcdSnapshotFiles as any[];
    t.regex(cpFiles[cpFiles.length - 1].reason, /upgrade to Kubernetes 1\.32\.5/);
    t.deepEqual(upgrades.slice(3).sort(), [...inplace].sort(), "then the in-place workers (the replaced one joined at 1.32.5)");
    t.is(byName().get(replaced132[0]).packages.kubelet, "1.32.5");
    // maxUnavailable 2: both in-place workers ran kubeadm upgrade before either got its new kubelet.
    const seqs = (name: string, step: string) =>
        byName()
            .get(name)
            .history.filter((h: any) => h.step === step && h.outcome === "applied")
            .map((h: any) => h.seq);
    const lastPackages = Math.min(...inplace.map((n) => Math.max(...seqs(n, "kube-packages"))));
    t.true(
        inplace.every((n) => Math.max(...seqs(n, "kubeadm-upgrade")) < lastPackages),
        "the two in-place workers were upgraded together",
    );
    // A no-op up changes nothing.
    const noop = await run("up", "version=1.32.5");
    t.is(noop.result!.steps.update + noop.result!.steps.create + noop.result!.steps.replace + noop.result!.steps.delete, 0, JSON.stringify(noop.result!.steps));

    // 1.32 → 1.33: the replies of kubeadm-upgrade on a control-plane node that does not apply are cut after its
    // effect, more often than the retries: the up fails with the control plane half-upgraded, as recorded.
    const applyNode = upgrades[0];
    const victim = cps.find((n) => n !== applyNode)!;
    sim.setSshFaults({ ...restarts, drops: [{ step: "kubeadm-upgrade", node: victim, when: "after", times: 5 }] });
    poller = healthPoller(t, kubeconfig);
    const broken = await exec("up", "version=1.33.1");
    t.not(broken.code, 0, "the up fails");
    t.regex(broken.stderr, new RegExp(`${victim}.*kubeadm-upgrade|kubeadm-upgrade.*${victim}`));
    const cpState = state().resources.find((r: any) => String(r.urn).endsWith("::up-control-plane"));
    const recorded = Object.fromEntries((cpState.outputs.nodes as any[]).map((n) => [n.name, n.kubeletVersion]));
    t.is(recorded[applyNode], "1.33.1", JSON.stringify(recorded));
    t.is(recorded[victim], "1.32.5", "the victim is recorded at its old version");
    t.is(sim.kubeadmClusters()[0].version, "1.33.1", "apply ran");
    // The victim left the API load balancer before its kubeadm upgrade and stays out after the failure.
    const apiMembers = () =>
        sim
            .inventory()
            .loadBalancerRules.filter((r: any) => String(r.privateport) === "6443")
            .flatMap((r: any) => (r._members ?? []).map((m: any) => m.vmid))
            .sort();
    const vmIdOf = (name: string) => (cpState.outputs.nodes as any[]).find((n) => n.name === name).vmId;
    t.false(apiMembers().includes(vmIdOf(victim)), "the victim is out of the API load balancer");
    t.is(apiMembers().length, 2);

    sim.setSshFaults(restarts);
    const resumed = await run("up", "version=1.33.1");
    health = await poller.stop();
    t.deepEqual(health.failures, [], "the API answered /healthz during the failed and the resumed up");
    t.deepEqual(apiMembers(), cps.map(vmIdOf).sort(), "every control-plane node back behind the API load balancer");
    const after133 = resumed.result!.outputs.nodes as any[];
    t.true(
        after133.every((n) => n.kubeletVersion === "1.33.1"),
        JSON.stringify(after133),
    );
    [cluster] = sim.kubeadmClusters();
    t.deepEqual(Object.values(kubeletVersions(sim)).sort(), Array(6).fill("1.33.1"));
    t.true(cluster.nodes.filter((n: any) => n.role === "control-plane").every((n: any) => n.apiServerVersion === "1.33.1"));
    t.is((await kget(kc, "/version")).json.gitVersion, "v1.33.1");

    // Each upgrade's effect once per node: kubeadm-upgrade applied once per version on every node that was upgraded
    // in place; the victim's cut runs found their work done.
    const nodes = byName();
    for (const name of [...cps, ...inplace]) {
        const n = nodes.get(name);
        t.is(steps(n, "kubeadm-upgrade"), 2, `${name}: kubeadm-upgrade applied once per version`);
        // Prepare once at 1.31.9, then per upgrade kubeadm first and the rest after the drain.
        t.is(steps(n, "kube-packages"), 5, `${name}: kube-packages applied ${steps(n, "kube-packages")} times`);
        t.is(n.packages.kubelet, "1.33.1");
    }
    const v = nodes.get(victim);
    t.true(
        v.history.some((h: any) => h.step === "kubeadm-upgrade" && h.drop === "after"),
        "the drop fired",
    );
    t.true(steps(v, "kubeadm-upgrade", "already") >= 1, "the resumed up found the victim's upgrade done");
    t.true(resumed.stderr.includes(`${victim}: kubeadm upgrade node had already run`), "resumed from the victim");
    t.false(new RegExp(`${applyNode}: kubeadm upgrade`).test(resumed.stderr), "the node already at 1.33.1 was skipped");
    t.deepEqual([...new Set(after133.map((n) => n.kubeletVersion))], ["1.33.1"]);
});

test("a step failing on a worker part-way: the up fails naming node and step, the versions reached are recorded, the next up upgrades only what is left", async (t) => {
    const { sim, run, exec, state } = await world(t);
    const small = ["controlPlaneCount=1", "inplaceCount=2", "replacedCount=0", "maxUnavailable=1"];
    const first = await run("up", ...small);
    t.is((first.result!.outputs.nodes as any[]).filter((n) => n.group === "inplace").length, 2);
    // The group upgrades its nodes in slot order: the victim is the second.
    const inGroup = state().resources.find((r: any) => String(r.urn).endsWith("::up-inplace")).outputs.nodes as any[];
    const workers = [...inGroup].sort((a, b) => a.slot - b.slot).map((n) => n.name);
    const [firstWorker, victim] = workers;
    sim.setSshFaults({ fails: [{ step: "kubeadm-upgrade", node: victim, exitCode: 1, stderr: "error execution phase preflight: injected" }] });
    const broken = await exec("up", ...small, "version=1.32.5");
    t.not(broken.code, 0);
    t.regex(broken.stderr, new RegExp(`${victim}: step kubeadm-upgrade failed with exit code 1`));
    const group = state().resources.find((r: any) => String(r.urn).endsWith("::up-inplace"));
    const recorded = Object.fromEntries((group.outputs.nodes as any[]).map((n) => [n.name, n.kubeletVersion]));
    t.deepEqual(recorded, { [firstWorker]: "1.32.5", [victim]: "1.31.9" });
    t.is(sim.kubeadmClusters()[0].version, "1.32.5", "the control plane was upgraded before the workers");

    sim.setSshFaults({});
    const resumed = await run("up", ...small, "version=1.32.5");
    t.regex(resumed.stderr, new RegExp(`upgrading ${victim} \\(1\\.31\\.9\\) to Kubernetes 1\\.32\\.5`));
    t.false(new RegExp(`${firstWorker}: kubeadm upgrade`).test(resumed.stderr), "the worker already at 1.32.5 is left alone");
    t.deepEqual(
        (resumed.result!.outputs.nodes as any[]).map((n) => n.kubeletVersion),
        ["1.32.5", "1.32.5", "1.32.5"],
    );
    const nodes = new Map<string, any>(sim.emulatedNodes().map((n: any) => [n.hostname, n]));
    for (const name of workers) {
        t.is(steps(nodes.get(name), "kubeadm-upgrade"), 1, `${name}: kubeadm-upgrade applied once`);
        t.is(steps(nodes.get(name), "kube-packages"), 3, `${name}: prepared, then kubeadm, then kubelet/kubectl`);
    }
    // maxUnavailable 1: the first worker was back (uncordoned at 1.32.5) before the victim's upgrade began.
    const seq = (name: string, step: string) => nodes.get(name).history.find((h: any) => h.step === step && h.outcome !== "already").seq;
    t.true(
        Math.max(
            ...nodes
                .get(firstWorker)
                .history.filter((h: any) => h.step === "kube-packages")
                .map((h: any) => h.seq),
        ) < seq(victim, "kubeadm-upgrade"),
    );
    t.false(
        sim.kubeadmClusters()[0].nodes.some((n: any) => n.unschedulable),
        "nothing left cordoned",
    );
});
