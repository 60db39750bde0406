// kube-apiserver restarts in the emulated kubeadm clusters: round-robin dispatch per connection across the
// API load balancer's members, a connection sent to a restarting member refused, members the health checks
// took out skipped; and over SSH, a kubeadm upgrade whose latency keeps the only API server down until it
// answers (also when the reply is cut).
import test from "ava";
import { emptyState, SimState } from "../../simulator/state";
import { T } from "../../simulator/model";
import { ApiDispatcher, apiServerRestarting, clearRestarting, markRestarting, RESTART_GRACE_MS } from "../../simulator/kubeadm/restarts";
import { kget, readKubeconfig } from "../helpers/kube-get";
import { inSshWorld, prepare } from "./sim-ssh-world";

const HOST = "127.77.0.10";

/** A cluster of `cps` control-plane VMs behind one LB rule on HOST:6443, plus a stopped VM and a worker in the rule. */
function world(cps: number): SimState {
    const state = emptyState();
    const vms: Record<string, any> = {};
    const emulated: Record<string, any> = {};
    const nodes: any[] = [];
    const add = (id: string, role: "control-plane" | "worker", vmState = "Running") => {
        vms[id] = { id, state: vmState };
        emulated[id] = { kubeadm: { clusterId: "c1", role, adminConf: role === "control-plane" ? "apiVersion: v1" : undefined } };
        nodes.push({ name: id, vmId: id, role, labels: {}, taints: [], joinedAt: "2026-01-01T00:00:00Z", kubeletVersion: "1.31.2" });
    };
    for (let i = 1; i <= cps; i++) add(`cp-${i}`, "control-plane");
    add("cp-stopped", "control-plane", "Stopped");
    add("worker-1", "worker");
    state.tables[T.vms] = vms;
    state.tables[T.emulatedNodes] = emulated;
    state.tables[T.kubeadmClusters] = { c1: { id: "c1", endpoint: `${HOST}:6443`, version: "1.31.2", nodes } };
    state.tables[T.loadBalancerRules] = {
        r1: { id: "r1", state: "Active", publicip: HOST, publicport: "6443", privateport: "6443", _members: Object.keys(vms).map((vmid) => ({ vmid })) },
    };
    return state;
}

const dispatchMany = (d: ApiDispatcher, state: SimState, n: number, now = 0) =>
    Array.from({ length: n }, () => {
        const r = d.dispatch(state, HOST, 6443, now);
        return r ? `${r.route.vmId}${r.refused ? "!" : ""}` : "none";
    });

test("round-robin per connection over the live control-plane members; stopped VMs and workers skipped", (t) => {
    const state = world(3);
    t.deepEqual(dispatchMany(new ApiDispatcher(), state, 6), ["cp-1", "cp-2", "cp-3", "cp-1", "cp-2", "cp-3"]);
});

test("a restarting member: every connection dispatched to it is refused, the others answer; the mark ends when cleared or at its expiry", (t) => {
    const state = world(3);
    const d = new ApiDispatcher();
    const id = markRestarting(state, "cp-2", "kubeadm-upgrade", 1000, 1500)!;
    t.truthy(id);
    t.deepEqual(dispatchMany(d, state, 6, 1000), ["cp-1", "cp-2!", "cp-3", "cp-1", "cp-2!", "cp-3"]);
    // Still within its duration; a later mark by another step is not ended by this one's id.
    t.true(apiServerRestarting(state, "cp-2", 2400));
    clearRestarting(state, "cp-2", "someone-else");
    t.true(apiServerRestarting(state, "cp-2", 2400));
    clearRestarting(state, "cp-2", id);
    t.false(apiServerRestarting(state, "cp-2", 2400));
    t.deepEqual(dispatchMany(d, state, 3, 2400), ["cp-1", "cp-2", "cp-3"]);
    // A mark nobody cleared (its runner went away) lapses past duration + grace on the simulator's clock.
    markRestarting(state, "cp-3", "certs-renew", 0, 1500);
    t.true(apiServerRestarting(state, "cp-3", 1500 + RESTART_GRACE_MS - 1));
    t.false(apiServerRestarting(state, "cp-3", 1500 + RESTART_GRACE_MS));
});

