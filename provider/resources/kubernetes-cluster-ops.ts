// The long-running parts of a KubernetesCluster: waiting on Mold with progress logs and a deadline, the
// health gate (the API must answer /healthz with the kubeconfig's own credentials before the kubeconfig is
// handed out), Mold's latest events appended to failures, and the outputs.
import * as https from "https";
import type { MoldClient } from "../client/client";
import { MoldJobError, MoldJobTimeoutError } from "../client/errors";
import { listEvents } from "../client/events";
import { nextPollDelay } from "../client/job-wait";
import { getKubernetesCluster, getKubernetesClusterConfig, KubernetesCluster, KubernetesClusterVm } from "../client/kubernetes";
import type { KubernetesClusterInputs, KubernetesClusterNode, KubernetesClusterOutputs, KubernetesClusterTimeouts } from "../generated/types";
import type { HookContext, Reported } from "../runtime/hooks";

/** States a cluster leaves on its own; changes wait them out before deciding anything. */
export const TRANSITIONAL = [
    "Created",
    "Starting",
    "Stopping",
    "Scaling",
    "ScalingStoppedCluster",
    "Upgrading",
    "Importing",
    "RemovingNodes",
    "Recovering",
    "Destroying",
];

const DEFAULT_MINUTES = { create: 60, update: 60, delete: 30 };

