// Network ACL lists and their items on VPC tiers (NetworkACLServiceImpl / NetworkACLManagerImpl), and
// replaceNetworkACLList. Mirrors provider/client/network-acl.ts. The checks themselves are in
// records/network-acl.ts. Create commands are async-create (the row is checked and stored at once, the job
// applies it); update, delete and replace are plain async commands, so their refusals are job failures.
import { ApiError, internalError, invalidParam, unknownUuid } from "../errors";
import { listIdFilter } from "../gone";
import { dropTags, matchesKeyword, matchesTagFilter, T, tagFilter, tagsOf } from "../model";
import {
    AclItemFields,
    DEFAULT_ACL_LISTS,
    isDefaultAclList,
    nextNumber,
    numberTaken,
    parseAction,
    parseProtocol,
    parseTrafficType,
    renderAclItem,
    renderAclList,
    validateAclItem,
} from "../records/network-acl";
import { table } from "../state";
import type { BaseContext, CommandContext, CommandSpec, JobCompleter } from "../types";
import { cidrListParam, nextDbId } from "./rules-common";

const CMD_PKG = "org.apache.cloudstack.api.command.user.network";
/** Tag resource type of ACL items (lists cannot be tagged). */
export const ACL_ITEM_TAG_TYPE = "NetworkACL";
const ANYWHERE = "0.0.0.0/0";

/** Seeds Mold's two default lists and their rules once (a persisted state may already have them). */
export function seedDefaultAclLists(ctx: BaseContext): void {
    const lists = table(ctx.state, T.networkAclLists);
    if (Object.values(lists).some((l: any) => isDefaultAclList(l))) return;
    DEFAULT_ACL_LISTS.forEach((d, i) => {
        const id = ctx.uuid();
        lists[id] = { id, name: d.name, description: d.description, fordisplay: true, _default: true, _dbid: i + 1 };
        (["Ingress", "Egress"] as const).forEach((traffictype, n) => {
            const itemId = ctx.uuid();
            table(ctx.state, T.networkAcls)[itemId] = {
                id: itemId,
                aclid: id,
                number: n + 1,
                action: d.action,
                traffictype,
                protocol: "all",
                _cidrs: [ANYWHERE],
                state: "Active",
                fordisplay: true,
                _dbid: nextDbId(ctx),
            };
        });
    });
}

/** A list by id (undefined when none); for the VPC tier code (createNetwork aclid). */
export function aclList(ctx: BaseContext, id: string): any | undefined {
    return table(ctx.state, T.networkAclLists)[id];
}

/** The default list with that name ("default_allow" / "default_deny"). */
export function defaultAclList(ctx: BaseContext, name: string): any | undefined {
    return Object.values(table(ctx.state, T.networkAclLists)).find((l: any) => isDefaultAclList(l) && l.name === name);
}

/** Whether a list may be used by a tier of that VPC: a default list, or one of the VPC's own. */
export function aclListUsableIn(list: any, vpcId: string): boolean {
    return isDefaultAclList(list) || list.vpcid === vpcId;
}

/** A VPC's own lists go with it (for the VPC delete). */
export function removeVpcAclLists(ctx: BaseContext, vpcId: string): void {
    for (const list of Object.values(table(ctx.state, T.networkAclLists)) as any[]) if (list.vpcid === vpcId) removeList(ctx, list.id);
}

function removeItem(ctx: BaseContext, id: string): void {
    delete table(ctx.state, T.networkAcls)[id];
    dropTags(ctx, ACL_ITEM_TAG_TYPE, id);
}

function removeList(ctx: BaseContext, id: string): void {
    for (const item of itemsOf(ctx, id)) removeItem(ctx, item.id);
    delete table(ctx.state, T.networkAclLists)[id];
}

export function itemsOf(ctx: BaseContext, aclId: string): any[] {
    return Object.values(table(ctx.state, T.networkAcls)).filter((i: any) => i.aclid === aclId);
}

function renderList(ctx: BaseContext, list: any): Record<string, any> {
    return renderAclList(list, list.vpcid ? table(ctx.state, T.vpcs)[list.vpcid] : undefined);
}

function renderItem(ctx: BaseContext, item: any): Record<string, any> {
    return renderAclItem(item, table(ctx.state, T.networkAclLists)[item.aclid], tagsOf(ctx, ACL_ITEM_TAG_TYPE, item.id));
}

/** validateNetworkAcl: items of a default list are Mold's own. */
function modifiable(list: any): void {
    if (isDefaultAclList(list)) throw invalidParam("Default ACL cannot be modified");
}

