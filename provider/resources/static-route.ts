// mold:index:StaticRoute — a VPC static route (createStaticRoute): a CIDR outside the VPC through a private gateway,
// or to a next hop the VPC router reaches. Mold cannot change a route, so every input but tags replaces it; routes
// are tagged ("StaticRoute"), so ownership works as for rules.
import type { MoldClient } from "../client/client";
import { createStaticRoute, deleteStaticRoute, getStaticRoute, listStaticRoutes, StaticRoute } from "../client/static-route";
import { staticRouteSchema } from "../generated/schema";
import type { StaticRouteInputs, StaticRouteOutputs } from "../generated/types";
import { createTagged } from "../runtime/common";
import type { Reported, ResourceDefinition } from "../runtime/hooks";
import { waitFor } from "../runtime/reconcile";
import { currentTags, isOwned } from "../runtime/tags";
import { current, deleteOwned, ObjectKind, updateTags } from "../runtime/steps";
import { Validator } from "../runtime/validate";
import { lookupFailures } from "./check-names";
import { findVpc } from "./private-gateway";

const KIND = "StaticRoute";
const TAG_TYPE = "StaticRoute";

const ROUTE: ObjectKind<StaticRoute> = {
    what: "static route",
    tagType: TAG_TYPE,
    get: getStaticRoute,
    // Revoke: the delete is under way.
    gone: (r) => r.state === "Revoke",
};

function outputsOf(r: StaticRoute): Reported<StaticRouteInputs, StaticRouteOutputs> {
    return { vpcId: r.vpcid, gatewayId: r.gatewayid ?? "", state: r.state };
}

/** Canonical inputs: the VPC as its id when it names the one in the old outputs. */
function normalize(p: Partial<StaticRouteInputs>, olds: Partial<StaticRouteOutputs>): Partial<StaticRouteInputs> {
    const out = { ...p };
    if (olds.vpcId && p.vpc !== undefined && (p.vpc === olds.vpcId || p.vpc === olds.vpc)) out.vpc = olds.vpcId;
    return out;
}

async function vpcIdOf(client: MoldClient, vpc: string | undefined): Promise<string | undefined> {
    return vpc === undefined ? undefined : (await findVpc(client, vpc)).id;
}

export const staticRoute: ResourceDefinition<StaticRouteInputs, StaticRouteOutputs> = {
    kind: KIND,
    inputs: staticRouteSchema.inputs,
    replaceOnChanges: staticRouteSchema.replaceOnChanges,
    handles: {
        cidr: "createStaticRoute cidr",
        privateGateway: "createStaticRoute gatewayid",
        vpc: "createStaticRoute vpcid (found by name or id), with nextHop",
        nextHop: "createStaticRoute nexthop",
        tags: "createTags with the ownership tag; update: createTags/deleteTags",
    },
    normalize,

    check(news) {
        const v = new Validator(KIND);
        v.cidr("cidr", news.cidr, { required: true });
        if (typeof news.cidr === "string" && v.known(news.cidr) && /^169\.254\./.test(news.cidr)) {
            v.fail("cidr", "must lie outside link-local 169.254.0.0/16 (Mold keeps it for its routers)");
        }
        v.string("privateGateway", news.privateGateway);
        v.string("vpc", news.vpc);
        v.ipv4("nextHop", news.nextHop);
        const known = [news.privateGateway, news.vpc, news.nextHop].every((x) => v.known(x));
        if (known) {
            if (news.privateGateway !== undefined && (news.vpc !== undefined || news.nextHop !== undefined)) {
                v.fail("privateGateway", "excludes vpc and nextHop: a route goes through a private gateway or to a next hop");
            } else if (news.privateGateway === undefined && news.nextHop === undefined) {
                v.fail("privateGateway", "or nextHop is required: where the route goes");
            } else if (news.privateGateway === undefined && news.vpc === undefined) {
                v.fail("vpc", "is needed with nextHop: the VPC whose router uses the route");
            }
        }
        v.tags("tags", news.tags);
        return { inputs: news, failures: v.failures };
    },

    checkInMold: (ctx, inputs) => lookupFailures(ctx, KIND, [{ property: "vpc", value: inputs.vpc, find: findVpc }]),

    async create(ctx, inputs) {
        const client = ctx.client();
        const vpcid = await vpcIdOf(client, inputs.vpc);
        const args =
            inputs.privateGateway !== undefined
                ? { cidr: inputs.cidr, gatewayid: inputs.privateGateway }
                : { cidr: inputs.cidr, vpcid: vpcid!, nexthop: inputs.nextHop! };
        // After a lost answer: Mold refuses overlapping routes on one gateway (or next hops of one VPC), so an
        // untagged route with this CIDR and target is the one just made.
        const find = () =>
            waitFor(async () => {
                const filter = inputs.privateGateway !== undefined ? { gatewayid: inputs.privateGateway } : { vpcid };
                const r = (await listStaticRoutes(client, filter))
                    .filter((x) => !isOwned(x.tags) && x.cidr === inputs.cidr && (inputs.nextHop === undefined || x.nexthop === inputs.nextHop))
                    .pop();
                return { done: !r || r.state !== "Add", value: r };
            });
        return createTagged(client, TAG_TYPE, inputs, () => createStaticRoute(client, args), outputsOf, find);
    },

    async read(ctx, id, olds) {
        const r = await current(ctx.client(), ROUTE, id);
        if (!r) return undefined;
        return {
            outs: outputsOf(r),
            inputs: {
                cidr: r.cidr,
                ...(r.gatewayid ? { privateGateway: r.gatewayid } : { vpc: r.vpcid, nextHop: r.nexthop }),
                tags: currentTags(olds.tags, r.tags),
            },
        };
    },

    update: (ctx, id, olds, news) => updateTags(ctx, ROUTE, id, olds, news, outputsOf),

    delete: (ctx, id, olds) => deleteOwned(ctx, ROUTE, id, olds, (client) => deleteStaticRoute(client, id)),
};
