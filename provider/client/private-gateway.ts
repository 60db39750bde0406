// Typed wrappers for VPC private gateways: createPrivateGateway is async-create (a failed job still names the gateway:
// MoldJobError.entityId), deletePrivateGateway a job. Mold cannot tag them. Mirrors simulator/handlers/private-gateway.ts.
import type { MoldClient, WaitOptions } from "./client";
import { rowsUnlessGone } from "./errors";
import { ListFilter, listParams } from "./list-filter";

/** PrivateGatewayResponse (wire names). */
export interface PrivateGateway {
    id: string;
    gateway: string;
    netmask: string;
    ipaddress: string;
    vpcid: string;
    vpcname?: string;
    zoneid?: string;
    vlan?: string;
    /** Creating while its job runs, then Ready. */
    state: string;
    sourcenatsupported?: boolean;
    aclid?: string;
    aclname?: string;
    associatednetworkid?: string;
    associatednetwork?: string;
    [field: string]: unknown;
}

export interface CreatePrivateGatewayArgs {
    vpcid: string;
    gateway: string;
    netmask: string;
    /** The VPC router's address on the private network. */
    ipaddress: string;
    /** An administrator's: the private network's VLAN. */
    vlan?: string;
    /** Or an existing network to use as the private network. */
    associatednetworkid?: string;
    /** Default: Mold's default_deny list. */
    aclid?: string;
    sourcenatsupported?: boolean;
}

export async function createPrivateGateway(client: MoldClient, args: CreatePrivateGatewayArgs, wait?: WaitOptions): Promise<PrivateGateway> {
    const r = await client.callAsync<{ privategateway: PrivateGateway }>("createPrivateGateway", { ...args }, wait);
    return r.result.privategateway;
}

/** Filters: id, vpcid, ipaddress, vlan, state, keyword, … */
export function listPrivateGateways(client: MoldClient, filter: ListFilter = {}): Promise<PrivateGateway[]> {
    return client.list<PrivateGateway>("listPrivateGateways", listParams(filter), "privategateway");
}

/** The gateway, or undefined once it is gone (see isGone). */
export async function getPrivateGateway(client: MoldClient, id: string): Promise<PrivateGateway | undefined> {
    return (await rowsUnlessGone(listPrivateGateways(client, { id }))).find((g) => g.id === id);
}

/** Mold refuses while static routes use the gateway. */
export async function deletePrivateGateway(client: MoldClient, id: string, wait?: WaitOptions): Promise<void> {
    await client.callAsync("deletePrivateGateway", { id }, wait);
}
