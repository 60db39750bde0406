// The cluster-level bootstrap steps against the emulated kubeadm clusters: init, join-info, join, cni,
// node metadata, admin kubeconfig, drain and reset. wait-ready polls, so the node server runs it.
import { fail, firstTime, kubeadmReadiness, NODE_STEPS, ok, result, StepBook, StepContext, StepHandler, StepResult } from "../ssh/node-state";
import { listOf } from "../ssh/command";
import {
    BOOTSTRAP_TOKEN,
    CERTIFICATE_KEY_TTL_MS,
    clusterServedAt,
    clustersTable,
    CONTROL_PLANE_LABEL,
    controlPlaneClusterOf,
    expireSecrets,
    KubeadmCluster,
    KubeadmNode,
    newBootstrapToken,
    nodeReady,
    newCertificateKey,
    parseTaint,
    Taint,
    TOKEN_TTL_MS,
    API_SERVER_PORT,
} from "./cluster";
import { controlPlaneJoinRefusal, ETCD_STEPS, leaveOnReset, noteMember } from "./etcd";
import { nodeHealth } from "./health";
import { adminKubeconfig, caCertHash, createKubeadmPki, firstServiceIp } from "./pki";
import { withImagePulls, withRegistryMirror } from "./registry";
import { routesTo, splitEndpoint, vmAddresses } from "../records/routing";
import { API_SERVER_RESTARTS } from "./restarts";
import { UPGRADE_STEPS, withKubeletSkew } from "./upgrade";
import { certsCheck, certsRenew } from "./certs";
import { csiInstall } from "./csi";
import { rotateHostKey } from "../ssh/host-key-step";
import { dataDisks, writeUnder } from "../ssh/data-disks";

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const KUBECTL_NO_SERVER = "The connection to the server localhost:8080 was refused - did you specify the right host or port?";
const STACK_HINT = "To see the stack trace of this error execute with --v=5 or higher";

const refused = (endpoint: string, path: string) => `Get "https://${endpoint}${path}?timeout=10s": dial tcp ${endpoint}: connect: connection refused`;

/** The step needs kubectl/kubeadm with admin.conf: only on a control-plane node of a cluster. */
function needControlPlane(ctx: StepContext, tool: "kubectl" | "kubeadm"): KubeadmCluster | StepResult {
    const cluster = controlPlaneClusterOf(ctx.state, ctx.node);
    if (cluster) return cluster;
    if (tool === "kubectl") return fail(1, KUBECTL_NO_SERVER);
    return fail(1, `failed to load admin kubeconfig: open /etc/kubernetes/admin.conf: no such file or directory\n${STACK_HINT}`);
}

const isResult = (v: KubeadmCluster | StepResult): v is StepResult => "exitCode" in v;

function joinNode(ctx: StepContext, cluster: KubeadmCluster, name: string, role: KubeadmNode["role"]): void {
    const existing = cluster.nodes.find((n) => n.vmId === ctx.vm.id);
    const control = role === "control-plane";
    const node: KubeadmNode = {
        name,
        vmId: ctx.vm.id,
        role,
        labels: { ...(existing?.labels ?? {}), ...(control ? { [CONTROL_PLANE_LABEL]: "" } : {}) },
        taints: control
            ? [...(existing?.taints ?? []).filter((t) => t.key !== CONTROL_PLANE_LABEL), { key: CONTROL_PLANE_LABEL, effect: "NoSchedule" }]
            : (existing?.taints ?? []),
        joinedAt: new Date(ctx.now).toISOString(),
        kubeletVersion: ctx.node.packages.kubelet ?? cluster.version,
    };
    cluster.nodes = [...cluster.nodes.filter((n) => n.vmId !== ctx.vm.id), node];
    if (control && !cluster.etcdMembers.includes(name)) cluster.etcdMembers.push(name);
    // The kubelet's and etcd's data land on whatever is mounted at their directories (a data disk, or the root disk).
    writeUnder(ctx.state, ctx.node, "/var/lib/kubelet", "kubelet");
    if (control) writeUnder(ctx.state, ctx.node, "/var/lib/etcd", "etcd");
    if (control) noteMember(cluster, name, ctx.vm);
    ctx.node.kubeadm = { clusterId: cluster.id, role, nodeName: name, adminConf: control, kubeletConf: true };
}

