// createTags / deleteTags / listTags (mold-api-network.md §9). Mirrors provider/client/tags.ts.
import { ApiError, invalidParam } from "../errors";
import { ownerFields, render, T } from "../model";
import { table } from "../state";
import type { CommandSpec, JobCompleter, JobContext } from "../types";

/** ResourceObjectType names with tag support, and the table each lives in (where simulated). */
const TAGGABLE: Record<string, string | undefined> = {
    UserVm: T.vms,
    Template: T.templates,
    ISO: undefined,
    Volume: T.volumes,
    Snapshot: undefined,
    Backup: undefined,
    Network: T.networks,
    LoadBalancer: T.loadBalancerRules,
    PortForwardingRule: T.portForwardingRules,
    FirewallRule: T.firewallRules,
    SecurityGroup: undefined,
    SecurityGroupRule: undefined,
    PublicIpAddress: T.publicIps,
    Project: undefined,
    Account: undefined,
    Vpc: T.vpcs,
    NetworkACL: T.networkAcls,
    StaticRoute: "staticRoutes",
    VMSnapshot: undefined,
    RemoteAccessVpn: undefined,
    User: undefined,
    SnapshotPolicy: T.snapshotPolicies,
    VpcOffering: T.vpcOfferings,
};
const NOT_TAGGABLE = [
    "VnfTemplate",
    "DomainRouter",
    "Nic",
    "Zone",
    "ServiceOffering",
    "Storage",
    "PrivateGateway",
    "NetworkACLList",
    "VpnGateway",
    "CustomerGateway",
    "VpnConnection",
    "DiskOffering",
    "AutoScaleVmProfile",
    "AutoScaleVmGroup",
    "LBStickinessPolicy",
    "LBHealthCheckPolicy",
    "GuestOsCategory",
    "GuestOs",
    "NetworkOffering",
    "Domain",
    "ObjectStore",
];

/** Canonical enum name for a case-insensitive resourcetype; 431 as Mold when unknown or not taggable. */
export function resourceType(value: string): string {
    const known = [...Object.keys(TAGGABLE), ...NOT_TAGGABLE].find((t) => t.toLowerCase() === value.toLowerCase());
    if (!known) throw invalidParam(`Invalid resource type ${value}`);
    if (NOT_TAGGABLE.includes(known)) throw invalidParam(`The resource type ${known} doesn't support resource tags`);
    return known;
}

function findResource(ctx: JobContext, type: string, id: string): any {
    const tableName = TAGGABLE[type];
    const row = tableName ? table(ctx.state, tableName)[id] : undefined;
    if (!row || row._removed) {
        throw invalidParam(
            /^\d+$/.test(id) ? `Unable to find resource by id ${id} and type ${type}` : `Unable to find resource by uuid ${id} and type ${type}`,
        );
    }
    return row;
}

const createTags: CommandSpec = {
    name: "createTags",
    isAsync: true,
    handle(ctx) {
        const type = ctx.params.required("resourcetype");
        const ids = ctx.params.list("resourceids");
        if (!ids) ctx.params.required("resourceids");
        const tags = ctx.params.map("tags");
        if (tags.length === 0) ctx.params.required("tags");
        return {
            jobid: ctx.queueJob({
                cmd: "org.apache.cloudstack.api.command.user.tag.CreateTagsCmd",
                completer: "createTags",
                payload: { type, ids, tags, customer: ctx.params.str("customer") },
            }),
        };
    },
};

const deleteTags: CommandSpec = {
    name: "deleteTags",
    isAsync: true,
    handle(ctx) {
        const type = ctx.params.required("resourcetype");
        const ids = ctx.params.list("resourceids");
        if (!ids) ctx.params.required("resourceids");
        return {
            jobid: ctx.queueJob({
                cmd: "org.apache.cloudstack.api.command.user.tag.DeleteTagsCmd",
                completer: "deleteTags",
                payload: { type, ids, tags: ctx.params.map("tags") },
            }),
        };
    },
};

