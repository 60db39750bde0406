// kube-apiserver restarts of the emulated kubeadm clusters, and how a connection to the API endpoint is
// dispatched across a load balancer's members.
//
// A step that rewrites a control-plane node's static pod manifests (`kubeadm upgrade apply/node` to a new
// version, `kubeadm certs renew` followed by the static pod restart) takes that node's API server down for
// the step's duration: the runner marks the node before the step's latency and clears the mark when the step
// answers, however it answers; the mark also carries an expiry on the simulator's clock, so a runner that
// never comes back (a crashed process) cannot leave it down for good.
//
// Dispatch models Mold's haproxy (`balance roundrobin`, per connection) with its health checks: a member
// whose VM is stopped or is not a control-plane node of the cluster has long been marked down by the checks
// and is skipped (today's behaviour: another member answers). A restarting API server is different: the
// checks need a few seconds of failures (fall × interval) to mark a member down, and a restart inside one
// step is faster than that, so haproxy keeps sending connections there and they are reset. Only taking the
// node out of the rule first (removeFromLoadBalancerRule) keeps clients away from it.
import { randomUUID } from "crypto";
import type { StepContext } from "../ssh/node-state";
import type { SimState } from "../state";
import { API_SERVER_PORT, clustersTable, KubeadmCluster, KubeadmNode, liveControlPlane } from "./cluster";
import { leafExpiry } from "./certs";
import { apiServerVersion } from "./upgrade";
import { Route, routesTo } from "../records/routing";

/** A restart in progress, kept on the cluster's node record. */
export interface ApiServerRestart {
    /** Simulated ms after which the mark counts as ended even if nobody cleared it. */
    until: number;
    /** Which step set it (only that step clears it). */
    by: string;
    step: string;
}

type Restartable = KubeadmNode & { apiServerRestart?: ApiServerRestart };

/** How long past the step's latency a mark lasts at most (the step's effect itself takes no simulated time). */
export const RESTART_GRACE_MS = 30_000;

function controlPlaneNode(state: SimState, vmId: string): { cluster: KubeadmCluster; node: Restartable } | undefined {
    for (const cluster of Object.values(clustersTable(state))) {
        const node = cluster.nodes.find((n) => n.vmId === vmId && n.role === "control-plane");
        if (node) return { cluster, node };
    }
    return undefined;
}

/**
 * Whether running `step` with `env` on the node restarts its kube-apiserver: kubeadm-upgrade to a version its
 * API server does not run yet (with kubeadm at that version, or kubeadm refuses before touching anything), and
 * certs-renew when the node's certificates are inside the window (otherwise it renews nothing).
 */
export function restartsApiServer(ctx: Pick<StepContext, "state" | "vm" | "node" | "env" | "now">, step: string): boolean {
    const cp = ctx.node.kubeadm.adminConf ? controlPlaneNode(ctx.state, ctx.vm.id) : undefined;
    if (!cp || cp.cluster.id !== ctx.node.kubeadm.clusterId) return false;
    if (step === "kubeadm-upgrade") {
        const version = ctx.env.PM_KUBERNETES_VERSION ?? "";
        return ctx.node.packages.kubeadm === version && apiServerVersion(cp.cluster, cp.node) !== version;
    }
    if (step === "certs-renew") {
        const within = ctx.env.PM_RENEW_WITHIN_SECONDS ?? "";
        return /^\d+$/.test(within) && leafExpiry(cp.cluster, cp.node.name) <= ctx.now + Number(within) * 1000;
    }
    return false;
}

/** Marks the node's API server restarting for at most `durationMs` (+ grace); returns the mark's id. */
export function markRestarting(state: SimState, vmId: string, step: string, now: number, durationMs: number): string | undefined {
    const cp = controlPlaneNode(state, vmId);
    if (!cp) return undefined;
    const by = randomUUID();
    cp.node.apiServerRestart = { until: now + durationMs + RESTART_GRACE_MS, by, step };
    return by;
}

/** Ends the mark `by` set (a later step's mark is left alone). */
export function clearRestarting(state: SimState, vmId: string, by: string): void {
    const cp = controlPlaneNode(state, vmId);
    if (cp && cp.node.apiServerRestart?.by === by) delete cp.node.apiServerRestart;
}

export function apiServerRestarting(state: SimState, vmId: string, now: number): boolean {
    const mark = controlPlaneNode(state, vmId)?.node.apiServerRestart;
    return !!mark && mark.until > now;
}

export interface Dispatch {
    route: Route;
    /** The member's API server is restarting: the connection is reset. */
    refused: boolean;
}

/**
 * Round-robin dispatch per connection, one counter per load-balancer rule, as haproxy does. Members the health
 * checks took out long ago (VM not running, not a control-plane node of a cluster) are skipped; a restarting
 * one is not. Undefined when nothing on host:port reaches a live control-plane node (the endpoint is not served).
 */
export class ApiDispatcher {
    private readonly next = new Map<string, number>();

    dispatch(state: SimState, host: string, port: number, now: number): Dispatch | undefined {
        const clusters = Object.values(clustersTable(state));
        const healthy = (r: Route) => clusters.some((c) => liveControlPlane(state, c, r.vmId));
        const routes = routesTo(state, host, port).filter((r) => r.privatePort === API_SERVER_PORT && healthy(r));
        if (!routes.length) return undefined;
        // The first rule on the address wins, as the listener's cluster does (clusterServedAt).
        const ruleId = routes[0].ruleId;
        const members = routes.filter((r) => r.ruleId === ruleId);
        const i = (this.next.get(ruleId) ?? 0) % members.length;
        this.next.set(ruleId, i + 1);
        const route = members[i];
        return { route, refused: apiServerRestarting(state, route.vmId, now) };
    }
}

/** The runner's hook (ssh/node-state.ts StepBook.apiServerRestarts). */
export const API_SERVER_RESTARTS = {
    steps: ["kubeadm-upgrade", "certs-renew"],
    start: (ctx: StepContext, step: string, durationMs: number) =>
        restartsApiServer(ctx, step) ? markRestarting(ctx.state, ctx.vm.id, step, ctx.now, durationMs) : undefined,
    end: clearRestarting,
};