const kubeadmInit: StepHandler = (ctx) => {
    const { env, node, state, vm } = ctx;
    if (node.kubeadm.adminConf) return ok(result("init", "already"), false);
    const notReady = kubeadmReadiness(node, "init");
    if (notReady) return notReady;
    if (node.kubeadm.kubeletConf) {
        return fail(
            1,
            `error execution phase preflight: [preflight] Some fatal errors occurred:\n\t[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists\n${STACK_HINT}`,
        );
    }
    const version = env.PM_KUBERNETES_VERSION ?? "";
    if (version !== node.packages.kubeadm) {
        return fail(
            1,
            `this version of kubeadm only supports deploying clusters with the control plane version >= ${node.packages.kubeadm}. Current version: v${version}\n${STACK_HINT}`,
        );
    }
    const endpoint = env.PM_CONTROL_PLANE_ENDPOINT ?? "";
    const split = splitEndpoint(endpoint);
    if (!split) return fail(1, `invalid value "${endpoint}" for flag --control-plane-endpoint: expected host:port`);
    for (const [flag, cidr] of [
        ["--pod-network-cidr", env.PM_POD_CIDR],
        ["--service-cidr", env.PM_SERVICE_CIDR],
    ] as const) {
        if (!cidr || !CIDR.test(cidr)) return fail(1, `${flag}: Invalid value: "${cidr ?? ""}": couldn't parse subnet`);
    }
    const name = env.PM_NODE_NAME || node.hostname;
    // The API server must be reachable through the endpoint from this node: kubeadm uploads its config there.
    const reachesSelf =
        (vmAddresses(vm).includes(split.host) && split.port === API_SERVER_PORT) ||
        routesTo(state, split.host, split.port).some((r) => r.vmId === vm.id && r.privatePort === API_SERVER_PORT);
    if (!reachesSelf) {
        return fail(
            1,
            `[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "kube-system" Namespace\nerror execution phase upload-config/kubeadm: error uploading the kubeadm ClusterConfiguration: ${refused(endpoint, "/api/v1/namespaces/kube-system/configmaps/kubeadm-config")}\n${STACK_HINT}`,
        );
    }
    const certSans = listOf(env.PM_CERT_SANS);
    // Real TLS clients (kubectl, the provider) check validity by the wall clock: never date a certificate after
    // it, however far a test advanced the simulator's clock.
    const pki = createKubeadmPki(
        [split.host, ...certSans, ...vmAddresses(vm), firstServiceIp(env.PM_SERVICE_CIDR!) ?? "", name],
        Math.min(ctx.now, Date.now()),
    );
    const cluster: KubeadmCluster = {
        id: ctx.uuid(),
        endpoint,
        version,
        podCidr: env.PM_POD_CIDR!,
        serviceCidr: env.PM_SERVICE_CIDR!,
        certSans,
        createdAt: new Date(ctx.now).toISOString(),
        initVmId: vm.id,
        tokens: [{ token: newBootstrapToken(), expiresAt: ctx.now + TOKEN_TTL_MS }],
        certificateKeys: [{ key: newCertificateKey(), expiresAt: ctx.now + CERTIFICATE_KEY_TTL_MS }],
        nodes: [],
        etcdMembers: [],
        _pki: pki,
    };
    clustersTable(state)[cluster.id] = cluster;
    joinNode(ctx, cluster, name, "control-plane");
    const log = [
        `[init] Using Kubernetes version: v${version}`,
        "[preflight] Running pre-flight checks",
        `[certs] apiserver serving cert is signed for DNS names and IPs [${pki.server.sans.join(" ")}]`,
        '[upload-certs] Storing the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace',
        "Your Kubernetes control-plane has initialized successfully!",
    ];
    return ok(log.join("\n") + "\n" + result("init", "done"));
};

