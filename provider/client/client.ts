// The Mold API client: signing, GET for reads and POST for changes, envelope decoding, typed errors,
// retries of safe requests, a concurrency limit per endpoint, async-job waiting and list paging.
import * as http from "http";
import * as https from "https";
import { MoldClientOptions, MoldLogEntry, ResolvedClientConfig, resolveClientConfig } from "./config";
import {
    isLostAnswer,
    isNeverSent,
    isNotExecutedStatus,
    isTransientStatus,
    MoldApiError,
    MoldJobError,
    MoldJobTimeoutError,
    MoldOutcomeUnknownError,
    MoldTransportError,
    retryAfterMs,
} from "./errors";
import { DEFAULT_JOB_WAIT_POLICY, JobWaitPolicy, PollSchedule, pulumiMoldSchedule } from "./job-wait";
import { JobWatcher, WatcherTransport, WatchOutcome } from "./job-watcher";
import type { AsyncJob } from "./async-job";
import { computeSignature, formatExpires } from "./signing";

export type { AsyncJob } from "./async-job";

/** A parameter value: scalars, LIST (string[] → "a,b"), or MAP (objects → name[i].field=value). */
export type ParamValue = string | number | boolean | undefined | null | string[] | Record<string, string | number | boolean>[];
export type Params = Record<string, ParamValue>;

export interface AsyncResult<T = unknown> {
    /** Entity id for async-create commands. */
    id?: string;
    jobId: string;
    /** The jobresult object (e.g. `{firewallrule: {...}}` or `{success: true}`). */
    result: T;
    job: AsyncJob;
}

export interface WaitOptions {
    timeoutMs?: number;
    /** Polls this job on its own with this per-job schedule instead of through the endpoint's job watcher. */
    policy?: JobWaitPolicy;
    /** Polls this job on its own with any schedule (e.g. another client's fixed interval, for the bench). */
    schedule?: PollSchedule;
    /** Called after every poll that finds the job still running. */
    onPoll?: (elapsedMs: number, polls: number) => void;
    /** Called once the wait ends, with the requests spent on the job (a shared list answer counts 1/n). */
    onSettled?: (stats: { polls: number; looks: number }) => void;
    /** Called when Mold has taken the command, before the wait: an async create's answer names the new object. */
    onSubmitted?: (submitted: { jobId: string; id?: string }) => void;
}

const READ_ONLY = /^(get|list|query|find)\w+$/;
/** Requests that only look at jobs: they jump the endpoint's queue (see Limiter). */
const JOB_LOOK = new Set(["queryAsyncJobResult", "listAsyncJobs"]);
const SECRET_PARAM = /signature|secret|password|privatekey|userdata|apikey|registry.*pass/i;

/** Flattens typed params into wire form: LIST as "a,b", MAP as name[i].field. */
export function encodeParams(params: Params): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(params)) {
        if (value === undefined || value === null) continue;
        if (Array.isArray(value)) {
            if (value.length === 0) continue;
            if (typeof value[0] === "object") {
                (value as Record<string, string | number | boolean>[]).forEach((entry, i) => {
                    for (const [field, v] of Object.entries(entry)) {
                        if (v !== undefined && v !== null) out[`${name}[${i}].${field}`] = String(v);
                    }
                });
            } else {
                out[name] = (value as string[]).join(",");
            }
        } else {
            out[name] = String(value);
        }
    }
    return out;
}

/** `{k: v}` → the tags map parameter (`tags[i].key`, `tags[i].value`). */
export function tagsParam(tags: Record<string, string> | undefined): Record<string, string>[] | undefined {
    if (!tags) return undefined;
    const entries = Object.entries(tags);
    return entries.length ? entries.map(([key, value]) => ({ key, value })) : undefined;
}

export function redactParams(params: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(params)) out[k] = SECRET_PARAM.test(k) ? "[redacted]" : v;
    return out;
}

