// Emulated kubeadm clusters: a full bootstrap of a control-plane node and a worker over SSH in the order of
// PROTOCOL.md, each effect exactly once (re-runs record "already"), the cluster's Kubernetes API on the
// load-balanced endpoint with its own PKI, join refusals like kubeadm's, drain and reset.
import test, { ExecutionContext } from "ava";
import { createHash, X509Certificate } from "crypto";
import * as https from "https";
import { removeFromLoadBalancerRule, listLoadBalancerRules } from "../../provider/client";
import { Kubeconfig, kget, readKubeconfig } from "../helpers/kube-get";
import { inSshWorld, Node, NODE_PREP, prepare, SshWorld } from "./sim-ssh-world";

const VERSION = "1.31.2";
const POD_CIDR = "10.244.0.0/16";

/** kubeadm's admin kubeconfig, checked for the names kubeadm gives its cluster and user. */
function readKubeadmKubeconfig(text: string): Kubeconfig {
    const kc = readKubeconfig(text);
    t_assert(kc.userName === "kubernetes-admin" && kc.clusterName === "kubernetes", "kubeadm's names");
    return kc;
}

function t_assert(ok: boolean, what: string): void {
    if (!ok) throw new Error(`kubeconfig: ${what}`);
}

const ready = (n: any) => n.status.conditions.find((c: any) => c.type === "Ready").status;

const initEnv = (w: SshWorld, extra: Record<string, string> = {}) => ({
    PM_KUBERNETES_VERSION: VERSION,
    PM_NODE_NAME: "cp-1",
    PM_CONTROL_PLANE_ENDPOINT: `${w.ip}:6443`,
    PM_POD_CIDR: POD_CIDR,
    PM_SERVICE_CIDR: "10.96.0.0/12",
    PM_CERT_SANS: "api.example.test\n10.1.2.3",
    ...extra,
});

/** A prepared, initialized control-plane node behind an LB on :6443, with flannel. */
async function controlPlane(t: ExecutionContext, w: SshWorld): Promise<Node> {
    const cp = await w.deploy("cp-1");
    await w.loadBalancer(6443, 6443, [cp]);
    await prepare(t, w, cp, VERSION);
    const init = await w.run(cp, "kubeadm-init", initEnv(w));
    t.is(init.exitCode, 0, init.stderr);
    return cp;
}

async function joinInfo(t: ExecutionContext, w: SshWorld, cp: Node, withKey = false) {
    const r = await w.run(cp, "join-info", { PM_WITH_CERTIFICATE_KEY: withKey ? "1" : "0" });
    t.is(r.exitCode, 0, r.stderr);
    const key: string | undefined = r.results["certificate-key"];
    return { command: r.results["join-command"], key };
}

