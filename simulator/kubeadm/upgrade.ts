// Kubernetes upgrades of the emulated kubeadm clusters: the API server version of each control-plane node, the
// kubelet version of each node and the cluster's version (kubeadm-config), with kubeadm's refusals — a target
// that skips a minor or goes down, a kubeadm binary not at the target, a control plane left half-upgraded,
// kubelets too old for the target; `upgrade node` before `apply`; a kubelet newer than the API server at join
// or at a package upgrade. Judged here with the simulator's own version arithmetic, never the provider's.
import { fail, NODE_STEPS, ok, preflightFailure, result, StepHandler } from "../ssh/node-state";
import type { SimState } from "../state";
import { clusterServedAt, clustersTable, controlPlaneClusterOf, KubeadmCluster, KubeadmNode, liveControlPlane, API_SERVER_PORT } from "./cluster";
import { routesTo, splitEndpoint } from "../records/routing";

const STACK_HINT = "To see the stack trace of this error execute with --v=5 or higher";
/** Kubernetes' version skew policy: kubelets up to three minors older than the API server. */
const KUBELET_SKEW = 3;

const VERSION = /^(\d+)\.(\d+)\.(\d+)$/;
function parts(v: string): [number, number, number] {
    const m = VERSION.exec(v.replace(/^v/, ""));
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
}
/** Negative, zero or positive as a is older, equal or newer than b. */
function compare(a: string, b: string): number {
    const x = parts(a);
    const y = parts(b);
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}
const oldest = (versions: string[]) => versions.reduce((a, b) => (compare(a, b) <= 0 ? a : b));

/** The kube-apiserver version a control-plane node runs (unset: the cluster's, as it joined or was initialised). */
export function apiServerVersion(cluster: KubeadmCluster, n: KubeadmNode): string {
    return n.apiServerVersion ?? cluster.version;
}

/** The oldest kube-apiserver of the cluster: what every kubelet must not be newer than. */
function oldestApiServer(cluster: KubeadmCluster): string {
    const cps = cluster.nodes.filter((n) => n.role === "control-plane");
    return cps.length ? oldest(cps.map((n) => apiServerVersion(cluster, n))) : cluster.version;
}

/** The version /version answers: the API server of the live control-plane node the endpoint reaches. */
export function servedApiVersion(state: SimState, cluster: KubeadmCluster): string {
    const split = splitEndpoint(cluster.endpoint);
    const routes = split ? routesTo(state, split.host, split.port).filter((r) => r.privatePort === API_SERVER_PORT) : [];
    for (const r of routes) {
        const n = cluster.nodes.find((x) => x.vmId === r.vmId && x.role === "control-plane");
        if (n && liveControlPlane(state, cluster, r.vmId)) return apiServerVersion(cluster, n);
    }
    return cluster.version;
}

/** Before the cluster's version moves, each control-plane node keeps the version it runs. */
function pinApiServers(cluster: KubeadmCluster): void {
    for (const n of cluster.nodes) if (n.role === "control-plane" && !n.apiServerVersion) n.apiServerVersion = cluster.version;
}

/** kubeadm upgrade plan/apply's verdict on `target`: the errors it prints, [] when it would go ahead. */
function applyErrors(cluster: KubeadmCluster, target: string): string[] {
    const [major, minor] = parts(target);
    const [cMajor, cMinor] = parts(cluster.version);
    const errors: string[] = [];
    if (compare(target, cluster.version) < 0) {
        errors.push(`Specified version to upgrade to "v${target}" is lower than the cluster version "v${cluster.version}". Downgrades are not supported yet`);
    } else if (major !== cMajor || minor - cMinor > 1) {
        errors.push(`Specified version to upgrade to "v${target}" is too high; kubeadm can upgrade only 1 minor version at a time`);
    }
    for (const n of cluster.nodes.filter((x) => x.role === "control-plane")) {
        const api = apiServerVersion(cluster, n);
        if (api !== cluster.version) {
            errors.push(
                `The control-plane node "${n.name}" runs kube-apiserver v${api}, not the cluster's v${cluster.version}: run "kubeadm upgrade node" there first`,
            );
        }
    }
    const tooOld = cluster.nodes.filter((n) => major !== parts(n.kubeletVersion)[0] || minor - parts(n.kubeletVersion)[1] > KUBELET_SKEW);
    if (tooOld.length) {
        errors.push(
            `There are kubelets in this cluster that are too old that have these versions [${[...new Set(tooOld.map((n) => `v${n.kubeletVersion}`))].join(" ")}]`,
        );
    }
    return errors;
}

