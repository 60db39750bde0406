// queryAsyncJobResult and listAsyncJobs (mold-api-core.md §7). Mirrors provider/client/client.ts's job waiting.
import { unknownUuid } from "../errors";
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

const listAsyncJobs: CommandSpec = {
    name: "listAsyncJobs",
    handle(ctx) {
        const items = Object.values(table<JobRecord>(ctx.state, T.jobs))
            .filter((j) => j.accountid === ctx.caller.id)
            .sort((a, b) => a.seq - b.seq)
            .map(renderJob);
        return { list: "asyncjobs", items };
    },
};

export const commands: CommandSpec[] = [queryAsyncJobResult, listAsyncJobs];
