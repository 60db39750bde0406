// Typed wrappers for network ACL lists, their items (rules) and a VPC tier's list. Creates are async-create
// (a failed job still names the object via MoldJobError.entityId). Mirrors simulator/handlers/network-acl.ts.
import { MoldClient, Params, WaitOptions } from "./client";
import { rowsUnlessGone } from "./errors";
import { ListFilter, listParams } from "./list-filter";
import type { ResourceTag } from "./tags";

/** Mold's default lists: every VPC can use them; they cannot be changed or deleted. */
export const DEFAULT_ACL_LIST_NAMES = ["default_allow", "default_deny"] as const;

/** NetworkACLResponse (wire names); a default list has no vpcid. */
export interface NetworkAclList {
    id: string;
    name: string;
    description?: string;
    vpcid?: string;
    vpcname?: string;
    fordisplay?: boolean;
    [field: string]: unknown;
}

/** NetworkACLItemResponse (wire names): ports are strings, CIDRs comma-joined. */
export interface NetworkAcl {
    id: string;
    aclid: string;
    aclname?: string;
    number: number;
    /** "Allow" or "Deny". */
    action: string;
    /** "Ingress" or "Egress". */
    traffictype: string;
    /** tcp, udp, icmp, all or a protocol number. */
    protocol: string;
    startport?: string;
    endport?: string;
    cidrlist: string;
    icmptype?: number;
    icmpcode?: number;
    reason?: string;
    /** Add → Active; Deleting while a delete runs. */
    state: string;
    tags: ResourceTag[];
    fordisplay?: boolean;
    [field: string]: unknown;
}

export interface CreateNetworkAclListArgs {
    name: string;
    vpcid: string;
    description?: string;
}

export interface UpdateNetworkAclListArgs {
    name?: string;
    description?: string;
}

/** An item's attributes (create and update take the same ones). */
export interface NetworkAclItemArgs {
    number?: number;
    /** allow or deny (Mold: Allow when absent). */
    action?: string;
    /** ingress or egress (Mold: ingress when absent). */
    traffictype?: string;
    protocol?: string;
    startport?: number;
    /** Defaults to startport. */
    endport?: number;
    /** Defaults to 0.0.0.0/0. */
    cidrlist?: string[];
    icmptype?: number;
    icmpcode?: number;
    reason?: string;
}

export interface CreateNetworkAclArgs extends NetworkAclItemArgs {
    aclid: string;
    protocol: string;
}

export interface UpdateNetworkAclItemArgs extends NetworkAclItemArgs {
    /**
     * Mold's default (true) changes only the fields sent; false sets every field from the request, so one not
     * sent is cleared: what a declarative update needs to drop ports or ICMP fields.
     */
    partialupgrade?: boolean;
}

export async function createNetworkAclList(client: MoldClient, args: CreateNetworkAclListArgs, wait?: WaitOptions): Promise<NetworkAclList> {
    const r = await client.callAsync<{ networkacllist: NetworkAclList }>("createNetworkACLList", { ...args }, wait);
    return r.result.networkacllist;
}

/** Lists (filters: id, name, vpcid — which also lists the defaults —, networkid). */
export function listNetworkAclLists(client: MoldClient, filter: ListFilter = {}): Promise<NetworkAclList[]> {
    return client.list<NetworkAclList>("listNetworkACLLists", listParams(filter), "networkacllist");
}

/** The list, or undefined once it is gone (see isGone). */
export async function getNetworkAclList(client: MoldClient, id: string): Promise<NetworkAclList | undefined> {
    return (await rowsUnlessGone(listNetworkAclLists(client, { id })))[0];
}

export async function updateNetworkAclList(client: MoldClient, id: string, args: UpdateNetworkAclListArgs, wait?: WaitOptions): Promise<NetworkAclList> {
    const r = await client.callAsync<{ networkacllist: NetworkAclList }>("updateNetworkACLList", { id, ...args }, wait);
    return r.result.networkacllist;
}

/** Deletes a list with its items; Mold refuses while a tier or private gateway uses it, and the defaults always. */
export async function deleteNetworkAclList(client: MoldClient, id: string, wait?: WaitOptions): Promise<void> {
    await client.callAsync("deleteNetworkACLList", { id }, wait);
}

export async function createNetworkAcl(client: MoldClient, args: CreateNetworkAclArgs, wait?: WaitOptions): Promise<NetworkAcl> {
    const r = await client.callAsync<{ networkacl: NetworkAcl }>("createNetworkACL", { ...args }, wait);
    return r.result.networkacl;
}

/** Items ordered by number (filters: id, aclid, networkid, traffictype, action, protocol, tags). */
export function listNetworkAcls(client: MoldClient, filter: ListFilter = {}): Promise<NetworkAcl[]> {
    return client.list<NetworkAcl>("listNetworkACLs", listParams(filter), "networkacl");
}

/** The item, or undefined once it is gone (see isGone). */
export async function getNetworkAcl(client: MoldClient, id: string): Promise<NetworkAcl | undefined> {
    return (await rowsUnlessGone(listNetworkAcls(client, { id })))[0];
}

export async function updateNetworkAclItem(client: MoldClient, id: string, args: UpdateNetworkAclItemArgs, wait?: WaitOptions): Promise<NetworkAcl> {
    const params: Params = { id, ...args };
    const r = await client.callAsync<{ networkacl: NetworkAcl }>("updateNetworkACLItem", params, wait);
    return r.result.networkacl;
}

export async function deleteNetworkAcl(client: MoldClient, id: string, wait?: WaitOptions): Promise<void> {
    await client.callAsync("deleteNetworkACL", { id }, wait);
}

/** Puts a VPC tier (networkid) or a private gateway (gatewayid) on another list. */
export async function replaceNetworkAclList(
    client: MoldClient,
    target: { networkid: string } | { gatewayid: string },
    aclid: string,
    wait?: WaitOptions,
): Promise<void> {
    await client.callAsync("replaceNetworkACLList", { aclid, ...target }, wait);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A list by id, or by name among the lists a tier of `vpcid` may use (the VPC's own and Mold's defaults, so
 * "default_allow" and "default_deny" resolve for every VPC). Unknown or ambiguous names fail with the candidates.
 */
export async function findNetworkAclList(client: MoldClient, nameOrId: string, vpcid?: string): Promise<NetworkAclList> {
    if (UUID.test(nameOrId)) {
        const byId = await getNetworkAclList(client, nameOrId);
        if (byId) return byId;
    }
    const candidates = await listNetworkAclLists(client, vpcid ? { vpcid } : {});
    const named = candidates.filter((l) => l.name === nameOrId);
    if (named.length === 1) return named[0];
    const names = candidates.map((l) => `${l.name} (${l.id})`).join(", ");
    if (named.length > 1) throw new Error(`network ACL list name '${nameOrId}' is ambiguous${vpcid ? ` in VPC ${vpcid}` : ""}: use its id (${names})`);
    throw new Error(`no network ACL list '${nameOrId}'${vpcid ? ` for VPC ${vpcid}` : ""}; candidates: ${names || "none"}`);
}
