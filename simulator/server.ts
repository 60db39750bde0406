// HTTP front of the simulator: /client/api (query and form parameters merged, as Mold's servlet does),
// an append-only request log, and a small /sim/ admin API for tests (inventory, faults, latency).
import { zoneInternet } from "./records/host";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo, Socket } from "net";
import { ADMIN_HEADER, adminIndex } from "./admin-endpoints";
import { setKubelet } from "./kubeadm/health";
import { FaultConfig } from "./faults";
import {
    ALLOWED_METHODS,
    clientErrorStatus,
    collectBody,
    DEFAULT_MAX_BODY_BYTES,
    methodAllowed,
    oversizedHeadStatus,
    PARSER_MAX_HEADER_BYTES,
    rawClosingResponse,
    reason,
    refuse,
    RequestLineTracker,
} from "./http-guard";
import { EMULATED_STEPS } from "./kubeadm/steps";
import { CONSOLE_DATA_PATH, CONSOLE_MAIN_PATH, CONSOLE_PATH, renderConsoleMain, renderConsolePage } from "./console/html";
import { consoleView, ConsoleView } from "./console/view";
import { KubeApiEndpoint, KubeApiManager } from "./kube-api";
import { ApiAnswer, Simulator, SimulatorOptions } from "./simulator";
import { SshManager } from "./ssh/manager";
import type { SshEndpoint, SshFaultConfig } from "./ssh/types";
import { EmulatedNodeView, emulatedNodeViews, KubeadmClusterView, kubeadmClusterViews } from "./kubeadm/views";

export interface ServerOptions extends SimulatorOptions {
    /** 0 = any free port. */
    port?: number;
    /** Default 127.0.0.1. Must be a loopback address. */
    host?: string;
    /** Appends one JSON line per API request: time, command, HTTP status, duration (no secrets). */
    requestLog?: string;
    /**
     * Serve a minimal Kubernetes API (mTLS, /healthz, /version, nodes) on <public IP>:6443 for each running
     * CloudManaged cluster (default true).
     */
    kubeApi?: boolean;
    /**
     * Serve an emulated SSH node on <public IP>:<public port> for each port forward to port 22 of a running
     * VM that a firewall rule opens (default true); it runs the bootstrap steps of provider/bootstrap/PROTOCOL.md.
     */
    ssh?: boolean;
    /** Injected SSH faults (latency per step, boot delay, connection drops); also POST /sim/ssh. */
    sshFaults?: SshFaultConfig;
    /**
     * Serve the read-only web console at /console (default true). Open without the admin header, like GET /sim/:
     * the server is loopback-only and the console shows no secrets.
     */
    console?: boolean;
    /** Request bodies above this many bytes answer 413 (default DEFAULT_MAX_BODY_BYTES, 4 MiB). */
    maxBodyBytes?: number;
}

export interface RunningSimulator {
    url: string;
    apiKey: string;
    secretKey: string;
    signature: string;
    port: number;
    /** The web console's address (http://host:port/console); undefined when it is off. */
    consoleUrl?: string;
    /** What the console shows now (also GET /console/data.json). */
    consoleView(): ConsoleView;
    simulator: Simulator;
    /** Everything the simulated cloud holds, by table. */
    inventory(): Record<string, any[]>;
    setFaults(config: FaultConfig): void;
    setLatency(overrides: Record<string, number>, timeFactor?: number): void;
    /**
     * Moves the simulated time forward by `ms` (simulator/clock.ts): due job steps run, sleeping SSH steps and
     * boot delays end, and the endpoints follow; resolves with the new time (epoch ms). Also POST /sim/clock.
     */
    advanceClock(ms: number): Promise<number>;
    /** Requests served, by command. */
    requestCounts: Record<string, number>;
    /** The clusters' Kubernetes API endpoints and their status (also GET /sim/kube-api); [] when disabled. */
    kubeApiEndpoints(): KubeApiEndpoint[];
    /** Brings the endpoints in line with the state now (they also follow it after each request and every 500 ms). */
    reconcileKubeApi(): Promise<void>;
    /** Replaces the SSH fault configuration (also POST /sim/ssh). Throws on a bad configuration. */
    setSshFaults(config: SshFaultConfig): void;
    /** The SSH fault configuration (drops with their remaining times) and the drops that fired (also GET /sim/ssh). */
    sshFaults(): { faults: SshFaultConfig; fired: { step: string; node: string; when: "before" | "after"; at: string }[] };
    /** The emulated nodes with their step history (also GET /sim/nodes). */
    emulatedNodes(): EmulatedNodeView[];
    /** The emulated kubeadm clusters (also GET /sim/kubeadm-clusters). */
    kubeadmClusters(): KubeadmClusterView[];
    /** The VMs' SSH endpoints and their status; [] when SSH is off. */
    sshEndpoints(): SshEndpoint[];
    /** Brings the SSH endpoints in line with the state now (they also follow it after each request and every 500 ms). */
    reconcileSsh(): Promise<void>;
    stop(): Promise<void>;
}

