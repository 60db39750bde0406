// Node health in the emulated kubeadm clusters: POST /sim/nodes/<vm>/kubelet stops a node's kubelet, its Node
// goes NotReady (Ready=Unknown, NodeStatusUnknown) as of the simulator's clock in the Kubernetes API, in
// wait-ready and in the node-health step, which reports every node's Ready status, since when, and the clock.
import test from "ava";
import { ADMIN_HEADER } from "../../simulator/admin-endpoints";
import { kget, readKubeconfig } from "../helpers/kube-get";
import { inSshWorld, prepare } from "./sim-ssh-world";

const VERSION = "1.31.2";
const POD_CIDR = "10.244.0.0/16";
const MIN = 60_000;

test(
    "a stopped kubelet makes the node NotReady from the simulated time on; node-health reports it; a started one is Ready again",
    inSshWorld(async (t, w) => {
        const cp = await w.deploy("cp-1");
        await w.loadBalancer(6443, 6443, [cp]);
        await prepare(t, w, cp, VERSION);
        const init = {
            PM_KUBERNETES_VERSION: VERSION,
            PM_NODE_NAME: "cp-1",
            PM_CONTROL_PLANE_ENDPOINT: `${w.ip}:6443`,
            PM_POD_CIDR: POD_CIDR,
            PM_SERVICE_CIDR: "10.96.0.0/12",
            PM_CERT_SANS: "",
        };
        t.is((await w.run(cp, "kubeadm-init", init)).exitCode, 0);
        t.is((await w.run(cp, "cni", { PM_CNI: "flannel", PM_POD_CIDR: POD_CIDR })).exitCode, 0);
        const worker = await w.deploy("worker-1");
        await prepare(t, w, worker, VERSION);
        const join = (await w.run(cp, "join-info", { PM_WITH_CERTIFICATE_KEY: "0" })).results["join-command"];
        t.is((await w.run(worker, "kubeadm-join", { PM_JOIN_COMMAND: join, PM_CONTROL_PLANE: "0", PM_NODE_NAME: "worker-1" })).exitCode, 0);

        const health = async () => {
            const r = await w.run(cp, "node-health");
            t.is(r.exitCode, 0, r.stderr);
            const lines = r.stdout.split("\n").filter((l) => l.startsWith("pulumi-mold: node="));
            return { lines, now: Date.parse(r.results.now) };
        };
        let h = await health();
        t.is(h.lines.length, 2);
        t.true(
            h.lines.every((l) => / ready=True since=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(l)),
            h.lines.join("\n"),
        );
        t.true(Number.isFinite(h.now));

        const base = w.sim.url.replace(/\/client\/api$/, "");
        const post = (p: string, body: unknown, key = w.sim.apiKey) =>
            fetch(`${base}${p}`, { method: "POST", headers: key ? { [ADMIN_HEADER]: key } : {}, body: JSON.stringify(body) });
        const stopped = await post(`/sim/nodes/${worker.vm.name}/kubelet`, { running: false });
        t.is(stopped.status, 200);
        const answer: any = await stopped.json();
        t.like(answer, { vmId: worker.vm.id, running: false });
        const stoppedAt = Date.parse(answer.since);
        t.is(Math.abs(stoppedAt - w.sim.simulator.clock.now()) < 5000, true, "stamped by the simulator's clock");
        t.is((await post(`/sim/nodes/${worker.vm.name}/kubelet`, { running: false }, "")).status, 401);
        const bad = await post(`/sim/nodes/${worker.vm.name}/kubelet`, { running: "no" });
        t.is(bad.status, 400);
        t.regex(((await bad.json()) as any).error, /running.*true\|false/);
        const unknown = await post("/sim/nodes/no-such-vm/kubelet", { running: false });
        t.is(unknown.status, 400);
        t.regex(((await unknown.json()) as any).error, /no emulated node for VM 'no-such-vm'/);

        await w.sim.advanceClock(5 * MIN);
        h = await health();
        const line = h.lines.find((l) => l.includes("node=worker-1 "))!;
        t.regex(line, / ready=Unknown since=/);
        const since = Date.parse(line.split("since=")[1]);
        t.true(Math.abs(since - stoppedAt) < 1000, `${line} vs ${answer.since}`);
        t.true(h.now - since >= 5 * MIN && h.now - since < 6 * MIN, `NotReady for ${(h.now - since) / 1000}s`);
        t.regex(
            h.lines.find((l) => l.includes("node=cp-1 "))!,
            / ready=True /,
        );

        // The Kubernetes API and wait-ready say the same.
        await w.sim.reconcileKubeApi();
        const kc = readKubeconfig((await w.run(cp, "admin-kubeconfig")).stdout);
        const node = (await kget(kc, "/api/v1/nodes/worker-1")).json;
        const ready = node.status.conditions.find((c: any) => c.type === "Ready");
        t.like(ready, { status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." });
        t.is(Date.parse(ready.lastTransitionTime), since);
        t.is(ready.lastHeartbeatTime, ready.lastTransitionTime, "no heartbeat since the kubelet stopped");
        t.is((await w.run(cp, "wait-ready", { PM_NODES: "worker-1", PM_TIMEOUT_SECONDS: "0" })).exitCode, 1);

        t.is((await post(`/sim/nodes/${worker.vm.id}/kubelet`, { running: true })).status, 200, "by VM id too");
        h = await health();
        const back = h.lines.find((l) => l.includes("node=worker-1 "))!;
        t.regex(back, / ready=True /);
        t.true(Date.parse(back.split("since=")[1]) > since, "the transition to Ready is the restart");
        t.is((await w.run(cp, "wait-ready", { PM_NODES: "worker-1", PM_TIMEOUT_SECONDS: "5" })).exitCode, 0);
        t.is((await w.run(worker, "node-health")).exitCode, 1, "a worker has no admin.conf");
    }),
);
