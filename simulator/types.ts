// What a handler module (simulator/handlers/*.ts) implements and what it is given.
import type { Params } from "./params";
import type { Account, SimState } from "./state";

/** What a command answers; the server wraps it in the `<cmd>response` envelope. */
export type CommandResult =
    /** `{"<resp>":{"<object>":value}}` */
    | { object: string; value: any }
    /** `{"<resp>":{"count":N,"<list>":[…]}}` after paging, or `{}` when empty. */
    | { list: string; items: any[] }
    /** `{"<resp>":{"success":true}}` */
    | { success: true; displaytext?: string }
    /** Async: `{"jobid"}`; async-create: `{"id","jobid"}`. */
    | { jobid: string; id?: string }
    /** Anything else, put under the response key as is. */
    | { raw: any };

export interface CommandSpec {
    /** Command name exactly as registered (case-sensitive), e.g. "createFirewallRule". */
    name: string;
    /** Response key when it is not lower(name)+"response" (createLBStickinessPolicy, resetSSHKeyforvirtualmachineresponse). */
    responseName?: string;
    /** Whether it is an async command (answers with a job id); used by listApis-style introspection. */
    isAsync?: boolean;
    handle(ctx: CommandContext): CommandResult;
}

export interface JobSpec {
    /** Java class name shown in the job's `cmd` field, e.g. "org.apache.cloudstack.api.command.user.firewall.CreateFirewallRuleCmd". */
    cmd: string;
    /** Name of the completer in some handler's `jobs` export. */
    completer: string;
    /** Command name used to pick the latency from the profile (defaults to the current command). */
    latencyKey?: string;
    /** Explicit latency in ms (before the time factor), overriding the profile. */
    latencyMs?: number;
    instanceType?: string;
    instanceId?: string;
    /** Jobs with the same sync object run one after another (Mold serializes jobs per network). */
    syncObject?: string;
    payload?: any;
}

export interface JobRecord {
    jobid: string;
    seq: number;
    cmd: string;
    command: string;
    completer: string;
    accountid: string;
    userid: string;
    instanceType?: string;
    instanceId?: string;
    syncObject?: string;
    payload: any;
    /** Epoch ms when the next step of the job runs. */
    dueAt: number;
    /** Number of steps already run (for multi-step jobs). */
    step: number;
    jobstatus: 0 | 1 | 2 | 3;
    jobresultcode: number;
    jobresulttype?: "object" | "text";
    jobresult?: any;
    created: string;
    completed?: string;
    /** Epoch ms when the job finished (for benchmarks). */
    finishedAt?: number;
}

/** What a job completer returns: the job's result, or a request to run again later. */
export type JobOutcome = { object: string; value: any } | { success: true; displaytext?: string } | { continueAfterMs: number; payload?: any };

export type JobCompleter = (ctx: JobContext, job: JobRecord) => JobOutcome;

export interface EventSpec {
    type: string;
    description: string;
    level?: "INFO" | "WARN" | "ERROR";
    state?: "Created" | "Scheduled" | "Started" | "Completed";
    resourceId?: string;
    resourceType?: string;
}

/**
 * How the simulator answers a list by an unknown id (simulator/gone.ts):
 * - "mold" (default): per kind, as CloudStack does (GONE_ROWS in gone.ts);
 * - "empty-list": every list answers an empty list, as if every kind kept its rows. Tests use it to check
 *   that clients treat both answers as "gone".
 */
export type GoneAnswer = "mold" | "empty-list";

export interface BaseContext {
    state: SimState;
    caller: Account;
    now(): number;
    /** A new UUID. */
    uuid(): string;
    /** CloudStack date format, e.g. 2026-11-22T11:31:39+0000. */
    timestamp(ms?: number): string;
    /** Latency in ms for a command under the current profile and time factor. */
    latency(command: string): number;
    queueJob(spec: JobSpec): string;
    event(spec: EventSpec): void;
    /** Next free public address, always inside 127.0.0.0/8. */
    allocatePublicIp(): string;
    /** Simulator options, for handlers that read settings such as cluster max size. */
    settings: SimSettings;
    /** How list commands answer an unknown id (simulator/gone.ts). */
    goneAnswer: GoneAnswer;
}

export interface CommandContext extends BaseContext {
    /** Command name as sent. */
    command: string;
    /** Lower-cased command name, as used in Mold's error texts. */
    cmdLower: string;
    params: Params;
}

export interface JobContext extends BaseContext {
    job: JobRecord;
}

/** Global settings a real Mold has (mold-api-kubernetes.md §9), with Mold's defaults. */
export interface SimSettings {
    "cloud.kubernetes.cluster.max.size": number;
    "cloud.kubernetes.cluster.experimental.features.enabled": boolean;
    "cloud.kubernetes.etcd.node.start.port": number;
    [key: string]: string | number | boolean;
}

export interface HandlerModule {
    commands: CommandSpec[];
    jobs?: Record<string, JobCompleter>;
}