/** Form-decodes a query or body: '+' is a space, names are decoded before they are used. */
function decodeForm(text: string, into: Record<string, string>): void {
    if (!text) return;
    for (const part of text.split("&")) {
        if (!part) continue;
        const eq = part.indexOf("=");
        const rawName = eq < 0 ? part : part.slice(0, eq);
        const rawValue = eq < 0 ? "" : part.slice(eq + 1);
        const decode = (s: string) => {
            try {
                return decodeURIComponent(s.replace(/\+/g, " "));
            } catch {
                return s;
            }
        };
        const name = decode(rawName);
        // The signature check uses the first value of a repeated name.
        if (!(name in into)) into[name] = decode(rawValue);
    }
}

export function isLoopbackHost(host: string): boolean {
    return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === "::1" || host === "localhost";
}

export async function startSimulatorServer(options: ServerOptions = {}): Promise<RunningSimulator> {
    const host = options.host ?? "127.0.0.1";
    if (!isLoopbackHost(host)) throw new Error(`the simulator only listens on loopback addresses (127.0.0.0/8, ::1), not '${host}'`);
    const simulator = new Simulator(options);
    const requestCounts: Record<string, number> = {};
    const kubeApi = options.kubeApi === false ? undefined : new KubeApiManager(simulator);
    const ssh = options.ssh === false ? undefined : new SshManager(simulator, { faults: options.sshFaults, steps: EMULATED_STEPS });
    /** SSH endpoints and Kubernetes APIs brought in line with the state. */
    const reconcileAll = async () => {
        await Promise.all([kubeApi?.reconcile(), ssh?.reconcile()]);
    };
    const advanceClock = async (ms: number) => {
        const now = simulator.advanceClock(ms);
        await reconcileAll();
        return now;
    };
    const sshFaults = () => ({ faults: ssh?.faults.get() ?? {}, fired: ssh ? [...ssh.faults.fired] : [] });
    const logStream = options.requestLog ? fs.createWriteStream(options.requestLog, { flags: "a" }) : undefined;
    logStream?.on("error", (e) => process.stderr.write(`mold-simulator: request log: ${e.message}\n`));

    const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    const lineTrackers = new WeakMap<Socket, RequestLineTracker>();
    const server = http.createServer({ maxHeaderSize: PARSER_MAX_HEADER_BYTES }, (req, res) => {
        const started = Date.now();
        req.on("error", () => res.destroy());
        res.on("error", () => res.destroy());
        res.on("finish", () => lineTrackers.get(req.socket)?.rearm());
        const oversized = oversizedHeadStatus(req);
        if (oversized) return refuse(res, oversized, reason(oversized));
        if (!methodAllowed(req.method))
            return refuse(res, 405, `HTTP method ${req.method} is not supported by this URL`, { allow: ALLOWED_METHODS.join(", ") });
        const tooLarge = () => refuse(res, 413, `request body larger than ${maxBody} bytes`);
        collectBody(
            req,
            maxBody,
            (body) => {
                const url = new URL(req.url ?? "/", "http://localhost");
                if (url.pathname === "/sim" || url.pathname.startsWith("/sim/")) return admin(url.pathname, body.toString("utf8"), req, res);
                if (options.console !== false && (url.pathname === CONSOLE_PATH || url.pathname.startsWith(CONSOLE_PATH + "/")))
                    return serveConsole(url.pathname, req, res);
                if (url.pathname !== "/client/api") {
                    res.writeHead(404, { "content-type": "text/plain" }).end("Not found");
                    return;
                }
                const params: Record<string, string> = {};
                decodeForm(url.search.slice(1), params);
                const type = String(req.headers["content-type"] ?? "");
                if (req.method === "POST" && (type.startsWith("application/x-www-form-urlencoded") || type === "")) {
                    decodeForm(body.toString("utf8"), params);
                }
                const answer = simulator.handleApi(params);
                // Endpoints are brought in line before answering: a client told "Running" finds the API listening,
                // one told "Stopped" finds it gone.
                if (kubeApi || ssh) reconcileAll().then(() => reply(answer, params, req, res, started));
                else reply(answer, params, req, res, started);
            },
            tooLarge,
        );
    });

    function reply(answer: ApiAnswer, params: Record<string, string>, req: http.IncomingMessage, res: http.ServerResponse, started: number): void {
        const command = params.command ?? "";
        requestCounts[command] = (requestCounts[command] ?? 0) + 1;
        logStream?.write(
            JSON.stringify({
                time: new Date(started).toISOString(),
                command,
                method: req.method,
                status: answer.drop ? "dropped" : answer.status,
                durationMs: Date.now() - started,
            }) + "\n",
        );
        if (answer.drop) {
            req.socket.destroy();
            return;
        }
        res.writeHead(answer.status, { "content-type": answer.contentType, ...answer.headers });
        res.end(answer.body);
    }

    // The same functions as /sim/inventory, /sim/nodes and /sim/kubeadm-clusters, picked field by field (console/view.ts).
    const currentView = () =>
        consoleView({
            inventory: simulator.inventory(),
            emulatedNodes: emulatedNodeViews(simulator.refreshState()),
            kubeadmClusters: kubeadmClusterViews(simulator.refreshState()),
            now: simulator.clock.now(),
        });
    function serveConsole(path: string, req: http.IncomingMessage, res: http.ServerResponse): void {
        if (req.method !== "GET") return refuse(res, 405, `the console is read-only: ${req.method} is not supported`, { allow: "GET" });
        // Nothing outside this server may be loaded or fetched by the page.
        const headers = {
            "cache-control": "no-store",
            "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; img-src 'self'",
            "x-content-type-options": "nosniff",
        };
        const html = (body: string): void => void res.writeHead(200, { ...headers, "content-type": "text/html; charset=utf-8" }).end(body);
        try {
            if (path === CONSOLE_PATH || path === CONSOLE_PATH + "/") return html(renderConsolePage(currentView()));
            if (path === CONSOLE_MAIN_PATH) return html(renderConsoleMain(currentView()));
            if (path === CONSOLE_DATA_PATH)
                return void res.writeHead(200, { ...headers, "content-type": "application/json" }).end(JSON.stringify(currentView()));
            res.writeHead(404, { "content-type": "text/plain" }).end(
                `Not found: the console serves ${CONSOLE_PATH}, ${CONSOLE_MAIN_PATH} and ${CONSOLE_DATA_PATH}`,
            );
        } catch (e) {
            res.writeHead(500, { "content-type": "text/plain" }).end(`console: ${(e as Error).message}`);
        }
    }

    const adminKey = () => simulator.account.apiKey;
    function admin(path: string, body: string, req: http.IncomingMessage, res: http.ServerResponse): void {
        const send = (status: number, value: unknown) => {
            res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
        };
        if ((path === "/sim" || path === "/sim/") && req.method === "GET") return send(200, adminIndex());
        if (req.headers[ADMIN_HEADER] !== adminKey())
            return send(401, { error: `${ADMIN_HEADER} header must carry the API key (GET /sim/ lists the endpoints)` });
        try {
            if (path === "/sim/inventory" && req.method === "GET") return send(200, simulator.inventory());
            if (path === "/sim/faults" && req.method === "POST") {
                simulator.setFaults(JSON.parse(body || "{}"));
                return send(200, { faults: simulator.faults.get(), injected: simulator.faults.injected });
            }
            if (path === "/sim/faults" && req.method === "GET") return send(200, { faults: simulator.faults.get(), injected: simulator.faults.injected });
            if (path === "/sim/latency" && req.method === "POST") {
                const v = JSON.parse(body || "{}");
                simulator.setLatency(v.overrides ?? {}, v.timeFactor);
                return send(200, { overrides: simulator.latency.overrides, timeFactor: simulator.latency.timeFactor });
            }
            if (path === "/sim/clock" && req.method === "GET") return send(200, { now: simulator.clock.now() });
            if (path === "/sim/clock" && req.method === "POST") {
                const v = JSON.parse(body || "{}");
                return void advanceClock(Number(v.advanceMs)).then(
                    (now) => send(200, { now }),
                    (e) => send(400, { error: (e as Error).message }),
                );
            }
            if (path === "/sim/requests" && req.method === "GET") return send(200, requestCounts);
            if (path === "/sim/zone-internet" && req.method === "POST") return send(200, zoneInternet(simulator, JSON.parse(body || "{}")));
            if (path === "/sim/kube-api" && req.method === "GET") {
                return void (kubeApi ? kubeApi.reconcile().then(() => send(200, kubeApi.endpoints())) : send(200, []));
            }
            if (path === "/sim/ssh" && req.method === "POST") {
                if (!ssh) return send(409, { error: "SSH emulation is off (ssh: false / --ssh off)" });
                ssh.faults.set(JSON.parse(body || "{}"));
                return send(200, { ...sshFaults(), endpoints: ssh.endpoints() });
            }
            if (path === "/sim/ssh" && req.method === "GET") {
                return void (ssh
                    ? ssh.reconcile().then(() => send(200, { ...sshFaults(), endpoints: ssh.endpoints() }))
                    : send(200, { ...sshFaults(), endpoints: [] }));
            }
            if (path === "/sim/nodes" && req.method === "GET") return send(200, emulatedNodeViews(simulator.refreshState()));
            if (path === "/sim/kubeadm-clusters" && req.method === "GET") return send(200, kubeadmClusterViews(simulator.refreshState()));
            const kubelet = /^\/sim\/nodes\/([^/]+)\/kubelet$/.exec(path);
            if (kubelet && req.method === "POST") {
                const { running } = JSON.parse(body || "{}");
                return send(
                    200,
                    simulator.transaction(() => setKubelet(simulator.state, decodeURIComponent(kubelet[1]), running, simulator.clock.now())),
                );
            }
            send(404, { error: `unknown admin path ${req.method} ${path}` });
        } catch (e) {
            send(400, { error: (e as Error).message });
        }
    }

    // Registered after Node's own connection listener, so each chunk reaches the tracker after the parser.
    server.on("connection", (socket: Socket) => {
        const tracker = new RequestLineTracker();
        lineTrackers.set(socket, tracker);
        socket.on("data", (c: Buffer) => tracker.seen(c));
    });
    // Node's parser refused the request (e.g. a head beyond PARSER_MAX_HEADER_BYTES): answer with a status, as
    // Jetty does, instead of closing the socket; a socket in the middle of a response can only be closed.
    server.on("clientError", (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket) => {
        if (err.code === "ECONNRESET" || !socket.writable || (socket as any)._httpMessage) return void socket.destroy();
        socket.end(rawClosingResponse(clientErrorStatus(err, lineTrackers.get(socket as Socket))));
        setTimeout(() => socket.destroy(), 2000).unref();
    });
    try {
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(options.port ?? 0, host, () => {
                server.off("error", reject);
                resolve();
            });
        });
    } catch (e) {
        await kubeApi?.stop();
        await ssh?.stop();
        throw e;
    }
    server.on("error", (e) => process.stderr.write(`mold-simulator: ${e.message}\n`));
    // A state file may already hold running clusters: serve them from the start, not from the first request.
    await reconcileAll();
    const port = (server.address() as AddressInfo).port;
    const urlHost = host.includes(":") ? `[${host}]` : host;
    return {
        url: `http://${urlHost}:${port}/client/api`,
        apiKey: simulator.account.apiKey,
        secretKey: simulator.account.secretKey,
        signature: simulator.signature,
        port,
        consoleUrl: options.console === false ? undefined : `http://${urlHost}:${port}${CONSOLE_PATH}`,
        consoleView: currentView,
        simulator,
        inventory: () => simulator.inventory(),
        setFaults: (c) => simulator.setFaults(c),
        setLatency: (o, f) => simulator.setLatency(o, f),
        advanceClock,
        requestCounts,
        kubeApiEndpoints: () => kubeApi?.endpoints() ?? [],
        reconcileKubeApi: async () => kubeApi?.reconcile(),
        setSshFaults: (config) => {
            if (!ssh) throw new Error("SSH emulation is off (ssh: false)");
            ssh.faults.set(config);
        },
        sshFaults,
        emulatedNodes: () => emulatedNodeViews(simulator.refreshState()),
        kubeadmClusters: () => kubeadmClusterViews(simulator.refreshState()),
        sshEndpoints: () => ssh?.endpoints() ?? [],
        reconcileSsh: async () => ssh?.reconcile(),
        stop: async () => {
            await kubeApi?.stop();
            await ssh?.stop();
            await new Promise<void>((resolve) => {
                server.close(() => {
                    if (logStream) logStream.end(() => resolve());
                    else resolve();
                });
                server.closeAllConnections();
            });
        },
    };
}