const joinInfo: StepHandler = (ctx) => {
    const cluster = needControlPlane(ctx, "kubeadm");
    if (isResult(cluster)) return cluster;
    expireSecrets(cluster, ctx.now);
    const token = newBootstrapToken();
    cluster.tokens.push({ token, expiresAt: ctx.now + TOKEN_TTL_MS });
    let out = result("join-command", `kubeadm join ${cluster.endpoint} --token ${token} --discovery-token-ca-cert-hash ${caCertHash(cluster._pki.ca.cert)}`);
    if (ctx.env.PM_WITH_CERTIFICATE_KEY === "1") {
        // Certificates uploaded again under a new key; keys handed out before stay usable until they expire.
        const key = newCertificateKey();
        cluster.certificateKeys.push({ key, expiresAt: ctx.now + CERTIFICATE_KEY_TTL_MS });
        out += result("certificate-key", key);
    }
    return ok(out);
};

interface JoinCommand {
    endpoint: string;
    token: string;
    hash: string;
}

function parseJoinCommand(text: string): JoinCommand | string {
    const words = text.trim().split(/\s+/);
    if (words[0] !== "kubeadm" || words[1] !== "join" || !words[2] || words[2].startsWith("-"))
        return `PM_JOIN_COMMAND is not a kubeadm join command: '${text}'`;
    const flags: Record<string, string> = {};
    for (let i = 3; i < words.length; i += 2) {
        const flag = words[i];
        if (flag !== "--token" && flag !== "--discovery-token-ca-cert-hash") return `unknown flag: ${flag}`;
        if (words[i + 1] === undefined) return `flag needs an argument: ${flag}`;
        flags[flag] = words[i + 1];
    }
    if (!flags["--token"])
        return 'discovery: Invalid value: "": using token-based discovery without caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in your kubeadm config file or pass --discovery-token-unsafe-skip-ca-verification flag to continue';
    if (!flags["--discovery-token-ca-cert-hash"])
        return 'discovery.bootstrapToken: Invalid value: "": using token-based discovery without caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in your kubeadm config file or pass --discovery-token-unsafe-skip-ca-verification flag to continue';
    return { endpoint: words[2], token: flags["--token"], hash: flags["--discovery-token-ca-cert-hash"] };
}

