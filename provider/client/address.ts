// Typed wrappers for public IP addresses (mold-api-network.md §5; static NAT is in static-nat.ts). associateIpAddress
// is async-create: a failed job still names the address (MoldJobError.entityId). Mirrors
// simulator/handlers/address.ts.
import { MoldClient, WaitOptions } from "./client";
import { ListFilter, listParams } from "./list-filter";
import type { ResourceTag } from "./tags";
import { rowsUnlessGone } from "./errors";

/** IPAddressResponse (wire names). */
export interface PublicIpAddress {
    id: string;
    ipaddress: string;
    allocated?: string;
    zoneid: string;
    zonename?: string;
    /** The first address of an isolated network becomes its source NAT. */
    issourcenat: boolean;
    account?: string;
    domainid?: string;
    domain?: string;
    forvirtualnetwork?: boolean;
    vlanid?: string;
    vlanname?: string;
    isstaticnat: boolean;
    issystem?: boolean;
    virtualmachineid?: string;
    virtualmachinename?: string;
    virtualmachinedisplayname?: string;
    vmipaddress?: string;
    /** The guest network the address serves. */
    associatednetworkid?: string;
    associatednetworkname?: string;
    /** The zone's public network. */
    networkid?: string;
    state: "Allocating" | "Allocated" | "Releasing" | "Reserved" | "Free";
    physicalnetworkid?: string;
    tags: ResourceTag[];
    isportable?: boolean;
    fordisplay?: boolean;
    hasrules?: boolean;
    /** Set on a VPC's addresses. */
    vpcid?: string;
    vpcname?: string;
    [field: string]: unknown;
}

/** One of networkid, vpcid or zoneid (the caller's single isolated network in that zone). */
export interface AssociateIpAddressArgs {
    networkid?: string;
    /** The address goes to the VPC (networkid is then ignored); a rule or static NAT later ties it to a tier. */
    vpcid?: string;
    zoneid?: string;
    /** A specific free address. */
    ipaddress?: string;
}

export async function associateIpAddress(client: MoldClient, args: AssociateIpAddressArgs, wait?: WaitOptions): Promise<PublicIpAddress> {
    const r = await client.callAsync<{ ipaddress: PublicIpAddress }>("associateIpAddress", { ...args }, wait);
    return r.result.ipaddress;
}

/** Revokes every rule on the address and frees it. The source-NAT address of an implemented network cannot be released. */
export async function disassociateIpAddress(client: MoldClient, id: string, wait?: WaitOptions): Promise<void> {
    await client.callAsync("disassociateIpAddress", { id }, wait);
}

/** Filters: id, ipaddress, associatednetworkid, issourcenat, isstaticnat, state, allocatedonly, keyword, tags, … */
export function listPublicIpAddresses(client: MoldClient, filter: ListFilter = {}): Promise<PublicIpAddress[]> {
    return client.list<PublicIpAddress>("listPublicIpAddresses", listParams(filter), "publicipaddress");
}

/** The address while allocated; undefined once released (Free rows are not listed) or unknown (see isGone). */
export async function getPublicIpAddress(client: MoldClient, id: string): Promise<PublicIpAddress | undefined> {
    return (await rowsUnlessGone(listPublicIpAddresses(client, { id })))[0];
}
