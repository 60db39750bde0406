// mold:index:PrivateGateway — a VPC's private gateway (createPrivateGateway): the VPC router's address on a private
// network, the hop static routes go through. Only aclList changes in place (replaceNetworkACLList gatewayid).
//
// Ownership: Mold cannot tag private gateways. A gateway is ours by the id recorded at create (or adoption):
// delete goes by that id only. Mold refuses to delete one static routes still use; its text is passed on.
import { pickOne } from "../client/catalog";
import type { MoldClient } from "../client/client";
import { listNetworkAclLists, NetworkAclList, replaceNetworkAclList } from "../client/network-acl";
import { createPrivateGateway, deletePrivateGateway, getPrivateGateway, listPrivateGateways, PrivateGateway } from "../client/private-gateway";
import { getVpc, listVpcs, Vpc } from "../client/vpc";
import { privateGatewaySchema } from "../generated/schema";
import type { PrivateGatewayInputs, PrivateGatewayOutputs } from "../generated/types";
import { isValidCidr } from "../net/cidr";
import { findNetwork } from "../runtime/common";
import type { Reported, ResourceDefinition } from "../runtime/hooks";
import { changeIdempotent, createOnce, deleteConfirmed, waitFor } from "../runtime/reconcile";
import { Validator } from "../runtime/validate";
import { lookupFailures } from "./check-names";

const KIND = "PrivateGateway";

/** A VPC by id or name; unknown or ambiguous names fail with the candidates. */
export async function findVpc(client: MoldClient, nameOrId: string): Promise<Vpc> {
    const byId = await getVpc(client, nameOrId);
    if (byId) return byId;
    return pickOne("VPC", nameOrId, await listVpcs(client));
}

/** An ACL list usable in the VPC by id or name: one of the VPC's own, or a default list (no vpcid). */
async function findAclList(client: MoldClient, nameOrId: string, vpcId: string): Promise<NetworkAclList> {
    const usable = (await listNetworkAclLists(client)).filter((l) => !l.vpcid || l.vpcid === vpcId);
    return pickOne("network ACL list", nameOrId, usable);
}

function outputsOf(g: PrivateGateway): Reported<PrivateGatewayInputs, PrivateGatewayOutputs> {
    return {
        vpcId: g.vpcid,
        aclId: g.aclid ?? "",
        aclName: g.aclname ?? "",
        associatedNetworkId: g.associatednetworkid ?? "",
        state: g.state,
    };
}

/** Canonical inputs: the VPC and the ACL list as their ids when they name the ones in the old outputs. */
function normalize(p: Partial<PrivateGatewayInputs>, olds: Partial<PrivateGatewayOutputs>): Partial<PrivateGatewayInputs> {
    const out = { ...p };
    if (olds.vpcId && p.vpc !== undefined && (p.vpc === olds.vpcId || p.vpc === olds.vpc)) out.vpc = olds.vpcId;
    if (olds.aclId && p.aclList !== undefined && (p.aclList === olds.aclId || p.aclList === olds.aclName)) out.aclList = olds.aclId;
    return out;
}