const listTags: CommandSpec = {
    name: "listTags",
    handle(ctx) {
        const type = ctx.params.str("resourcetype");
        const id = ctx.params.str("resourceid");
        const key = ctx.params.str("key");
        const value = ctx.params.str("value");
        const customer = ctx.params.str("customer");
        const items = Object.values(table(ctx.state, T.tags))
            .filter((t: any) => (!type || t.resourcetype.toLowerCase() === type.toLowerCase()) && (!id || t.resourceid === id))
            .filter((t: any) => (!key || t.key === key) && (!value || t.value === value) && (!customer || t.customer === customer))
            .map((t: any) => render(t));
        return { list: "tag", items };
    },
};

export const commands: CommandSpec[] = [createTags, deleteTags, listTags];

export const jobs: Record<string, JobCompleter> = {
    createTags(ctx, job) {
        const { ids, tags, customer } = job.payload as { ids: string[]; tags: Record<string, string>[]; customer?: string };
        const type = resourceType(job.payload.type);
        const all = table(ctx.state, T.tags);
        // Validate everything first: Mold creates all tags in one transaction.
        for (const id of ids) {
            const row = findResource(ctx, type, id);
            for (const t of tags) {
                // ResourceManagerUtilImpl.checkResourceAccessible: a resource with neither owner account nor
                // domain — a public IP back in the Free pool (a release or a failed association cleared both) —
                // is refused to every caller, root admin included.
                if (type === "PublicIpAddress" && !row.account && !row.domainid) {
                    throw new ApiError(
                        530,
                        `Account '${ctx.caller.name}' doesn't have permissions to create tags for resource [id: ${row._dbid ?? id}, uuid: ${id}] (${t.key}).`,
                        4365,
                    );
                }
                if (t.value === undefined || t.value === "") throw invalidParam(`Value for the key ${t.key} is either null or empty`);
                // resource_tags.key and .value are varchar(255): MySQL (strict mode) refuses longer values and
                // the job fails with the database's text.
                for (const column of ["key", "value"] as const) {
                    if (String(t[column] ?? "").length > 255) throw new ApiError(530, `Data truncation: Data too long for column '${column}' at row 1`, 4250);
                }
                const clash = Object.values(all).some(
                    (x: any) => x.resourceid === id && x.resourcetype === type && String(x.key).toLowerCase() === String(t.key).toLowerCase(),
                );
                if (clash) throw new ApiError(530, `tag ${t.key} already on ${type} with id ${id}`, 4250);
            }
        }
        for (const id of ids) {
            for (const t of tags) {
                const tagId = ctx.uuid();
                all[tagId] = { key: t.key, value: t.value, resourcetype: type, resourceid: id, ...ownerFields(ctx), customer, _id: tagId };
            }
        }
        ctx.event({ type: "CREATE_TAGS", description: `creating tags on ${type} ${ids.join(",")}` });
        return { success: true };
    },
    deleteTags(ctx, job) {
        const { ids, tags } = job.payload as { ids: string[]; tags: Record<string, string>[] };
        const type = resourceType(job.payload.type);
        const all = table(ctx.state, T.tags);
        let removed = 0;
        for (const [tagId, t] of Object.entries(all) as [string, any][]) {
            if (!ids.includes(t.resourceid) || t.resourcetype !== type) continue;
            const match =
                tags.length === 0 ||
                tags.some(
                    (f) =>
                        String(f.key).toLowerCase() === String(t.key).toLowerCase() &&
                        (f.value === undefined || String(f.value).toLowerCase() === String(t.value).toLowerCase()),
                );
            if (match) {
                delete all[tagId];
                removed++;
            }
        }
        if (removed === 0) throw new ApiError(530, "Failed to delete tags", 4250);
        ctx.event({ type: "DELETE_TAGS", description: `deleting tags on ${type} ${ids.join(",")}` });
        return { success: true };
    },
};
