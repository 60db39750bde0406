// SSH to Kubernetes nodes from the provider host: pinned host keys (a mismatch is refused at once),
// retries with backoff while a VM boots, bounded waits and output everywhere, optional jump hosts.
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
            const chain = await connectChain(target, readyTimeoutMs);
            return new Session(target, chain);
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

/** Clients from the outermost bastion to the target; on failure every opened one is closed. */
async function connectChain(target: SshTarget, readyTimeoutMs: number): Promise<Client[]> {
    if (!target.via) return [await openClient(target, readyTimeoutMs)];
    const chain = await connectChain(target.via, readyTimeoutMs);
    try {
        const tunnel = await forwardThrough(chain[chain.length - 1], target.via, target, readyTimeoutMs);
        chain.push(await openClient(target, readyTimeoutMs, tunnel));
        return chain;
    } catch (err) {
        for (const client of chain) client.end();
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

    constructor(
        private readonly target: SshTarget,
        private readonly chain: Client[],
    ) {
        this.client = chain[chain.length - 1];
        for (const [index, client] of chain.entries()) {
            const name = index === chain.length - 1 ? "connection" : "bastion connection";
            let lastError: Error | undefined;
            client.on("error", (err: Error) => {
                lastError = err;
            });
            client.on("close", () => this.markClosed(lastError ? `${name} error: ${describeError(lastError)}` : `the ${name} closed`));
        }
    }

    get closed(): boolean {
        return this.isClosed;
    }

    get hostPublicKey(): string {
        return presentedKeys.get(this.client) ?? publicKeyTypeAndBlob(this.target.hostPublicKey);
    }

    close(): void {
        if (!this.isClosed) this.markClosed("the session was closed");
        for (const client of [...this.chain].reverse()) client.end();
    }

    private markClosed(reason: string): void {
        if (this.isClosed) return;
        this.isClosed = true;
        this.closeReason = reason;
        for (const client of this.chain) client.end();
        for (const notify of [...this.onLost]) notify(reason);
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
