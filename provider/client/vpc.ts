// Typed wrappers for VPCs and VPC offerings. createVPC is async-create (a failed job still names the VPC:
// MoldJobError.entityId); update, delete and restart are async jobs. Tiers are networks created with
// `vpcid` (client/network.ts). Mirrors simulator/handlers/vpc.ts.
import { pickOne } from "./catalog";
import { MoldClient, WaitOptions } from "./client";
import { rowsUnlessGone } from "./errors";
import { ListFilter, listParams } from "./list-filter";
import type { Network } from "./network";
import type { ResourceTag } from "./tags";

/** VpcOfferingResponse (wire names). */
export interface VpcOffering {
    id: string;
    name: string;
    displaytext?: string;
    isdefault?: boolean;
    state: string;
    service?: { name: string; provider?: { name: string }[] }[];
    [field: string]: unknown;
}

/** VpcResponse (wire names). */
export interface Vpc {
    id: string;
    name: string;
    displaytext: string;
    state: string;
    zoneid: string;
    zonename?: string;
    cidr: string;
    vpcofferingid: string;
    vpcofferingname?: string;
    networkdomain?: string;
    restartrequired?: boolean;
    account?: string;
    /** The VPC's tiers. */
    network?: Network[];
    tags: ResourceTag[];
    [field: string]: unknown;
}

export interface CreateVpcArgs {
    name: string;
    displaytext: string;
    zoneid: string;
    vpcofferingid: string;
    /** An RFC 1918 IPv4 CIDR; every tier lies inside it. */
    cidr: string;
    networkdomain?: string;
    /** Default true: the VPC's router starts and takes its source-NAT IP now. */
    start?: boolean;
}

export interface UpdateVpcArgs {
    name?: string;
    displaytext?: string;
}

export function listVpcOfferings(client: MoldClient, filter: ListFilter = {}): Promise<VpcOffering[]> {
    return client.list<VpcOffering>("listVPCOfferings", listParams(filter), "vpcoffering");
}

export async function createVpc(client: MoldClient, args: CreateVpcArgs, wait?: WaitOptions): Promise<Vpc> {
    const r = await client.callAsync<{ vpc: Vpc }>("createVPC", { ...args }, wait);
    return r.result.vpc;
}

/** Filters: id, name, zoneid, cidr, vpcofferingid, state, keyword, tags, … */
export function listVpcs(client: MoldClient, filter: ListFilter = {}): Promise<Vpc[]> {
    return client.list<Vpc>("listVPCs", listParams(filter), "vpc");
}

/** The VPC, or undefined once it is gone (either of Mold's answers: see isGone). */
export async function getVpc(client: MoldClient, id: string): Promise<Vpc | undefined> {
    return (await rowsUnlessGone(listVpcs(client, { id })))[0];
}

export async function updateVpc(client: MoldClient, id: string, args: UpdateVpcArgs, wait?: WaitOptions): Promise<Vpc> {
    const r = await client.callAsync<{ vpc: Vpc }>("updateVPC", { id, ...args }, wait);
    return r.result.vpc;
}

/** Fails (job 431 "Can't delete VPC … as its used by N networks") while tiers remain; releases the VPC's IPs. */
export async function deleteVpc(client: MoldClient, id: string, wait?: WaitOptions): Promise<void> {
    await client.callAsync("deleteVPC", { id }, wait);
}

export async function restartVpc(client: MoldClient, id: string, wait?: WaitOptions): Promise<void> {
    await client.callAsync("restartVPC", { id }, wait);
}

/** A VPC by id or name; unknown or ambiguous names fail with the candidates listed. */
export async function findVpc(client: MoldClient, nameOrId: string): Promise<Vpc> {
    const byId = await getVpc(client, nameOrId);
    if (byId) return byId;
    return pickOne("VPC", nameOrId, await listVpcs(client));
}

export async function findVpcOffering(client: MoldClient, nameOrId: string): Promise<VpcOffering> {
    return pickOne("VPC offering", nameOrId, await listVpcOfferings(client));
}
