// VPC static routes (VpcManagerImpl.createStaticRoute / revokeStaticRoute): a CIDR outside the VPC routed through a
// private gateway (gatewayid) or to a next-hop address (vpcid + nexthop). Tagged as "StaticRoute". States Add →
// Active, Revoke while the delete runs. Mirrors provider/client/static-route.ts.
//
// Texts not in the reference docs follow VpcManagerImpl as far as known; "ours" marks the simulator's own wording.
import { invalidParam, ruleConflict, unknownUuid } from "../errors";
import { listIdFilter, removeRow } from "../gone";
import { dropTags, matchesTagFilter, ownerFields, render, T, tagFilter, tagsOf } from "../model";
import { cidrRange, isIpv4, isIpv4Cidr } from "../records/cidr";
import { table } from "../state";
import type { BaseContext, CommandContext, CommandSpec, JobCompleter } from "../types";
import { gatewayTable, PRIVATE_GATEWAYS } from "./private-gateway";
import { jobFailure, nextDbId } from "./rules-common";
import { findVpc, VPC_OWNED_TABLES } from "./vpc";

export const STATIC_ROUTES = "staticRoutes";
VPC_OWNED_TABLES.push(STATIC_ROUTES);
const TAG_TYPE = "StaticRoute";
const CMD_PKG = "org.apache.cloudstack.api.command.user.vpc";
/** NetUtils.getLinkLocalCIDR. */
const LINK_LOCAL = "169.254.0.0/16";

function routes(ctx: BaseContext): Record<string, any> {
    return table(ctx.state, STATIC_ROUTES);
}

function overlap(a: string, b: string): boolean {
    const x = cidrRange(a);
    const y = cidrRange(b);
    return x.first <= y.last && y.first <= x.last;
}

function within(ip: string, cidr: string): boolean {
    const { first, last } = cidrRange(cidr);
    const v = cidrRange(`${ip}/32`).first;
    return v >= first && v <= last;
}

/** StaticRouteResponse. Revoke shows as it is (Mold prints the enum). */
function renderRoute(ctx: BaseContext, r: any): Record<string, any> {
    return { ...render(r), tags: tagsOf(ctx, TAG_TYPE, r.id) };
}

function queueRouteJob(ctx: CommandContext, cmdClass: string, completer: string, r: any, payload: Record<string, any>): string {
    return ctx.queueJob({ cmd: `${CMD_PKG}.${cmdClass}`, completer, instanceType: "StaticRoute", instanceId: r.id, syncObject: r.vpcid, payload });
}

const createStaticRoute: CommandSpec = {
    name: "createStaticRoute",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        const cidr = p.required("cidr");
        const gateway = p.entity<any>("gatewayid", table(ctx.state, PRIVATE_GATEWAYS));
        const vpcParam = p.entity<any>("vpcid", table(ctx.state, T.vpcs));
        const nexthop = p.str("nexthop");
        if (gateway && (vpcParam || nexthop !== undefined)) throw invalidParam("Only one of gatewayid, or (vpcid and nexthop) can be passed");
        if (!gateway && (!vpcParam || nexthop === undefined)) throw invalidParam("Either gatewayid, or (vpcid and nexthop) must be passed");
        if (gateway && gateway.state !== "Ready") throw invalidParam("Gateway is not in Ready state");
        const vpc = findVpc(ctx, gateway ? gateway.vpcid : vpcParam.id);
        if (!vpc) throw invalidParam("Can't add static route to VPC that is being deleted");
        if (!isIpv4Cidr(cidr)) throw invalidParam(`Invalid format for cidr ${cidr}`);
        if (overlap(vpc.cidr, cidr)) throw invalidParam(`CIDR should be outside of VPC cidr ${vpc.cidr}`);
        if (overlap(LINK_LOCAL, cidr)) throw invalidParam(`CIDR should be outside of link local cidr ${LINK_LOCAL}`);
        if (nexthop !== undefined) {
            if (!isIpv4(nexthop)) throw invalidParam(`Invalid next hop ${nexthop}`);
            // ours: the next hop must be reachable from the VPC router: inside a tier's or a private gateway's subnet.
            const tiers = Object.values(table(ctx.state, T.networks)).filter((n: any) => n.vpcid === vpc.id && n.cidr);
            const gws = Object.values(gatewayTable(ctx)).filter((g: any) => g.vpcid === vpc.id);
            const reachable = tiers.some((n: any) => within(nexthop, n.cidr)) || gws.some((g: any) => within(nexthop, g._cidr));
            if (!reachable) throw invalidParam(`Next hop ${nexthop} is not in the subnet of any tier or private gateway of vpc ${vpc.name}`);
        }
        // VpcManagerImpl.detectRoutesConflict: routes through one gateway (or of one VPC by next hop) must not overlap.
        for (const r of Object.values(routes(ctx)) as any[]) {
            if (r.state === "Revoke" || r.vpcid !== vpc.id) continue;
            if ((gateway ? r.gatewayid === gateway.id : r.nexthop !== undefined) && overlap(r.cidr, cidr)) {
                throw ruleConflict(`New static route cidr conflicts with existing static route ${r.cidr}`, false);
            }
        }
        const id = ctx.uuid();
        const row = {
            id,
            cidr,
            gatewayid: gateway?.id,
            nexthop,
            vpcid: vpc.id,
            ...ownerFields(ctx),
            state: "Add",
            _dbid: nextDbId(ctx),
        };
        routes(ctx)[id] = row;
        return { id, jobid: queueRouteJob(ctx, "CreateStaticRouteCmd", "createStaticRoute", row, { routeId: id }) };
    },
};

