// The simulated Mold management server, independent of HTTP: authentication exactly as
// ApiServer.verifyRequest, dispatch to handler modules, Mold's envelopes, paging and the async-job engine.
import { randomInt, randomUUID } from "crypto";
import { SimClock } from "./clock";
import { ApiError, invalidParam, UNAUTHORIZED_TEXT } from "./errors";
import { FaultConfig, Faults } from "./faults";
import { HANDLER_MODULES } from "./handlers";
import { Latency, LatencyProfileName } from "./latency";
import { T } from "./model";
import { Params } from "./params";
import { seedCatalog } from "./seed";
import { SignatureHash, verifySignature } from "./signature";
import { Account, emptyState, newKey, SimState, StateFile, table } from "./state";
import type {
    BaseContext,
    CommandContext,
    CommandResult,
    CommandSpec,
    EventSpec,
    GoneAnswer,
    JobCompleter,
    JobContext,
    JobRecord,
    JobSpec,
    SimSettings,
} from "./types";
import { toXml } from "./xml";

export interface SimulatorOptions {
    /** "sha256" (Mold, default) or "sha1" (Apache CloudStack). */
    signature?: SignatureHash;
    apiKey?: string;
    secretKey?: string;
    /** Persist the cloud to this JSON file (shared by processes, kept across runs). */
    stateFile?: string;
    latencyProfile?: LatencyProfileName;
    timeFactor?: number;
    faults?: FaultConfig;
    /**
     * Public addresses are handed out from <prefix>.x.y; must be inside 127.0.0.0/8. Default: the prefix kept
     * in the state, or for a new state 127.N with N picked at random in 100..199, so simulators running side by
     * side (parallel test files) hand out different addresses and their Kubernetes API endpoints (<ip>:6443)
     * do not collide.
     */
    publicIpPrefix?: string;
    settings?: Partial<SimSettings>;
    /**
     * How a list by the id of an object that is gone is answered: "mold" (default) as CloudStack does per kind
     * (431 for hard-deleted kinds such as rules, an empty list for kinds that keep removed rows such as
     * networks and VMs), or "empty-list" for every kind. See simulator/gone.ts.
     */
    goneAnswer?: GoneAnswer;
    /** The simulated cloud's time (simulator/clock.ts); default the wall clock. Tests pass one they advance. */
    clock?: SimClock;
}

export interface ApiAnswer {
    status: number;
    body: string;
    contentType: string;
    headers: Record<string, string>;
    /** Close the connection without answering (injected fault). */
    drop?: boolean;
    command?: string;
}

const DEFAULT_SETTINGS: SimSettings = {
    "cloud.kubernetes.cluster.max.size": 10,
    "cloud.kubernetes.cluster.experimental.features.enabled": true,
    "cloud.kubernetes.etcd.node.start.port": 50000,
    "default.page.size": 500,
};

const JSON_TYPE = "application/json; charset=UTF-8";

/** Parses the `expires` forms DateUtil.parseTZDateString accepts. */
export function parseExpires(value: string): number | undefined {
    let v = value.trim();
    v = v.replace(/Z([+-]\d{4})$/, "$1"); // legacy yyyy-MM-dd'T'HH:mm:ss'Z'Z
    v = v.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"); // +0000 → +00:00
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(v)) return undefined;
    const ms = Date.parse(v.replace(/(\.\d{3})\d+/, "$1"));
    return Number.isNaN(ms) ? undefined : ms;
}

export class Simulator {
    state: SimState;
    readonly signature: SignatureHash;
    readonly latency: Latency;
    readonly faults: Faults;
    readonly settings: SimSettings;
    readonly clock: SimClock;
    /** See SimulatorOptions.goneAnswer; may be changed between requests. */
    goneAnswer: GoneAnswer;
    private readonly stateFile?: StateFile;
    private readonly commands: Record<string, CommandSpec> = {};
    private readonly completers: Record<string, JobCompleter> = {};
    /** The prefix given in the options; when absent the state's prefix is used. */
    private readonly pinnedIpPrefix?: string;