const kubeadmJoin: StepHandler = (ctx) => {
    const { env, node, state, vm } = ctx;
    const join = parseJoinCommand(env.PM_JOIN_COMMAND ?? "");
    if (node.kubeadm.kubeletConf) {
        const mine = node.kubeadm.clusterId ? clustersTable(state)[node.kubeadm.clusterId] : undefined;
        if (mine && typeof join !== "string" && (mine.endpoint === join.endpoint || caCertHash(mine._pki.ca.cert) === join.hash))
            return ok(result("join", "already"), false);
        return fail(
            1,
            `this node is already part of the cluster at https://${mine?.endpoint ?? "?"} (/etc/kubernetes/kubelet.conf exists); reset it before joining another cluster`,
        );
    }
    if (typeof join === "string") return fail(1, `${join}\n${STACK_HINT}`);
    const controlPlane = env.PM_CONTROL_PLANE === "1";
    const notReady = kubeadmReadiness(node, "join");
    if (notReady) return notReady;
    const phase = "error execution phase preflight: couldn't validate the identity of the API Server:";
    if (!BOOTSTRAP_TOKEN.test(join.token)) {
        return fail(
            1,
            `discovery.bootstrapToken.token: Invalid value: "${join.token}": the bootstrap token "${join.token}" was not of the form "[a-z0-9]{6}.[a-z0-9]{16}"\n${STACK_HINT}`,
        );
    }
    const cluster = splitEndpoint(join.endpoint) ? clusterServedAt(state, join.endpoint) : undefined;
    if (!cluster) return fail(1, `${phase} ${refused(join.endpoint, "/api/v1/namespaces/kube-public/configmaps/cluster-info")}\n${STACK_HINT}`);
    expireSecrets(cluster, ctx.now);
    if (!cluster.tokens.some((t) => t.token === join.token)) {
        return fail(1, `${phase} could not find a JWS signature in the cluster-info ConfigMap for token ID "${join.token.split(".")[0]}"\n${STACK_HINT}`);
    }
    const hash = caCertHash(cluster._pki.ca.cert);
    if (join.hash !== hash)
        return fail(1, `${phase} cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${hash}" are pinned\n${STACK_HINT}`);
    if (controlPlane) {
        const key = env.PM_CERTIFICATE_KEY ?? "";
        if (!/^[0-9a-f]{64}$/.test(key))
            return fail(
                1,
                `error execution phase control-plane-prepare/download-certs: error downloading certs: error decoding certificate key: encoding/hex: invalid byte\n${STACK_HINT}`,
            );
        if (!cluster.certificateKeys.some((k) => k.key === key)) {
            return fail(
                1,
                `error execution phase control-plane-prepare/download-certs: error downloading certs: error downloading the secret: Secret "kubeadm-certs" was not found in the "kube-system" Namespace. This Secret might have expired. Please, run \`kubeadm init phase upload-certs --upload-certs\` on a control plane to generate a new one\n${STACK_HINT}`,
            );
        }
    }
    const name = env.PM_NODE_NAME || node.hostname;
    const clash = cluster.nodes.find((n) => n.name === name && n.vmId !== vm.id);
    if (clash) {
        return fail(
            1,
            `error execution phase kubelet-start: a Node with name "${name}" and status "Ready" already exists in the cluster. You must delete the existing Node or change the name of this new joining Node\n${STACK_HINT}`,
        );
    }
    const etcdRefusal = controlPlane ? controlPlaneJoinRefusal(state, cluster) : undefined;
    if (etcdRefusal) return etcdRefusal;
    joinNode(ctx, cluster, name, controlPlane ? "control-plane" : "worker");
    return ok(`This node has joined the cluster${controlPlane ? " and a new control plane instance was created" : ""}.\n` + result("join", "done"));
};

const cni: StepHandler = (ctx) => {
    const cluster = needControlPlane(ctx, "kubectl");
    if (isResult(cluster)) return cluster;
    const name = ctx.env.PM_CNI ?? "";
    if (name !== "flannel" && name !== "calico") return fail(1, `pulumi-mold: unsupported CNI '${name}' (flannel or calico)`);
    if (cluster.cni && cluster.cni.name !== name)
        return fail(1, `pulumi-mold: the cluster already runs ${cluster.cni.name}; switching to ${name} is not supported`);
    const podCidr = ctx.env.PM_POD_CIDR ?? "";
    if (podCidr !== cluster.podCidr)
        return fail(1, `pulumi-mold: PM_POD_CIDR ${podCidr} does not match the cluster's pod network ${cluster.podCidr} (kubeadm init --pod-network-cidr)`);
    const changed = !cluster.cni;
    cluster.cni = { name, podCidr, applied: (cluster.cni?.applied ?? 0) + 1 };
    return ok(`${changed ? "created" : "unchanged"}\n` + result("cni", name), changed);
};

