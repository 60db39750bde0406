// VPCs and VPC offerings (VpcManagerImpl). Mirrors provider/client/vpc.ts.
// A VPC has one virtual router and one source-NAT public IP (both made when the VPC starts: at createVPC
// unless start=false, else when its first tier is implemented); its tiers are networks with `vpcid`
// (handlers/network.ts asks checkTier below). Exported internals are a CONTRACT for network.ts, address.ts
// and the ACL / NAT / private-gateway handlers: keep their names and signatures.
import { ApiError, invalidParam } from "../errors";
import { listIdFilter, removedRow, removeRow } from "../gone";
import { dropTags, matchesKeyword, matchesTagFilter, ownerFields, render, T, tagFilter, tagsOf } from "../model";
import { checkNetworkDomain } from "../records/network";
import { checkNewTier, checkVpcCidr, VPC_TIER_NETWORK_OFFERING, VPC_TIER_SERVICES, vpcLabel, vpcOfferingRows } from "../records/vpc";
import { table } from "../state";
import type { BaseContext, CommandContext, CommandSpec, JobCompleter } from "../types";
import { allocateIpRecord, ipTable, releaseIpRecord } from "./address";
import { removeVpcAclLists } from "./network-acl";
import { jobFailure, nextDbId } from "./rules-common";

const CMD_PKG = "org.apache.cloudstack.api.command.user.vpc";
/** Mold's default domain: "cs" + hex(account db id) + guest.domain.suffix, as for isolated networks. */
const DEFAULT_NETWORK_DOMAIN = "cs2cloud.internal";
/** vpc.max.networks: how many tiers one VPC may have. */
const DEFAULT_MAX_TIERS = 3;

/**
 * Tables whose rows belong to a VPC through their `vpcid` field and go with it when the VPC is deleted
 * (VpcManagerImpl.cleanupVpcResources: private gateways, static routes). Handlers of those concepts add
 * their table names here at load time. ACL lists go through removeVpcAclLists (their items with them).
 */
export const VPC_OWNED_TABLES: string[] = [];

export function vpcTable(ctx: BaseContext): Record<string, any> {
    return table(ctx.state, T.vpcs);
}

/** The VPC, or undefined (removed or never existed). */
export function findVpc(ctx: BaseContext, vpcId: string | undefined): any | undefined {
    return vpcId ? vpcTable(ctx)[vpcId] : undefined;
}

/** The VPC's tiers (its networks), in creation order. */
export function vpcTiers(ctx: BaseContext, vpcId: string): any[] {
    return Object.values(table(ctx.state, T.networks)).filter((n: any) => n.vpcid === vpcId);
}

/** The VPC's source-NAT public IP, if it has started. */
export function vpcSourceNatIp(ctx: BaseContext, vpcId: string): any | undefined {
    return Object.values(ipTable(ctx)).find((ip: any) => ip.vpcid === vpcId && ip.issourcenat === true && ip.state !== "Free");
}

/**
 * Seeds the VPC offerings and the stock tier network offering once (a state loaded from a file keeps its own).
 * `routerOfferingId`: the virtual router's system offering the network offerings point at.
 */
export function seedVpcOfferings(ctx: BaseContext, created: string, routerOfferingId: string): void {
    const rows = table(ctx.state, T.vpcOfferings);
    if (Object.keys(rows).length) return;
    for (const o of vpcOfferingRows(created, () => ctx.uuid())) rows[o.id] = o;
    const id = ctx.uuid();
    table(ctx.state, T.networkOfferings)[id] = {
        id,
        name: VPC_TIER_NETWORK_OFFERING,
        displaytext: "Offering for Isolated Vpc networks with Source Nat service enabled",
        traffictype: "Guest",
        isdefault: true,
        specifyvlan: false,
        conservemode: false,
        specifyipranges: false,
        availability: "Optional",
        networkrate: 200,
        state: "Enabled",
        serviceofferingid: routerOfferingId,
        guestiptype: "Isolated",
        service: VPC_TIER_SERVICES.map((s) => ({ name: s, provider: [{ name: "VpcVirtualRouter" }] })),
        forvpc: true,
        fornsx: false,
        ispersistent: false,
        supportsstrechedl2subnet: false,
        supportspublicaccess: false,
        supportsinternallb: false,
        created,
        hasannotations: false,
    };
}