/**
 * A counting semaphore; one per endpoint so parallel resources never flood Mold. `urgent` requests (the job
 * watcher's looks: small, and their answers unblock whole chains of resources) go to the front of the queue.
 */
export class Limiter {
    private active = 0;
    private readonly queue: (() => void)[] = [];
    constructor(private readonly max: number) {}
    async run<T>(fn: () => Promise<T>, urgent = false): Promise<T> {
        if (this.active >= this.max) await new Promise<void>((resolve) => (urgent ? this.queue.unshift(resolve) : this.queue.push(resolve)));
        this.active++;
        try {
            return await fn();
        } finally {
            this.active--;
            this.queue.shift()?.();
        }
    }
}
const limiters: Record<string, Limiter> = {};
/** One job watcher per endpoint, account and policy: every job the process waits for there is watched together. */
const watchers: Record<string, JobWatcher> = {};

/** The transport each watcher uses now (the client that registered a job last). */
const watcherTransports = new WeakMap<JobWatcher, WatcherTransport>();

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface RawAnswer {
    status: number;
    body: string;
    contentType: string;
}

export class MoldClient {
    readonly config: ResolvedClientConfig;
    private readonly agent: http.Agent;
    private readonly limiter: Limiter;
    /** Requests sent, by command (for tests and benchmarks). */
    readonly requestCounts: Record<string, number> = {};

    constructor(options: MoldClientOptions = {}) {
        this.config = resolveClientConfig(options);
        const url = new URL(this.config.apiUrl);
        this.agent =
            url.protocol === "https:"
                ? new https.Agent({ keepAlive: true, ca: this.config.caCert, rejectUnauthorized: !this.config.insecure })
                : new http.Agent({ keepAlive: true });
        const key = `${this.config.apiUrl}#${this.config.maxConcurrency}`;
        this.limiter = limiters[key] ??= new Limiter(this.config.maxConcurrency);
    }

    /** The endpoint's job watcher (shared by every client of this endpoint, account and policy), or undefined when off. */
    get jobWatcher(): JobWatcher | undefined {
        const policy = this.config.jobWatch;
        if (policy === "off") return undefined;
        const key = `${this.config.apiUrl}#${this.config.apiKey}#${JSON.stringify(policy)}`;
        const watcher: JobWatcher = (watchers[key] ??= new JobWatcher(policy, (): WatcherTransport => watcherTransports.get(watcher)!));
        // The watcher asks through the client that gave it a job last (an earlier one may be closed).
        watcherTransports.set(watcher, {
            queryAsyncJobResult: (jobid) => this.call<AsyncJob>("queryAsyncJobResult", { jobid }),
            listAsyncJobs: (startdate, visit) => this.listPages<AsyncJob>("listAsyncJobs", { startdate }, "asyncjobs", visit),
        });
        return watcher;
    }

    /** Closes idle keep-alive sockets. */
    close(): void {
        this.agent.destroy();
    }

