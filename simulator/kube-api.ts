// A minimal Kubernetes API endpoint per running CloudManaged cluster, on the cluster's loopback public IP
// at 6443, so code that takes a cluster's kubeconfig can prove it works: TLS with the cluster's own CA,
// client certificates required, /healthz, /version, discovery and the node list. The endpoints follow the
// simulated cloud's state, including changes other processes make to a shared state file, because the
// running server reconciles after every API request and on a short timer.
import { createHash } from "crypto";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import { T } from "./model";
import { Simulator } from "./simulator";
import type { ClusterNode, ClusterRecord } from "./handlers/kubernetes-cluster";

export const KUBE_API_PORT = 6443;

/** States in which a real cluster's API server answers: Running, and operations on a running cluster. */
const API_UP_STATES = new Set(["Running", "Scaling", "Upgrading", "Importing", "RemovingNodes"]);

export interface KubeApiEndpoint {
    clusterId: string;
    clusterName: string;
    address: string;
    port: number;
    /** listening; error (e.g. EADDRINUSE, retried on the next reconcile); refused (not a loopback address, never served). */
    status: "listening" | "error" | "refused";
    error?: string;
    /** When the status last changed (ISO). */
    since: string;
}

export interface KubeApiOptions {
    /** Default 6443; tests of the manager alone may pick another. */
    port?: number;
    /** Reconcile period in ms (default 500). */
    intervalMs?: number;
}

interface Listener extends KubeApiEndpoint {
    server?: https.Server;
    sockets: Set<net.Socket>;
    /** The PEMs the listener was started with; a change (reissued server certificate) restarts it. */
    identity: string;
    retryAt: number;
}

/** Throws unless `address` is an IPv4 address inside 127.0.0.0/8: the simulator never listens elsewhere. */
export function assertLoopbackV4(address: string): void {
    const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
    if (!m || !m.slice(1).every((o) => Number(o) <= 255)) throw new Error(`refusing to listen on ${address}: not inside 127.0.0.0/8`);
}

export class KubeApiManager {
    private readonly listeners = new Map<string, Listener>();
    private readonly port: number;
    private readonly timer: NodeJS.Timeout;
    private current?: Promise<void>;
    private queued?: Promise<void>;
    private stopped = false;

    constructor(
        private readonly simulator: Simulator,
        options: KubeApiOptions = {},
    ) {
        this.port = options.port ?? KUBE_API_PORT;
        // Follows changes other processes make to a shared state file; never keeps a process alive by itself.
        this.timer = setInterval(() => void this.reconcile(), options.intervalMs ?? 500);
        this.timer.unref();
    }

    /** What is served, and what could not be. */
    endpoints(): KubeApiEndpoint[] {
        return [...this.listeners.values()].map(({ clusterId, clusterName, address, port, status, error, since }) => ({
            clusterId,
            clusterName,
            address,
            port,
            status,
            ...(error !== undefined ? { error } : {}),
            since,
        }));
    }

    /**
     * Brings the listeners in line with the state. Runs one at a time; calls made while one runs share the
     * next run, so a burst of API requests costs at most two.
     */
    reconcile(): Promise<void> {
        if (this.queued) return this.queued;
        const previous = this.current ?? Promise.resolve();
        const next: Promise<void> = previous.then(async () => {
            this.queued = undefined;
            this.current = next;
            try {
                if (!this.stopped) await this.reconcileOnce();
            } catch (e) {
                process.stderr.write(`mold-simulator: kube-api reconcile: ${(e as Error).message}\n`);
            } finally {
                if (this.current === next) this.current = undefined;
            }
        });
        this.queued = next;
        return next;
    }

    async stop(): Promise<void> {
        this.stopped = true;
        clearInterval(this.timer);
        await this.current;
        await Promise.all([...this.listeners.values()].map((l) => this.close(l)));
        this.listeners.clear();
    }

    private clusters(): ClusterRecord[] {
        const state = this.simulator.refreshState();
        return Object.values(state.tables[T.kubernetesClusters] ?? {}) as ClusterRecord[];
    }

    private async reconcileOnce(): Promise<void> {
        const wanted = new Map<string, { cluster: ClusterRecord; address: string; identity: string }>();
        for (const c of this.clusters()) {
            if (c.clustertype !== "CloudManaged" || !API_UP_STATES.has(c.state) || !c._pki || !c.endpoint) continue;
            const address = new URL(c.endpoint).hostname;
            wanted.set(c.id, { cluster: c, address, identity: c._pki.ca.cert + c._pki.server.cert + c._pki.server.key });
        }
        for (const [id, l] of this.listeners) {
            const w = wanted.get(id);
            if (!w || w.address !== l.address || w.identity !== l.identity) {
                this.listeners.delete(id);
                await this.close(l);
            }
        }
        const now = Date.now();
        const opening: Promise<void>[] = [];
        for (const [id, w] of wanted) {
            const l = this.listeners.get(id);
            if (l && (l.status !== "error" || now < l.retryAt)) continue;
            opening.push(this.open(w.cluster, w.address, w.identity, l));
        }
        await Promise.all(opening);
    }

