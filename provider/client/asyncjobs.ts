// Typed wrapper for listAsyncJobs (mold-api-network.md §12.6); job polling itself lives in client.ts.
import type { AsyncJob, MoldClient, Params } from "./client";

/** The caller's jobs (object key `asyncjobs`), each shaped as queryAsyncJobResult answers it. */
export function listAsyncJobs(client: MoldClient, filter: Params = {}): Promise<AsyncJob[]> {
    return client.list<AsyncJob>("listAsyncJobs", filter, "asyncjobs");
}