function queue(ctx: CommandContext, cmdClass: string, completer: string, syncObject: string, payload: Record<string, any>, instanceId?: string): string {
    const instance = instanceId ? { instanceType: "NetworkAcl", instanceId } : {};
    return ctx.queueJob({ cmd: `${CMD_PKG}.${cmdClass}`, completer, ...instance, syncObject, payload });
}

// ---- lists ----------------------------------------------------------------------------------------

const createNetworkACLList: CommandSpec = {
    name: "createNetworkACLList",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        const name = p.required("name");
        const vpc = p.entity<any>("vpcid", table(ctx.state, T.vpcs), true)!;
        const id = ctx.uuid();
        const list = { id, name, description: p.str("description"), vpcid: vpc.id, fordisplay: p.bool("fordisplay") ?? true, _dbid: nextDbId(ctx) };
        table(ctx.state, T.networkAclLists)[id] = list;
        return { id, jobid: queue(ctx, "CreateNetworkACLListCmd", "createNetworkACLList", vpc.id, { aclId: id }, id) };
    },
};

const listNetworkACLLists: CommandSpec = {
    name: "listNetworkACLLists",
    handle(ctx) {
        const p = ctx.params;
        const id = listIdFilter(ctx, "id", T.networkAclLists);
        const name = p.str("name");
        const keyword = p.str("keyword");
        const fordisplay = p.bool("fordisplay");
        const vpc = p.entity<any>("vpcid", table(ctx.state, T.vpcs));
        const network = p.entity<any>("networkid", table(ctx.state, T.networks));
        const items = Object.values(table(ctx.state, T.networkAclLists))
            .filter((l: any) => (!id || l.id === id) && (!name || l.name === name) && matchesKeyword(keyword, l.name, l.description))
            // The defaults belong to no VPC and are listed with every VPC's lists.
            .filter((l: any) => !vpc || isDefaultAclList(l) || l.vpcid === vpc.id)
            .filter((l: any) => !network || network.aclid === l.id)
            .filter((l: any) => fordisplay === undefined || l.fordisplay === fordisplay)
            .map((l: any) => renderList(ctx, l));
        return { list: "networkacllist", items };
    },
};

const updateNetworkACLList: CommandSpec = {
    name: "updateNetworkACLList",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        const list = p.entity<any>("id", table(ctx.state, T.networkAclLists), true)!;
        const changes = { name: p.str("name"), description: p.str("description"), fordisplay: p.bool("fordisplay") };
        // The recorded job names no instance (fixtures: NetworkACLService.json).
        return { jobid: queue(ctx, "UpdateNetworkACLListCmd", "updateNetworkACLList", list.vpcid ?? list.id, { aclId: list.id, changes }) };
    },
};

const deleteNetworkACLList: CommandSpec = {
    name: "deleteNetworkACLList",
    isAsync: true,
    handle(ctx) {
        const list = ctx.params.entity<any>("id", table(ctx.state, T.networkAclLists), true)!;
        return { jobid: queue(ctx, "DeleteNetworkACLListCmd", "deleteNetworkACLList", list.vpcid ?? list.id, { aclId: list.id }) };
    },
};

// ---- items ----------------------------------------------------------------------------------------

/** createAclListIfNeeded: the list named by aclid, else the list of the VPC tier named by networkid. */
function listForNewItem(ctx: CommandContext): any {
    const p = ctx.params;
    const list = p.entity<any>("aclid", table(ctx.state, T.networkAclLists));
    if (list) return list;
    const network = p.entity<any>("networkid", table(ctx.state, T.networks));
    if (!network) throw invalidParam("Cannot create Network ACL Item. ACL Id or network Id is required");
    if (!network.vpcid) throw invalidParam(`Network: ${network.id} does not belong to VPC`);
    const own = network.aclid ? table(ctx.state, T.networkAclLists)[network.aclid] : undefined;
    if (!own) throw invalidParam("Unable to find specified ACL.");
    return own;
}

/** The item fields a create or update sends; endport defaults to startport, icmp fields to -1 on icmp. */
function itemParams(ctx: CommandContext) {
    const p = ctx.params;
    const protocol = p.str("protocol");
    const startport = p.int("startport");
    const endport = p.int("endport") ?? startport;
    const cidrs = cidrListParam(ctx, "cidrlist");
    return {
        protocol: protocol === undefined ? undefined : parseProtocol(protocol),
        startport,
        endport,
        cidrs: cidrs.length ? cidrs : undefined,
        icmptype: p.int("icmptype"),
        icmpcode: p.int("icmpcode"),
        number: p.int("number"),
        action: p.str("action"),
        traffictype: p.str("traffictype"),
        reason: p.str("reason"),
        fordisplay: p.bool("fordisplay"),
    };
}

