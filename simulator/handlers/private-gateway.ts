// VPC private gateways (VpcManagerImpl.createVpcPrivateGateway / deleteVpcPrivateGateway): a VPC router's leg on a
// private network (a VLAN an administrator gives, or an existing network), the hop static routes use. Mold cannot
// tag them. Mirrors provider/client/private-gateway.ts. The table name is a contract with network-acl.ts
// (replaceNetworkACLList gatewayid) and static-route.ts; rows go with their VPC (VPC_OWNED_TABLES).
//
// Texts not in the reference docs (mold-api-network.md has no private-gateway section) follow VpcManagerImpl as
// far as known; the ones marked "ours" are the simulator's own wording of a rule Mold enforces.
import { ApiError, invalidParam, unknownUuid } from "../errors";
import { listIdFilter, removeRow } from "../gone";
import { matchesKeyword, ownerFields, render, T } from "../model";
import { cidrRange, intToIp, isIpv4, netmaskToPrefix } from "../records/cidr";
import { table } from "../state";
import type { BaseContext, CommandContext, CommandSpec, JobCompleter } from "../types";
import { aclList, aclListUsableIn, defaultAclList } from "./network-acl";
import { jobFailure, nextDbId } from "./rules-common";
import { findVpc, VPC_OWNED_TABLES } from "./vpc";

export const PRIVATE_GATEWAYS = "privateGateways";
VPC_OWNED_TABLES.push(PRIVATE_GATEWAYS);

/** The static-route table (static-route.ts owns it): a gateway with live routes cannot be deleted. */
const STATIC_ROUTES = "staticRoutes";

const CMD_PKG = "org.apache.cloudstack.api.command.user.vpc";

export function gatewayTable(ctx: BaseContext): Record<string, any> {
    return table(ctx.state, PRIVATE_GATEWAYS);
}

/** PrivateGatewayResponse: the ACL list's name resolved now (it may have been replaced). */
export function renderGateway(ctx: BaseContext, g: any): Record<string, any> {
    const list = aclList(ctx, g.aclid);
    const vpc = findVpc(ctx, g.vpcid);
    return { ...render(g), aclname: list?.name, vpcname: vpc?.name ?? g.vpcname };
}

function queueGatewayJob(ctx: CommandContext, cmdClass: string, completer: string, g: any, payload: Record<string, any>): string {
    return ctx.queueJob({ cmd: `${CMD_PKG}.${cmdClass}`, completer, instanceType: "PrivateGateway", instanceId: g.id, syncObject: g.vpcid, payload });
}

/** The gateway's subnet as a CIDR, or undefined when gateway/netmask do not make one. */
function subnetOf(gateway: string, netmask: string): string | undefined {
    const prefix = netmaskToPrefix(netmask);
    if (prefix === undefined || !isIpv4(gateway)) return undefined;
    return `${intToIp(cidrRange(`${gateway}/${prefix}`).first)}/${prefix}`;
}

const createPrivateGateway: CommandSpec = {
    name: "createPrivateGateway",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        const vpc = p.entity<any>("vpcid", table(ctx.state, T.vpcs), true)!;
        const gateway = p.required("gateway");
        const ipaddress = p.required("ipaddress");
        const netmask = p.required("netmask");
        const vlan = p.str("vlan");
        const associated = p.entity<any>("associatednetworkid", table(ctx.state, T.networks));
        const list = p.entity<any>("aclid", table(ctx.state, T.networkAclLists));
        const sourceNat = p.bool("sourcenatsupported") ?? false;
        // ours: Mold needs one of the two to find the private network.
        if (vlan === undefined && !associated) throw invalidParam("Either vlan or associatednetworkid must be specified for a private gateway");
        if (vlan !== undefined && associated) throw invalidParam("vlan and associatednetworkid are mutually exclusive");
        // Giving the VLAN is an administrator's (CreatePrivateGatewayByAdminCmd); users name an existing network. ours: the text.
        if (vlan !== undefined && ctx.caller.roletype !== "Admin") throw new ApiError(531, "Only root admin can specify vlan for a private gateway", 4365);
        const cidr = subnetOf(gateway, netmask);
        if (!cidr) throw invalidParam("Invalid gateway or netmask specified");
        if (!isIpv4(ipaddress)) throw invalidParam(`Invalid ip address ${ipaddress}`);
        const { first, last } = cidrRange(cidr);
        const ipInt = cidrRange(`${ipaddress}/32`).first;
        if (ipInt <= first || ipInt >= last) throw invalidParam(`The ip address ${ipaddress} is not in the private gateway's subnet ${cidr}`);
        if (ipaddress === gateway) throw invalidParam("The private gateway's ip address can't be the gateway address");
        const inVpc = Object.values(gatewayTable(ctx)).filter((g: any) => g.vpcid === vpc.id);
        if (inVpc.some((g: any) => g.ipaddress === ipaddress)) {
            throw invalidParam(`Private ip address ${ipaddress} already used for private gateway in vpc ${vpc.name}`);
        }
        if (list && !aclListUsableIn(list, vpc.id)) throw invalidParam("Cannot use ACL list of another VPC for the private gateway");
        const acl = list ?? defaultAclList(ctx, "default_deny");
        const id = ctx.uuid();
        const row = {
            id,
            gateway,
            netmask,
            ipaddress,
            zoneid: vpc.zoneid,
            zonename: vpc.zonename,
            vlan: vlan ?? associated?.broadcasturi ?? "",
            vpcid: vpc.id,
            vpcname: vpc.name,
            physicalnetworkid: undefined,
            ...ownerFields(ctx),
            state: "Creating",
            sourcenatsupported: sourceNat,
            aclid: acl?.id,
            associatednetworkid: associated?.id,
            associatednetwork: associated?.name,
            _cidr: cidr,
            _dbid: nextDbId(ctx),
        };
        gatewayTable(ctx)[id] = row;
        return { id, jobid: queueGatewayJob(ctx, "CreatePrivateGatewayCmd", "createPrivateGateway", row, { gatewayId: id }) };
    },
};

