// listHosts: hypervisor hosts. A root-admin command: other roles are refused (401 from ApiServer's
// checkCommandAvailable, or 432 where the command is hidden), which callers take as "not known".
import type { MoldClient } from "./client";
import { MoldApiError } from "./errors";

export interface Host {
    id: string;
    name: string;
    zoneid: string;
    type?: string;
    state?: string;
    resourcestate?: string;
    [field: string]: unknown;
}

/** The zone's hypervisor (Routing) hosts that take VMs, or undefined when this account may not list hosts. */
export async function routingHostsOrUnknown(client: MoldClient, zoneId: string): Promise<Host[] | undefined> {
    try {
        const hosts = await client.list<Host>("listHosts", { zoneid: zoneId, type: "Routing" }, "host");
        return hosts.filter((h) => (h.state ?? "Up") === "Up" && (h.resourcestate ?? "Enabled") === "Enabled");
    } catch (e) {
        if (e instanceof MoldApiError && [401, 432, 531].includes(e.errorcode)) return undefined;
        throw e;
    }
}
