// SSH to Kubernetes nodes from the provider host: pinned host keys (a mismatch is refused at once),
// retries with backoff while a VM boots, bounded waits and output everywhere, optional jump hosts.
import { createHash } from "crypto";
import { Client, ClientChannel, ConnectConfig, ServerHostKeyAlgorithm, utils as sshUtils } from "ssh2";
import {
    formatSeconds,
    HostKeyMismatchError,
    SshAuthError,
    SshCommandTimeoutError,
    SshConnectError,
    SshConnectionLostError,
    SshEndpoint,
    SshExecError,
} from "./errors";
import { blobFingerprint, publicKeyBlob, publicKeyTypeAndBlob } from "./host-keys";

export { HostKeyMismatchError, SshAuthError, SshCommandTimeoutError, SshConnectError, SshConnectionLostError, SshError, SshExecError } from "./errors";

export interface SshTarget {
    /** The node's name, used in messages. */
    label: string;
    host: string;
    port: number;
    username: string;
    privateKey: string;
    /** Pinned host key, "type base64". */
    hostPublicKey: string;
    /**
     * A host key being rotated to (provider/kubeadm/host-key-rotation.ts): accepted besides hostPublicKey, so a
     * connection lost after the node switched keys but before the state recorded it does not lock us out.
     */
    hostPublicKeyNext?: string;
    /** Optional bastion (jump host): connect to it, then forward to host:port through it. */
    via?: SshTarget;
}

export interface ConnectPolicy {
    /** Connection attempts before giving up (default 40). */
    attempts?: number;
    /** First delay between attempts (default 500 ms), doubled each time up to maxDelayMs. */
    initialDelayMs?: number;
    /** Longest delay between attempts (default 5000 ms). */
    maxDelayMs?: number;
    /** Time allowed for the TCP connect plus SSH handshake and authentication (default 20000 ms). */
    readyTimeoutMs?: number;
    log?: (message: string) => void;
}

export interface ExecResult {
    code: number | null;
    signal?: string;
    stdout: string;
    stderr: string;
}

export interface SshSession {
    /** The host key the server presented ("type base64"): hostPublicKey or hostPublicKeyNext. */
    readonly hostPublicKey: string;
    exec(command: string, opts?: { stdin?: string; timeoutMs?: number }): Promise<ExecResult>;
    close(): void;
    readonly closed: boolean;
}

/** Output kept per stream: the tail matters (a failing step's last lines), the rest is dropped. */
export const OUTPUT_CAP_BYTES = 1024 * 1024;
/** Keys do not change while a VM boots, but cloud-init may not have installed ours yet. */
const MAX_AUTH_ATTEMPTS = 10;
/** A dead peer is noticed within about KEEPALIVE_INTERVAL_MS * KEEPALIVE_COUNT_MAX. */
const KEEPALIVE_INTERVAL_MS = 15_000;
const KEEPALIVE_COUNT_MAX = 4;

export async function connect(target: SshTarget, policy: ConnectPolicy = {}): Promise<SshSession> {
    const attempts = Math.max(1, Math.floor(policy.attempts ?? 40));
    const initialDelayMs = Math.max(0, policy.initialDelayMs ?? 500);
    const maxDelayMs = Math.max(initialDelayMs, policy.maxDelayMs ?? 5000);
    const readyTimeoutMs = Math.max(1, policy.readyTimeoutMs ?? 20_000);
    const log = policy.log ?? (() => undefined);
    const authAttempts = Math.min(attempts, MAX_AUTH_ATTEMPTS);
    // Bad inputs are no reason to wait for the node: fail before the first attempt.
    for (let hop: SshTarget | undefined = target; hop; hop = hop.via) validateTarget(hop);

    let authFailures = 0;
    for (let attempt = 1; ; attempt++) {
        let reason: string;
        try {
            return new Session(target, await connectChain(target, readyTimeoutMs));
        } catch (err) {
            if (err instanceof HostKeyMismatchError) throw err;
            if (err instanceof SshAuthError) {
                authFailures++;
                if (authFailures >= authAttempts || attempt >= attempts) {
                    throw new SshAuthError({ label: err.node, host: err.host, port: err.port }, err.username, authFailures);
                }
                reason = `authentication as ${err.username} at ${err.host}:${err.port} refused`;
            } else {
                reason = describeError(err);
            }
        }
        if (attempt >= attempts) throw new SshConnectError(target, attempts, reason);
        const delayMs = backoffDelay(attempt, initialDelayMs, maxDelayMs);
        log(
            `${target.label}: SSH to ${target.host}:${target.port} not ready (${reason}), ` +
                `attempt ${attempt} of ${attempts}, retrying in ${(delayMs / 1000).toFixed(1)}s`,
        );
        await sleep(delayMs);
    }
}