test(
    "1 control plane + 1 worker bootstrapped in protocol order: API on the LB endpoint with the cluster's PKI, nodes Ready after cni, each effect once, re-runs record already",
    inSshWorld(async (t, w) => {
        const cp = await controlPlane(t, w);
        const worker = await w.deploy("worker-1");
        await prepare(t, w, worker, VERSION);
        await w.sim.reconcileKubeApi();

        const conf = await w.run(cp, "admin-kubeconfig");
        t.is(conf.exitCode, 0);
        t.notRegex(conf.stdout, /pulumi-mold:/, "nothing but the kubeconfig on stdout");
        const kc = readKubeadmKubeconfig(conf.stdout);
        t.is(kc.server.href, `https://${w.ip}:6443/`);
        const sans = new X509Certificate(await serverCert(kc)).subjectAltName ?? "";
        for (const san of [`IP Address:${w.ip}`, "DNS:api.example.test", "IP Address:10.1.2.3", "IP Address:10.96.0.1"])
            t.true(sans.includes(san), `${san} in ${sans}`);
        t.like(
            w.sim.kubeApiEndpoints().find((e) => e.kind === "kubeadm"),
            { address: w.ip, port: 6443, status: "listening" },
        );
        t.is((await kget(kc, "/healthz")).body, "ok");
        t.is((await kget(kc, "/version")).json.gitVersion, `v${VERSION}`);
        t.is((await kget(kc, "/api/v1/nodes", { ca: kc.ca })).status, 401, "no client certificate");
        let nodes = (await kget(kc, "/api/v1/nodes")).json.items;
        t.deepEqual(
            nodes.map((n: any) => [n.metadata.name, ready(n)]),
            [["cp-1", "False"]],
            "no CNI yet",
        );

        t.like(await w.run(cp, "cni", { PM_CNI: "flannel", PM_POD_CIDR: POD_CIDR }), { exitCode: 0, results: { cni: "flannel" } });
        const join = await joinInfo(t, w, cp);
        const hash =
            "sha256:" +
            createHash("sha256")
                .update(new X509Certificate(kc.ca).publicKey.export({ type: "spki", format: "der" }))
                .digest("hex");
        t.regex(
            join.command,
            new RegExp(`^kubeadm join ${w.ip.replace(/\./g, "\\.")}:6443 --token [a-z0-9]{6}\\.[a-z0-9]{16} --discovery-token-ca-cert-hash ${hash}$`),
        );
        t.true(join.key === undefined, "no certificate key unless asked for");
        const joined = await w.run(worker, "kubeadm-join", { PM_JOIN_COMMAND: join.command, PM_CONTROL_PLANE: "0", PM_NODE_NAME: "worker-1" });
        t.like(joined, { exitCode: 0, results: { join: "done" } });
        t.like(await w.run(cp, "wait-ready", { PM_NODES: "cp-1\nworker-1", PM_TIMEOUT_SECONDS: "10" }), { exitCode: 0 });
        const meta = {
            PM_NODE: "worker-1",
            PM_LABELS: "tier=web\nnode.example.com/pool=general",
            PM_REMOVE_LABELS: "",
            PM_TAINTS: "dedicated=batch:NoSchedule",
            PM_REMOVE_TAINTS: "",
        };
        t.like(await w.run(cp, "node-metadata", meta), { exitCode: 0 });

        nodes = (await kget(kc, "/api/v1/nodes")).json.items;
        t.deepEqual(
            nodes.map((n: any) => [n.metadata.name, ready(n)]),
            [
                ["cp-1", "True"],
                ["worker-1", "True"],
            ],
        );
        const [cpNode, workerNode] = nodes;
        t.is(cpNode.metadata.labels["node-role.kubernetes.io/control-plane"], "");
        t.deepEqual(cpNode.spec.taints, [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }]);
        t.like(workerNode.metadata.labels, { tier: "web", "node.example.com/pool": "general" });
        t.false("node-role.kubernetes.io/control-plane" in workerNode.metadata.labels);
        t.deepEqual(workerNode.spec.taints, [{ key: "dedicated", value: "batch", effect: "NoSchedule" }]);
        t.is((await kget(kc, "/api/v1/nodes/worker-1")).json.metadata.name, "worker-1");

        // What happened, in order, on each node and across them.
        const cpSteps = [...NODE_PREP, "kubeadm-init", "admin-kubeconfig", "cni", "join-info", "wait-ready", "node-metadata"];
        const cpState = w.nodeState(cp);
        const workerState = w.nodeState(worker);
        t.deepEqual(
            cpState.history.map((e: any) => e.step),
            cpSteps,
        );
        t.deepEqual(
            workerState.history.map((e: any) => e.step),
            [...NODE_PREP, "kubeadm-join"],
        );
        t.true([...cpState.history, ...workerState.history].every((e: any) => e.outcome === "applied"));
        const seq = (s: any, step: string) => s.history.find((e: any) => e.step === step).seq;
        t.true(seq(cpState, "join-info") < seq(workerState, "kubeadm-join") && seq(workerState, "kubeadm-join") < seq(cpState, "wait-ready"));
        t.like(cpState, {
            swap: { active: false, inFstab: false },
            containerd: { installed: true, systemdCgroup: true, restarts: 1 },
            packages: { kubeadm: VERSION, held: true },
        });
        t.like(cpState.kubeadm, { role: "control-plane", nodeName: "cp-1", adminConf: true });
        t.like(workerState.kubeadm, { role: "worker", nodeName: "worker-1", adminConf: false, kubeletConf: true });

        // A resumed bootstrap runs everything again: nothing happens twice (join-info mints a token by design).
        for (const step of cpSteps.filter((s) => s !== "join-info")) {
            const env: Record<string, string> =
                step === "kube-packages"
                    ? { PM_KUBERNETES_VERSION: VERSION }
                    : step === "kubeadm-init"
                      ? initEnv(w)
                      : step === "cni"
                        ? { PM_CNI: "flannel", PM_POD_CIDR: POD_CIDR }
                        : step === "wait-ready"
                          ? { PM_NODES: "cp-1\nworker-1", PM_TIMEOUT_SECONDS: "5" }
                          : step === "node-metadata"
                            ? meta
                            : {};
            const r = await w.run(cp, step, env);
            t.is(r.exitCode, 0, `${step}: ${r.stderr}`);
        }
        for (const step of NODE_PREP) t.is((await w.run(worker, step, step === "kube-packages" ? { PM_KUBERNETES_VERSION: VERSION } : {})).exitCode, 0);
        t.like(await w.run(worker, "kubeadm-join", { PM_JOIN_COMMAND: join.command, PM_CONTROL_PLANE: "0", PM_NODE_NAME: "worker-1" }), {
            exitCode: 0,
            results: { join: "already" },
        });
        const rerun = (s: any, skip: number) => s.history.slice(skip).map((e: any) => [e.step, e.outcome]);
        t.deepEqual(
            rerun(w.nodeState(cp), cpSteps.length),
            cpSteps.filter((s) => s !== "join-info").map((s) => [s, "already"]),
        );
        t.deepEqual(
            rerun(w.nodeState(worker), NODE_PREP.length + 1),
            [...NODE_PREP, "kubeadm-join"].map((s) => [s, "already"]),
        );
        t.like(w.nodeState(cp).counters, { "kubeadm-init": 1, cni: 1 });
        t.is(w.nodeState(worker).counters["kubeadm-join"], 1);
        const [cluster] = w.sim.kubeadmClusters();
        t.is(w.sim.kubeadmClusters().length, 1);
        t.like(cluster, {
            endpoint: `${w.ip}:6443`,
            version: VERSION,
            podCidr: POD_CIDR,
            cni: { name: "flannel", applied: 2 },
            etcdMembers: ["cp-1"],
            caCertHash: hash,
        });
        t.deepEqual(
            cluster.nodes.map((n) => [n.name, n.role, n.ready]),
            [
                ["cp-1", "control-plane", true],
                ["worker-1", "worker", true],
            ],
        );

        // Taking the control plane out of the load balancer takes the API away.
        const [rule] = await listLoadBalancerRules(w.client, { publicipid: w.ipId });
        await removeFromLoadBalancerRule(w.client, rule.id, { virtualmachineids: [cp.vm.id] });
        await w.sim.reconcileKubeApi();
        await t.throwsAsync(kget(kc, "/healthz"), { code: "ECONNREFUSED" });
    }),
);