const createNetworkACL: CommandSpec = {
    name: "createNetworkACL",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        const given = itemParams(ctx);
        const protocol = parseProtocol(p.required("protocol"));
        const list = listForNewItem(ctx);
        modifiable(list);
        const siblings = itemsOf(ctx, list.id);
        if (given.number !== undefined && siblings.some((i) => i.number === given.number)) throw numberTaken(given.number, list.id);
        const action = parseAction(given.action);
        const icmp = protocol.toLowerCase() === "icmp";
        const fields: AclItemFields = {
            number: given.number ?? nextNumber(siblings.map((i) => i.number)),
            action,
            traffictype: parseTrafficType(given.traffictype),
            protocol,
            startport: given.startport,
            endport: given.endport,
            cidrs: given.cidrs ?? [ANYWHERE],
            icmptype: given.icmptype ?? (icmp ? -1 : undefined),
            icmpcode: given.icmpcode ?? (icmp ? -1 : undefined),
            reason: given.reason,
        };
        validateAclItem(fields);
        const id = ctx.uuid();
        table(ctx.state, T.networkAcls)[id] = itemRecord(ctx, id, list.id, fields, given.fordisplay ?? true);
        return { id, jobid: queue(ctx, "CreateNetworkACLCmd", "createNetworkACL", list.id, { itemId: id }, id) };
    },
};

export function itemRecord(ctx: BaseContext, id: string, aclid: string, f: AclItemFields, fordisplay: boolean): any {
    return {
        id,
        aclid,
        number: f.number,
        action: f.action,
        traffictype: f.traffictype,
        protocol: f.protocol,
        _startport: f.startport,
        _endport: f.endport,
        _cidrs: f.cidrs,
        icmptype: f.icmptype,
        icmpcode: f.icmpcode,
        reason: f.reason,
        state: "Add",
        fordisplay,
        _dbid: nextDbId(ctx),
    };
}

const listNetworkACLs: CommandSpec = {
    name: "listNetworkACLs",
    handle(ctx) {
        const p = ctx.params;
        const tags = tagFilter(ctx);
        const id = listIdFilter(ctx, "id", T.networkAcls);
        const list = p.entity<any>("aclid", table(ctx.state, T.networkAclLists));
        const network = p.entity<any>("networkid", table(ctx.state, T.networks));
        const traffictype = p.str("traffictype")?.toLowerCase();
        const action = p.str("action")?.toLowerCase();
        const protocol = p.str("protocol")?.toLowerCase();
        const keyword = p.str("keyword");
        const items = Object.values(table(ctx.state, T.networkAcls))
            .filter((i: any) => (!id || i.id === id) && (!list || i.aclid === list.id) && (!network || i.aclid === network.aclid))
            .filter((i: any) => (!traffictype || i.traffictype.toLowerCase() === traffictype) && (!action || i.action.toLowerCase() === action))
            .filter((i: any) => (!protocol || i.protocol.toLowerCase() === protocol) && matchesKeyword(keyword, i.protocol, i.reason))
            .filter((i: any) => matchesTagFilter(ctx, tags, ACL_ITEM_TAG_TYPE, i.id))
            .sort((a: any, b: any) => a.number - b.number)
            .map((i: any) => renderItem(ctx, i));
        return { list: "networkacl", items };
    },
};

const updateNetworkACLItem: CommandSpec = {
    name: "updateNetworkACLItem",
    isAsync: true,
    handle(ctx) {
        const item = ctx.params.entity<any>("id", table(ctx.state, T.networkAcls), true)!;
        const changes = itemParams(ctx);
        const partial = ctx.params.bool("partialupgrade") ?? true;
        return { jobid: queue(ctx, "UpdateNetworkACLItemCmd", "updateNetworkACLItem", item.aclid, { itemId: item.id, changes, partial }, item.id) };
    },
};

/**
 * transferDataToNetworkAclRulePojo: with partialupgrade (the default) only the fields sent change; without it
 * every field is set from the request, so one not sent is cleared (CIDRs and action fall back to Mold's defaults).
 */