/** The deadline of an operation, from `timeouts` (minutes; dynamic providers ignore Pulumi's customTimeouts). */
export function deadlineFor(inputs: { timeouts?: KubernetesClusterTimeouts }, op: "create" | "update" | "delete"): number {
    const minutes = Number(inputs.timeouts?.[op] ?? DEFAULT_MINUTES[op]);
    return Date.now() + minutes * 60_000;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A progress logger that says something when the state changes, and otherwise at most every 10 s. */
export function progress(ctx: HookContext, what: string): (state: string) => void {
    const start = Date.now();
    let lastState = "";
    let lastAt = 0;
    return (state: string) => {
        const now = Date.now();
        if (state === lastState && now - lastAt < 10_000) return;
        lastState = state;
        lastAt = now;
        ctx.log(`${what}: ${state}, ${Math.round((now - start) / 1000)} s elapsed`);
    };
}

/**
 * Waits until `done` says so (or the cluster is gone), logging progress; throws at the deadline. With a job id the
 * endpoint's job watcher waits for the job (the cluster's state changes when its job ends, and the watcher notices
 * that within a second at any length), then the cluster is read; a failed job ends the wait with Mold's text.
 * Without one (or if the cluster still moves after its job), the cluster is polled on the per-job schedule.
 */
export async function waitForCluster(
    ctx: HookContext,
    id: string,
    what: string,
    deadline: number,
    done: (c: KubernetesCluster) => boolean,
    jobId?: string,
): Promise<KubernetesCluster | undefined> {
    const client = ctx.client();
    const log = progress(ctx, what);
    if (jobId) {
        const first = await getKubernetesCluster(client, id);
        if (!first || done(first)) return first;
        log(first.state);
        try {
            await client.waitForJob(what, jobId, { timeoutMs: Math.max(1000, deadline - Date.now()), onPoll: () => log("in progress") });
        } catch (e) {
            // Past the deadline: the loop below reads the cluster once and says how far it got.
            if (e instanceof MoldJobTimeoutError) return waitForCluster(ctx, id, what, Math.min(deadline, Date.now()), done);
            if (!(e instanceof MoldJobError)) throw e;
            const c = await getKubernetesCluster(client, id).catch(() => undefined);
            throw new Error(`${what} failed in Mold: ${e.errortext} (cluster state ${c?.state ?? "unknown"})`, { cause: e });
        }
    }
    const start = Date.now();
    for (;;) {
        const c = await getKubernetesCluster(client, id);
        if (!c || done(c)) return c;
        log(c.state);
        if (Date.now() >= deadline) throw new Error(`${what} did not finish in time: cluster ${id} is still ${c.state}`);
        // The per-job schedule: quick for short operations, few polls for long ones.
        await sleep(Math.min(nextPollDelay(Date.now() - start), Math.max(0, deadline - Date.now())));
    }
}

/** The cluster once it is out of transitional states (a previous run may have left one behind). */
export async function settledCluster(ctx: HookContext, id: string, deadline: number): Promise<KubernetesCluster | undefined> {
    return waitForCluster(ctx, id, `waiting for cluster ${id} to settle`, deadline, (c) => !TRANSITIONAL.includes(c.state));
}

/** The latest Mold events about the cluster, one line each, newest first (for error messages). */
export async function latestEvents(client: MoldClient, id: string, count = 5): Promise<string> {
    try {
        const events = (await listEvents(client, { resourceid: id })).slice(0, count);
        if (!events.length) return "";
        return `\nLatest Mold events for the cluster:\n${events.map((e) => `  ${e.created} ${e.level} ${e.type}: ${e.description}`).join("\n")}`;
    } catch {
        return ""; // the failure being reported matters more than the events
    }
}

/** Rethrows `e` with the cluster's latest events and what the next `up` will do about it. */
export async function withEvents(client: MoldClient, id: string, what: string, e: unknown): Promise<never> {
    const c = await getKubernetesCluster(client, id).catch(() => undefined);
    const state = c ? ` The cluster is now ${c.state};` : "";
    const message = `${what} failed: ${(e as Error).message}.${state} the next \`pulumi up\` retries the change (a cluster in Alert is stopped and started first).${await latestEvents(client, id)}`;
    throw new Error(message, { cause: e });
}

interface Kubeconfig {
    server: URL;
    ca: string;
    cert: string;
    key: string;
}

/** The parts of a kubeconfig file read here (YAML, as kubectl writes it). */
interface KubeconfigDoc {
    "current-context"?: string;
    contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
    clusters?: { name?: string; cluster?: { server?: string; "certificate-authority-data"?: string } }[];
    users?: { name?: string; user?: { "client-certificate-data"?: string; "client-key-data"?: string } }[];
}

/** The server and credentials of the kubeconfig's current context. */
export function parseKubeconfig(text: string): Kubeconfig {
    // Loaded here, not at the top: YAML is 72 modules that a run which only checks or diffs a cluster never needs.
    const { parse } = require("yaml") as typeof import("yaml");
    const doc = (parse(text) ?? {}) as KubeconfigDoc;
    const ctxName = doc["current-context"] ?? doc.contexts?.[0]?.name;
    const context = (doc.contexts ?? []).find((c) => c.name === ctxName)?.context ?? doc.contexts?.[0]?.context;
    const cluster = (doc.clusters ?? []).find((c) => c.name === context?.cluster)?.cluster ?? doc.clusters?.[0]?.cluster;
    const user = (doc.users ?? []).find((u) => u.name === context?.user)?.user ?? doc.users?.[0]?.user;
    if (!cluster?.server || !user) throw new Error("the kubeconfig has no cluster server or user");
    const b64 = (s: string | undefined) => (s ? Buffer.from(s, "base64").toString("utf8") : "");
    return {
        server: new URL(cluster.server),
        ca: b64(cluster["certificate-authority-data"]),
        cert: b64(user["client-certificate-data"]),
        key: b64(user["client-key-data"]),
    };
}

/** One GET /healthz trusting only the kubeconfig's CA and presenting its client certificate. */
function healthz(kc: Kubeconfig, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
        const req = https.get(
            {
                host: kc.server.hostname,
                port: Number(kc.server.port || 443),
                path: "/healthz",
                agent: false,
                ca: kc.ca || undefined,
                cert: kc.cert || undefined,
                key: kc.key || undefined,
                timeout: timeoutMs,
            },
            (res) => {
                let body = "";
                res.on("data", (c) => (body += c));
                res.on("end", () =>
                    res.statusCode === 200 ? resolve(body.trim()) : reject(new Error(`/healthz answered HTTP ${res.statusCode}: ${body.slice(0, 120)}`)),
                );
            },
        );
        req.on("timeout", () => req.destroy(new Error(`/healthz did not answer within ${timeoutMs} ms`)));
        req.on("error", reject);
    });
}

