// A minimal Kubernetes API endpoint per running CloudManaged cluster, on the cluster's loopback public IP
// at 6443, and per emulated kubeadm cluster on its control-plane endpoint while a load balancer or port
// forward there reaches a live control-plane node, so code that takes a cluster's kubeconfig can prove it
// works: TLS with the cluster's own CA, client certificates required, /healthz, /version, discovery and
// the node list. The endpoints follow the simulated cloud's state, including changes other processes make
// to a shared state file, because the running server reconciles after every API request and on a timer.
import * as http from "http";
import * as https from "https";
import * as net from "net";
import { assertLoopbackV4 } from "./loopback";
import { T } from "./model";
import type { ClusterRecord } from "./records/cluster";
import { SerialRuns } from "./serial-runs";
import { Simulator } from "./simulator";
import { clusterServedAt, KubeadmCluster } from "./kubeadm/cluster";
import { servedApiVersion } from "./kubeadm/upgrade";
import { asClusterPki } from "./kubeadm/pki";
import { clientCertificateExpired } from "./kubeadm/certs";
import { splitEndpoint } from "./records/routing";
import { ApiDispatcher } from "./kubeadm/restarts";
import { cksNodes, kubeadmNodes, nodeTable, status, versionInfo } from "./kube-api-objects";
import type { ClusterPki } from "./x509";

export const KUBE_API_PORT = 6443;

/** States in which a real cluster's API server answers: Running, and operations on a running cluster. */
const API_UP_STATES = new Set(["Running", "Scaling", "Upgrading", "Importing", "RemovingNodes"]);