const listPrivateGateways: CommandSpec = {
    name: "listPrivateGateways",
    handle(ctx) {
        const p = ctx.params;
        const id = listIdFilter(ctx, "id", PRIVATE_GATEWAYS);
        const vpcid = listIdFilter(ctx, "vpcid", T.vpcs);
        const ipaddress = p.str("ipaddress");
        const vlan = p.str("vlan");
        const state = p.str("state");
        const keyword = p.str("keyword");
        const items = Object.values(gatewayTable(ctx))
            .filter((g: any) => g.account === ctx.caller.name)
            .filter((g: any) => (!id || g.id === id) && (!vpcid || g.vpcid === vpcid) && (!ipaddress || g.ipaddress === ipaddress))
            .filter((g: any) => (!vlan || g.vlan === vlan) && (!state || g.state === state) && matchesKeyword(keyword, g.ipaddress))
            .map((g: any) => renderGateway(ctx, g));
        return { list: "privategateway", items };
    },
};

const deletePrivateGateway: CommandSpec = {
    name: "deletePrivateGateway",
    isAsync: true,
    handle(ctx) {
        const id = ctx.params.required("id");
        const g = gatewayTable(ctx)[id];
        if (!g) throw unknownUuid(ctx.cmdLower, "id", id);
        return { jobid: queueGatewayJob(ctx, "DeletePrivateGatewayCmd", "deletePrivateGateway", g, { gatewayId: id }) };
    },
};

export const commands: CommandSpec[] = [createPrivateGateway, listPrivateGateways, deletePrivateGateway];

export const jobs: Record<string, JobCompleter> = {
    createPrivateGateway(ctx, job) {
        const g = gatewayTable(ctx)[job.payload.gatewayId];
        if (!g) throw jobFailure("Failed to create private gateway");
        g.state = "Ready";
        ctx.event({ type: "PRIVATE.GATEWAY.CREATE", description: `Creating private gateway ${g.ipaddress}`, resourceId: g.id, resourceType: "PrivateGateway" });
        return { object: "privategateway", value: renderGateway(ctx, g) };
    },
    /** A failed create leaves no gateway behind. */
    "createPrivateGateway:failed"(ctx, job) {
        removeRow(ctx, PRIVATE_GATEWAYS, job.payload.gatewayId);
        return { success: true };
    },
    deletePrivateGateway(ctx, job) {
        const g = gatewayTable(ctx)[job.payload.gatewayId];
        if (!g) return { success: true };
        const routes = Object.values(table(ctx.state, STATIC_ROUTES)).filter((r: any) => r.gatewayid === g.id && r.state !== "Revoke");
        if (routes.length) {
            throw invalidParam(`Can't delete private gateway ${g.ipaddress} as it has static routes applied. Remove the routes first`);
        }
        removeRow(ctx, PRIVATE_GATEWAYS, g.id);
        ctx.event({ type: "PRIVATE.GATEWAY.DELETE", description: `Deleting private gateway ${g.ipaddress}`, resourceId: g.id, resourceType: "PrivateGateway" });
        return { success: true };
    },
};