/** The API server's certificate as PEM, from a TLS handshake. */
function serverCert(kc: Kubeconfig): Promise<string> {
    return new Promise((resolve, reject) => {
        const req = https.get(
            { host: kc.server.hostname, port: Number(kc.server.port), path: "/healthz", agent: false, ca: kc.ca, cert: kc.cert, key: kc.key },
            (res) => {
                const der = (res.socket as import("tls").TLSSocket).getPeerCertificate().raw;
                res.resume();
                resolve(`-----BEGIN CERTIFICATE-----\n${der.toString("base64")}\n-----END CERTIFICATE-----\n`);
            },
        );
        req.on("error", reject);
    });
}

test(
    "kubeadm refusals: init without a route to the node, bad token, unknown token, wrong CA pin, control-plane join without a valid certificate key, unserved endpoint, a node name already taken",
    inSshWorld(async (t, w) => {
        const lonely = await w.deploy("lonely");
        await prepare(t, w, lonely, VERSION);
        const noRoute = await w.run(lonely, "kubeadm-init", initEnv(w, { PM_NODE_NAME: "lonely", PM_CONTROL_PLANE_ENDPOINT: `${w.ip}:7443` }));
        t.is(noRoute.exitCode, 1);
        t.regex(noRoute.stderr, new RegExp(`dial tcp ${w.ip.replace(/\./g, "\\.")}:7443: connect: connection refused`));

        const cp = await controlPlane(t, w);
        const join = await joinInfo(t, w, cp, true);
        t.regex(join.key!, /^[0-9a-f]{64}$/);
        const node = await w.deploy("cp-2");
        await prepare(t, w, node, VERSION);
        const attempt = (cmd: string, extra: Record<string, string> = {}) =>
            w.run(node, "kubeadm-join", { PM_JOIN_COMMAND: cmd, PM_CONTROL_PLANE: "0", PM_NODE_NAME: "cp-2", ...extra });
        const [, endpoint, token, hash] = /^kubeadm join (\S+) --token (\S+) --discovery-token-ca-cert-hash (\S+)$/.exec(join.command)!;

        const malformed = await attempt(`kubeadm join ${endpoint} --token nope --discovery-token-ca-cert-hash ${hash}`);
        t.regex(malformed.stderr, /was not of the form "\[a-z0-9\]\{6\}\.\[a-z0-9\]\{16\}"/);
        const unknown = await attempt(`kubeadm join ${endpoint} --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash ${hash}`);
        t.is(unknown.exitCode, 1);
        t.regex(unknown.stderr, /could not find a JWS signature in the cluster-info ConfigMap for token ID "abcdef"/);
        const pin = await attempt(`kubeadm join ${endpoint} --token ${token} --discovery-token-ca-cert-hash sha256:${"0".repeat(64)}`);
        t.regex(pin.stderr, /none of the public keys "sha256:[0-9a-f]{64}" are pinned/);
        const unserved = await attempt(`kubeadm join ${w.ip}:7443 --token ${token} --discovery-token-ca-cert-hash ${hash}`);
        t.regex(unserved.stderr, /connect: connection refused/);
        const noKey = await attempt(join.command, { PM_CONTROL_PLANE: "1", PM_CERTIFICATE_KEY: "f".repeat(64) });
        t.regex(noKey.stderr, /Secret "kubeadm-certs" was not found/);
        t.deepEqual(
            w.sim.kubeadmClusters()[0].nodes.map((n) => n.name),
            ["cp-1"],
            "nothing joined",
        );
        t.true(
            w
                .nodeState(node)
                .history.slice(-5)
                .every((e: any) => e.outcome === "failed" && e.exitCode === 1),
        );

        // A newer certificate key does not invalidate the previous one (both within their 2 h).
        const newer = await joinInfo(t, w, cp, true);
        t.not(newer.key, join.key);
        const ok = await attempt(join.command, { PM_CONTROL_PLANE: "1", PM_CERTIFICATE_KEY: join.key! });
        t.like(ok, { exitCode: 0, results: { join: "done" } });
        const [cluster] = w.sim.kubeadmClusters();
        t.deepEqual(cluster.etcdMembers, ["cp-1", "cp-2"]);
        t.like(cluster.nodes[1], { name: "cp-2", role: "control-plane", labels: { "node-role.kubernetes.io/control-plane": "" } });

        // Another VM cannot join under a name the cluster already has.
        const other = await w.run(lonely, "kubeadm-join", { PM_JOIN_COMMAND: newer.command, PM_CONTROL_PLANE: "0", PM_NODE_NAME: "cp-1" });
        t.regex(other.stderr, /a Node with name "cp-1" and status "Ready" already exists/);

        // A control-plane node whose Node object is gone: kubeadm reset cannot find its etcd member, only warns,
        // and the step reports the member as left behind (etcd-member=left), which the provider's reset refuses.
        t.like(await w.run(cp, "drain-node", { PM_NODE: "cp-2", PM_TIMEOUT_SECONDS: "30" }), { exitCode: 0, results: { drained: "done" } });
        const { Fleet } = await import("../../provider/kubeadm/bootstrap");
        const fleet = new Fleet({ username: "debian", privateKey: w.clientKey.private, log: () => undefined });
        try {
            const reachable = { name: "cp-2", sshHost: node.address, sshPort: node.port, hostPublicKey: node.hostKey!.public };
            await t.throwsAsync(fleet.reset(reachable, true), {
                message: /^cp-2: kubeadm reset left its etcd member in the cluster: W1122 \[reset\] Failed to remove etcd member/,
            });
        } finally {
            fleet.close();
        }
        t.deepEqual(w.sim.kubeadmClusters()[0].etcdMembers, ["cp-1", "cp-2"], "the member is still there");
        t.like(await w.run(node, "reset-node"), { exitCode: 0, results: { "etcd-member": "none" } }, "reset again: no member of its own any more");
    }),
);