function updatedFields(item: any, c: ReturnType<typeof itemParams>, partial: boolean): AclItemFields {
    const pick = <V>(sent: V | undefined, old: V): V | undefined => (sent !== undefined || !partial ? sent : old);
    return {
        number: c.number ?? item.number,
        action: c.action !== undefined ? parseAction(c.action) : partial ? item.action : "Allow",
        traffictype: c.traffictype !== undefined ? parseTrafficType(c.traffictype) : item.traffictype,
        protocol: c.protocol ?? item.protocol,
        startport: pick(c.startport, item._startport),
        endport: pick(c.endport, item._endport),
        cidrs: c.cidrs ?? (partial ? item._cidrs : [ANYWHERE]),
        icmptype: pick(c.icmptype, item.icmptype),
        icmpcode: pick(c.icmpcode, item.icmpcode),
        reason: pick(c.reason, item.reason),
    };
}

const deleteNetworkACL: CommandSpec = {
    name: "deleteNetworkACL",
    isAsync: true,
    handle(ctx) {
        const item = ctx.params.entity<any>("id", table(ctx.state, T.networkAcls), true)!;
        const previousState = item.state;
        item.state = "Revoke";
        return { jobid: queue(ctx, "DeleteNetworkACLCmd", "deleteNetworkACL", item.aclid, { itemId: item.id, previousState }) };
    },
};

// ---- tiers --------------------------------------------------------------------------------------

/** The private gateway table (handlers/private-gateway.ts owns it). */
const PRIVATE_GATEWAYS = "privateGateways";

const replaceNetworkACLList: CommandSpec = {
    name: "replaceNetworkACLList",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        const list = p.entity<any>("aclid", table(ctx.state, T.networkAclLists), true)!;
        const network = p.entity<any>("networkid", table(ctx.state, T.networks));
        const gateway = p.entity<any>("gatewayid", table(ctx.state, PRIVATE_GATEWAYS));
        const target = network ?? gateway;
        const payload = { aclId: list.id, networkId: network?.id, gatewayId: gateway?.id };
        return { jobid: queue(ctx, "ReplaceNetworkACLListCmd", "replaceNetworkACLList", target?.id ?? list.id, payload) };
    },
};

function replaceOnTier(ctx: BaseContext, list: any, network: any): void {
    if (!network.vpcid) throw invalidParam(`Network is not part of a VPC: ${network.id}`);
    if (!isDefaultAclList(list)) {
        if (!table(ctx.state, T.vpcs)[list.vpcid]) throw invalidParam("Unable to find Vpc associated with the NetworkACL");
        if (network.vpcid !== list.vpcid) throw invalidParam(`Network: ${network._dbid} and ACL: ${list._dbid} do not belong to the same VPC`);
    }
    network.aclid = list.id;
    network.aclname = list.name;
}

export const commands: CommandSpec[] = [
    createNetworkACLList,
    listNetworkACLLists,
    updateNetworkACLList,
    deleteNetworkACLList,
    createNetworkACL,
    listNetworkACLs,
    updateNetworkACLItem,
    deleteNetworkACL,
    replaceNetworkACLList,
];

function liveList(ctx: BaseContext, id: string): any {
    const list = table(ctx.state, T.networkAclLists)[id];
    if (!list) throw invalidParam("Unable to find specified ACL.");
    return list;
}

