// Shared record conventions for handlers. A record is stored as the response object Mold would send
// (wire field names), plus internal fields whose names start with "_" that are never rendered.
import type { BaseContext } from "./types";
import { table } from "./state";
import { invalidParam } from "./errors";

/** Table names, one per Mold concept. */
export const T = {
    zones: "zones",
    serviceOfferings: "serviceOfferings",
    templates: "templates",
    networkOfferings: "networkOfferings",
    affinityGroups: "affinityGroups",
    /** Hypervisor hosts, a few per zone (simulator/records/host.ts). */
    hosts: "hosts",
    kubernetesVersions: "kubernetesVersions",
    networks: "networks",
    /** VPCs (handlers/vpc.ts) and the VPC offerings of the seed. */
    vpcs: "vpcs",
    vpcOfferings: "vpcOfferings",
    publicIps: "publicIps",
    /** Ingress and egress firewall rules (FirewallResponse). */
    firewallRules: "firewallRules",
    portForwardingRules: "portForwardingRules",
    loadBalancerRules: "loadBalancerRules",
    lbStickinessPolicies: "lbStickinessPolicies",
    lbHealthCheckPolicies: "lbHealthCheckPolicies",
    /** Network ACL lists (the two defaults seeded) and their items (handlers/network-acl.ts). */
    networkAclLists: "networkAclLists",
    networkAcls: "networkAcls",
    vms: "vms",
    /** Data volumes, their disk offerings and snapshot policies (handlers/volume.ts). */
    volumes: "volumes",
    diskOfferings: "diskOfferings",
    snapshotPolicies: "snapshotPolicies",
    sshKeyPairs: "sshKeyPairs",
    tags: "tags",
    kubernetesClusters: "kubernetesClusters",
    events: "events",
    jobs: "jobs",
    /** The simulator's own: what the emulated SSH nodes did (simulator/ssh/), keyed by VM id. */
    emulatedNodes: "emulatedNodes",
    /** The simulator's own: clusters made by kubeadm on emulated nodes (simulator/kubeadm/). */
    kubeadmClusters: "kubeadmClusters",
    /** Ids of deleted objects whose kind keeps removed rows, so their UUIDs still resolve (simulator/gone.ts). */
    removedRows: "removedRows",
} as const;

/** Copy of a record without internal ("_") fields and without undefined values (Gson omits nulls). */
export function render<R extends Record<string, any>>(record: R): Record<string, any> {
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(record)) {
        if (k.startsWith("_") || v === undefined || v === null) continue;
        out[k] = v;
    }
    return out;
}

/** Owner fields every owned object carries. */
export function ownerFields(ctx: BaseContext): { account: string; domainid: string; domain: string; domainpath: string } {
    return { account: ctx.caller.name, domainid: ctx.caller.domainid, domain: ctx.caller.domain, domainpath: "/" };
}

/** Tag objects for a resource, as they appear in the `tags` array of responses. */
export function tagsOf(ctx: BaseContext, resourceType: string, resourceId: string): Record<string, any>[] {
    return Object.values(table(ctx.state, T.tags))
        .filter((t: any) => t.resourceid === resourceId && t.resourcetype === resourceType)
        .map((t: any) => render(t));
}

/** Drops a resource's tags (Mold removes them when the resource is removed). */
export function dropTags(ctx: BaseContext, resourceType: string, resourceId: string): void {
    const tags = table(ctx.state, T.tags);
    for (const [id, t] of Object.entries(tags)) {
        if ((t as any).resourceid === resourceId && (t as any).resourcetype === resourceType) delete tags[id];
    }
}

/**
 * The `tags[i].key/value` list filter (BaseListTaggedResourcesCmd): every entry must carry a value,
 * and a row matches when it has all the given tags.
 */
export function matchesTagFilter(ctx: BaseContext, filter: Record<string, string>[], resourceType: string, resourceId: string): boolean {
    if (filter.length === 0) return true;
    const have = tagsOf(ctx, resourceType, resourceId);
    return filter.every((f) => have.some((t) => t.key === f.key && t.value === f.value));
}

/** `keyword` filter: case-insensitive substring of the name (LIKE %kw%). */
export function matchesKeyword(keyword: string | undefined, ...fields: (string | undefined)[]): boolean {
    if (!keyword) return true;
    const k = keyword.toLowerCase();
    return fields.some((f) => f !== undefined && f.toLowerCase().includes(k));
}

/** Reads and checks the `tags` list filter of a list command: 431 when an entry has no value. */
export function tagFilter(ctx: { params: { map(name: string): Record<string, string>[] } }): Record<string, string>[] {
    const entries = ctx.params.map("tags");
    for (const e of entries) {
        if (e.value === undefined) {
            throw invalidParam(`No value is passed in for key ${e.key}`);
        }
    }
    return entries;
}