test(
    "node metadata validation, wait-ready timeout, drain (done then absent) and reset (the node may join again)",
    inSshWorld(async (t, w) => {
        const cp = await controlPlane(t, w);
        const worker = await w.deploy("worker-1");
        await prepare(t, w, worker, VERSION);
        const join = await joinInfo(t, w, cp);
        const joinEnv = { PM_JOIN_COMMAND: join.command, PM_CONTROL_PLANE: "0", PM_NODE_NAME: "worker-1" };
        t.is((await w.run(worker, "kubeadm-join", joinEnv)).exitCode, 0);

        const timeout = await w.run(cp, "wait-ready", { PM_NODES: "cp-1\nworker-1\nghost", PM_TIMEOUT_SECONDS: "1" });
        t.is(timeout.exitCode, 1);
        t.true(timeout.ms >= 1000, `${timeout.ms} ms`);
        t.regex(timeout.stderr, /not Ready after 1s: cp-1 worker-1 ghost/, "no CNI yet: nobody is Ready");

        const badEffect = await w.run(cp, "node-metadata", {
            PM_NODE: "worker-1",
            PM_LABELS: "",
            PM_REMOVE_LABELS: "",
            PM_TAINTS: "x=y:Sometimes",
            PM_REMOVE_TAINTS: "",
        });
        t.is(badEffect.exitCode, 1);
        t.is(badEffect.stderr, "error: invalid taint effect: Sometimes, unsupported taint effect\n");
        const missing = await w.run(cp, "node-metadata", { PM_NODE: "ghost", PM_LABELS: "a=b", PM_REMOVE_LABELS: "", PM_TAINTS: "", PM_REMOVE_TAINTS: "" });
        t.regex(missing.stderr, /nodes "ghost" not found/);
        await w.run(cp, "node-metadata", { PM_NODE: "worker-1", PM_LABELS: "a=b", PM_REMOVE_LABELS: "", PM_TAINTS: "k:NoExecute", PM_REMOVE_TAINTS: "" });
        await w.run(cp, "node-metadata", { PM_NODE: "worker-1", PM_LABELS: "", PM_REMOVE_LABELS: "a", PM_TAINTS: "", PM_REMOVE_TAINTS: "k:NoExecute" });
        const meta = w.sim.kubeadmClusters()[0].nodes[1];
        t.deepEqual([meta.labels, meta.taints], [{}, []]);
        // PM_NODES: one change for several nodes; kubectl changes the ones it finds and names the others.
        const several = await w.run(cp, "node-metadata", { PM_NODES: "cp-1\nWorker-1\nghost", PM_LABELS: "pool=all", PM_TAINTS: "", PM_REMOVE_TAINTS: "" });
        t.is(several.exitCode, 1);
        t.regex(several.stderr, /nodes "ghost" not found/);
        t.deepEqual(
            w.sim.kubeadmClusters()[0].nodes.map((n: any) => [n.name, n.labels.pool]),
            [
                ["cp-1", "all"],
                ["worker-1", "all"],
            ],
        );
        t.like(await w.run(cp, "node-metadata", { PM_NODES: "cp-1\nworker-1", PM_REMOVE_LABELS: "pool" }), { exitCode: 0 });
        t.deepEqual(meta.labels, {});

        t.like(await w.run(cp, "drain-node", { PM_NODE: "worker-1", PM_TIMEOUT_SECONDS: "30" }), { exitCode: 0, results: { drained: "done" } });
        t.like(await w.run(cp, "drain-node", { PM_NODE: "worker-1", PM_TIMEOUT_SECONDS: "30" }), { exitCode: 0, results: { drained: "absent" } });
        t.like(await w.run(worker, "reset-node"), { exitCode: 0, results: { "etcd-member": "none" } }, "a worker is no etcd member");
        t.like(w.nodeState(worker).kubeadm, { adminConf: false, kubeletConf: false });
        t.is(w.nodeState(worker).kubeadm.clusterId, undefined);
        t.is(w.nodeState(worker).history.at(-1).outcome, "applied");
        t.is((await w.run(worker, "reset-node")).exitCode, 0);
        t.is(w.nodeState(worker).history.at(-1).outcome, "already");

        const again = await w.run(worker, "kubeadm-join", joinEnv);
        t.like(again, { exitCode: 0, results: { join: "done" } });
        t.is(w.nodeState(worker).counters["kubeadm-join"], 2, "a reset node joins for real again");
        t.deepEqual(
            w.sim.kubeadmClusters()[0].nodes.map((n) => n.name),
            ["cp-1", "worker-1"],
        );

        // Resetting the control plane leaves etcd.
        t.like(await w.run(cp, "reset-node"), { exitCode: 0, results: { "etcd-member": "removed" } });
        t.deepEqual(w.sim.kubeadmClusters()[0].etcdMembers, []);
        t.regex((await w.run(cp, "join-info", { PM_WITH_CERTIFICATE_KEY: "0" })).stderr, /admin\.conf: no such file/);
    }),
);