export const jobs: Record<string, JobCompleter> = {
    createNetworkACLList(ctx, job) {
        const list = liveList(ctx, job.payload.aclId);
        ctx.event({ type: "NETWORK.ACL.CREATE", description: `creating network acl list ${list.name}`, resourceId: list.id, resourceType: "NetworkAclList" });
        return { object: "networkacllist", value: renderList(ctx, list) };
    },
    "createNetworkACLList:failed"(ctx, job) {
        removeList(ctx, job.payload.aclId);
        return { success: true };
    },
    updateNetworkACLList(ctx, job) {
        const list = liveList(ctx, job.payload.aclId);
        modifiable(list);
        const c = job.payload.changes;
        if (c.name !== undefined) list.name = c.name;
        if (c.description !== undefined) list.description = c.description;
        if (c.fordisplay !== undefined) list.fordisplay = c.fordisplay;
        for (const n of Object.values(table(ctx.state, T.networks)) as any[]) if (n.aclid === list.id) n.aclname = list.name;
        return { object: "networkacllist", value: renderList(ctx, list) };
    },
    deleteNetworkACLList(ctx, job) {
        const list = table(ctx.state, T.networkAclLists)[job.payload.aclId];
        if (!list) throw invalidParam("Unable to find specified ACL.");
        if (isDefaultAclList(list)) throw invalidParam("Default ACL cannot be removed");
        const tiers = Object.values(table(ctx.state, T.networks)).filter((n: any) => n.aclid === list.id).length;
        if (tiers > 0) throw internalError(`ACL is still associated with ${tiers} tier(s). Cannot delete network ACL: ${list.id}`);
        const gateways = Object.values(table(ctx.state, PRIVATE_GATEWAYS)).filter((g: any) => g.aclid === list.id).length;
        if (gateways > 0) {
            throw internalError(`ACL: ${list.id} is still associated with ${gateways} private gateway(s). Cannot delete network ACL: ${list.id}`);
        }
        removeList(ctx, list.id);
        ctx.event({ type: "NETWORK.ACL.DELETE", description: `Deleting Network ACL id=${list.id}`, resourceId: list.id, resourceType: "NetworkAclList" });
        return { success: true };
    },
    createNetworkACL(ctx, job) {
        const item = table(ctx.state, T.networkAcls)[job.payload.itemId];
        if (!item || item.state === "Revoke") throw new ApiError(530, "Failed to create network ACL item", 4250);
        item.state = "Active";
        ctx.event({ type: "NETWORK.ACL.ITEM.CREATE", description: `Applying Network ACL Item id=${item.id}`, resourceId: item.id, resourceType: "NetworkAcl" });
        return { object: "networkacl", value: renderItem(ctx, item) };
    },
    /** Mold removes an item whose apply failed. */
    "createNetworkACL:failed"(ctx, job) {
        removeItem(ctx, job.payload.itemId);
        return { success: true };
    },
    updateNetworkACLItem(ctx, job) {
        const item = table(ctx.state, T.networkAcls)[job.payload.itemId];
        if (!item) throw invalidParam(`Unable to find ACL rule with ID [${job.payload.itemId}]`);
        const list = liveList(ctx, item.aclid);
        modifiable(list);
        const fields = updatedFields(item, job.payload.changes, job.payload.partial);
        if (itemsOf(ctx, list.id).some((i) => i.id !== item.id && i.number === fields.number)) throw numberTaken(fields.number, list.id);
        validateAclItem(fields);
        Object.assign(item, itemRecord(ctx, item.id, list.id, fields, job.payload.changes.fordisplay ?? item.fordisplay), {
            state: item.state,
            _dbid: item._dbid,
        });
        ctx.event({ type: "NETWORK.ACL.ITEM.UPDATE", description: `Updating Network ACL Item id=${item.id}`, resourceId: item.id, resourceType: "NetworkAcl" });
        return { object: "networkacl", value: renderItem(ctx, item) };
    },
    deleteNetworkACL(ctx, job) {
        const item = table(ctx.state, T.networkAcls)[job.payload.itemId];
        if (!item) return { success: true };
        if (isDefaultAclList(table(ctx.state, T.networkAclLists)[item.aclid])) throw invalidParam("ACL Items in default ACL cannot be deleted");
        removeItem(ctx, item.id);
        ctx.event({ type: "NETWORK.ACL.ITEM.DELETE", description: `Deleting Network ACL Item id=${item.id}`, resourceId: item.id, resourceType: "NetworkAcl" });
        return { success: true };
    },
    "deleteNetworkACL:failed"(ctx, job) {
        const item = table(ctx.state, T.networkAcls)[job.payload.itemId];
        if (item) item.state = job.payload.previousState;
        return { success: true };
    },
    replaceNetworkACLList(ctx, job) {
        const { aclId, networkId, gatewayId } = job.payload;
        if (networkId && gatewayId) throw invalidParam("Network ID and private gateway can't be passed at the same time");
        if (!networkId && !gatewayId) throw invalidParam("Network ID and private gateway can't be null at the same time");
        const list = liveList(ctx, aclId);
        if (networkId) {
            const network = table(ctx.state, T.networks)[networkId];
            if (!network) throw invalidParam("Unable to find specified Network");
            replaceOnTier(ctx, list, network);
        } else {
            const gateway = table(ctx.state, PRIVATE_GATEWAYS)[gatewayId];
            if (!gateway) throw unknownUuid("replacenetworkacllist", "gatewayid", gatewayId);
            gateway.aclid = list.id;
        }
        ctx.event({ type: "NETWORK.ACL.REPLACE", description: `Replacing ACL ${list.id}`, resourceId: networkId ?? gatewayId, resourceType: "Network" });
        return { success: true };
    },
};
