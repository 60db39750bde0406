// Typed wrappers for VPC static routes: createStaticRoute is async-create, deleteStaticRoute a job. A route goes
// through a private gateway (gatewayid) or to a next hop of the VPC (vpcid + nexthop). Tagged as "StaticRoute".
// Mirrors simulator/handlers/static-route.ts.
import type { MoldClient, WaitOptions } from "./client";
import { rowsUnlessGone } from "./errors";
import { ListFilter, listParams } from "./list-filter";
import type { ResourceTag } from "./tags";

/** StaticRouteResponse (wire names). */
export interface StaticRoute {
    id: string;
    cidr: string;
    gatewayid?: string;
    nexthop?: string;
    vpcid: string;
    /** Add → Active; Revoke while a delete runs. */
    state: string;
    tags: ResourceTag[];
    [field: string]: unknown;
}

export type CreateStaticRouteArgs = { cidr: string } & ({ gatewayid: string } | { vpcid: string; nexthop: string });

export async function createStaticRoute(client: MoldClient, args: CreateStaticRouteArgs, wait?: WaitOptions): Promise<StaticRoute> {
    const r = await client.callAsync<{ staticroute: StaticRoute }>("createStaticRoute", { ...args }, wait);
    return r.result.staticroute;
}

/** Filters: id, vpcid, gatewayid, state, tags, … */
export function listStaticRoutes(client: MoldClient, filter: ListFilter = {}): Promise<StaticRoute[]> {
    return client.list<StaticRoute>("listStaticRoutes", listParams(filter), "staticroute");
}

/** The route, or undefined once it is gone (see isGone). */
export async function getStaticRoute(client: MoldClient, id: string): Promise<StaticRoute | undefined> {
    return (await rowsUnlessGone(listStaticRoutes(client, { id }))).find((r) => r.id === id);
}

export async function deleteStaticRoute(client: MoldClient, id: string, wait?: WaitOptions): Promise<void> {
    await client.callAsync("deleteStaticRoute", { id }, wait);
}