    private async open(cluster: ClusterRecord, address: string, identity: string, previous?: Listener): Promise<void> {
        const l: Listener = previous ?? {
            clusterId: cluster.id,
            clusterName: cluster.name,
            address,
            port: this.port,
            status: "error",
            since: new Date().toISOString(),
            sockets: new Set(),
            identity,
            retryAt: 0,
        };
        this.listeners.set(cluster.id, l);
        const setStatus = (status: Listener["status"], error?: string) => {
            if (l.status !== status || l.error !== error) l.since = new Date().toISOString();
            l.status = status;
            l.error = error;
        };
        try {
            assertLoopbackV4(address);
        } catch (e) {
            return setStatus("refused", (e as Error).message);
        }
        const pki = cluster._pki!;
        // Client certificates are asked for and checked against the cluster CA; a request without a valid one
        // gets 401 like a kube-apiserver with anonymous auth off, rather than an opaque handshake failure.
        const server = https.createServer({ key: pki.server.key, cert: pki.server.cert, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: false }, (req, res) =>
            this.serve(cluster.id, req, res),
        );
        server.on("connection", (s: net.Socket) => {
            l.sockets.add(s);
            s.on("close", () => l.sockets.delete(s));
        });
        server.on("tlsClientError", (_e, s) => s.destroy());
        try {
            await new Promise<void>((resolve, reject) => {
                server.once("error", reject);
                server.listen(this.port, address, () => {
                    server.off("error", reject);
                    resolve();
                });
            });
        } catch (e) {
            const err = e as NodeJS.ErrnoException;
            l.retryAt = Date.now() + 400;
            return setStatus("error", `${err.code ?? "error"}: cannot listen on ${address}:${this.port}: ${err.message}`);
        }
        server.unref();
        server.on("error", (e) => setStatus("error", e.message));
        if (this.stopped || this.listeners.get(cluster.id) !== l) {
            // Stopped or superseded while listening began.
            await closeServer(server, l.sockets);
            return;
        }
        l.server = server;
        setStatus("listening");
    }

    private async close(l: Listener): Promise<void> {
        const server = l.server;
        l.server = undefined;
        if (server) await closeServer(server, l.sockets);
    }

