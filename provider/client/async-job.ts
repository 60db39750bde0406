// The shape of one async job, apart from the client so the job watcher and the client can both name it
// without importing each other.

/** One async job as queryAsyncJobResult returns it. */
export interface AsyncJob {
    jobid: string;
    jobstatus: number;
    jobresultcode: number;
    jobresulttype?: string;
    /** The job's result: the object under its name, or errorcode/errortext when it failed. */
    jobresult?: { errorcode?: number; errortext?: string; [field: string]: unknown };
    jobinstancetype?: string;
    jobinstanceid?: string;
    cmd?: string;
    created?: string;
    completed?: string;
}
