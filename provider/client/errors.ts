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

/**
 * How long Mold's throttling answer (429) asks to wait, in ms, or undefined. The body's text is the only place
 * Mold says it ("… please retry after [123] ms."); the status alone already classified the answer.
 */
export function retryAfterMs(body: string): number | undefined {
    const m = /retry after \[(\d+)\] ms/.exec(body);
    return m ? Number(m[1]) : undefined;
}

/** Transient statuses worth retrying for requests that are safe to repeat (reads and job polls). */
export function isTransientStatus(status: number): boolean {
    return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

// ---- Is the object gone? ----------------------------------------------------------------------------------
// Mold has two answers for an object that no longer exists, depending on whether its kind keeps removed rows
// (CloudStack resolves UUID parameters by a lookup that includes removed rows):
// - hard-deleted kinds (firewall, egress, port-forwarding and load-balancer rules, LB policies): the id names no
//   row, so every command naming it, list commands included, answers 431 with cserrorcode 9999 ("… entity does
//   not exist …");
// - kinds that keep removed rows (networks, VMs, Kubernetes clusters; public IPs go back to Free): the id still
//   resolves, so `list… id=X` answers an empty list, and a command on X fails the command's own way (431
//   "Networkd id=… doesn't exist", a failed job "Unable to find a virtual machine…", a 530 job for clusters).
// Reads use isGone; deletes never judge a refusal by its text: they read the object again (see
// runtime/reconcile.ts deleteConfirmed). So no text is matched anywhere for gone-ness, not even for key pairs
// (by name: listSSHKeyPairs name=X answers an empty list once the pair is deleted).

/**
 * A read by one id (`list… id=X`, `listLBStickinessPolicies lbruleid=X`) answered 431 PARAM_ERROR: the id names
 * no object. The code alone is enough there: such a read has no other parameter Mold could refuse with 431 (a
 * UUID of ours is well-formed, the id is the only UUID sent, and a list command has no other validation that
 * answers 431 for it), so 431 can only be the id's binding error. Do not use it on other requests: a create
 * or delete answers 431 for many other reasons.
 */
export function isGone(e: unknown): boolean {
    return e instanceof MoldApiError && e.errorcode === 431;
}

/** The rows of a read by one id, or none when Mold answers that the id names no object (isGone). */
export async function rowsUnlessGone<T>(rows: Promise<T[]>): Promise<T[]> {
    try {
        return await rows;
    } catch (e) {
        if (isGone(e)) return [];
        throw e;
    }
}

/** Mold's definite refusal of a request (an error envelope, or a job that failed): it was not carried out. */
export function isRefusal(e: unknown): e is MoldApiError | MoldJobError {
    return e instanceof MoldApiError || e instanceof MoldJobError;
}

/** 431 PARAM_ERROR, synchronous or from a job: Mold refused a parameter's value (e.g. a member not mapped). */
export function isParamError(e: unknown): boolean {
    return isRefusal(e) && e.errorcode === 431;
}

// ---- What kind of refusal? --------------------------------------------------------------------------------
// Judged by HTTP status / errorcode (they are equal for synchronous errors) and cserrorcode (the Java exception's
// code; absent on jobs and on the servlet's own errors). Text is matched only where Mold gives two different
// meanings the same codes, and only here, each match saying why.

/** The cserrorcode of a NetworkRuleConflictException (CSExceptionErrorCode). */
const CS_NETWORK_RULE_CONFLICT = 4360;
/** The cserrorcode of a PermissionDeniedException. */
const CS_PERMISSION_DENIED = 4365;
/** The cserrorcode of an UnavailableCommandException (432). */
const CS_UNAVAILABLE_COMMAND = 4555;

/**
 * Mold refused a rule because it conflicts with a live one (mold-api-network.md §6.5): 537
 * NETWORK_RULE_CONFLICT_ERROR (cserrorcode 4360 from createFirewallRule / createPortForwardingRule, 9999 where the
 * command drops the cause: load-balancer and egress rules, static NAT), or any code carrying cserrorcode 4360.
 * Last resort by text: two icmp rules with the same type, code and CIDRs are refused with 431/4350, the code of
 * every invalid parameter value, so only Mold's text ("New rule conflicts with existing rule: …") tells them apart.
 */
export function isConflict(e: unknown): boolean {
    if (!isRefusal(e)) return false;
    if (e.errorcode === 537) return true;
    if (e instanceof MoldApiError && e.cserrorcode === CS_NETWORK_RULE_CONFLICT) return true;
    return e.errorcode === 431 && /^New rule conflicts with existing rule\b/.test(e.errortext);
}

/**
 * Mold does not offer this at all: 432 UNSUPPORTED_ACTION_ERROR (command unavailable), or a capability the
 * network's provider lacks. Last resort by text for the latter: Mold reports a missing provider capability
 * (e.g. the virtual router's "HealthCheck Policy is not supported by LB Provider …") as 431/4350, like any bad
 * parameter value, so the text is the only sign that no value would be accepted.
 */
export function isUnsupported(e: unknown): boolean {
    if (!isRefusal(e)) return false;
    if (e.errorcode === 432 || (e instanceof MoldApiError && e.cserrorcode === CS_UNAVAILABLE_COMMAND)) return true;
    return e.errorcode === 431 && /\bis not supported by\b/i.test(e.errortext);
}

/**
 * Mold does not allow it for this account: 531 ACCOUNT_ERROR (a PermissionDeniedException, cserrorcode 4365)
 * or 532 ACCOUNT_RESOURCE_LIMIT_ERROR (the account's limit is reached).
 */
export function isNotPermitted(e: unknown): boolean {
    if (!isRefusal(e)) return false;
    return e.errorcode === 531 || e.errorcode === 532 || (e instanceof MoldApiError && e.cserrorcode === CS_PERMISSION_DENIED);
}

/**
 * 530 INTERNAL_ERROR: a CloudRuntimeException or an IllegalArgumentException inside the command or its job (most
 * CKS failures; the release of a network's source-NAT address while the network is implemented). The code says
 * only that Mold ran into a rule of its own; callers tell which from the object's state (e.g. `issourcenat`).
 */
export function isInternalError(e: unknown): boolean {
    return isRefusal(e) && e.errorcode === 530;
}

// ---- Transport failures ------------------------------------------------------------------------------------

/**
 * Node's error codes after which a sent request's answer was lost: the connection was reset ("socket hang up"
 * is ECONNRESET), broken, or timed out (the client's own timeout destroys the request with ETIMEDOUT). The
 * request may have run. ECONNREFUSED is not among them: the request was never sent.
 */
const LOST_ANSWER_CODES = new Set(["ECONNRESET", "EPIPE", "ETIMEDOUT", "ESOCKETTIMEDOUT", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE"]);

/** Whether a transport failure (by its Node error code) lost the answer of a request that was sent. */
export function isLostAnswer(failure: { code?: string }): boolean {
    return LOST_ANSWER_CODES.has(failure.code ?? "");
}

/** Whether a transport failure (by its Node error code) happened before the request was sent. */
export function isNeverSent(failure: { code?: string }): boolean {
    return failure.code === "ECONNREFUSED";
}