/**
 * Tier rules for createNetwork with `vpcid` (VpcManagerImpl.validateNewVpcGuestNetwork): throws Mold's error.
 * `cidr` is the tier CIDR derived from gateway/netmask (undefined when they were not given).
 */
export function checkTier(ctx: BaseContext, vpc: any, t: { cidr?: string; gateway?: string; networkdomain?: string }): void {
    if (vpc.account !== ctx.caller.name) throw invalidParam(`VPC owner does not have access to account [${ctx.caller.name}].`);
    const maxNetworks = Number(ctx.settings["vpc.max.networks"] ?? DEFAULT_MAX_TIERS);
    const problem = checkNewTier(vpc, vpcTiers(ctx, vpc.id), { ...t, maxNetworks });
    if (problem) throw new ApiError(problem.status, problem.text, problem.status === 530 ? 4250 : 4350);
}

/**
 * Starts the VPC if it has not started: its virtual router comes up and takes a source-NAT public IP
 * (VpcManagerImpl.startVpc → the VPC router's implementation). Returns that IP.
 */
export function startVpc(ctx: BaseContext, vpcId: string): any {
    const vpc = findVpc(ctx, vpcId);
    if (!vpc) throw jobFailure(`Unable to find vpc by id ${vpcId}`);
    if (!vpc._router) {
        const dbid = nextDbId(ctx);
        vpc._router = { id: ctx.uuid(), name: `r-${dbid}-VM`, dbid };
        ctx.event({
            type: "ROUTER.CREATE",
            description: `Starting virtual router ${vpc._router.name} of ${vpc.name}`,
            resourceId: vpc.id,
            resourceType: "Vpc",
        });
    }
    const existing = vpcSourceNatIp(ctx, vpc.id);
    if (existing) return existing;
    const ip = allocateIpRecord(ctx, vpc.zoneid);
    Object.assign(ip, { issourcenat: true, state: "Allocated", vpcid: vpc.id, vpcname: vpc.name });
    ctx.event({ type: "NET.IPASSIGN", description: `Assigned source NAT IP ${ip.ipaddress} to ${vpc.name}`, resourceId: ip.id, resourceType: "IpAddress" });
    return ip;
}

function renderTier(ctx: BaseContext, n: any): Record<string, any> {
    return { ...render(n), tags: tagsOf(ctx, "Network", n.id) };
}

/** VpcResponse, with the tiers under `network` as listVPCs shows them. */
export function renderVpc(ctx: BaseContext, vpc: any): Record<string, any> {
    return { ...render(vpc), network: vpcTiers(ctx, vpc.id).map((n) => renderTier(ctx, n)), tags: tagsOf(ctx, "Vpc", vpc.id) };
}

function queueVpcJob(ctx: CommandContext, cmdClass: string, completer: string, vpc: any, payload: Record<string, any>): string {
    return ctx.queueJob({ cmd: `${CMD_PKG}.${cmdClass}`, completer, instanceType: "Vpc", instanceId: vpc.id, syncObject: vpc.id, payload });
}

/** The `id` of update/delete/restartVPC: a removed VPC's UUID still resolves, and then no active VPC is found. */
function vpcById(ctx: CommandContext, text: string): any {
    const id = ctx.params.required("id");
    if (removedRow(ctx, T.vpcs, id)) throw invalidParam(text);
    return ctx.params.entity<any>("id", vpcTable(ctx), true)!;
}

const listVPCOfferings: CommandSpec = {
    name: "listVPCOfferings",
    handle(ctx) {
        const p = ctx.params;
        const rows = table(ctx.state, T.vpcOfferings);
        const id = p.str("id");
        const name = p.str("name");
        const displaytext = p.str("displaytext");
        const isdefault = p.bool("isdefault");
        const state = p.str("state");
        const keyword = p.str("keyword");
        p.entity("zoneid", table(ctx.state, T.zones));
        const services = (p.list("supportedservices") ?? []).map((s) => s.toLowerCase());
        const items = Object.values(rows)
            .filter(
                (o: any) => (!id || o.id === id) && (!name || o.name.toLowerCase() === name.toLowerCase()) && (!displaytext || o.displaytext === displaytext),
            )
            .filter((o: any) => (isdefault === undefined || o.isdefault === isdefault) && (!state || o.state.toLowerCase() === state.toLowerCase()))
            .filter((o: any) => services.every((s) => o.service.some((x: any) => x.name.toLowerCase() === s)))
            .filter((o: any) => matchesKeyword(keyword, o.name, o.displaytext))
            .map((o: any) => render(o));
        return { list: "vpcoffering", items };
    },
};

