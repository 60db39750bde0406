// Typed wrapper for listEvents (mold-api-network.md §12.5).
import type { MoldClient, Params } from "./client";

/** EventResponse. */
export interface MoldEvent {
    id: string;
    username?: string;
    /** e.g. "VM.CREATE", "NET.IPASSIGN". */
    type: string;
    level: "INFO" | "WARN" | "ERROR";
    description: string;
    account?: string;
    domainid?: string;
    domain?: string;
    resourceid?: string;
    resourcetype?: string;
    created: string;
    state: "Created" | "Scheduled" | "Started" | "Completed";
    parentid?: string;
    [field: string]: unknown;
}

export interface ListEventsFilter extends Params {
    type?: string;
    level?: "INFO" | "WARN" | "ERROR";
    resourceid?: string;
    /** `yyyy-MM-dd` or `yyyy-MM-dd HH:mm:ss`. */
    startdate?: string;
    keyword?: string;
}

/** Newest first, as Mold orders them. */
export function listEvents(client: MoldClient, filter: ListEventsFilter = {}): Promise<MoldEvent[]> {
    return client.list<MoldEvent>("listEvents", filter, "event");
}