const listStaticRoutes: CommandSpec = {
    name: "listStaticRoutes",
    handle(ctx) {
        const p = ctx.params;
        const tags = tagFilter(ctx);
        const id = listIdFilter(ctx, "id", STATIC_ROUTES);
        const vpcid = listIdFilter(ctx, "vpcid", T.vpcs);
        const gatewayid = listIdFilter(ctx, "gatewayid", PRIVATE_GATEWAYS);
        const state = p.str("state");
        const items = Object.values(routes(ctx))
            .filter((r: any) => r.account === ctx.caller.name)
            .filter((r: any) => (!id || r.id === id) && (!vpcid || r.vpcid === vpcid) && (!gatewayid || r.gatewayid === gatewayid))
            .filter((r: any) => (!state || r.state === state) && matchesTagFilter(ctx, tags, TAG_TYPE, r.id))
            .map((r: any) => renderRoute(ctx, r));
        return { list: "staticroute", items };
    },
};

const deleteStaticRoute: CommandSpec = {
    name: "deleteStaticRoute",
    isAsync: true,
    handle(ctx) {
        const id = ctx.params.required("id");
        const r = routes(ctx)[id];
        if (!r) throw unknownUuid(ctx.cmdLower, "id", id);
        const previousState = r.state;
        r.state = "Revoke";
        return { jobid: queueRouteJob(ctx, "DeleteStaticRouteCmd", "deleteStaticRoute", r, { routeId: id, previousState }) };
    },
};

export const commands: CommandSpec[] = [createStaticRoute, listStaticRoutes, deleteStaticRoute];

function removeRoute(ctx: BaseContext, id: string): void {
    removeRow(ctx, STATIC_ROUTES, id);
    dropTags(ctx, TAG_TYPE, id);
}

export const jobs: Record<string, JobCompleter> = {
    createStaticRoute(ctx, job) {
        const r = routes(ctx)[job.payload.routeId];
        if (!r || r.state === "Revoke") throw jobFailure("Failed to create static route");
        r.state = "Active";
        ctx.event({ type: "STATIC.ROUTE.CREATE", description: `Creating static route ${r.cidr}`, resourceId: r.id, resourceType: "StaticRoute" });
        return { object: "staticroute", value: renderRoute(ctx, r) };
    },
    "createStaticRoute:failed"(ctx, job) {
        removeRoute(ctx, job.payload.routeId);
        return { success: true };
    },
    deleteStaticRoute(ctx, job) {
        const r = routes(ctx)[job.payload.routeId];
        if (r) removeRoute(ctx, r.id);
        ctx.event({
            type: "STATIC.ROUTE.DELETE",
            description: `Deleting static route ${job.payload.routeId}`,
            resourceId: job.payload.routeId,
            resourceType: "StaticRoute",
        });
        return { success: true };
    },
    "deleteStaticRoute:failed"(ctx, job) {
        const r = routes(ctx)[job.payload.routeId];
        if (r) r.state = job.payload.previousState;
        return { success: true };
    },
};