export interface KubeApiEndpoint {
    /** CloudManaged: a Mold Kubernetes cluster; kubeadm: an emulated kubeadm cluster (GET /sim/kubeadm-clusters). */
    kind: "CloudManaged" | "kubeadm";
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

/** What one endpoint serves. */
interface Target {
    kind: KubeApiEndpoint["kind"];
    clusterId: string;
    clusterName: string;
    address: string;
    port: number;
    pki: ClusterPki;
}

interface Listener extends KubeApiEndpoint {
    server?: https.Server;
    sockets: Set<net.Socket>;
    /** The PEMs the listener serves; another cluster restarts it, the same cluster's new certificates are swapped in. */
    identity: string;
    retryAt: number;
}

/** Kept here too for the callers that know it from this module. */
export { assertLoopbackV4 };

export class KubeApiManager {
    private readonly listeners = new Map<string, Listener>();
    private readonly port: number;
    private readonly timer: NodeJS.Timeout;
    private readonly runs = new SerialRuns(
        () => this.reconcileOnce(),
        "kube-api",
        () => this.stopped,
    );
    private stopped = false;
    /** haproxy's round-robin over the members of a kubeadm endpoint's load-balancer rule (kubeadm/restarts.ts). */
    private readonly dispatcher = new ApiDispatcher();

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
        return [...this.listeners.values()].map(({ kind, clusterId, clusterName, address, port, status, error, since }) => ({
            kind,
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
        return this.runs.run();
    }

    async stop(): Promise<void> {
        this.stopped = true;
        clearInterval(this.timer);
        await this.runs.settled();
        await Promise.all([...this.listeners.values()].map((l) => this.close(l)));
        this.listeners.clear();
    }

    private clusters(): ClusterRecord[] {
        const state = this.simulator.refreshState();
        return Object.values(state.tables[T.kubernetesClusters] ?? {}) as ClusterRecord[];
    }

    private kubeadmClusters(): KubeadmCluster[] {
        return Object.values(this.simulator.state.tables[T.kubeadmClusters] ?? {}) as KubeadmCluster[];
    }

    /** Endpoints keyed by address:port; the first cluster claiming one keeps it. */
    private targets(): Map<string, Target> {
        const wanted = new Map<string, Target>();
        const add = (t: Target) => {
            const key = `${t.address}:${t.port}`;
            if (!wanted.has(key)) wanted.set(key, t);
        };
        for (const c of this.clusters()) {
            if (c.clustertype !== "CloudManaged" || !API_UP_STATES.has(c.state) || !c._pki || !c.endpoint) continue;
            add({ kind: "CloudManaged", clusterId: c.id, clusterName: c.name, address: new URL(c.endpoint).hostname, port: this.port, pki: c._pki });
        }
        for (const c of this.kubeadmClusters()) {
            const split = splitEndpoint(c.endpoint);
            if (!split || clusterServedAt(this.simulator.state, c.endpoint)?.id !== c.id) continue;
            add({ kind: "kubeadm", clusterId: c.id, clusterName: "kubernetes", address: split.host, port: split.port, pki: asClusterPki(c._pki, split.host) });
        }
        return wanted;
    }

    private async reconcileOnce(): Promise<void> {
        const wanted = new Map(
            [...this.targets()].map(([key, t]) => [key, { target: t, identity: t.clusterId + t.pki.ca.cert + t.pki.server.cert + t.pki.server.key }]),
        );
        for (const [key, l] of this.listeners) {
            const w = wanted.get(key);
            if (w && w.identity !== l.identity && l.server && l.status === "listening" && w.target.clusterId === l.clusterId) {
                // The same cluster with renewed certificates: the load balancer's address stays up; new
                // connections get the new certificate, as each API server serves its own after its restart.
                const { pki } = w.target;
                l.server.setSecureContext({ key: pki.server.key, cert: pki.server.cert, ca: pki.ca.cert });
                l.identity = w.identity;
                continue;
            }
            if (!w || w.identity !== l.identity) {
                this.listeners.delete(key);
                await this.close(l);
            }
        }
        const now = Date.now();
        const opening: Promise<void>[] = [];
        for (const [key, w] of wanted) {
            const l = this.listeners.get(key);
            if (l && (l.status !== "error" || now < l.retryAt)) continue;
            opening.push(this.open(key, w.target, w.identity, l));
        }
        await Promise.all(opening);
    }

    private async open(key: string, target: Target, identity: string, previous?: Listener): Promise<void> {
        const { address, port } = target;
        const l: Listener = previous ?? {
            kind: target.kind,
            clusterId: target.clusterId,
            clusterName: target.clusterName,
            address,
            port,
            status: "error",
            since: new Date().toISOString(),
            sockets: new Set(),
            identity,
            retryAt: 0,
        };
        this.listeners.set(key, l);
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
        const pki = target.pki;
        // Client certificates are asked for and checked against the cluster CA; a request without a valid one
        // gets 401 like a kube-apiserver with anonymous auth off, rather than an opaque handshake failure.
        const server = https.createServer(
            { key: pki.server.key, cert: pki.server.cert, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: false },
            (req, res) => this.serve(target, req, res),
        );
        server.on("connection", (s: net.Socket) => {
            l.sockets.add(s);
            s.on("close", () => l.sockets.delete(s));
            // A kubeadm endpoint: the connection goes to the next member; one whose API server restarts resets it.
            if (target.kind === "kubeadm" && this.dispatch(target)?.refused) s.resetAndDestroy();
        });
        server.on("tlsClientError", (_e, s) => s.destroy());
        try {
            await new Promise<void>((resolve, reject) => {
                server.once("error", reject);
                server.listen(port, address, () => {
                    server.off("error", reject);
                    resolve();
                });
            });
        } catch (e) {
            const err = e as NodeJS.ErrnoException;
            l.retryAt = Date.now() + 400;
            return setStatus("error", `${err.code ?? "error"}: cannot listen on ${address}:${port}: ${err.message}`);
        }
        server.unref();
        server.on("error", (e) => setStatus("error", e.message));
        if (this.stopped || this.listeners.get(key) !== l) {
            // Stopped or superseded while listening began.
            await closeServer(server, l.sockets);
            return;
        }
        l.server = server;
        setStatus("listening");
    }

    private dispatch(target: Target) {
        return this.dispatcher.dispatch(this.simulator.refreshState(), target.address, target.port, this.simulator.clock.now());
    }

    private async close(l: Listener): Promise<void> {
        const server = l.server;
        l.server = undefined;
        if (server) await closeServer(server, l.sockets);
    }

    /** The served cluster's version and nodes now; undefined while it is not up. */
    private upNow(target: Target): { semver: string; nodes: () => any[] } | undefined {
        const state = this.simulator.state;
        if (target.kind === "kubeadm") {
            const c = this.kubeadmClusters().find((x) => x.id === target.clusterId);
            if (!c || clusterServedAt(state, c.endpoint)?.id !== c.id) return undefined;
            return { semver: servedApiVersion(state, c), nodes: () => kubeadmNodes(state, c, this.simulator.clock.now()) };
        }
        const cluster = this.clusters().find((c) => c.id === target.clusterId);
        if (!cluster || !API_UP_STATES.has(cluster.state)) return undefined;
        const semver = String((state.tables[T.kubernetesVersions] ?? {})[cluster.kubernetesversionid ?? ""]?.semanticversion ?? "0.0.0");
        return { semver, nodes: () => cksNodes(state, cluster, semver, this.simulator.clock.now()) };
    }

    private serve(target: Target, req: http.IncomingMessage, res: http.ServerResponse): void {
        const socket = req.socket as import("tls").TLSSocket;
        const url = new URL(req.url ?? "/", "https://kubernetes");
        const json = (code: number, body: unknown): void => {
            res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(body));
        };
        if (!socket.authorized) return json(401, status(401, "Unauthorized", "Unauthorized"));
        if (req.method !== "GET" && req.method !== "HEAD") {
            return json(405, status(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`));
        }
        this.simulator.refreshState();
        // An admin certificate past its notAfter by the simulator's clock (kubeadm/certs.ts) is refused like an expired one.
        const kubeadm = target.kind === "kubeadm" ? this.kubeadmClusters().find((c) => c.id === target.clusterId) : undefined;
        if (kubeadm && clientCertificateExpired(kubeadm, socket.getPeerCertificate()?.fingerprint256, this.simulator.clock.now())) {
            return json(401, status(401, "Unauthorized", "Unauthorized"));
        }
        const up = this.upNow(target);
        if (!up) return json(503, status(503, "ServiceUnavailable", "the cluster is not running"));
        const state = this.simulator.state;
        const path = url.pathname.replace(/\/+$/, "") || "/";
        switch (path) {
            case "/healthz":
            case "/livez":
            case "/readyz":
                return void res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end("ok");
            case "/version":
                return json(200, versionInfo(up.semver));
            case "/api":
                return json(200, {
                    kind: "APIVersions",
                    versions: ["v1"],
                    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: `${socket.localAddress}:${socket.localPort}` }],
                });
            case "/apis":
                return json(200, { kind: "APIGroupList", apiVersion: "v1", groups: [] });
            case "/api/v1":
                return json(200, {
                    kind: "APIResourceList",
                    groupVersion: "v1",
                    resources: [{ name: "nodes", singularName: "node", namespaced: false, kind: "Node", verbs: ["get", "list"], shortNames: ["no"] }],
                });
            case "/api/v1/nodes": {
                const items = up.nodes();
                const metadata = { resourceVersion: String(state.seq) };
                // kubectl get asks for a server-side Table first; with one it prints STATUS, ROLES and VERSION.
                if (/as=Table/.test(String(req.headers.accept ?? ""))) return json(200, nodeTable(items, metadata, this.simulator.clock.now()));
                return json(200, { kind: "NodeList", apiVersion: "v1", metadata, items });
            }
        }
        const one = /^\/api\/v1\/nodes\/([^/]+)$/.exec(path);
        const node = one && up.nodes().find((n) => n.metadata.name === decodeURIComponent(one[1]));
        if (node) return json(200, node);
        if (one)
            return json(404, status(404, "NotFound", `nodes "${decodeURIComponent(one[1])}" not found`, { name: decodeURIComponent(one[1]), kind: "nodes" }));
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