const createVPC: CommandSpec = {
    name: "createVPC",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        const name = p.required("name");
        const displaytext = p.required("displaytext");
        const cidr = p.required("cidr");
        const zone = p.entity<any>("zoneid", table(ctx.state, T.zones), true)!;
        const offering = p.entity<any>("vpcofferingid", table(ctx.state, T.vpcOfferings), true)!;
        if (offering.state !== "Enabled") throw invalidParam("Unable to find vpc offering in Enabled state by specified id");
        checkVpcCidr(cidr);
        const networkdomain = p.str("networkdomain");
        checkNetworkDomain(networkdomain);
        const id = ctx.uuid();
        const vpc = {
            id,
            name,
            displaytext,
            state: "Enabled",
            zoneid: zone.id,
            zonename: zone.name,
            service: offering.service,
            cidr,
            vpcofferingid: offering.id,
            vpcofferingname: offering.name,
            created: ctx.timestamp(),
            ...ownerFields(ctx),
            restartrequired: false,
            networkdomain: networkdomain ?? DEFAULT_NETWORK_DOMAIN,
            fordisplay: p.bool("fordisplay") ?? true,
            distributedvpcrouter: false,
            regionlevelvpc: false,
            redundantvpcrouter: offering.redundantrouter === true,
            hasannotations: false,
            _dbid: nextDbId(ctx),
        };
        vpcTable(ctx)[id] = vpc;
        ctx.event({ type: "VPC.CREATE", description: `Creating VPC ${name}`, resourceId: id, resourceType: "Vpc" });
        const jobid = queueVpcJob(ctx, "CreateVPCCmd", "createVPC", vpc, { vpcId: id, start: p.bool("start") ?? true });
        return { id, jobid };
    },
};

const listVPCs: CommandSpec = {
    name: "listVPCs",
    handle(ctx) {
        const p = ctx.params;
        const tags = tagFilter(ctx);
        const id = listIdFilter(ctx, "id", T.vpcs);
        const name = p.str("name");
        const displaytext = p.str("displaytext");
        const cidr = p.str("cidr");
        const zoneid = p.str("zoneid");
        const offeringId = p.str("vpcofferingid");
        const state = p.str("state");
        const restartrequired = p.bool("restartrequired");
        const keyword = p.str("keyword");
        const services = (p.list("supportedservices") ?? []).map((s) => s.toLowerCase());
        const items = Object.values(vpcTable(ctx))
            .filter((v: any) => v.account === ctx.caller.name && (!id || v.id === id) && (!name || v.name === name) && (!zoneid || v.zoneid === zoneid))
            .filter(
                (v: any) => (!displaytext || v.displaytext === displaytext) && (!cidr || v.cidr === cidr) && (!offeringId || v.vpcofferingid === offeringId),
            )
            .filter(
                (v: any) =>
                    (!state || v.state.toLowerCase() === state.toLowerCase()) && (restartrequired === undefined || v.restartrequired === restartrequired),
            )
            .filter((v: any) => services.every((s) => v.service.some((x: any) => x.name.toLowerCase() === s)))
            .filter((v: any) => matchesKeyword(keyword, v.name, v.displaytext) && matchesTagFilter(ctx, tags, "Vpc", v.id))
            .map((v: any) => renderVpc(ctx, v));
        return { list: "vpc", items };
    },
};

const updateVPC: CommandSpec = {
    name: "updateVPC",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        const vpc = vpcById(ctx, "Unable to find vpc by id");
        const payload = { vpcId: vpc.id, name: p.str("name"), displaytext: p.str("displaytext"), fordisplay: p.bool("fordisplay") };
        return { jobid: queueVpcJob(ctx, "UpdateVPCCmd", "updateVPC", vpc, payload) };
    },
};