    private serve(clusterId: string, req: http.IncomingMessage, res: http.ServerResponse): void {
        const socket = req.socket as import("tls").TLSSocket;
        const url = new URL(req.url ?? "/", "https://kubernetes");
        const json = (code: number, body: unknown): void => {
            res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(body));
        };
        if (!socket.authorized) return json(401, status(401, "Unauthorized", "Unauthorized"));
        if (req.method !== "GET" && req.method !== "HEAD") {
            return json(405, status(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`));
        }
        const cluster = this.clusters().find((c) => c.id === clusterId);
        if (!cluster || !API_UP_STATES.has(cluster.state)) return json(503, status(503, "ServiceUnavailable", "the cluster is not running"));
        const state = this.simulator.state;
        const semver = String((state.tables[T.kubernetesVersions] ?? {})[cluster.kubernetesversionid ?? ""]?.semanticversion ?? "0.0.0");
        const path = url.pathname.replace(/\/+$/, "") || "/";
        switch (path) {
            case "/healthz":
            case "/livez":
            case "/readyz":
                return void res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end("ok");
            case "/version":
                return json(200, versionInfo(semver));
            case "/api":
                return json(200, { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: `${socket.localAddress}:${socket.localPort}` }] });
            case "/apis":
                return json(200, { kind: "APIGroupList", apiVersion: "v1", groups: [] });
            case "/api/v1":
                return json(200, {
                    kind: "APIResourceList",
                    groupVersion: "v1",
                    resources: [{ name: "nodes", singularName: "node", namespaced: false, kind: "Node", verbs: ["get", "list"], shortNames: ["no"] }],
                });
            case "/api/v1/nodes": {
                const items = nodesOf(state, cluster, semver);
                const metadata = { resourceVersion: String(state.seq) };
                // kubectl get asks for a server-side Table first; with one it prints STATUS, ROLES and VERSION.
                if (/as=Table/.test(String(req.headers.accept ?? ""))) return json(200, nodeTable(items, metadata));
                return json(200, { kind: "NodeList", apiVersion: "v1", metadata, items });
            }
        }
        const one = /^\/api\/v1\/nodes\/([^/]+)$/.exec(path);
        const node = one && nodesOf(state, cluster, semver).find((n) => n.metadata.name === decodeURIComponent(one[1]));
        if (node) return json(200, node);
        if (one) return json(404, status(404, "NotFound", `nodes "${decodeURIComponent(one[1])}" not found`, { name: decodeURIComponent(one[1]), kind: "nodes" }));
        json(404, status(404, "NotFound", "the server could not find the requested resource"));
    }
}

function closeServer(server: https.Server, sockets: Set<net.Socket>): Promise<void> {
    // Closing the listening socket refuses new connections at once; open ones (keep-alive, mid-handshake) are cut.
    return new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
    });
}

/** metav1.Status, as the API server answers errors. */
function status(code: number, reason: string, message: string, details: Record<string, string> = {}) {
    return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, details, code };
}

function versionInfo(semver: string) {
    const [major, minor] = semver.split(".");
    return {
        major,
        minor,
        gitVersion: `v${semver}`,
        gitCommit: createHash("sha1").update(semver).digest("hex"),
        gitTreeState: "clean",
        buildDate: "2025-01-01T00:00:00Z",
        goVersion: "go1.22.0",
        compiler: "gc",
        platform: "linux/amd64",
    };
}

/** Mold dates (2026-01-02T03:04:05+0000) as RFC 3339. */
const rfc3339 = (moldDate: unknown) => (typeof moldDate === "string" ? moldDate.replace(/\+0000$/, "Z") : undefined);

/** The cluster's Kubernetes nodes: control and worker VMs (etcd VMs run no kubelet); Ready while the VM runs. */
function nodesOf(state: Simulator["state"], cluster: ClusterRecord, semver: string): any[] {
    const vms = state.tables[T.vms] ?? {};
    return cluster._nodes
        .filter((n: ClusterNode) => n.role !== "etcd" && vms[n.vmId])
        .map((n: ClusterNode) => {
            const vm = vms[n.vmId];
            const name = String(vm.name).toLowerCase();
            const ready = vm.state === "Running";
            const nic = (vm.nic ?? []).find((x: any) => x.isdefault) ?? vm.nic?.[0];
            const control = n.role === "control";
            const version = `v${n.nodeVersion ?? semver}`;
            const heartbeat = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
            return {
                kind: "Node",
                apiVersion: "v1",
                metadata: {
                    name,
                    uid: vm.id,
                    creationTimestamp: rfc3339(vm.created),
                    labels: {
                        "kubernetes.io/hostname": name,
                        "kubernetes.io/os": "linux",
                        "kubernetes.io/arch": "amd64",
                        "beta.kubernetes.io/os": "linux",
                        "beta.kubernetes.io/arch": "amd64",
                        ...(control ? { "node-role.kubernetes.io/control-plane": "", "node.kubernetes.io/exclude-from-external-load-balancers": "" } : {}),
                    },
                },
                spec: {
                    providerID: `external:///${vm.id}`,
                    ...(control ? { taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] } : {}),
                },
                status: {
                    conditions: [
                        {
                            type: "Ready",
                            status: ready ? "True" : "Unknown",
                            reason: ready ? "KubeletReady" : "NodeStatusUnknown",
                            message: ready ? "kubelet is posting ready status" : "Kubelet stopped posting node status.",
                            lastHeartbeatTime: heartbeat,
                            lastTransitionTime: rfc3339(vm.created),
                        },
                    ],
                    addresses: [...(nic?.ipaddress ? [{ type: "InternalIP", address: nic.ipaddress }] : []), { type: "Hostname", address: name }],
                    nodeInfo: {
                        kubeletVersion: version,
                        kubeProxyVersion: version,
                        operatingSystem: "linux",
                        architecture: "amd64",
                        containerRuntimeVersion: "containerd://1.7.24",
                        osImage: "Debian GNU/Linux 12 (bookworm)",
                        kernelVersion: "6.1.0-28-amd64",
                        machineID: vm.id.replace(/-/g, ""),
                        systemUUID: vm.id,
                        bootID: vm.id,
                    },
                },
            };
        });
}

function age(since: string | undefined): string {
    const s = since ? Math.max(0, Math.floor((Date.now() - Date.parse(since)) / 1000)) : 0;
    if (s < 120) return `${s}s`;
    if (s < 7200) return `${Math.floor(s / 60)}m`;
    if (s < 172800) return `${Math.floor(s / 3600)}h`;
    return `${Math.floor(s / 86400)}d`;
}

/** meta.k8s.io/v1 Table with kubectl's node columns. */
function nodeTable(nodes: any[], metadata: Record<string, string>) {
    const column = (name: string, priority = 0) => ({ name, type: "string", format: name === "Name" ? "name" : "", description: "", priority });
    return {
        kind: "Table",
        apiVersion: "meta.k8s.io/v1",
        metadata,
        columnDefinitions: [column("Name"), column("Status"), column("Roles"), column("Age"), column("Version"), column("Internal-IP", 1), column("OS-Image", 1)],
        rows: nodes.map((n) => {
            const ready = n.status.conditions.find((c: any) => c.type === "Ready")?.status === "True";
            const roles = Object.keys(n.metadata.labels)
                .filter((l) => l.startsWith("node-role.kubernetes.io/"))
                .map((l) => l.slice("node-role.kubernetes.io/".length));
            return {
                cells: [
                    n.metadata.name,
                    ready ? "Ready" : "NotReady",
                    roles.join(",") || "<none>",
                    age(n.metadata.creationTimestamp),
                    n.status.nodeInfo.kubeletVersion,
                    n.status.addresses.find((a: any) => a.type === "InternalIP")?.address ?? "<none>",
                    n.status.nodeInfo.osImage,
                ],
                object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: n.metadata },
            };
        }),
    };
}
