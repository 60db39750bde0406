// Kubernetes upgrades in the emulated kubeadm clusters, step by step over SSH: kubeadm's refusals (a skipped
// minor, a downgrade, kubeadm not at the target, `upgrade node` before `apply`, a kubelet newer than the API
// server at join or at a package upgrade), and a full 1.31 → 1.32 upgrade whose effects each happen once.
import test from "ava";
import { kget, readKubeconfig } from "../helpers/kube-get";
import { inSshWorld, Node, prepare, SshWorld } from "./sim-ssh-world";

const POD_CIDR = "10.244.0.0/16";

async function cluster(t: any, w: SshWorld): Promise<{ cp: Node; worker: Node; joinCommand: string }> {
    const cp = await w.deploy("cp-1");
    await w.loadBalancer(6443, 6443, [cp]);
    await prepare(t, w, cp, "1.31.2");
    const init = await w.run(cp, "kubeadm-init", {
        PM_KUBERNETES_VERSION: "1.31.2",
        PM_NODE_NAME: "cp-1",
        PM_CONTROL_PLANE_ENDPOINT: `${w.ip}:6443`,
        PM_POD_CIDR: POD_CIDR,
        PM_SERVICE_CIDR: "10.96.0.0/12",
        PM_CERT_SANS: "",
    });
    t.is(init.exitCode, 0, init.stderr);
    t.is((await w.run(cp, "cni", { PM_CNI: "flannel", PM_POD_CIDR: POD_CIDR })).exitCode, 0);
    const worker = await w.deploy("worker-1");
    await prepare(t, w, worker, "1.31.2");
    const info = await w.run(cp, "join-info", { PM_WITH_CERTIFICATE_KEY: "0" });
    const joinCommand = info.results["join-command"];
    t.like(await w.run(worker, "kubeadm-join", { PM_JOIN_COMMAND: joinCommand, PM_CONTROL_PLANE: "0", PM_NODE_NAME: "worker-1" }), { exitCode: 0 });
    return { cp, worker, joinCommand };
}

test(
    "kubeadm's refusals: a skipped minor, a downgrade, kubeadm not at the target, upgrade node before apply, kubelet newer than the API server",
    inSshWorld(async (t, w) => {
        const { cp, worker, joinCommand } = await cluster(t, w);
        const apply = (v: string) => w.run(cp, "kubeadm-upgrade", { PM_MODE: "apply", PM_KUBERNETES_VERSION: v });
        // kubeadm itself still 1.31.2.
        t.regex((await apply("1.32.0")).stderr, /kubeadm is v1\.31\.2, not v1\.32\.0: upgrade the kubeadm package first/);
        t.like(await w.run(cp, "kube-packages", { PM_KUBERNETES_VERSION: "1.33.0", PM_PACKAGES: "kubeadm" }), { exitCode: 0 });
        t.deepEqual(w.nodeState(cp).packages.kubelet, "1.31.2", "PM_PACKAGES=kubeadm moves kubeadm only");
        const skip = await apply("1.33.0");
        t.is(skip.exitCode, 1);
        t.regex(skip.stderr, /Specified version to upgrade to "v1\.33\.0" is too high; kubeadm can upgrade only 1 minor version at a time/);
        t.like(await w.run(cp, "kube-packages", { PM_KUBERNETES_VERSION: "1.30.5", PM_PACKAGES: "kubeadm" }), { exitCode: 0 });
        t.regex((await apply("1.30.5")).stderr, /is lower than the cluster version "v1\.31\.2"\. Downgrades are not supported yet/);
        // A worker cannot run upgrade node before apply ran.
        t.like(await w.run(worker, "kube-packages", { PM_KUBERNETES_VERSION: "1.32.0", PM_PACKAGES: "kubeadm" }), { exitCode: 0 });
        const early = await w.run(worker, "kubeadm-upgrade", { PM_MODE: "node", PM_KUBERNETES_VERSION: "1.32.0" });
        t.regex(early.stderr, /the cluster is at v1\.31\.2, not v1\.32\.0: kubeadm upgrade apply v1\.32\.0 must run on the first control-plane node first/);
        // Kubelets may not lead the API server: neither by a package upgrade nor at join.
        const lead = await w.run(worker, "kube-packages", { PM_KUBERNETES_VERSION: "1.32.0" });
        t.regex(lead.stderr, /kubelet v1\.32\.0 would be newer than kube-apiserver v1\.31\.2/);
        t.is(w.nodeState(worker).packages.kubelet, "1.31.2");
        const fresh = await w.deploy("worker-2");
        await prepare(t, w, fresh, "1.32.0");
        const join = await w.run(fresh, "kubeadm-join", { PM_JOIN_COMMAND: joinCommand, PM_CONTROL_PLANE: "0", PM_NODE_NAME: "worker-2" });
        t.is(join.exitCode, 1);
        t.regex(
            join.stderr,
            /\[ERROR KubeletVersion\]: the kubelet version is higher than the control plane version.*Kubelet version: "1\.32\.0" Control plane version: "1\.31\.2"/,
        );
        const [c] = w.sim.kubeadmClusters();
        t.is(c.version, "1.31.2", "nothing changed the cluster");
        t.true(
            w
                .nodeState(cp)
                .history.filter((h: any) => h.step === "kubeadm-upgrade")
                .every((h: any) => h.outcome === "failed"),
        );
    }),
);