    constructor(options: SimulatorOptions = {}) {
        this.signature = options.signature ?? "sha256";
        if (this.signature !== "sha256" && this.signature !== "sha1") throw new Error(`unknown signature '${options.signature}'`);
        this.clock = options.clock ?? new SimClock();
        this.latency = new Latency(options.latencyProfile ?? "fast", options.timeFactor ?? 1);
        this.faults = new Faults(options.faults);
        this.settings = { ...DEFAULT_SETTINGS, ...options.settings } as SimSettings;
        this.goneAnswer = options.goneAnswer ?? "mold";
        if (this.goneAnswer !== "mold" && this.goneAnswer !== "empty-list")
            throw new Error(`goneAnswer must be "mold" or "empty-list", got '${options.goneAnswer}'`);
        if (options.publicIpPrefix !== undefined) this.pinnedIpPrefix = checkPublicIpPrefix(options.publicIpPrefix);
        for (const mod of HANDLER_MODULES) {
            for (const spec of mod.commands) this.commands[spec.name] = spec;
            Object.assign(this.completers, mod.jobs ?? {});
        }
        if (options.stateFile) this.stateFile = new StateFile(options.stateFile);
        const loaded = this.stateFile?.load();
        this.state = loaded ?? emptyState();
        if (this.pinnedIpPrefix) this.state.publicIpPrefix = this.pinnedIpPrefix;
        else this.state.publicIpPrefix ??= loaded ? LEGACY_IP_PREFIX : randomIpPrefix();
        // A new, unpinned cloud also starts its pool at a random host number: simulators in other
        // processes (parallel test files) then practically never hand out the same address, whose :6443
        // each would try to serve.
        if (!loaded && !this.pinnedIpPrefix) this.state.ipPoolNext = 2 + randomInt(40_000);
        this.ensureAccount(options.apiKey, options.secretKey);
        seedCatalog(this.baseContext(this.state.accounts[0]));
        this.persist();
    }

    /** The account whose keys the CLI prints. */
    get account(): Account {
        return this.state.accounts[0];
    }

    commandNames(): string[] {
        return Object.keys(this.commands);
    }

    private ensureAccount(apiKey?: string, secretKey?: string): void {
        if (this.state.accounts.length === 0) {
            this.state.accounts.push({
                id: randomUUID(),
                name: "admin",
                domainid: randomUUID(),
                domain: "ROOT",
                userid: randomUUID(),
                username: "admin",
                apiKey: apiKey ?? newKey(),
                secretKey: secretKey ?? newKey(),
                roletype: "Admin",
            });
        } else {
            if (apiKey) this.state.accounts[0].apiKey = apiKey;
            if (secretKey) this.state.accounts[0].secretKey = secretKey;
        }
    }

    /** Runs `fn` on the freshest state, under the state file's lock when persistence is on, and saves. */
    transaction<R>(fn: () => R): R {
        if (!this.stateFile) return fn();
        return this.stateFile.withLock(() => {
            this.state = this.stateFile!.reloadIfChanged() ?? this.state;
            const result = fn();
            this.persist();
            return result;
        });
    }

    /**
     * Picks up what another process sharing the state file saved, without taking the lock or writing: for
     * readers such as the Kubernetes API endpoints, which must not make every poll a state write.
     */
    refreshState(): SimState {
        const newer = this.stateFile?.reloadIfChanged();
        if (newer) this.state = newer;
        return this.state;
    }

    /** The first two octets public addresses are handed out from (127.x). */
    get publicIpPrefix(): string {
        return this.pinnedIpPrefix ?? this.state.publicIpPrefix ?? LEGACY_IP_PREFIX;
    }

    private persist(): void {
        this.stateFile?.save(this.state);
    }