function ipToInt(ip: string): number {
    return ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

export const privateGateway: ResourceDefinition<PrivateGatewayInputs, PrivateGatewayOutputs> = {
    kind: KIND,
    inputs: privateGatewaySchema.inputs,
    replaceOnChanges: privateGatewaySchema.replaceOnChanges,
    handles: {
        vpc: "createPrivateGateway vpcid (found by name or id)",
        ipAddress: "createPrivateGateway ipaddress",
        gateway: "createPrivateGateway gateway",
        netmask: "createPrivateGateway netmask",
        vlan: "createPrivateGateway vlan",
        associatedNetwork: "createPrivateGateway associatednetworkid (found by name or id)",
        aclList: "createPrivateGateway aclid (found by name or id); update: replaceNetworkACLList gatewayid",
        sourceNatSupported: "createPrivateGateway sourcenatsupported",
    },
    normalize,

    check(news) {
        const v = new Validator(KIND);
        v.string("vpc", news.vpc, { required: true });
        v.ipv4("ipAddress", news.ipAddress);
        if (news.ipAddress === undefined) v.fail("ipAddress", "is required");
        v.string("gateway", news.gateway, { required: true });
        v.string("netmask", news.netmask, { required: true });
        const before = v.failures.length;
        if (news.gateway !== undefined && news.netmask !== undefined) v.subnet("gateway", news.gateway, "netmask", news.netmask);
        const [ip, gw, mask] = [news.ipAddress, news.gateway, news.netmask];
        if (v.failures.length === before && [ip, gw, mask].every((x) => typeof x === "string" && v.known(x)) && isValidCidr(`${ip}/32`)) {
            const m = ipToInt(mask as string);
            const net = ipToInt(gw as string) & m;
            const addr = ipToInt(ip as string);
            const broadcast = (net | (~m >>> 0)) >>> 0;
            if ((addr & m) >>> 0 !== net >>> 0) v.fail("ipAddress", `${ip} is not in the gateway's subnet (${gw}/${mask})`);
            else if (addr === ipToInt(gw as string)) v.fail("ipAddress", `must differ from the gateway ${gw}: it is the VPC router's own address`);
            else if (addr === net >>> 0 || addr === broadcast) v.fail("ipAddress", `${ip} is the subnet's network or broadcast address`);
        }
        v.string("vlan", news.vlan);
        v.string("associatedNetwork", news.associatedNetwork);
        if (v.known(news.vlan) && v.known(news.associatedNetwork)) {
            if (news.vlan === undefined && news.associatedNetwork === undefined)
                v.fail("vlan", "or associatedNetwork is required: Mold needs the private network");
            else if (news.vlan !== undefined && news.associatedNetwork !== undefined) v.fail("vlan", "and associatedNetwork exclude each other: give one");
        }
        v.string("aclList", news.aclList);
        return { inputs: news, failures: v.failures };
    },

    checkInMold: (ctx, inputs) =>
        lookupFailures(ctx, KIND, [
            { property: "vpc", value: inputs.vpc, find: findVpc },
            { property: "associatedNetwork", value: inputs.associatedNetwork, find: findNetwork },
        ]),

    async create(ctx, inputs) {
        const client = ctx.client();
        const vpc = await findVpc(client, inputs.vpc);
        const associatednetworkid = inputs.associatedNetwork !== undefined ? (await findNetwork(client, inputs.associatedNetwork)).id : undefined;
        const aclid = inputs.aclList !== undefined ? (await findAclList(client, inputs.aclList, vpc.id)).id : undefined;
        // After a lost answer: Mold keeps one gateway per address in a VPC, so one with this address is ours.
        const find = () =>
            waitFor(async () => {
                const g = (await listPrivateGateways(client, { vpcid: vpc.id, ipaddress: inputs.ipAddress })).find((x) => x.ipaddress === inputs.ipAddress);
                return { done: !g || g.state !== "Creating", value: g };
            });
        const made = await createOnce(
            () =>
                createPrivateGateway(client, {
                    vpcid: vpc.id,
                    gateway: inputs.gateway,
                    netmask: inputs.netmask,
                    ipaddress: inputs.ipAddress,
                    vlan: inputs.vlan,
                    associatednetworkid,
                    aclid,
                    sourcenatsupported: inputs.sourceNatSupported,
                }),
            find,
        );
        return { id: made.id, outs: outputsOf(made) };
    },

    async read(ctx, id, olds) {
        const g = await getPrivateGateway(ctx.client(), id);
        if (!g) return undefined;
        return {
            outs: outputsOf(g),
            inputs: {
                vpc: g.vpcid,
                ipAddress: g.ipaddress,
                gateway: g.gateway,
                netmask: g.netmask,
                // Left out means Mold's default list: only a declared list is compared.
                ...(olds.aclList !== undefined ? { aclList: g.aclid } : {}),
                ...(g.sourcenatsupported !== undefined && olds.sourceNatSupported !== undefined ? { sourceNatSupported: g.sourcenatsupported } : {}),
            },
        };
    },

    async update(ctx, id, olds, news) {
        const client = ctx.client();
        let g = await getPrivateGateway(client, id);
        if (!g) throw new Error(`private gateway ${id} no longer exists in Mold; run refresh`);
        // A list no longer declared goes back to Mold's default for gateways.
        const wanted = news.aclList ?? (olds.aclList !== undefined ? "default_deny" : undefined);
        if (wanted !== undefined) {
            const list = await findAclList(client, wanted, g.vpcid);
            if (list.id !== g.aclid) {
                await changeIdempotent(() => replaceNetworkAclList(client, { gatewayid: id }, list.id));
                g = (await getPrivateGateway(client, id)) ?? g;
            }
        }
        return outputsOf(g);
    },

    async delete(ctx, id) {
        const client = ctx.client();
        if (!(await getPrivateGateway(client, id))) return;
        await deleteConfirmed(
            () => deletePrivateGateway(client, id),
            async () => (await getPrivateGateway(client, id)) !== undefined,
        );
    },
};
