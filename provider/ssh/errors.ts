// Errors of the SSH transport. Each names the node (the target's label) and its address, so a failed
// deployment says which VM could not be reached and why. Command lines are never quoted in them: a
// step's command carries its environment, which may hold join tokens and certificate keys.

export interface SshEndpoint {
    label: string;
    host: string;
    port: number;
}

export class SshError extends Error {
    readonly node: string;
    readonly host: string;
    readonly port: number;

    constructor(endpoint: SshEndpoint, message: string) {
        super(`${endpoint.label}: ${message}`);
        this.name = new.target.name;
        this.node = endpoint.label;
        this.host = endpoint.host;
        this.port = endpoint.port;
    }
}

/** The server offered another host key than the pinned one: possibly an attack, never retried. */
export class HostKeyMismatchError extends SshError {
    constructor(
        endpoint: SshEndpoint,
        readonly expectedFingerprint: string,
        readonly offeredFingerprint: string,
    ) {
        super(
            endpoint,
            `host key mismatch at ${endpoint.host}:${endpoint.port}: expected ${expectedFingerprint}, ` +
                `the server offered ${offeredFingerprint}; refusing to connect`,
        );
    }
}

/** The node never accepted an SSH connection within the attempts. */
export class SshConnectError extends SshError {
    constructor(
        endpoint: SshEndpoint,
        readonly attempts: number,
        readonly lastReason: string,
    ) {
        super(endpoint, `SSH to ${endpoint.host}:${endpoint.port} failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${lastReason}`);
    }
}

/** The server refused the client key. */
export class SshAuthError extends SshError {
    constructor(
        endpoint: SshEndpoint,
        readonly username: string,
        readonly attempts: number,
    ) {
        super(
            endpoint,
            `SSH authentication as ${username} at ${endpoint.host}:${endpoint.port} failed ` +
                `(${attempts} attempt${attempts === 1 ? "" : "s"}): the server refused the key`,
        );
    }
}

/** A command ran longer than its timeout; its channel was closed (and the process signalled). */
export class SshCommandTimeoutError extends SshError {
    constructor(
        endpoint: SshEndpoint,
        readonly timeoutMs: number,
    ) {
        super(endpoint, `command at ${endpoint.host}:${endpoint.port} timed out after ${formatSeconds(timeoutMs)}`);
    }
}

/** The connection or the channel went away before the command reported an exit status. */
export class SshConnectionLostError extends SshError {
    constructor(
        endpoint: SshEndpoint,
        readonly reason: string,
    ) {
        super(endpoint, `SSH connection to ${endpoint.host}:${endpoint.port} lost: ${reason}`);
    }
}

/** The server refused to open a channel for a command on a live connection. */
export class SshExecError extends SshError {
    constructor(
        endpoint: SshEndpoint,
        readonly reason: string,
    ) {
        super(endpoint, `the server at ${endpoint.host}:${endpoint.port} refused to open a command channel: ${reason}`);
    }
}

export function formatSeconds(ms: number): string {
    return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s`;
}