test(
    "two clusters side by side (LB 6443 and a port forward 7443 → 6443): each API on its endpoint with its own CA; a node of one cannot join the other",
    inSshWorld(async (t, w) => {
        const cpA = await controlPlane(t, w);
        const cpB = await w.deploy("cp-b");
        await prepare(t, w, cpB, "1.30.4");
        const { createPortForwardingRule } = await import("../../provider/client");
        await createPortForwardingRule(w.client, {
            ipaddressid: w.ipId,
            protocol: "tcp",
            publicport: 7443,
            privateport: 6443,
            virtualmachineid: cpB.vm.id,
            openfirewall: false,
        });
        const init = await w.run(
            cpB,
            "kubeadm-init",
            initEnv(w, { PM_KUBERNETES_VERSION: "1.30.4", PM_NODE_NAME: "cp-b", PM_CONTROL_PLANE_ENDPOINT: `${w.ip}:7443` }),
        );
        t.is(init.exitCode, 0, init.stderr);
        await w.sim.reconcileKubeApi();
        const kcA = readKubeadmKubeconfig((await w.run(cpA, "admin-kubeconfig")).stdout);
        const kcB = readKubeadmKubeconfig((await w.run(cpB, "admin-kubeconfig")).stdout);
        t.not(kcA.ca, kcB.ca);
        t.is((await kget(kcB, "/version")).json.gitVersion, "v1.30.4");
        t.deepEqual(
            (await kget(kcB, "/api/v1/nodes")).json.items.map((n: any) => n.metadata.name),
            ["cp-b"],
        );
        t.is((await kget({ ...kcB, cert: kcA.cert, key: kcA.key }, "/api/v1/nodes")).status, 401, "A's admin certificate does not chain to B's CA");

        const joinB = await joinInfo(t, w, cpB);
        const refused = await w.run(cpA, "kubeadm-join", { PM_JOIN_COMMAND: joinB.command, PM_CONTROL_PLANE: "0", PM_NODE_NAME: "cp-1" });
        t.is(refused.exitCode, 1);
        t.regex(refused.stderr, /already part of the cluster at https:\/\/[\d.]+:6443/);
        t.deepEqual(
            w.sim.kubeadmClusters().map((c) => c.nodes.map((n) => n.name)),
            [["cp-1"], ["cp-b"]],
        );
    }),
);