const nodeMetadata: StepHandler = (ctx) => {
    const cluster = needControlPlane(ctx, "kubectl");
    if (isResult(cluster)) return cluster;
    // PM_NODES (one a line) get the same change, as one kubectl call per verb; PM_NODE names one node.
    const names = listOf(ctx.env.PM_NODES ?? ctx.env.PM_NODE).map((n) => n.toLowerCase());
    if (!names.length) return fail(1, "error: PM_NODES (node names, one a line) is required");
    const labels: [string, string][] = [];
    for (const line of listOf(ctx.env.PM_LABELS)) {
        const eq = line.indexOf("=");
        if (eq <= 0) return fail(1, `error: at least one label update is required: '${line}' is not key=value`);
        labels.push([line.slice(0, eq), line.slice(eq + 1)]);
    }
    const parse = (lines: string[], removal: boolean): Taint[] | StepResult => {
        const out: Taint[] = [];
        for (const line of lines) {
            const t = parseTaint(line);
            if (typeof t === "string") return fail(1, t);
            if (removal && t.value !== undefined) return fail(1, `error: invalid taint spec: ${line}, removal takes key:Effect`);
            out.push(t);
        }
        return out;
    };
    const taints = parse(listOf(ctx.env.PM_TAINTS), false);
    if (!Array.isArray(taints)) return taints;
    const removeTaints = parse(listOf(ctx.env.PM_REMOVE_TAINTS), true);
    if (!Array.isArray(removeTaints)) return removeTaints;
    // kubectl changes the nodes it finds and fails naming the ones it does not.
    const missing = names.filter((name) => !cluster.nodes.some((n) => n.name === name));
    const same = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;
    let out = "";
    let changed = false;
    for (const target of cluster.nodes.filter((n) => names.includes(n.name))) {
        const before = JSON.stringify([target.labels, target.taints]);
        for (const [k, v] of labels) target.labels[k] = v;
        for (const k of listOf(ctx.env.PM_REMOVE_LABELS)) delete target.labels[k];
        for (const t of taints) target.taints = [...target.taints.filter((x) => !same(x, t)), t];
        target.taints = target.taints.filter((x) => !removeTaints.some((r) => same(x, r)));
        const now = JSON.stringify([target.labels, target.taints]) !== before;
        changed ||= now;
        out += `node/${target.name} ${now ? "labeled" : "not labeled"}\n`;
    }
    if (missing.length) return fail(1, missing.map((name) => `Error from server (NotFound): nodes "${name}" not found`).join("\n"), out);
    return ok(out, changed);
};

const adminConfig: StepHandler = (ctx) => {
    const cluster = needControlPlane(ctx, "kubeadm");
    if (isResult(cluster)) return fail(1, "cat: /etc/kubernetes/admin.conf: No such file or directory");
    return ok(adminKubeconfig(cluster.endpoint, cluster._pki), firstTime(ctx, "admin-kubeconfig"));
};

const drainNode: StepHandler = (ctx) => {
    const cluster = needControlPlane(ctx, "kubectl");
    if (isResult(cluster)) return cluster;
    const name = ctx.env.PM_NODE ?? "";
    const node = cluster.nodes.find((n) => n.name === name);
    if (!node) return ok(result("drained", "absent"), false);
    // PM_DELETE=0: drain only (a control-plane node keeps its Node object until kubeadm reset has run).
    if (ctx.env.PM_DELETE === "0") {
        const changed = !node.unschedulable;
        node.unschedulable = true;
        return ok(`node/${name} cordoned\nnode/${name} drained\n` + result("drained", "done"), changed);
    }
    cluster.nodes = cluster.nodes.filter((n) => n.name !== name);
    const drained = ctx.env.PM_SKIP_DRAIN === "1" ? "" : `node/${name} cordoned\nnode/${name} drained\n`;
    return ok(`${drained}node "${name}" deleted\n` + result("drained", "done"));
};