/** Exponential backoff with jitter (half fixed, half random), so many nodes do not retry in step. */
export function backoffDelay(attempt: number, initialDelayMs: number, maxDelayMs: number): number {
    const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(attempt - 1, 30));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

function validateTarget(target: SshTarget): void {
    if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
        throw new Error(`${target.label}: invalid SSH port ${target.port}`);
    }
    publicKeyBlob(target.hostPublicKey);
    if (target.hostPublicKeyNext) publicKeyBlob(target.hostPublicKeyNext);
    const parsed = sshUtils.parseKey(target.privateKey);
    if (parsed instanceof Error) throw new Error(`${target.label}: unusable SSH private key: ${parsed.message}`);
}

function endpointOf(target: SshEndpoint): SshEndpoint {
    return { label: target.label, host: target.host, port: target.port };
}

function describeError(err: unknown): string {
    if (!(err instanceof Error)) return String(err);
    const code = (err as NodeJS.ErrnoException).code;
    switch (code) {
        case "ECONNREFUSED":
            return "connection refused";
        case "ECONNRESET":
            return "connection reset";
        case "ETIMEDOUT":
            return "TCP connect timed out";
        case "EHOSTUNREACH":
            return "host unreachable";
        case "ENETUNREACH":
            return "network unreachable";
    }
    return err.message;
}

/**
 * Clients from the outermost bastion to the target. The first `shared` of them are a jump host's connection that
 * other sessions use too (`release` gives this session's use back); the rest are the session's own.
 */
interface Chain {
    clients: Client[];
    shared: number;
    release: () => void;
    /** The last client's tunnel through the jump host, when it has one. */
    tunnel?: ClientChannel;
}

/**
 * Connections to jump hosts, one per jump host (its address, user, key and pinned keys), shared by every session
 * through it: 20 nodes behind a control-plane node cost one handshake there, not 20 at once (sshd's default
 * MaxStartups 10:30:100 starts refusing unauthenticated connections beyond 10), and their tunnels are
 * direct-tcpip channels, which sshd's MaxSessions does not count. Closed when its last session lets go; a
 * jump connection that drops is forgotten, and the sessions through it reconnect through a new one.
 */
interface SharedHop {
    chain: Promise<Chain>;
    users: number;
    done: boolean;
}
const sharedHops = new Map<string, SharedHop>();

/** Which jump connection a hop can share: everything that decides where it goes and what it accepts. */
function hopKey(t: SshTarget): string {
    const key = createHash("sha256").update(t.privateKey).digest("hex");
    return JSON.stringify([t.host, t.port, t.username, key, t.hostPublicKey, t.hostPublicKeyNext ?? "", t.via ? hopKey(t.via) : ""]);
}

/** How many sessions (and connects under way) use the open connection to jump host `via` now; 0 when none is open. */
export function jumpConnectionUsers(via: SshTarget): number {
    const hop = sharedHops.get(hopKey(via));
    return hop && !hop.done ? hop.users : 0;
}

async function acquireHop(via: SshTarget, readyTimeoutMs: number): Promise<Chain> {
    const key = hopKey(via);
    let hop = sharedHops.get(key);
    if (!hop || hop.done) {
        const made: SharedHop = { chain: connectChain(via, readyTimeoutMs), users: 0, done: false };
        const forget = () => {
            made.done = true;
            if (sharedHops.get(key) === made) sharedHops.delete(key);
        };
        made.chain.then((chain) => {
            for (const client of chain.clients) {
                // Every session through it listens for its end (and stops when done): many listeners, no leak.
                client.setMaxListeners(0);
                // Errors surface as the sessions' lost connections; the hop only notices that it is gone.
                client.on("error", () => undefined);
                client.on("close", () => {
                    forget();
                    for (const c of chain.clients) c.end();
                    chain.release();
                });
            }
        }, forget);
        sharedHops.set(key, made);
        hop = made;
    }
    const used = hop;
    used.users++;
    let chain: Chain;
    try {
        chain = await used.chain;
    } catch (err) {
        used.users--;
        throw err;
    }
    let released = false;
    const release = () => {
        if (released) return;
        released = true;
        if (--used.users > 0) return;
        used.done = true;
        if (sharedHops.get(key) === used) sharedHops.delete(key);
        for (const client of [...chain.clients].reverse()) client.end();
        chain.release();
    };
    return { clients: chain.clients, shared: chain.clients.length, release };
}

