// Typed errors of the Mold API client. Every message names the command and quotes Mold's own text.

/** Mold answered with an error envelope (HTTP status = errorcode). */
export class MoldApiError extends Error {
    override readonly name = "MoldApiError";
    constructor(
        readonly command: string,
        readonly httpStatus: number,
        readonly errorcode: number,
        readonly cserrorcode: number | undefined,
        readonly errortext: string,
    ) {
        super(`Mold ${command} failed (${errorcode}${cserrorcode !== undefined ? `/${cserrorcode}` : ""}): ${errortext}`);
    }
}

/** An async job ended with jobstatus 2 (failed) or 3 (cancelled). */
export class MoldJobError extends Error {
    override readonly name = "MoldJobError";
    constructor(
        readonly command: string,
        readonly jobId: string,
        readonly errorcode: number,
        readonly errortext: string,
        /** Entity the job was about (async-create id or jobinstanceid), when known. */
        readonly entityId?: string,
    ) {
        super(`Mold ${command} job ${jobId} failed (${errorcode}): ${errortext}`);
    }
}

/** Network failure, timeout or a body that is not a Mold JSON envelope. */
export class MoldTransportError extends Error {
    override readonly name: string = "MoldTransportError";
    constructor(
        readonly command: string,
        message: string,
        readonly httpStatus?: number,
        readonly code?: string,
    ) {
        super(`Mold ${command}: ${message}`);
    }
}

/**
 * A state-changing request was sent but its answer was lost (dropped connection, timeout, proxy 502/504).
 * It may or may not have been carried out, so it is never re-sent blindly: callers reconcile by name or tag.
 */
export class MoldOutcomeUnknownError extends MoldTransportError {
    override readonly name = "MoldOutcomeUnknownError";
    constructor(command: string, cause: string) {
        super(command, `the request was sent but its answer was lost (${cause}); it may or may not have been carried out`);
    }
}

/** Waiting for an async job took longer than allowed. The job may still finish in Mold. */
export class MoldJobTimeoutError extends Error {
    override readonly name = "MoldJobTimeoutError";
    constructor(
        readonly command: string,
        readonly jobId: string,
        readonly timeoutMs: number,
        readonly entityId?: string,
    ) {
        super(`Mold ${command} job ${jobId} did not finish within ${formatSeconds(timeoutMs)}`);
    }
}

function formatSeconds(ms: number): string {
    return ms < 10_000 ? `${Number((ms / 1000).toFixed(1))} s` : `${Math.round(ms / 1000)} s`;
}

/** Missing or invalid client configuration; raised before any request is sent. */
export class MoldConfigError extends Error {
    override readonly name = "MoldConfigError";
}

/** The HTTP status codes after which a request certainly did not run (safe to send again). */
export function isNotExecutedStatus(status: number): boolean {
    // 429: the rate limiter rejects before dispatch. 503: maintenance / shutdown rejects before dispatch.
    return status === 429 || status === 503;
}

/** Transient statuses worth retrying for requests that are safe to repeat (reads and job polls). */
export function isTransientStatus(status: number): boolean {
    return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}