    /**
     * Sends one command and returns the object under its response key.
     * Reads (list/get/query/find) go by GET and are retried on transient faults; changes go by POST and
     * are retried only when Mold certainly did not run them.
     */
    async call<T = unknown>(command: string, params: Params = {}): Promise<T> {
        const readOnly = READ_ONLY.test(command);
        const wire = encodeParams(params);
        let attempt = 0;
        for (;;) {
            attempt++;
            const started = Date.now();
            let answer: RawAnswer | undefined;
            let failure: NodeJS.ErrnoException | undefined;
            try {
                // Signed when its turn comes, not when queued: a request may wait long behind the endpoint's limit
                // (2,000 creates behind 8 slots), and its signature expires 10 minutes after signing.
                answer = await this.limiter.run(() => this.send(readOnly ? "GET" : "POST", this.sign(command, wire)), JOB_LOOK.has(command));
            } catch (e) {
                failure = e as NodeJS.ErrnoException;
            }
            this.requestCounts[command] = (this.requestCounts[command] ?? 0) + 1;
            this.log({
                command,
                method: readOnly ? "GET" : "POST",
                status: answer?.status,
                durationMs: Date.now() - started,
                attempt,
                params: redactParams(wire),
                error: failure ? (failure.code ?? failure.message) : undefined,
            });

            const canRetry = attempt <= this.config.maxRetries;
            if (failure) {
                const neverSent = isNeverSent(failure);
                if (canRetry && (readOnly || neverSent)) {
                    await sleep(backoff(attempt));
                    continue;
                }
                if (!readOnly && !neverSent && isLostAnswer(failure)) {
                    throw new MoldOutcomeUnknownError(command, failure.code ?? failure.message);
                }
                throw new MoldTransportError(command, `request failed: ${failure.message}`, undefined, failure.code);
            }

            const a = answer!;
            // Throttled: the endpoint's watcher slows down for every job, whoever got the 429.
            if (a.status === 429) this.throttled(retryAfterMs(a.body));
            const retryable = readOnly ? isTransientStatus(a.status) : isNotExecutedStatus(a.status);
            if (canRetry && retryable) {
                await sleep(retryDelay(attempt, a.body));
                continue;
            }
            if (!readOnly && (a.status === 502 || a.status === 504)) {
                throw new MoldOutcomeUnknownError(command, `HTTP ${a.status} from a proxy`);
            }
            try {
                return decodeEnvelope<T>(command, a);
            } catch (e) {
                if (e instanceof MoldApiError && e.errorcode === 401) {
                    const hint = await this.signatureHint();
                    if (hint) e.message += `; ${hint}`;
                }
                throw e;
            }
        }
    }

    private throttled(retryAfter: number | undefined): void {
        if (this.config.jobWatch === "off") return;
        const key = `${this.config.apiUrl}#${this.config.apiKey}#${JSON.stringify(this.config.jobWatch)}`;
        watchers[key]?.noteThrottled(retryAfter);
    }

    /** Learned once per client: the other algorithm's verdict after a 401 (a hint, or "" when none). */
    private hint?: Promise<string>;

    /**
     * After a 401, one read-only request (listZones) signed with the other algorithm tells a server that
     * verifies the other one from a wrong key. Only the hint comes of it: the failed request stays failed
     * and is never re-sent, so nothing runs under a signature the user did not configure.
     */
    private signatureHint(): Promise<string> {
        this.hint ??= (async () => {
            const other = this.config.signature === "sha256" ? "sha1" : "sha256";
            const params: Record<string, string> = {
                command: "listZones",
                response: "json",
                apiKey: this.config.apiKey,
                signatureversion: "3",
                expires: formatExpires(new Date(Date.now() + 10 * 60_000)),
            };
            params.signature = computeSignature(params, this.config.secretKey, other);
            try {
                const a = await this.limiter.run(() => this.send("GET", params));
                this.requestCounts.listZones = (this.requestCounts.listZones ?? 0) + 1;
                if (a.status !== 200) return "";
            } catch {
                return "";
            }
            const name = other === "sha1" ? "HMAC-SHA1 (Apache CloudStack)" : "HMAC-SHA256 (ABLESTACK Mold)";
            return `the server rejected this ${this.config.signature === "sha1" ? "HMAC-SHA1" : "HMAC-SHA256"} signature but accepted ${name} with the same keys: set MOLD_SIGNATURE=${other} (or pulumi config set mold:signature ${other})`;
        })();
        return this.hint;
    }

    /** Sends an async command and waits for its job; returns the job result. */
    async callAsync<T = unknown>(command: string, params: Params = {}, wait: WaitOptions = {}): Promise<AsyncResult<T>> {
        const submitted = await this.call<{ jobid?: string; id?: string }>(command, params);
        if (!submitted || typeof submitted.jobid !== "string") {
            throw new MoldTransportError(command, `expected a job id in the answer, got ${JSON.stringify(submitted).slice(0, 200)}`);
        }
        wait.onSubmitted?.({ jobId: submitted.jobid, id: typeof submitted.id === "string" ? submitted.id : undefined });
        const job = await this.waitForJob(command, submitted.jobid, wait, submitted.id);
        return { id: submitted.id ?? job.jobinstanceid, jobId: submitted.jobid, result: job.jobresult as T, job };
    }