/**
 * The health gate: the kubeconfig, once the cluster's API answers /healthz with it. Retries with backoff
 * until `deadline` (the API server may still be coming up after Mold says Running).
 */
export async function healthyKubeconfig(ctx: HookContext, id: string, deadline: number): Promise<string> {
    const client = ctx.client();
    return untilHealthy(ctx, async () => (await getKubernetesClusterConfig(client, id)).configdata, deadline, "the cluster is Running but its Kubernetes API");
}

/**
 * Retries with backoff until the kubeconfig `source` yields answers /healthz with its own credentials, or
 * `deadline` (an API server may still be coming up after its node reported success).
 */
export async function untilHealthy(ctx: HookContext, source: () => Promise<string>, deadline: number, what = "the Kubernetes API"): Promise<string> {
    let last: string;
    for (let delay = 200, attempt = 1; ; delay = Math.min(delay * 2, 5000), attempt++) {
        try {
            const config = await source();
            const kc = parseKubeconfig(config);
            await healthz(kc, Math.max(1000, Math.min(10_000, deadline - Date.now())));
            if (attempt > 1) ctx.log(`Kubernetes API ${kc.server.host} answers /healthz (attempt ${attempt})`);
            return config;
        } catch (e) {
            last = (e as Error).message;
            if (attempt === 1 || attempt % 5 === 0) ctx.log(`waiting for the Kubernetes API to answer /healthz: ${last}`);
        }
        if (Date.now() >= deadline) throw new Error(`${what} did not answer /healthz in time (last: ${last})`);
        await sleep(Math.min(delay, deadline - Date.now()));
    }
}

function roleOf(vm: KubernetesClusterVm, controlNames: Set<string>): string {
    if (vm.isetcdnode || /-etcd-/.test(vm.name)) return "etcd";
    if (controlNames.has(vm.id) || /-control-/.test(vm.name)) return "control";
    return "worker";
}

export function nodesOf(c: KubernetesCluster): KubernetesClusterNode[] {
    const control = new Set<string>();
    return (c.virtualmachines ?? []).map((vm) => {
        const nic = (vm.nic ?? []).find((n) => n.isdefault) ?? vm.nic?.[0];
        return { id: vm.id, name: vm.name, role: roleOf(vm, control), state: vm.state, privateIp: nic?.ipaddress ?? vm.ipaddress ?? "" };
    });
}

/** The semver of the cluster's version: from its name when that is "v<semver>", else looked up by `lookup`. */
export function outputsOf(c: KubernetesCluster, semver: string, kubeconfig: string | undefined): Reported<KubernetesClusterInputs, KubernetesClusterOutputs> {
    return {
        clusterId: c.id,
        state: c.state,
        endpoint: c.endpoint ?? "",
        kubeconfig: kubeconfig ?? "",
        ipAddress: c.ipaddress ?? "",
        ipAddressId: c.ipaddressid ?? "",
        networkId: c.networkid ?? "",
        networkName: c.associatednetworkname ?? "",
        controlNodes: Number(c.controlnodes),
        size: Number(c.size),
        cpuNumber: Number(c.cpunumber),
        memory: Number(c.memory),
        kubernetesVersion: semver,
        kubernetesVersionId: c.kubernetesversionid ?? "",
        kubernetesVersionName: c.kubernetesversionname ?? "",
        account: c.account ?? c.project ?? "",
        domain: c.domain ?? "",
        clusterType: c.clustertype,
        csiEnabled: c.csienabled === true,
        // CKS deploys the driver's release manifest, which holds no StorageClass: there is none to name.
        storageClassName: "",
        created: c.created ?? "",
        nodes: nodesOf(c),
    };
}
