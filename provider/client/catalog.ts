// Typed wrappers for the read-only catalog (mold-api-network.md §4.7, §12.1-12.3): zones, service
// offerings, templates and network offerings, plus name-or-id lookups that fail clearly.
import type { MoldClient, Params } from "./client";

/** ZoneResponse (wire names). */
export interface Zone {
    id: string;
    name: string;
    description?: string;
    dns1?: string;
    dns2?: string;
    internaldns1?: string;
    guestcidraddress?: string;
    networktype: "Basic" | "Advanced";
    securitygroupsenabled: boolean;
    allocationstate: string;
    zonetoken?: string;
    dhcpprovider?: string;
    localstorageenabled: boolean;
    type?: "Core" | "Edge";
    tags?: Record<string, unknown>[];
    [field: string]: unknown;
}

/** ServiceOfferingResponse; `cpunumber`/`cpuspeed`/`memory` are absent for custom offerings. */
export interface ServiceOffering {
    id: string;
    name: string;
    state?: string;
    displaytext: string;
    cpunumber?: number;
    cpuspeed?: number;
    /** MB. */
    memory?: number;
    created: string;
    storagetype: string;
    provisioningtype: string;
    offerha: boolean;
    limitcpuuse: boolean;
    isvolatile: boolean;
    issystem: boolean;
    defaultuse: boolean;
    iscustomized: boolean;
    dynamicscalingenabled?: boolean;
    cacheMode?: string;
    rootdisksize?: number;
    [field: string]: unknown;
}

/** TemplateResponse; one row per template per zone. */
export interface Template {
    id: string;
    name: string;
    displaytext: string;
    ispublic: boolean;
    isready: boolean;
    isfeatured: boolean;
    passwordenabled: boolean;
    format: string;
    crossZones: boolean;
    ostypeid: string;
    ostypename: string;
    account: string;
    zoneid: string;
    zonename: string;
    status?: string;
    size?: number;
    templatetype: string;
    hypervisor: string;
    domainid: string;
    domain: string;
    sshkeyenabled?: boolean;
    isdynamicallyscalable?: boolean;
    forcks?: boolean;
    tags?: Record<string, unknown>[];
    [field: string]: unknown;
}

export interface NetworkOfferingService {
    name: string;
    provider?: { name: string }[];
    capability?: { name: string; value: string; canchooseservicecapability?: boolean }[];
}

/** NetworkOfferingResponse. */
export interface NetworkOffering {
    id: string;
    name: string;
    displaytext: string;
    traffictype: string;
    isdefault: boolean;
    specifyvlan: boolean;
    conservemode: boolean;
    specifyipranges: boolean;
    availability: "Required" | "Optional";
    networkrate?: number;
    state: "Enabled" | "Disabled";
    guestiptype: "Isolated" | "Shared" | "L2";
    service: NetworkOfferingService[];
    forvpc: boolean;
    ispersistent: boolean;
    egressdefaultpolicy?: boolean;
    [field: string]: unknown;
}

/** `templatefilter` values of listTemplates (case-sensitive on the server). */
export type TemplateFilter = "featured" | "self" | "selfexecutable" | "sharedexecutable" | "executable" | "community" | "all" | "shared";

/** A name or id did not resolve to exactly one catalog entry; the message lists the candidates. */
export class MoldLookupError extends Error {
    override readonly name = "MoldLookupError";
    constructor(
        readonly kind: string,
        readonly wanted: string,
        readonly candidates: { id: string; name: string }[],
        readonly ambiguous: boolean,
    ) {
        super(
            ambiguous
                ? `${kind} '${wanted}' is ambiguous: ${candidates.map((c) => `${c.name} (${c.id})`).join(", ")}; use the id`
                : `no ${kind} named or with id '${wanted}'; available: ${candidates.map((c) => c.name).join(", ") || "none"}`,
        );
    }
}

export function listZones(client: MoldClient, filter: Params = {}): Promise<Zone[]> {
    return client.list<Zone>("listZones", filter, "zone");
}

export function listServiceOfferings(client: MoldClient, filter: Params = {}): Promise<ServiceOffering[]> {
    return client.list<ServiceOffering>("listServiceOfferings", filter, "serviceoffering");
}

export function listTemplates(client: MoldClient, templatefilter: TemplateFilter, filter: Params = {}): Promise<Template[]> {
    return client.list<Template>("listTemplates", { ...filter, templatefilter }, "template");
}

export function listNetworkOfferings(client: MoldClient, filter: Params = {}): Promise<NetworkOffering[]> {
    return client.list<NetworkOffering>("listNetworkOfferings", filter, "networkoffering");
}

/**
 * Picks the one row whose id or name is `wanted`: an id wins, then an exact name, then a name that
 * differs only in case. Rows sharing an id (templates in several zones) count once.
 */
export function pickOne<R extends { id: string; name: string }>(kind: string, wanted: string, rows: R[]): R {
    const unique = [...new Map(rows.map((r) => [r.id, r])).values()];
    const byId = unique.find((r) => r.id === wanted);
    if (byId) return byId;
    let matches = unique.filter((r) => r.name === wanted);
    if (matches.length === 0) matches = unique.filter((r) => r.name.toLowerCase() === wanted.toLowerCase());
    if (matches.length === 1) return matches[0];
    const candidates = (matches.length > 1 ? matches : unique).map((r) => ({ id: r.id, name: r.name }));
    throw new MoldLookupError(kind, wanted, candidates, matches.length > 1);
}

export async function findZone(client: MoldClient, nameOrId: string): Promise<Zone> {
    return pickOne("zone", nameOrId, await listZones(client));
}

export async function findServiceOffering(client: MoldClient, nameOrId: string): Promise<ServiceOffering> {
    return pickOne("service offering", nameOrId, await listServiceOfferings(client));
}

/** Templates the caller can deploy from (`executable`: own or public, and ready), optionally in one zone. */
export async function findTemplate(client: MoldClient, nameOrId: string, zoneid?: string): Promise<Template> {
    return pickOne("template", nameOrId, await listTemplates(client, "executable", { zoneid }));
}

export async function findNetworkOffering(client: MoldClient, nameOrId: string): Promise<NetworkOffering> {
    return pickOne("network offering", nameOrId, await listNetworkOfferings(client));
}