    /**
     * Waits until the job ends: through the endpoint's job watcher, or polling it alone when a per-job `policy` or
     * `schedule` is given (or the watcher is off). A failed job throws MoldJobError with Mold's text.
     */
    async waitForJob(command: string, jobId: string, wait: WaitOptions = {}, entityId?: string): Promise<AsyncJob> {
        const timeoutMs = wait.timeoutMs ?? this.config.jobTimeoutMs;
        const watcher = wait.schedule || wait.policy ? undefined : this.jobWatcher;
        const outcome = watcher ? await watcher.watch(jobId, { timeoutMs, onPoll: wait.onPoll }) : await this.pollAlone(jobId, timeoutMs, wait);
        wait.onSettled?.({ polls: outcome.polls, looks: outcome.looks });
        const job = outcome.job;
        if (outcome.timedOut || !job) throw new MoldJobTimeoutError(command, jobId, timeoutMs, entityId ?? job?.jobinstanceid);
        if (job.jobstatus === 2 || job.jobstatus === 3) {
            const r = job.jobresult ?? {};
            throw new MoldJobError(
                command,
                jobId,
                r.errorcode ?? job.jobresultcode,
                r.errortext ?? (job.jobstatus === 3 ? "job cancelled" : "job failed"),
                entityId ?? job.jobinstanceid,
            );
        }
        return job;
    }

    /** One job polled on its own schedule (the policy before the watcher; peers' schedules in the bench). */
    private async pollAlone(jobId: string, timeoutMs: number, wait: WaitOptions): Promise<WatchOutcome> {
        const schedule = wait.schedule ?? pulumiMoldSchedule(wait.policy ?? DEFAULT_JOB_WAIT_POLICY);
        const start = Date.now();
        let polls = 0;
        await sleep(Math.min(schedule.delay(0, 0), timeoutMs));
        for (;;) {
            const job = await this.call<AsyncJob>("queryAsyncJobResult", { jobid: jobId });
            polls++;
            if (job.jobstatus !== 0) return { job, timedOut: false, polls, looks: polls };
            const elapsed = Date.now() - start;
            if (elapsed >= timeoutMs) return { job, timedOut: true, polls, looks: polls };
            wait.onPoll?.(elapsed, polls);
            await sleep(Math.min(schedule.delay(polls, elapsed), timeoutMs - elapsed));
        }
    }

    /** Fetches every page of a list command and returns the rows under `objectKey`. */
    async list<T = unknown>(command: string, params: Params, objectKey: string, pageSize = 500): Promise<T[]> {
        const rows: T[] = [];
        await this.listPages<T>(command, params, objectKey, (batch) => (rows.push(...batch), true), pageSize);
        return rows;
    }

    /**
     * Hands each page of a list command to `visit` as it arrives, and asks for the next one only while `visit`
     * returns true: a caller that has what it needs stops early, and no page outlives its turn (the job watcher
     * reads listings of thousands of jobs several times a second).
     */
    async listPages<T = unknown>(command: string, params: Params, objectKey: string, visit: (rows: T[]) => boolean, pageSize = 500): Promise<void> {
        let seen = 0;
        for (let page = 1; ; page++) {
            const answer = await this.call<Record<string, unknown>>(command, { ...params, page, pagesize: pageSize });
            const rows_ = answer?.[objectKey];
            const batch: T[] = Array.isArray(rows_) ? (rows_ as T[]) : [];
            seen += batch.length;
            const count = typeof answer?.count === "number" ? answer.count : 0;
            if (!visit(batch) || batch.length < pageSize || seen >= count) return;
        }
    }

