// Lifecycle of a small self-managed cluster through the engine (test/programs/kubeadm-small): the CNI asked
// for, the Mold registration switched on in place, the control plane grown to HA and rolled to a new
// offering one node at a time, a worker VM destroyed behind Pulumi's back, and nodes still booting.
import test, { ExecutionContext } from "ava";
import * as https from "https";
import { destroyVirtualMachine } from "../../provider/client/vm";
import { parseKubeconfig } from "../../provider/resources/kubernetes-cluster-ops";
import { programWorld } from "../helpers/program-world";
import { mutatingSince } from "../helpers/engine";

const PREPARE = ["wait-boot", "swap-off", "kernel-modules", "sysctls", "containerd", "kube-packages"];
/** Steps that change the node itself: each must run at most once per node. */
const ONCE = [...PREPARE, "kubeadm-init", "kubeadm-join", "reset-node"];

async function world(t: ExecutionContext) {
    return programWorld(t, "kubeadm-small");
}

/** GET a path of the cluster's API with the kubeconfig's own CA and client certificate. */
function kubeGet(kubeconfig: string, p: string): Promise<{ status: number; body: string }> {
    const kc = parseKubeconfig(kubeconfig);
    return new Promise((resolve, reject) => {
        const req = https.get(
            { host: kc.server.hostname, port: Number(kc.server.port), path: p, ca: kc.ca, cert: kc.cert, key: kc.key, agent: false, timeout: 5000 },
            (res) => {
                let body = "";
                res.on("data", (c) => (body += c));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            },
        );
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", reject);
    });
}

const running = (sim: any, part: string) => sim.inventory().vms.filter((v: any) => v.name.includes(part) && v.state === "Running");
const apiRule = (sim: any) => sim.inventory().loadBalancerRules.find((r: any) => Number(r.publicport) === 6443);
const registrations = (sim: any) =>
    (sim.inventory().kubernetesClusters ?? []).filter((c: any) => c.clustertype === "ExternalManaged" && c.state !== "Destroyed");

/** Each node-changing step ran (in any outcome) at most once on each node. */
function ranOnce(t: ExecutionContext, nodes: any[]) {
    for (const n of nodes) {
        for (const step of ONCE) {
            const runs = n.history.filter((h: any) => h.step === step).length;
            t.true(runs <= 1, `${n.hostname}: ${step} ran ${runs} times`);
        }
    }
}

test("cni=calico: the cluster runs Calico; registerInMold off leaves Mold's list empty, switching it on registers the VMs in place", async (t) => {
    const { sim, run, output } = await world(t);
    const up = await run("up", "cni=calico");
    const [cluster] = sim.kubeadmClusters();
    t.is(cluster.cni?.name, "calico");
    t.is(cluster.cni?.podCidr, "10.244.0.0/16");
    const cp: any = sim.emulatedNodes().find((n: any) => n.hostname.includes("-control-plane-"));
    t.deepEqual(
        cp.history.filter((h: any) => h.step === "cni").map((h: any) => h.outcome),
        ["applied"],
    );
    t.deepEqual(registrations(sim), [], "no ExternalManaged cluster");
    t.falsy(output("moldClusterId"));
    const vms = [...running(sim, "small-control-plane-"), ...running(sim, "small-workers-")];
    t.is(vms.length, 2);
    t.is(up.result!.outputs.nodes.length, 2);

    const before = { ...sim.requestCounts };
    await run("up", "cni=calico", "register=true");
    const mutating = mutatingSince(before, sim.requestCounts);
    t.falsy(mutating.deployVirtualMachine, JSON.stringify(mutating));
    t.falsy(mutating.destroyVirtualMachine, JSON.stringify(mutating));
    const regs = registrations(sim);
    t.is(regs.length, 1);
    const [reg] = regs;
    t.is(reg.name, "small");
    t.is(output("moldClusterId"), reg.id);
    t.deepEqual([...reg._vmIds].sort(), vms.map((v: any) => v.id).sort(), "exactly the cluster's VMs");
    t.is(reg.controlnodes, 1);
    t.is(reg.size, 1);
    const control = reg._nodes.filter((n: any) => n.role === "control").map((n: any) => n.vmId);
    t.deepEqual(
        control,
        running(sim, "small-control-plane-").map((v: any) => v.id),
    );
    t.is(sim.kubeadmClusters()[0].cni?.name, "calico", "still Calico");
    t.deepEqual(
        running(sim, "small-")
            .map((v: any) => v.id)
            .sort(),
        vms.map((v: any) => v.id).sort(),
        "no VM replaced",
    );
});