/** The chain to `target`: through the shared connection of its jump host, if any; on failure nothing of ours stays open. */
async function connectChain(target: SshTarget, readyTimeoutMs: number): Promise<Chain> {
    if (!target.via) return { clients: [await openClient(target, readyTimeoutMs)], shared: 0, release: () => undefined };
    const hop = await acquireHop(target.via, readyTimeoutMs);
    try {
        const tunnel = await forwardThrough(hop.clients[hop.clients.length - 1], target.via, target, readyTimeoutMs);
        // The jump connection stays up for the others: a failed handshake closes its own tunnel.
        const own = await openClient(target, readyTimeoutMs, tunnel).catch((err) => {
            tunnel.close();
            throw err;
        });
        return { clients: [...hop.clients, own], shared: hop.shared, release: hop.release, tunnel };
    } catch (err) {
        hop.release();
        throw err;
    }
}

function forwardThrough(bastion: Client, bastionTarget: SshTarget, target: SshTarget, timeoutMs: number): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
        let settled = false;
        const timer = setTimeout(() => {
            settled = true;
            reject(new Error(`bastion ${bastionTarget.label} did not open a tunnel to ${target.host}:${target.port} within ${formatSeconds(timeoutMs)}`));
        }, timeoutMs);
        try {
            bastion.forwardOut("127.0.0.1", 0, target.host, target.port, (err, stream) => {
                clearTimeout(timer);
                if (settled) {
                    stream?.on("error", () => undefined);
                    stream?.close();
                    return;
                }
                settled = true;
                if (err) {
                    reject(new Error(`bastion ${bastionTarget.label} could not reach ${target.host}:${target.port}: ${err.message}`));
                } else {
                    resolve(stream);
                }
            });
        } catch (err) {
            clearTimeout(timer);
            settled = true;
            reject(err);
        }
    });
}

/** The host key algorithms to ask for, so a server with several keys offers the pinned one. */
function hostKeyAlgorithms(pinnedTypes: string[]): ConnectConfig["algorithms"] {
    // A pinned key's type names its algorithm (ssh-ed25519, ecdsa-sha2-nistp256, …); RSA has three.
    const algorithms = pinnedTypes.flatMap((type): ServerHostKeyAlgorithm[] =>
        type === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [type as ServerHostKeyAlgorithm],
    );
    return { serverHostKey: algorithms };
}

/** One TCP connect (or tunnel), handshake and authentication, bounded by readyTimeoutMs. */
function openClient(target: SshTarget, readyTimeoutMs: number, sock?: ClientChannel): Promise<Client> {
    const endpoint = endpointOf(target);
    // Exactly the pinned key and, during a rotation, the pending one: anything else is refused.
    const accepted = acceptedKeys(target);
    const types = [...new Set(accepted.map((k) => k.line.split(" ")[0]))];
    const client = new Client();
    let mismatch: HostKeyMismatchError | undefined;
    let presented: string | undefined;

    return new Promise<Client>((resolve, reject) => {
        let settled = false;
        const fail = (err: Error) => {
            if (settled) return;
            settled = true;
            clearTimeout(guard);
            client.end();
            reject(mismatch ?? err);
        };
        // ssh2 has its own readyTimeout; this guard also covers a handshake that stalls after it.
        const guard = setTimeout(() => fail(new Error(`no SSH handshake within ${formatSeconds(readyTimeoutMs)}`)), readyTimeoutMs + 2000);
        client.on("error", (err: Error & { level?: string }) => {
            if (err.level === "client-authentication") fail(new SshAuthError(endpoint, target.username, 1));
            else if (err.level === "client-timeout") fail(new Error(`no SSH handshake within ${formatSeconds(readyTimeoutMs)}`));
            else fail(err);
        });
        client.on("close", () => fail(new Error("connection closed during the SSH handshake")));
        client.on("ready", () => {
            if (settled) {
                client.end();
                return;
            }
            settled = true;
            clearTimeout(guard);
            presentedKeys.set(client, presented ?? publicKeyTypeAndBlob(target.hostPublicKey));
            resolve(client);
        });
        sock?.on("error", (err: Error) => fail(err));
        try {
            client.connect({
                host: target.host,
                port: target.port,
                sock,
                username: target.username,
                privateKey: target.privateKey,
                readyTimeout: readyTimeoutMs,
                keepaliveInterval: KEEPALIVE_INTERVAL_MS,
                keepaliveCountMax: KEEPALIVE_COUNT_MAX,
                algorithms: hostKeyAlgorithms(types),
                hostVerifier: (offered: Buffer) => {
                    const match = Buffer.isBuffer(offered) ? accepted.find((k) => offered.equals(k.blob)) : undefined;
                    if (match) {
                        presented = match.line;
                        return true;
                    }
                    mismatch = new HostKeyMismatchError(
                        endpoint,
                        accepted.map((k) => blobFingerprint(k.blob)).join(" or "),
                        Buffer.isBuffer(offered) ? blobFingerprint(offered) : "an unreadable key",
                    );
                    return false;
                },
            });
        } catch (err) {
            fail(err instanceof Error ? err : new Error(String(err)));
        }
    });
}

