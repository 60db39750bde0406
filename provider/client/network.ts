// Typed wrappers for guest networks (mold-api-network.md §4). createNetwork is synchronous; update,
// delete and restart are async jobs. Mirrors simulator/handlers/network.ts.
import { MoldClient, WaitOptions } from "./client";
import { ListFilter, listParams } from "./list-filter";
import type { ResourceTag } from "./tags";
import { rowsUnlessGone } from "./errors";

/** One entry of NetworkResponse `service[]`. */
export interface NetworkServiceEntry {
    name: string;
    capability?: { name: string; value: string; canchooseservicecapability: boolean }[];
    provider?: { name: string }[];
}

/** NetworkResponse (wire names). */
export interface Network {
    id: string;
    name: string;
    displaytext: string;
    broadcastdomaintype?: string;
    traffictype: string;
    gateway?: string;
    netmask?: string;
    cidr?: string;
    zoneid: string;
    zonename?: string;
    networkofferingid: string;
    networkofferingname?: string;
    networkofferingdisplaytext?: string;
    networkofferingconservemode?: boolean;
    networkofferingavailability?: string;
    issystem: boolean;
    /** Allocated until the first VM is deployed, then Implemented. */
    state: "Allocated" | "Setup" | "Implementing" | "Implemented" | "Shutdown" | "Destroy";
    related?: string;
    broadcasturi?: string;
    vlan?: string;
    dns1?: string;
    dns2?: string;
    type: "Isolated" | "Shared" | "L2";
    acltype?: string;
    account?: string;
    domainid?: string;
    domain?: string;
    domainpath?: string;
    service?: NetworkServiceEntry[];
    networkdomain?: string;
    physicalnetworkid?: string;
    restartrequired?: boolean;
    specifyipranges?: boolean;
    canusefordeploy?: boolean;
    ispersistent?: boolean;
    tags: ResourceTag[];
    egressdefaultpolicy?: boolean;
    /** Set on VPC tiers. */
    vpcid?: string;
    vpcname?: string;
    aclid?: string;
    aclname?: string;
    [field: string]: unknown;
}

export interface CreateNetworkArgs {
    name: string;
    zoneid: string;
    networkofferingid: string;
    /** Defaults to the name. */
    displaytext?: string;
    /** Isolated networks take the zone's guest CIDR when gateway and netmask are left out. */
    gateway?: string;
    netmask?: string;
    startip?: string;
    endip?: string;
    networkdomain?: string;
    acltype?: "account" | "domain";
    /** A VPC tier: the VPC (gateway and netmask then required, inside the VPC's CIDR) and its ACL list. */
    vpcid?: string;
    aclid?: string;
}

export interface UpdateNetworkArgs {
    name?: string;
    displaytext?: string;
    networkofferingid?: string;
    networkdomain?: string;
}

export async function createNetwork(client: MoldClient, args: CreateNetworkArgs): Promise<Network> {
    const answer = await client.call<{ network: Network }>("createNetwork", { ...args });
    return answer.network;
}

/** Filters: id, name, zoneid, type, networkofferingid, keyword, tags, … (mold-api-network.md §4.3). */
export function listNetworks(client: MoldClient, filter: ListFilter = {}): Promise<Network[]> {
    return client.list<Network>("listNetworks", listParams(filter), "network");
}

/** The network, or undefined once it is gone (either of Mold's answers: see isGone). */
export async function getNetwork(client: MoldClient, id: string): Promise<Network | undefined> {
    return (await rowsUnlessGone(listNetworks(client, { id })))[0];
}

export async function updateNetwork(client: MoldClient, id: string, args: UpdateNetworkArgs, wait?: WaitOptions): Promise<Network> {
    const r = await client.callAsync<{ network: Network }>("updateNetwork", { id, ...args }, wait);
    return r.result.network;
}

/** Fails (job 530 "Failed to delete network") while VMs still have NICs in it. */
export async function deleteNetwork(client: MoldClient, id: string, wait?: WaitOptions): Promise<void> {
    await client.callAsync("deleteNetwork", { id }, wait);
}

/** Only Implemented (or Setup) networks can be restarted. */
export async function restartNetwork(client: MoldClient, id: string, cleanup?: boolean, wait?: WaitOptions): Promise<void> {
    await client.callAsync("restartNetwork", { id, cleanup }, wait);
}