    /** Handles one API request given its merged query and form parameters (names as sent, decoded). */
    handleApi(raw: Record<string, string>): ApiAnswer {
        const commandName = raw.command;
        const spec = commandName !== undefined ? this.commands[commandName] : undefined;
        const cmdLower = (commandName ?? "").toLowerCase();
        const responseName = spec ? (spec.responseName ?? `${cmdLower}response`) : "errorresponse";
        const json = Object.keys(raw).some((k) => k.toLowerCase() === "response" && raw[k].toLowerCase() === "json");
        const answer = (status: number, payload: any, headers: Record<string, string> = {}): ApiAnswer => ({
            status,
            body: json ? JSON.stringify({ [responseName]: payload }) : toXml(responseName, payload),
            contentType: json ? JSON_TYPE : "text/xml; charset=UTF-8",
            headers,
            command: commandName,
        });
        const errorAnswer = (e: ApiError): ApiAnswer => {
            const payload: Record<string, any> = { uuidList: e.uuidList, errorcode: e.errorcode };
            if (e.cserrorcode !== null) payload.cserrorcode = e.cserrorcode;
            payload.errortext = e.errortext;
            return answer(e.errorcode, payload, e.cserrorcode !== null ? { "X-Description": e.errortext } : {});
        };

        const caller = this.authenticate(raw, spec);
        if (!caller || !spec) return errorAnswer(new ApiError(401, UNAUTHORIZED_TEXT, null));

        const fault = this.faults.forRequest(spec.name);
        if (fault === "dropBefore") return { ...answer(0, {}), drop: true };
        if (fault === "throttle") {
            return errorAnswer(new ApiError(429, "The given user has reached his/her account api limit, please retry after [200] ms.", 9999));
        }
        if (fault === "error503") {
            return errorAnswer(new ApiError(503, "Management server is in maintenance mode, please retry later", 9999));
        }
        if (fault === "proxy502") {
            return {
                status: 502,
                body: "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
                contentType: "text/html",
                headers: {},
                command: commandName,
            };
        }

        const result = this.transaction(() => {
            try {
                this.advance();
                const params = new Params(withoutAuth(raw), cmdLower);
                const ctx: CommandContext = { ...this.baseContext(caller), command: spec.name, cmdLower, params };
                return answer(200, this.envelope(spec, ctx, spec.handle(ctx)));
            } catch (e) {
                if (e instanceof ApiError) return errorAnswer(e);
                return errorAnswer(new ApiError(530, (e as Error).message || "Command failed due to Internal Server Error", 4250));
            }
        });
        return fault === "dropAfter" ? { ...result, drop: true } : result;
    }

    /** ApiServer.verifyRequest: any failure is the same 401. */
    private authenticate(raw: Record<string, string>, spec: CommandSpec | undefined): Account | undefined {
        if (!spec) return undefined;
        const get = (name: string) => {
            const key = Object.keys(raw).find((k) => k.toLowerCase() === name);
            return key !== undefined ? raw[key] : undefined;
        };
        const apiKey = get("apikey");
        const signature = get("signature");
        if (!apiKey || !signature) return undefined;
        if (get("signatureversion") === "3") {
            const expires = get("expires");
            if (!expires) return undefined;
            const at = parseExpires(expires);
            // The client's wall clock against the server's, not the simulated time: a test that advances the
            // simulator's clock by hours must not make every signed request expire.
            if (at === undefined || at < Date.now()) return undefined;
        }
        const account = this.state.accounts.find((a) => a.apiKey === apiKey);
        if (!account) return undefined;
        return verifySignature(raw, signature, account.secretKey, this.signature) ? account : undefined;
    }

    private envelope(spec: CommandSpec, ctx: CommandContext, result: CommandResult): any {
        if ("object" in result) return { [result.object]: result.value };
        if ("success" in result) return result.displaytext ? { success: true, displaytext: result.displaytext } : { success: true };
        if ("jobid" in result) return result.id !== undefined ? { id: result.id, jobid: result.jobid } : { jobid: result.jobid };
        if ("raw" in result) return result.raw;
        const rows = this.page(ctx.params, result.items, spec.name === "listKubernetesClusters" ? 530 : 431);
        return result.items.length === 0 ? {} : { count: result.items.length, [result.list]: rows };
    }

    /** BaseListCmd paging rules (mold-api-core.md §8). */
    private page(params: Params, items: any[], errorCode: number): any[] {
        const page = params.int("page");
        const pageSize = params.int("pagesize");
        const fail = (text: string) => new ApiError(errorCode, text, errorCode === 431 ? 4350 : 4250);
        if (pageSize !== undefined && page === undefined && pageSize !== -1) {
            throw fail(`"page" parameter is required when "pagesize" is specified`);
        }
        if (page !== undefined && pageSize === undefined) throw fail(`"pagesize" parameter is required when "page" is specified`);
        if (pageSize === -1) {
            if (page !== undefined) throw fail("Can't specify page parameter when pagesize is -1 (Unlimited)");
            return items;
        }
        const max = Number(this.settings["default.page.size"]);
        if (pageSize !== undefined && pageSize > max) throw fail(`Page size can't exceed max allowed page size value: ${max}`);
        const size = pageSize ?? max;
        const start = size * (Math.max(1, page ?? 1) - 1);
        return items.slice(start, start + size);
    }