/** The host key each connected client's server presented (its "type base64" line). */
const presentedKeys = new WeakMap<Client, string>();

/** The host keys a connection to `target` accepts: the pinned one, and the one being rotated to. */
export function acceptedKeys(target: Pick<SshTarget, "hostPublicKey" | "hostPublicKeyNext">): { line: string; blob: Buffer }[] {
    const lines = [target.hostPublicKey, ...(target.hostPublicKeyNext ? [target.hostPublicKeyNext] : [])].map(publicKeyTypeAndBlob);
    return [...new Set(lines)].map((line) => ({ line, blob: publicKeyBlob(line) }));
}

class Session implements SshSession {
    private isClosed = false;
    private closeReason = "the session was closed";
    private readonly onLost = new Set<(reason: string) => void>();
    private readonly client: Client;
    /** Listeners this session put on the chain's clients (a shared jump connection outlives the session). */
    private readonly unlisten: (() => void)[] = [];

    constructor(
        private readonly target: SshTarget,
        private readonly chain: Chain,
    ) {
        const clients = chain.clients;
        this.client = clients[clients.length - 1];
        for (const [index, client] of clients.entries()) {
            const name = index === clients.length - 1 ? "connection" : "bastion connection";
            let lastError: Error | undefined;
            const onError = (err: Error) => {
                lastError = err;
            };
            const onClose = () => this.markClosed(lastError ? `${name} error: ${describeError(lastError)}` : `the ${name} closed`);
            client.on("error", onError);
            client.on("close", onClose);
            this.unlisten.push(() => client.removeListener("error", onError).removeListener("close", onClose));
        }
        // The far end behind a jump host going away ends only the tunnel (the jump connection stays up), and an
        // SSH server never half-closes: the tunnel's end is the connection's, noticed now, not by keepalives.
        const tunnelEnded = () => {
            this.client.end();
            this.markClosed("the connection through the jump host closed");
        };
        chain.tunnel?.once("end", tunnelEnded);
        chain.tunnel?.once("close", tunnelEnded);
    }

    get closed(): boolean {
        return this.isClosed;
    }

    get hostPublicKey(): string {
        return presentedKeys.get(this.client) ?? publicKeyTypeAndBlob(this.target.hostPublicKey);
    }

    close(): void {
        if (!this.isClosed) this.markClosed("the session was closed");
        this.letGo();
    }

    private markClosed(reason: string): void {
        if (this.isClosed) return;
        this.isClosed = true;
        this.closeReason = reason;
        this.letGo();
        for (const notify of [...this.onLost]) notify(reason);
    }

    /** Ends the session's own connections and gives its use of a shared jump connection back. */
    private letGo(): void {
        for (const client of this.chain.clients.slice(this.chain.shared).reverse()) client.end();
        // openClient's own error listener stays on every client, so an error while ending is still caught.
        for (const off of this.unlisten.splice(0)) off();
        this.chain.release();
    }