const deleteVPC: CommandSpec = {
    name: "deleteVPC",
    isAsync: true,
    handle(ctx) {
        const vpc = vpcById(ctx, "unable to find VPC id");
        return { jobid: queueVpcJob(ctx, "DeleteVPCCmd", "deleteVPC", vpc, { vpcId: vpc.id }) };
    },
};

const restartVPC: CommandSpec = {
    name: "restartVPC",
    isAsync: true,
    handle(ctx) {
        const vpc = vpcById(ctx, "Unable to find Enabled VPC by id specified");
        return { jobid: queueVpcJob(ctx, "RestartVPCCmd", "restartVPC", vpc, { vpcId: vpc.id }) };
    },
};

export const commands: CommandSpec[] = [listVPCOfferings, createVPC, listVPCs, updateVPC, deleteVPC, restartVPC];

/** Drops the VPC row (its UUID keeps resolving) with its tags. */
function removeVpcRecord(ctx: BaseContext, vpc: any): void {
    removeRow(ctx, T.vpcs, vpc.id);
    dropTags(ctx, "Vpc", vpc.id);
}

export const jobs: Record<string, JobCompleter> = {
    createVPC(ctx, job) {
        const vpc = findVpc(ctx, job.payload.vpcId);
        if (!vpc) throw jobFailure("Failed to create VPC");
        if (job.payload.start) startVpc(ctx, vpc.id);
        return { object: "vpc", value: renderVpc(ctx, vpc) };
    },
    /** A failed create leaves no VPC behind (CreateVPCCmd.execute deletes it when the start fails). */
    "createVPC:failed"(ctx, job) {
        const vpc = findVpc(ctx, job.payload.vpcId);
        if (vpc && vpcTiers(ctx, vpc.id).length === 0) {
            for (const ip of Object.values(ipTable(ctx)) as any[]) if (ip.vpcid === vpc.id) releaseIpRecord(ctx, ip);
            removeVpcRecord(ctx, vpc);
        }
        return { success: true };
    },
    updateVPC(ctx, job) {
        const { vpcId, name, displaytext, fordisplay } = job.payload;
        const vpc = findVpc(ctx, vpcId);
        if (!vpc) throw invalidParam("Unable to find vpc by id");
        if (name !== undefined) {
            vpc.name = name;
            for (const ip of Object.values(ipTable(ctx)) as any[]) if (ip.vpcid === vpcId) ip.vpcname = name;
            for (const n of vpcTiers(ctx, vpcId)) n.vpcname = name;
        }
        if (displaytext !== undefined) vpc.displaytext = displaytext;
        if (fordisplay !== undefined) vpc.fordisplay = fordisplay;
        ctx.event({ type: "VPC.UPDATE", description: `Updating VPC ${vpc.name}`, resourceId: vpc.id, resourceType: "Vpc" });
        return { object: "vpc", value: renderVpc(ctx, vpc) };
    },
    deleteVPC(ctx, job) {
        const vpc = findVpc(ctx, job.payload.vpcId);
        if (!vpc) return { success: true };
        const tiers = vpcTiers(ctx, vpc.id).length;
        if (tiers > 0) throw invalidParam(`Can't delete VPC ${vpcLabel(vpc)} as its used by ${tiers} networks`);
        for (const ip of Object.values(ipTable(ctx)) as any[]) if (ip.vpcid === vpc.id && ip.state !== "Free") releaseIpRecord(ctx, ip);
        removeVpcAclLists(ctx, vpc.id);
        for (const name of VPC_OWNED_TABLES) {
            const rows = table(ctx.state, name);
            for (const [id, row] of Object.entries(rows)) if ((row as any).vpcid === vpc.id) removeRow(ctx, name, id);
        }
        removeVpcRecord(ctx, vpc);
        ctx.event({ type: "VPC.DELETE", description: `Deleting VPC ${vpc.name}`, resourceId: vpc.id, resourceType: "Vpc" });
        return { success: true };
    },
    restartVPC(ctx, job) {
        const vpc = findVpc(ctx, job.payload.vpcId);
        if (!vpc) throw invalidParam("Unable to find Enabled VPC by id specified");
        startVpc(ctx, vpc.id);
        vpc.restartrequired = false;
        ctx.event({ type: "VPC.RESTART", description: `Restarting VPC ${vpc.name}`, resourceId: vpc.id, resourceType: "Vpc" });
        return { success: true };
    },
};