test("a single member restarting refuses everything; nothing live on the address: not dispatched at all", (t) => {
    const state = world(1);
    const d = new ApiDispatcher();
    markRestarting(state, "cp-1", "kubeadm-upgrade", 0, 1000);
    t.deepEqual(dispatchMany(d, state, 3), ["cp-1!", "cp-1!", "cp-1!"]);
    state.tables[T.vms]["cp-1"].state = "Stopped";
    t.deepEqual(dispatchMany(d, state, 1), ["none"]);
});

test(
    "over SSH: kubeadm upgrade's latency keeps the node's API server down, connections through the load balancer are reset until it answers, also when the reply is cut",
    inSshWorld(async (t, w) => {
        const cp = await w.deploy("cp-1");
        await w.loadBalancer(6443, 6443, [cp]);
        await prepare(t, w, cp, "1.31.2");
        const init = await w.run(cp, "kubeadm-init", {
            PM_KUBERNETES_VERSION: "1.31.2",
            PM_NODE_NAME: "cp-1",
            PM_CONTROL_PLANE_ENDPOINT: `${w.ip}:6443`,
            PM_POD_CIDR: "10.244.0.0/16",
            PM_SERVICE_CIDR: "10.96.0.0/12",
            PM_CERT_SANS: "",
        });
        t.is(init.exitCode, 0, init.stderr);
        await w.sim.reconcileKubeApi();
        const kc = readKubeconfig((await w.run(cp, "admin-kubeconfig")).stdout);
        t.is((await kget(kc, "/healthz")).body, "ok");
        t.like(await w.run(cp, "kube-packages", { PM_KUBERNETES_VERSION: "1.32.0", PM_PACKAGES: "kubeadm" }), { exitCode: 0 });

        /** Polls /healthz until the step answers; what each poll got. */
        const during = async (step: Promise<unknown>) => {
            let done = false;
            void step.finally(() => (done = true));
            const seen: string[] = [];
            while (!done) {
                seen.push(
                    await kget(kc, "/healthz").then(
                        (r) => `${r.status}`,
                        (e) => (e as NodeJS.ErrnoException).code ?? (e as Error).message,
                    ),
                );
                await new Promise((r) => setTimeout(r, 50));
            }
            return seen;
        };
        w.sim.setSshFaults({ stepLatency: { "kubeadm-upgrade": 1500 } });
        const upgrade = w.run(cp, "kubeadm-upgrade", { PM_MODE: "apply", PM_KUBERNETES_VERSION: "1.32.0" });
        const seen = await during(upgrade);
        t.like(await upgrade, { exitCode: 0, results: { upgrade: "done" } });
        // Answered while the SSH connection is made, reset from the step's start until it answered.
        t.regex(seen.join(" "), /^(200 )*(ECONNRESET ){5,}(ECONNRESET|200)$/, "refused while the API server restarts");
        t.is((await kget(kc, "/healthz")).body, "ok", "up again once the step answered");

        // Already at 1.32.0: nothing restarts.
        const again = w.run(cp, "kubeadm-upgrade", { PM_MODE: "apply", PM_KUBERNETES_VERSION: "1.32.0" });
        const calm = await during(again);
        t.like(await again, { results: { upgrade: "already" } });
        t.deepEqual([...new Set(calm)], ["200"]);

        // certs-renew inside the window restarts it too; the reply cut after the effect still ends the restart.
        w.sim.setSshFaults({ stepLatency: { "certs-renew": 1000 }, drops: [{ step: "certs-renew", when: "after", times: 1 }] });
        const renew = w.run(cp, "certs-renew", { PM_RENEW_WITHIN_SECONDS: String(400 * 24 * 3600) });
        const cut = await during(renew);
        t.true((await renew).dropped);
        t.true(cut.includes("ECONNRESET"), cut.join(" "));
        const fresh = readKubeconfig((await w.run(cp, "admin-kubeconfig")).stdout);
        t.is((await kget(fresh, "/healthz")).body, "ok", "not left down after the cut");
        t.is((w.sim.kubeadmClusters()[0].nodes[0] as any).apiServerRestart, undefined, "the mark was cleared");
    }),
);