    private baseContext(caller: Account): BaseContext {
        // queueJob needs both: the simulator, and the context it is called on (a command context spreads this one).
        // eslint-disable-next-line @typescript-eslint/no-this-alias
        const sim = this;
        return {
            state: this.state,
            caller,
            settings: this.settings,
            goneAnswer: this.goneAnswer,
            now: () => this.clock.now(),
            uuid: () => randomUUID(),
            timestamp: (ms?: number) => formatDate(ms ?? this.clock.now()),
            latency: (command: string) => this.latency.of(command),
            queueJob(spec: JobSpec): string {
                return sim.queueJob(this as BaseContext & { command?: string }, spec);
            },
            event: (spec: EventSpec) => this.addEvent(caller, spec),
            allocatePublicIp: () => this.allocatePublicIp(),
        };
    }

    private queueJob(ctx: BaseContext & { command?: string }, spec: JobSpec): string {
        if (!this.completers[spec.completer]) throw new Error(`simulator bug: no job completer '${spec.completer}'`);
        const jobs = table<JobRecord>(this.state, T.jobs);
        const command = spec.latencyKey ?? ctx.command ?? spec.completer;
        const latency = Math.round(
            (spec.latencyMs !== undefined ? spec.latencyMs * this.latency.timeFactor : this.latency.of(command)) * this.faults.jobSlowdown(),
        );
        let start = this.clock.now();
        if (spec.syncObject) {
            // Mold runs jobs on one network one after another (sync object "network", queue size 1).
            for (const j of this.pendingJobs()) if (j.jobstatus === 0 && j.syncObject === spec.syncObject) start = Math.max(start, j.dueAt);
        }
        const job: JobRecord = {
            jobid: randomUUID(),
            seq: ++this.state.seq,
            cmd: spec.cmd,
            command,
            completer: spec.completer,
            accountid: ctx.caller.id,
            userid: ctx.caller.userid,
            instanceType: spec.instanceType,
            instanceId: spec.instanceId,
            syncObject: spec.syncObject,
            payload: spec.payload ?? {},
            dueAt: start + latency,
            step: 0,
            jobstatus: 0,
            jobresultcode: 0,
            created: formatDate(this.clock.now()),
        };
        jobs[job.jobid] = job;
        this.pendingJobs().add(job);
        return job.jobid;
    }

    /** The jobs still running, indexed per state object (a state reloaded from the file is indexed anew). */
    private pending?: { state: SimState; jobs: Set<JobRecord> };

    /**
     * Jobs with jobstatus 0. advance() runs before every request, and scanning every job ever queued made a run
     * of n creates O(n²) (2,000 rules: 36 s of the simulator's CPU).
     */
    private pendingJobs(): Set<JobRecord> {
        if (this.pending?.state !== this.state) {
            const all = Object.values(table<JobRecord>(this.state, T.jobs));
            this.pending = { state: this.state, jobs: new Set(all.filter((j) => j.jobstatus === 0)) };
        }
        return this.pending.jobs;
    }

    /** Runs every job step that is due. Called before each request, so all clients see one timeline. */
    advance(now = this.clock.now()): void {
        for (;;) {
            const pending = this.pendingJobs();
            const due = [...pending].filter((j) => j.jobstatus === 0 && j.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq);
            if (due.length === 0) return;
            for (const job of due) this.runJobStep(job);
            for (const job of due) if (job.jobstatus !== 0) pending.delete(job);
        }
    }

