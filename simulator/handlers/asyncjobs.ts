// queryAsyncJobResult and listAsyncJobs (mold-api-core.md §7). Mirrors provider/client/client.ts's job waiting.
import { invalidParam, unknownUuid } from "../errors";
import { T } from "../model";
import { table } from "../state";
import type { CommandSpec, JobRecord } from "../types";

/** AsyncJobResponse: jobresulttype and jobresult are absent while the job is pending. */
export function renderJob(job: JobRecord): Record<string, any> {
    const out: Record<string, any> = {
        accountid: job.accountid,
        userid: job.userid,
        cmd: job.cmd,
        jobstatus: job.jobstatus,
        jobprocstatus: 0,
        jobresultcode: job.jobresultcode,
    };
    if (job.jobstatus !== 0) {
        out.jobresulttype = job.jobresulttype ?? "object";
        out.jobresult = job.jobresult;
    }
    if (job.instanceType && job.instanceId) {
        out.jobinstancetype = job.instanceType;
        out.jobinstanceid = job.instanceId;
    }
    out.created = job.created;
    if (job.completed) out.completed = job.completed;
    out.jobid = job.jobid;
    return out;
}

const queryAsyncJobResult: CommandSpec = {
    name: "queryAsyncJobResult",
    handle(ctx) {
        const id = ctx.params.required("jobid");
        const job = table<JobRecord>(ctx.state, T.jobs)[id];
        if (!job || job.accountid !== ctx.caller.id) throw unknownUuid(ctx.cmdLower, "jobid", id);
        return { raw: renderJob(job) };
    },
};

/**
 * A DATE parameter (mold-api-core.md §3.2): yyyy-MM-dd, yyyy-MM-dd HH:mm:ss (the server's zone; the simulator's is
 * UTC, as its timestamps say) or yyyy-MM-dd'T'HH:mm:ssZ. Epoch ms, or 431 "Unable to parse date".
 */
export function parseDateParam(text: string, cmdLower: string): number {
    const m = /^(\d{4}-\d\d-\d\d)(?:(?: |T)(\d\d:\d\d:\d\d)([+-]\d{4})?)?$/.exec(text.trim());
    const zone = m?.[3] ? `${m[3].slice(0, 3)}:${m[3].slice(3)}` : "Z";
    const ms = m && (m[3] === undefined || text.includes("T")) ? Date.parse(`${m[1]}T${m[2] ?? "00:00:00"}${zone}`) : NaN;
    if (!Number.isFinite(ms))
        throw invalidParam(`Unable to parse date ${text} for command ${cmdLower}, please pass dates in the format mentioned in the api documentation`);
    return ms;
}

/** A job's `created` (yyyy-MM-dd'T'HH:mm:ssZ) as epoch ms. */
const createdMs = (job: JobRecord) => Date.parse(job.created.replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));

const listAsyncJobs: CommandSpec = {
    name: "listAsyncJobs",
    handle(ctx) {
        const start = ctx.params.str("startdate");
        const from = start ? parseDateParam(start, ctx.cmdLower) : undefined;
        const items = Object.values(table<JobRecord>(ctx.state, T.jobs))
            .filter((j) => j.accountid === ctx.caller.id)
            .filter((j) => from === undefined || createdMs(j) >= from)
            .sort((a, b) => a.seq - b.seq)
            .map(renderJob);
        return { list: "asyncjobs", items };
    },
};

export const commands: CommandSpec[] = [queryAsyncJobResult, listAsyncJobs];