const resetNode: StepHandler = (ctx) => {
    const k = ctx.node.kubeadm;
    const changed = k.adminConf || k.kubeletConf || k.clusterId !== undefined;
    const cluster = k.clusterId ? clustersTable(ctx.state)[k.clusterId] : undefined;
    // kubeadm reset finds the etcd member to remove through the cluster (its Node and static pods): once the
    // Node object is deleted it only warns and leaves the member behind, as the real one does. The step
    // script reports which happened as its etcd-member result.
    let warning = "";
    let member = "none";
    if (cluster && k.role === "control-plane" && k.nodeName) {
        // etcd applies its reconfiguration check to kubeadm's member removal too (etcd.ts).
        const found = cluster.nodes.some((n) => n.name === k.nodeName);
        const refusal = found ? leaveOnReset(ctx.state, cluster, k.nodeName) : `node "${k.nodeName}" not found`;
        if (refusal) {
            warning = `W1122 [reset] Failed to remove etcd member: ${refusal}; the etcd member was left in the cluster\n`;
            member = "left";
        } else member = "removed";
    }
    ctx.node.kubeadm = { adminConf: false, kubeletConf: false };
    const log = changed ? "[reset] Deleted contents of the etcd data directory: /var/lib/etcd\n" : "";
    return { ...ok(log + result("etcd-member", member), changed), stderr: warning };
};

/**
 * One look for wait-ready: undefined while listed nodes are not Ready and time remains; at the deadline a
 * failure listing them, like `kubectl wait --for=condition=Ready` timing out.
 */
export function waitReadyCheck(ctx: StepContext, timedOut: boolean): StepResult | undefined {
    const cluster = needControlPlane(ctx, "kubectl");
    if (isResult(cluster)) return cluster;
    const names = listOf(ctx.env.PM_NODES);
    const notReady = names.filter((name) => {
        const n = cluster.nodes.find((x) => x.name === name);
        return !n || !nodeReady(ctx.state, cluster, n);
    });
    if (notReady.length === 0) return ok(names.map((n) => `node/${n} condition met`).join("\n") + "\n", firstTime(ctx, "wait-ready"));
    if (!timedOut) return undefined;
    const lines = notReady.map((n) =>
        cluster.nodes.some((x) => x.name === n)
            ? `error: timed out waiting for the condition on nodes/${n}`
            : `Error from server (NotFound): nodes "${n}" not found`,
    );
    return fail(1, [...lines, `pulumi-mold: nodes not Ready after ${ctx.env.PM_TIMEOUT_SECONDS ?? "?"}s: ${notReady.join(" ")}`].join("\n"));
}

export const CLUSTER_STEPS: Record<string, StepHandler> = {
    "kubeadm-init": withImagePulls(kubeadmInit),
    "join-info": joinInfo,
    "kubeadm-join": withKubeletSkew(kubeadmJoin),
    cni,
    "node-metadata": nodeMetadata,
    "admin-kubeconfig": adminConfig,
    "drain-node": drainNode,
    "reset-node": resetNode,
    "etcd-snapshot": ETCD_STEPS["etcd-snapshot"],
    "etcd-member-remove": ETCD_STEPS["etcd-member-remove"],
    "node-health": nodeHealth,
    ...UPGRADE_STEPS,
    "rotate-host-key": rotateHostKey,
    "certs-check": certsCheck,
    "certs-renew": certsRenew,
    "csi-install": csiInstall,
    "data-disks": dataDisks,
};

/** containerd keeps its images and snapshots in /var/lib/containerd: on a data disk mounted there, if any. */
function withContainerdData(step: StepHandler): StepHandler {
    return (ctx) => {
        const r = step(ctx);
        if (r.exitCode === 0) writeUnder(ctx.state, ctx.node, "/var/lib/containerd", "containerd");
        return r;
    };
}

/** Everything an emulated node runs: its own steps (ssh/node-state.ts) and the kubeadm ones, with wait-ready. */
export const EMULATED_STEPS: StepBook = {
    steps: { ...NODE_STEPS, containerd: withContainerdData(withRegistryMirror(NODE_STEPS.containerd)), ...CLUSTER_STEPS },
    waitReady: waitReadyCheck,
    apiServerRestarts: API_SERVER_RESTARTS,
};