test(
    "1.31 → 1.32: apply on the control plane, /version follows, upgrade node on the worker, kubelets reported; re-runs are already",
    inSshWorld(async (t, w) => {
        const { cp, worker } = await cluster(t, w);
        await w.sim.reconcileKubeApi();
        const kc = readKubeconfig((await w.run(cp, "admin-kubeconfig")).stdout);
        t.is((await kget(kc, "/version")).json.gitVersion, "v1.31.2");
        const target = { PM_KUBERNETES_VERSION: "1.32.0" };
        for (const [node, mode] of [
            [cp, "apply"],
            [worker, "node"],
        ] as const) {
            t.like(await w.run(node, "kube-packages", { ...target, PM_PACKAGES: "kubeadm" }), { exitCode: 0 });
            t.like(await w.run(node, "kubeadm-upgrade", { ...target, PM_MODE: mode }), { exitCode: 0, results: { upgrade: "done" } });
            t.like(await w.run(cp, "drain-node", { PM_NODE: node.name, PM_DELETE: "0", PM_TIMEOUT_SECONDS: "30" }), { exitCode: 0 });
            t.true(w.sim.kubeadmClusters()[0].nodes.find((n: any) => n.name === node.name)?.unschedulable);
            t.like(await w.run(node, "kube-packages", target), { exitCode: 0 });
            t.like(await w.run(cp, "uncordon-node", { PM_NODE: node.name }), { exitCode: 0, results: { uncordoned: "done" } });
            if (mode === "apply") t.is((await kget(kc, "/version")).json.gitVersion, "v1.32.0", "the API server answers its new version");
        }
        const nodes = (await kget(kc, "/api/v1/nodes")).json.items;
        t.deepEqual(
            nodes.map((n: any) => [n.metadata.name, n.status.nodeInfo.kubeletVersion]),
            [
                ["cp-1", "v1.32.0"],
                ["worker-1", "v1.32.0"],
            ],
        );
        t.false(w.sim.kubeadmClusters()[0].nodes.some((n: any) => n.unschedulable));
        // Everything again: nothing to do.
        for (const [node, mode] of [
            [cp, "apply"],
            [worker, "node"],
        ] as const) {
            t.like(await w.run(node, "kubeadm-upgrade", { ...target, PM_MODE: mode }), { exitCode: 0, results: { upgrade: "already" } });
            t.like(await w.run(cp, "uncordon-node", { PM_NODE: node.name }), { results: { uncordoned: "already" } });
        }
        t.is(w.nodeState(cp).counters["kubeadm-upgrade"], 1);
        t.is(w.nodeState(worker).counters["kubeadm-upgrade"], 1);
        t.is(w.sim.kubeadmClusters()[0].version, "1.32.0");
    }),
);