    private sign(command: string, wire: Record<string, string>): Record<string, string> {
        const params: Record<string, string> = {
            ...wire,
            command,
            response: "json",
            apiKey: this.config.apiKey,
            signatureversion: "3",
            expires: formatExpires(new Date(Date.now() + 10 * 60_000)),
        };
        params.signature = computeSignature(params, this.config.secretKey, this.config.signature);
        return params;
    }

    private send(method: "GET" | "POST", params: Record<string, string>): Promise<RawAnswer> {
        const body = new URLSearchParams(params).toString();
        const url = new URL(this.config.apiUrl);
        if (method === "GET") url.search = body;
        const lib = url.protocol === "https:" ? https : http;
        return new Promise<RawAnswer>((resolve, reject) => {
            const req = lib.request(
                url,
                {
                    method,
                    agent: this.agent,
                    headers: method === "POST" ? { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body) } : {},
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (c: Buffer) => chunks.push(c));
                    res.on("error", reject);
                    res.on("aborted", () => reject(Object.assign(new Error("response aborted"), { code: "ECONNRESET" })));
                    res.on("end", () =>
                        resolve({
                            status: res.statusCode ?? 0,
                            body: Buffer.concat(chunks).toString("utf8"),
                            contentType: String(res.headers["content-type"] ?? ""),
                        }),
                    );
                },
            );
            req.setTimeout(this.config.timeoutMs, () =>
                req.destroy(Object.assign(new Error(`no answer within ${this.config.timeoutMs} ms`), { code: "ETIMEDOUT" })),
            );
            req.on("error", reject);
            if (method === "POST") req.write(body);
            req.end();
        });
    }

    private log(entry: MoldLogEntry): void {
        try {
            this.config.logger?.(entry);
        } catch {
            // A broken logger must never break an API call.
        }
    }
}

/** Decodes a Mold JSON envelope; errors become MoldApiError, anything not JSON a MoldTransportError. */
export function decodeEnvelope<T>(command: string, a: RawAnswer): T {
    let parsed: unknown;
    try {
        parsed = JSON.parse(a.body);
    } catch {
        const head = a.body.slice(0, 200).replace(/\s+/g, " ").trim();
        throw new MoldTransportError(command, `HTTP ${a.status} answer is not JSON (content-type '${a.contentType}'): ${head || "<empty body>"}`, a.status);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new MoldTransportError(command, `HTTP ${a.status} answer is not a Mold envelope: ${a.body.slice(0, 200)}`, a.status);
    }
    const envelope = parsed as Record<string, unknown>;
    const keys = Object.keys(envelope);
    const key = keys.find((k) => k.toLowerCase() === `${command.toLowerCase()}response`) ?? (keys.length === 1 ? keys[0] : undefined);
    const inner = key !== undefined ? envelope[key] : undefined;
    const error = inner && typeof inner === "object" ? (inner as { errorcode?: unknown; cserrorcode?: number; errortext?: unknown }) : undefined;
    if (error && typeof error.errorcode === "number") {
        throw new MoldApiError(command, a.status, error.errorcode, error.cserrorcode, String(error.errortext ?? ""));
    }
    if (a.status !== 200) {
        throw new MoldTransportError(command, `HTTP ${a.status}: ${a.body.slice(0, 200)}`, a.status);
    }
    if (inner === undefined) {
        throw new MoldTransportError(command, `answer has no '${command.toLowerCase()}response' key: ${a.body.slice(0, 200)}`, a.status);
    }
    return (inner ?? {}) as T;
}

function backoff(attempt: number): number {
    // Full jitter between 0 and 200 ms × 2^(attempt-1), capped at 8 s.
    return Math.round(Math.random() * Math.min(8000, 200 * 2 ** (attempt - 1)));
}

function retryDelay(attempt: number, body: string): number {
    // Mold's throttling answer says how long to wait.
    const ms = retryAfterMs(body);
    return ms !== undefined ? Math.min(10_000, ms + 10) : backoff(attempt);
}