    exec(command: string, opts: { stdin?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
        const endpoint = endpointOf(this.target);
        if (this.isClosed) return Promise.reject(new SshConnectionLostError(endpoint, this.closeReason));
        return new Promise<ExecResult>((resolve, reject) => {
            const stdout = new TailBuffer(OUTPUT_CAP_BYTES);
            const stderr = new TailBuffer(OUTPUT_CAP_BYTES);
            let exit: { code: number | null; signal?: string } | undefined;
            let channel: ClientChannel | undefined;
            let settled = false;
            const timers: NodeJS.Timeout[] = [];
            const finish = (err: Error | undefined) => {
                if (settled) return;
                settled = true;
                for (const timer of timers) clearTimeout(timer);
                this.onLost.delete(lost);
                if (err) reject(err);
                else resolve({ ...exit!, stdout: stdout.toString(), stderr: stderr.toString() });
            };
            const lost = (reason: string) => finish(new SshConnectionLostError(endpoint, reason));
            this.onLost.add(lost);

            // A live server answers a channel request at once; silence means the connection is dead.
            const openTimeoutMs = 30_000;
            const openTimer = setTimeout(() => {
                finish(new SshConnectionLostError(endpoint, `no answer to the exec request within ${formatSeconds(openTimeoutMs)}`));
                this.markClosed("the server stopped answering");
            }, openTimeoutMs);
            timers.push(openTimer);
            if (opts.timeoutMs !== undefined) {
                const timeoutMs = opts.timeoutMs;
                timers.push(
                    setTimeout(() => {
                        finish(new SshCommandTimeoutError(endpoint, timeoutMs));
                        if (channel) stopChannel(channel);
                    }, timeoutMs),
                );
            }

            try {
                this.client.exec(command, (err, opened) => {
                    clearTimeout(openTimer);
                    if (err) {
                        finish(this.isClosed ? new SshConnectionLostError(endpoint, this.closeReason) : new SshExecError(endpoint, err.message));
                        return;
                    }
                    opened.on("error", () => undefined);
                    opened.stderr.on("error", () => undefined);
                    if (settled) {
                        stopChannel(opened);
                        return;
                    }
                    channel = opened;
                    opened.on("data", (chunk: Buffer) => stdout.push(chunk));
                    opened.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
                    opened.on("exit", (code: number | null, signal?: string) => {
                        exit = typeof code === "number" ? { code } : { code: null, signal: signal ?? "unknown" };
                    });
                    opened.on("close", () => {
                        if (exit) finish(undefined);
                        else lost(this.isClosed ? this.closeReason : "the channel closed without an exit status");
                    });
                    opened.end(opts.stdin ?? "");
                });
            } catch (err) {
                finish(this.isClosed ? new SshConnectionLostError(endpoint, this.closeReason) : (err as Error));
            }
        });
    }
}

/**
 * Best effort: ask the server to kill the process, then close. OpenSSH (>= 7.9) honours "signal"
 * requests for logins with privilege separation, i.e. not for root logins.
 */
function stopChannel(channel: ClientChannel): void {
    try {
        // ClientChannel.signal() is a no-op once our side sent EOF (stdin ended), which is always the case
        // here; the request is still valid on a half-closed channel, so it goes through the protocol.
        // internal.outgoing.id is ssh2's id of the channel on the server's side.
        const internal = channel as unknown as {
            outgoing?: { id: number; state: string };
            _client?: { _protocol?: { signal(id: number, name: string): void } };
        };
        const state = internal.outgoing?.state;
        if ((state === "open" || state === "eof") && internal.outgoing && internal._client?._protocol) {
            internal._client._protocol.signal(internal.outgoing.id, "KILL");
        } else {
            channel.signal("KILL");
        }
    } catch {
        // the channel may already be closing
    }
    try {
        channel.close();
    } catch {
        // idem
    }
}

/** The last `cap` bytes of a stream. */
export class TailBuffer {
    private chunks: Buffer[] = [];
    private size = 0;
    private dropped = false;

    constructor(private readonly cap: number) {}

    push(chunk: Buffer): void {
        if (chunk.length >= this.cap) {
            this.chunks = [chunk.subarray(chunk.length - this.cap)];
            this.dropped = true;
            this.size = this.cap;
            return;
        }
        this.chunks.push(chunk);
        this.size += chunk.length;
        while (this.size > this.cap) {
            const first = this.chunks[0];
            const excess = this.size - this.cap;
            this.dropped = true;
            if (first.length <= excess) {
                this.chunks.shift();
                this.size -= first.length;
            } else {
                this.chunks[0] = first.subarray(excess);
                this.size -= excess;
            }
        }
    }

    toString(): string {
        let bytes = Buffer.concat(this.chunks);
        if (this.dropped) {
            // The cut may fall inside a UTF-8 sequence: skip its continuation bytes.
            let start = 0;
            while (start < bytes.length && start < 3 && (bytes[start] & 0xc0) === 0x80) start++;
            bytes = bytes.subarray(start);
        }
        return bytes.toString("utf8");
    }
}

function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