test("control plane 1 → 3 joins two members with the certificate key; an offering change then rolls it one node at a time while the API keeps answering", async (t) => {
    const { sim, run, output } = await world(t);
    await run("up", "workers=0");
    const first = running(sim, "small-control-plane-").map((v: any) => v.name);
    t.is(first.length, 1);

    await run("up", "workers=0", "controlPlaneCount=3");
    const cps = running(sim, "small-control-plane-");
    t.is(cps.length, 3);
    const joined = sim.emulatedNodes().filter((n: any) => n.hostname.includes("-control-plane-") && !first.includes(n.hostname));
    t.is(joined.length, 2);
    for (const n of joined) {
        t.is(n.counters["kubeadm-join"], 1, n.hostname);
        t.is(n.counters["kubeadm-init"] ?? 0, 0, n.hostname);
        t.like(n.kubeadm, { role: "control-plane", adminConf: true, kubeletConf: true });
    }
    let [cluster] = sim.kubeadmClusters();
    t.deepEqual(
        cluster.nodes
            .filter((n: any) => n.role === "control-plane")
            .map((n: any) => n.name)
            .sort(),
        cps.map((v: any) => v.name).sort(),
    );
    t.true(cluster.nodes.every((n: any) => n.ready));
    t.deepEqual([...cluster.etcdMembers].sort(), cps.map((v: any) => v.name).sort());
    t.deepEqual(
        apiRule(sim)
            ._members.map((m: any) => m.vmid)
            .sort(),
        cps.map((v: any) => v.id).sort(),
        "the API rule balances the three",
    );
    const kubeconfig = output("kubeconfig");
    t.is((await kubeGet(kubeconfig, "/healthz")).body, "ok");

    // Roll the control plane to another offering; the API is polled all along.
    let polls = 0;
    const failures: string[] = [];
    let polling = true;
    const poller = (async () => {
        while (polling) {
            polls++;
            await kubeGet(kubeconfig, "/healthz").then(
                (r) => (r.status === 200 ? undefined : failures.push(`HTTP ${r.status} ${r.body}`)),
                (e) => failures.push((e as Error).message),
            );
            await new Promise((r) => setTimeout(r, 100));
        }
    })();
    const roll = await run("up", "workers=0", "controlPlaneCount=3", "controlPlaneOffering=4C-8GB").finally(() => (polling = false));
    await poller;
    t.true(polls > 10, `${polls} polls`);
    t.deepEqual(failures, [], "the API answered /healthz during the whole roll");

    const now = running(sim, "small-control-plane-");
    t.is(now.length, 3);
    t.true(
        now.every((v: any) => v.serviceofferingname === "4C-8GB"),
        now.map((v: any) => v.serviceofferingname).join(","),
    );
    const old = cps.map((v: any) => v.name);
    t.false(
        now.some((v: any) => old.includes(v.name)),
        "every old control-plane VM was replaced",
    );
    [cluster] = sim.kubeadmClusters();
    t.deepEqual([...cluster.etcdMembers].sort(), now.map((v: any) => v.name).sort(), "etcd ends with the three new members");
    t.deepEqual(cluster.nodes.map((n: any) => n.name).sort(), now.map((v: any) => v.name).sort());
    t.deepEqual(
        apiRule(sim)
            ._members.map((m: any) => m.vmid)
            .sort(),
        now.map((v: any) => v.id).sort(),
    );
    t.is((await kubeGet(output("kubeconfig"), "/healthz")).body, "ok", "the kubeconfig output still works");

    // One at a time: each new member joins after the previous old one reset (left etcd).
    const nodes = sim.emulatedNodes().filter((n: any) => n.hostname.includes("-control-plane-"));
    const events = nodes
        .flatMap((n: any) =>
            n.history
                .filter(
                    (h: any) =>
                        (h.step === "kubeadm-join" && !old.includes(n.hostname) && !joined.some((j: any) => j.hostname === n.hostname)) ||
                        (h.step === "reset-node" && old.includes(n.hostname)),
                )
                .map((h: any) => ({ seq: h.seq, step: h.step })),
        )
        .sort((a: any, b: any) => a.seq - b.seq)
        .map((e: any) => e.step);
    t.deepEqual(
        events,
        ["kubeadm-join", "reset-node", "kubeadm-join", "reset-node", "kubeadm-join", "reset-node"],
        roll.stderr
            .split("\n")
            .filter((l) => /rolling|: Ready$|: removed$/.test(l))
            .join("\n"),
    );
    ranOnce(t, nodes);
});

test("a worker VM destroyed out of band: refresh then up brings the group back to its count with a new node, and Kubernetes forgets the old one", async (t) => {
    const { sim, run, client } = await world(t);
    await run("up");
    const [gone] = running(sim, "small-workers-");
    t.truthy(gone);
    t.true(sim.kubeadmClusters()[0].nodes.some((n: any) => n.name === gone.name));
    await destroyVirtualMachine(client, gone.id, true);
    t.deepEqual(running(sim, "small-workers-"), []);

    const refreshed = await run("refresh");
    t.regex(refreshed.stderr, /NodeGroup::small-workers changed .*vanishedNodes/, "refresh saw the worker's VM gone");
    const up = await run("up");
    t.regex(up.stderr, new RegExp(`${gone.name}: its VM ${gone.id} is gone from Mold; removing the node`));
    const workers = running(sim, "small-workers-");
    t.is(workers.length, 1, "back to one worker");
    t.not(workers[0].name, gone.name);
    const [cluster] = sim.kubeadmClusters();
    const names = cluster.nodes.map((n: any) => n.name);
    t.false(names.includes(gone.name), `Kubernetes still lists ${gone.name}: ${names.join(", ")}`);
    t.true(
        cluster.nodes.some((n: any) => n.name === workers[0].name && n.ready),
        "the new worker is Ready",
    );
    t.is(up.result!.outputs.nodes.length, 2);
    t.deepEqual(up.result!.outputs.nodes.map((n: any) => n.name).sort(), names.sort());
});

test("nodes still booting: SSH is retried with the attempts logged, and the up succeeds", async (t) => {
    const { sim, run } = await world(t);
    sim.setSshFaults({ bootDelayMs: 3000 });
    const started = Date.now();
    const up = await run("up");
    t.regex(up.stderr, /info: .*small-control-plane-[0-9a-f]{5}: SSH to .* not ready \(.*\), attempt \d+ of \d+, retrying in/);
    t.true(Date.now() - started >= 3000);
    const [cluster] = sim.kubeadmClusters();
    t.is(cluster.nodes.length, 2);
    t.true(cluster.nodes.every((n: any) => n.ready));
    ranOnce(t, sim.emulatedNodes());
});