/** The kubeadm-upgrade step (PROTOCOL.md): `upgrade plan` + `apply` (PM_MODE=apply) or `upgrade node`. */
const kubeadmUpgrade: StepHandler = (ctx) => {
    const { env, node, state } = ctx;
    const version = env.PM_KUBERNETES_VERSION ?? "";
    const mode = env.PM_MODE ?? "node";
    if (!VERSION.test(version)) return fail(1, `error: PM_KUBERNETES_VERSION must be x.y.z, got '${version}'`);
    if (mode !== "apply" && mode !== "node") return fail(1, `error: PM_MODE must be apply or node, got '${mode}'`);
    const cluster = node.kubeadm.kubeletConf && node.kubeadm.clusterId ? clustersTable(state)[node.kubeadm.clusterId] : undefined;
    const me = cluster?.nodes.find((n) => n.vmId === ctx.vm.id);
    if (!cluster || !me) {
        return fail(
            1,
            `couldn't create a Kubernetes client from file "/etc/kubernetes/kubelet.conf": open /etc/kubernetes/kubelet.conf: no such file or directory\n${STACK_HINT}`,
        );
    }
    const cp = me.role === "control-plane";
    const done = cp ? apiServerVersion(cluster, me) === version : me.configVersion === version;
    if (cluster.version === version && done) return ok(result("upgrade", "already"), false);
    if (!node.packages.kubeadm) return fail(127, "bash: line 40: kubeadm: command not found");
    if (node.packages.kubeadm !== version) {
        return fail(
            1,
            `error: kubeadm is v${node.packages.kubeadm}, not v${version}: upgrade the kubeadm package first (kube-packages with PM_PACKAGES=kubeadm)`,
        );
    }
    if (mode === "apply") {
        if (!cp || !node.kubeadm.adminConf) {
            return fail(1, `failed to load admin kubeconfig: open /etc/kubernetes/admin.conf: no such file or directory\n${STACK_HINT}`);
        }
        const errors = applyErrors(cluster, version);
        if (errors.length) {
            return fail(
                1,
                `[upgrade/version] FATAL: the --version argument is invalid due to these errors:\n\n${errors.map((e) => `\t- ${e}`).join("\n")}\n\nCan be bypassed if you pass the --force flag\n${STACK_HINT}`,
                `[upgrade/config] Reading configuration from the cluster...\n[upgrade] Running cluster health checks\n[upgrade/version] You have chosen to change the cluster version to "v${version}"\n`,
            );
        }
        pinApiServers(cluster);
        me.apiServerVersion = version;
        me.configVersion = version;
        cluster.version = version;
        return ok(`[upgrade/successful] SUCCESS! Your cluster was upgraded to "v${version}". Enjoy!\n` + result("upgrade", "done"));
    }
    if (cluster.version !== version) {
        return fail(
            1,
            `error: the cluster is at v${cluster.version}, not v${version}: kubeadm upgrade apply v${version} must run on the first control-plane node first`,
        );
    }
    if (cp) {
        pinApiServers(cluster);
        me.apiServerVersion = version;
    }
    me.configVersion = version;
    const what = cp ? "The control plane instance for this node was successfully updated!" : "The configuration for this node was successfully updated!";
    return ok(`[upgrade] ${what}\n` + result("upgrade", "done"));
};

/** kubectl uncordon, for a node drained (cordoned) with drain-node PM_DELETE=0. */
const uncordonNode: StepHandler = (ctx) => {
    const cluster = controlPlaneClusterOf(ctx.state, ctx.node);
    if (!cluster) return fail(1, "The connection to the server localhost:8080 was refused - did you specify the right host or port?");
    const name = ctx.env.PM_NODE ?? "";
    const target = cluster.nodes.find((n) => n.name === name);
    if (!target) return fail(1, `Error from server (NotFound): nodes "${name}" not found`);
    if (!target.unschedulable) return ok(result("uncordoned", "already"), false);
    target.unschedulable = false;
    return ok(`node/${name} uncordoned\n` + result("uncordoned", "done"));
};

/**
 * kube-packages on a joined node: a kubelet may not become newer than the API server it serves under (a
 * control-plane node's own, which `kubeadm upgrade` moves first; for a worker the oldest), and the cluster's
 * Node then reports the new kubelet version.
 */
const kubePackages: StepHandler = (ctx) => {
    const { node, state, env } = ctx;
    const cluster = node.kubeadm.kubeletConf && node.kubeadm.clusterId ? clustersTable(state)[node.kubeadm.clusterId] : undefined;
    const me = cluster?.nodes.find((n) => n.vmId === ctx.vm.id);
    const version = env.PM_KUBERNETES_VERSION ?? "";
    const moving = (env.PM_PACKAGES ?? "kubelet kubeadm kubectl").split(/\s+/).includes("kubelet");
    if (cluster && me && moving && VERSION.test(version)) {
        const api = me.role === "control-plane" ? apiServerVersion(cluster, me) : oldestApiServer(cluster);
        if (compare(version, api) > 0) {
            return fail(
                1,
                `pulumi-mold: kubelet v${version} would be newer than kube-apiserver v${api}${me.role === "control-plane" ? " on this node" : ""}: the version skew policy forbids it (run kubeadm upgrade first)`,
            );
        }
    }
    const r = NODE_STEPS["kube-packages"](ctx);
    if (r.exitCode === 0 && me && node.packages.kubelet) me.kubeletVersion = node.packages.kubelet;
    return r;
};

/** kubeadm join's KubeletVersion preflight check: a kubelet newer than the control plane is refused. */
export function withKubeletSkew(join: StepHandler): StepHandler {
    return (ctx) => {
        const endpoint = (ctx.env.PM_JOIN_COMMAND ?? "").trim().split(/\s+/)[2] ?? "";
        const cluster = !ctx.node.kubeadm.kubeletConf && splitEndpoint(endpoint) ? clusterServedAt(ctx.state, endpoint) : undefined;
        const kubelet = ctx.node.packages.kubelet;
        if (cluster && kubelet && compare(kubelet, oldestApiServer(cluster)) > 0) {
            return preflightFailure([
                `[ERROR KubeletVersion]: the kubelet version is higher than the control plane version. This is not a supported version skew and may lead to a malfunctional cluster. Kubelet version: "${kubelet}" Control plane version: "${oldestApiServer(cluster)}"`,
            ]);
        }
        return join(ctx);
    };
}

export const UPGRADE_STEPS: Record<string, StepHandler> = {
    "kubeadm-upgrade": kubeadmUpgrade,
    "uncordon-node": uncordonNode,
    "kube-packages": kubePackages,
};