    private runJobStep(job: JobRecord): void {
        const caller = this.state.accounts.find((a) => a.id === job.accountid) ?? this.state.accounts[0];
        const ctx: JobContext = { ...this.baseContext(caller), job };
        const finish = (status: 1 | 2, code: number, result: any) => {
            job.jobstatus = status;
            job.jobresultcode = code;
            job.jobresulttype = "object";
            job.jobresult = result;
            job.completed = formatDate(this.clock.now());
            job.finishedAt = job.dueAt;
        };
        try {
            if (job.step === 0 && this.faults.jobFails()) {
                throw new ApiError(530, `Job failed due to an injected fault while executing ${job.command}`, 4250);
            }
            const outcome = this.completers[job.completer](ctx, job);
            job.step++;
            if ("continueAfterMs" in outcome) {
                job.dueAt += Math.max(0, outcome.continueAfterMs);
                if (outcome.payload !== undefined) job.payload = outcome.payload;
                return;
            }
            if ("object" in outcome) finish(1, 0, { [outcome.object]: outcome.value });
            else finish(1, 0, outcome.displaytext ? { success: true, displaytext: outcome.displaytext } : { success: true });
        } catch (e) {
            const err = e instanceof ApiError ? e : new ApiError(530, (e as Error).message, 4250);
            const rollback = this.completers[`${job.completer}:failed`];
            if (rollback) {
                try {
                    rollback(ctx, job);
                } catch {
                    // the failure below is what the client needs to see
                }
            }
            finish(2, err.errorcode, { errorcode: err.errorcode, errortext: err.errortext });
            // Mold's failure event names the object the job was about, so listEvents&resourceid= finds it.
            this.addEvent(caller, {
                type: job.command.toUpperCase(),
                description: err.errortext,
                level: "ERROR",
                state: "Completed",
                resourceId: job.instanceId,
                resourceType: job.instanceType,
            });
        }
    }

    private addEvent(caller: Account, spec: EventSpec): void {
        const events = table(this.state, T.events);
        const id = randomUUID();
        events[id] = {
            id,
            username: caller.username,
            type: spec.type,
            level: spec.level ?? "INFO",
            description: spec.description,
            account: caller.name,
            domainid: caller.domainid,
            domain: caller.domain,
            created: formatDate(this.clock.now()),
            state: spec.state ?? "Completed",
            parentid: undefined,
            resourceid: spec.resourceId,
            resourcetype: spec.resourceType,
            _seq: ++this.state.seq,
        };
    }

    private allocatePublicIp(): string {
        for (;;) {
            const host = this.state.ipPoolNext++;
            const third = Math.floor(host / 256);
            const fourth = host % 256;
            if (third > 255) throw new ApiError(533, "Insufficient address capacity: the simulator's public IP pool is exhausted", 4320);
            if (fourth === 0 || fourth === 255 || fourth === 1) continue;
            return `${this.publicIpPrefix}.${third}.${fourth}`;
        }
    }

    /** Everything the simulator holds, for tests and the demo (keys redacted). */
    inventory(): Record<string, any> {
        return this.transaction(() => {
            this.advance();
            const out: Record<string, any> = {};
            for (const [name, rows] of Object.entries(this.state.tables)) out[name] = Object.values(rows);
            return out;
        });
    }

    /** Moves the simulated time forward by `ms` and runs the job steps that came due (tests, instead of sleeping). */
    advanceClock(ms: number): number {
        const now = this.clock.advance(ms);
        this.transaction(() => this.advance());
        return now;
    }

    setFaults(config: FaultConfig): void {
        this.faults.set(config);
    }

    setLatency(overrides: Record<string, number>, timeFactor?: number): void {
        this.latency.overrides = { ...overrides };
        if (timeFactor !== undefined) {
            if (!(timeFactor > 0)) throw invalidParam("time factor must be positive");
            this.latency.timeFactor = timeFactor;
        }
    }
}

function withoutAuth(raw: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) {
        if (!/^(apikey|signature|signatureversion|expires|response|command)$/i.test(k)) out[k] = v;
    }
    return out;
}

const LEGACY_IP_PREFIX = "127.100";

export function checkPublicIpPrefix(prefix: string): string {
    const octets = prefix.split(".");
    if (octets[0] !== "127" || octets.length !== 2 || !octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) < 256)) {
        throw new Error(`publicIpPrefix must be two octets inside 127.0.0.0/8 (e.g. 127.100), got '${prefix}'`);
    }
    return prefix;
}

/** Prefixes already picked in this process: simulators started side by side in one test file differ for sure. */
const pickedPrefixes = new Set<string>();

function randomIpPrefix(): string {
    const free = Array.from({ length: 100 }, (_, i) => `127.${100 + i}`).filter((p) => !pickedPrefixes.has(p));
    const pool = free.length > 0 ? free : [...pickedPrefixes];
    const prefix = pool[randomInt(pool.length)];
    pickedPrefixes.add(prefix);
    return prefix;
}

/** yyyy-MM-dd'T'HH:mm:ssZ in UTC, as Mold's Gson date adapter prints. */
export function formatDate(ms: number): string {
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+0000");
}
