// Public IP addresses and static NAT (mold-api-network.md §5). Mirrors provider/client/address.ts.
// Life cycle: Free → Allocating (associateIpAddress create step) → Allocated (job) → Releasing → Free.
// Addresses come only from ctx.allocatePublicIp() (127.0.0.0/8); a released row is kept as Free and
// reused with its UUID, as Mold's user_ip_address rows are.
import { ApiError, invalidParam } from "../errors";
import { dropTags, matchesKeyword, matchesTagFilter, ownerFields, render, T, tagFilter, tagsOf } from "../model";
import { listIdFilter } from "../gone";
import { networkHasService } from "../records/network";
import { table } from "../state";
import type { BaseContext, CommandContext, CommandSpec, JobCompleter } from "../types";
import { jobFailure, nextDbId, removeAllRulesOnIp, TAG_TYPE } from "./rules-common";

const CMD_PKG = "org.apache.cloudstack.api.command.user";

/** Per-zone ids of the things every public IP points at (the zone's Public network, VLAN, physical network). */
export interface ZoneNetworkInfra {
    publicNetworkId: string;
    vlanId: string;
    physicalNetworkId: string;
}

/** Not a Mold concept of its own: stable ids for the zone's public side, created on first use. */
const ZONE_INFRA_TABLE = "zoneNetworkInfra";

export function zoneInfra(ctx: BaseContext, zoneId: string): ZoneNetworkInfra {
    const infra = table<ZoneNetworkInfra>(ctx.state, ZONE_INFRA_TABLE);
    return (infra[zoneId] ??= { publicNetworkId: ctx.uuid(), vlanId: ctx.uuid(), physicalNetworkId: ctx.uuid() });
}

export { networkHasService };

export function ipTable(ctx: BaseContext): Record<string, any> {
    return table(ctx.state, T.publicIps);
}

/** The network's source-NAT IP, if it has one. */
export function findSourceNatIp(ctx: BaseContext, networkId: string): any | undefined {
    return Object.values(ipTable(ctx)).find((ip: any) => ip.associatednetworkid === networkId && ip.issourcenat === true && ip.state !== "Free");
}

/** Takes a Free row or a new loopback address and marks it Allocating for the caller (AssociateIPAddrCmd.create). */
export function allocateIpRecord(ctx: BaseContext, zoneId: string, requested?: string): any {
    const zone = table(ctx.state, T.zones)[zoneId];
    const rows = ipTable(ctx);
    let ip: any = Object.values(rows).find((r: any) => r.state === "Free" && r.zoneid === zoneId && (!requested || r.ipaddress === requested));
    if (!ip && requested) {
        // Only addresses this simulator has handed out before can be asked for by value.
        throw new ApiError(533, `Insufficient address capacity Scope=interface com.cloud.dc.DataCenter; id=1`, 4320);
    }
    if (!ip) {
        const id = ctx.uuid();
        ip = rows[id] = { id, ipaddress: ctx.allocatePublicIp(), _dbid: nextDbId(ctx) };
    }
    const infra = zoneInfra(ctx, zoneId);
    Object.assign(ip, {
        allocated: ctx.timestamp(),
        zoneid: zoneId,
        zonename: zone?.name,
        issourcenat: false,
        ...ownerFields(ctx),
        forvirtualnetwork: true,
        vlanid: infra.vlanId,
        vlanname: "vlan://untagged",
        isstaticnat: false,
        issystem: false,
        associatednetworkid: undefined,
        associatednetworkname: undefined,
        networkid: infra.publicNetworkId,
        state: "Allocating",
        physicalnetworkid: infra.physicalNetworkId,
        isportable: false,
        fordisplay: true,
    });
    return ip;
}

/** IpAddressManagerImpl.associateIPToGuestNetwork: the first IP of an isolated network without source NAT becomes it. */
export function associateIpWithNetwork(ctx: BaseContext, ip: any, network: any): any {
    if (ip.associatednetworkid === network.id && ip.state === "Allocated") return ip;
    // A VPC tier never takes a source NAT of its own (the VPC has one); its IPs belong to the VPC.
    const becomesSourceNat = !network.vpcid && network.type === "Isolated" && networkHasService(network, "SourceNat") && !findSourceNatIp(ctx, network.id);
    if (network.vpcid) Object.assign(ip, { vpcid: network.vpcid, vpcname: network.vpcname });
    ip.associatednetworkid = network.id;
    ip.associatednetworkname = network.name;
    ip.issourcenat = becomesSourceNat;
    ip.state = "Allocated";
    return ip;
}

/** IpAddressManagerImpl.disassociatePublicIpAddress: revoke every rule, then reset the row to Free. */
export function releaseIpRecord(ctx: BaseContext, ip: any): void {
    removeAllRulesOnIp(ctx, ip.id);
    clearStaticNat(ctx, ip);
    dropTags(ctx, TAG_TYPE.publicIp, ip.id);
    const keep = { id: ip.id, ipaddress: ip.ipaddress, _dbid: ip._dbid, zoneid: ip.zoneid, zonename: ip.zonename };
    for (const k of Object.keys(ip)) delete ip[k];
    const infra = zoneInfra(ctx, keep.zoneid);
    Object.assign(ip, keep, {
        issourcenat: false,
        forvirtualnetwork: true,
        vlanid: infra.vlanId,
        vlanname: "vlan://untagged",
        isstaticnat: false,
        issystem: false,
        networkid: infra.publicNetworkId,
        state: "Free",
        physicalnetworkid: infra.physicalNetworkId,
        isportable: false,
        fordisplay: true,
    });
}

/** Static NAT fields off the address and its VM (static-nat.ts; also when the address is released). */
export function clearStaticNat(ctx: BaseContext, ip: any): void {
    if (!ip.isstaticnat) return;
    const vm = ip.virtualmachineid ? table(ctx.state, T.vms)[ip.virtualmachineid] : undefined;
    if (vm && vm.publicipid === ip.id) {
        delete vm.publicip;
        delete vm.publicipid;
    }
    ip.isstaticnat = false;
    for (const k of ["virtualmachineid", "virtualmachinename", "virtualmachinedisplayname", "virtualmachinetype", "vmipaddress"]) delete ip[k];
}

/** IPAddressResponse. */
export function renderIp(ctx: BaseContext, ip: any): Record<string, any> {
    const hasrules =
        Object.values(table(ctx.state, T.firewallRules)).some((r: any) => r.ipaddressid === ip.id) ||
        Object.values(table(ctx.state, T.portForwardingRules)).some((r: any) => r.ipaddressid === ip.id) ||
        Object.values(table(ctx.state, T.loadBalancerRules)).some((r: any) => r.publicipid === ip.id);
    return { ...render(ip), tags: tagsOf(ctx, TAG_TYPE.publicIp, ip.id), hasrules };
}

/** Queues an IP command's job with the address as its instance, serialised on `syncObject` (the IP's network). */
export function queueIpJob(
    ctx: CommandContext,
    cmdClass: string,
    completer: string,
    ip: any,
    syncObject: string | undefined,
    payload: Record<string, any> = { ipId: ip.id },
): string {
    return ctx.queueJob({ cmd: `${CMD_PKG}.${cmdClass}`, completer, instanceType: "IpAddress", instanceId: ip.id, syncObject, payload });
}

/** The caller's single isolated network in the zone, as AssociateIPAddrCmd.getNetworkId picks it. */
function defaultIsolatedNetwork(ctx: CommandContext, zone: any): any {
    const mine = Object.values(table(ctx.state, T.networks)).filter((n: any) => n.zoneid === zone.id && n.type === "Isolated" && n.account === ctx.caller.name);
    if (mine.length === 0) {
        throw invalidParam(`Account name=${ctx.caller.name} domain=${ctx.caller.domainid} doesn't have virtual networks in zone=${zone.name}`);
    }
    if (mine.length > 1) throw invalidParam("Account has more than one isolated network in the zone");
    return mine[0];
}

const associateIpAddress: CommandSpec = {
    name: "associateIpAddress",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        const network = p.entity<any>("networkid", table(ctx.state, T.networks));
        const zoneParam = p.entity<any>("zoneid", table(ctx.state, T.zones));
        const vpc = p.entity<any>("vpcid", table(ctx.state, T.vpcs));
        const requested = p.str("ipaddress");
        if (!network && !zoneParam && !vpc) {
            throw invalidParam("Unable to figure out zone to assign IP to. Please specify either zoneId, or networkId, or vpcId in the call");
        }
        // With vpcid the address goes to the VPC (networkid is then ignored); rules later tie it to a tier.
        if (vpc) {
            const ip = allocateIpRecord(ctx, vpc.zoneid, requested);
            const jobid = queueIpJob(ctx, "address.AssociateIPAddrCmd", "associateIpAddress", ip, vpc.id, { ipId: ip.id, vpcId: vpc.id });
            return { id: ip.id, jobid };
        }
        const target = network ?? defaultIsolatedNetwork(ctx, zoneParam);
        const ip = allocateIpRecord(ctx, target.zoneid, requested);
        const jobid = queueIpJob(ctx, "address.AssociateIPAddrCmd", "associateIpAddress", ip, target.id, { ipId: ip.id, networkId: target.id });
        return { id: ip.id, jobid };
    },
};

const disassociateIpAddress: CommandSpec = {
    name: "disassociateIpAddress",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        const address = p.str("ipaddress");
        if (p.str("id") && address) throw invalidParam("id parameter is mutually exclusive with ipaddress parameter");
        let ip = p.entity<any>("id", ipTable(ctx));
        if (!ip && !address) throw invalidParam("Please specify either IP address or IP address ID");
        if (!ip) {
            ip = Object.values(ipTable(ctx)).find((r: any) => r.ipaddress === address);
            if (!ip) throw invalidParam(`Unable to find IP address by IP address=${address}`);
        }
        return { jobid: queueIpJob(ctx, "address.DisassociateIPAddrCmd", "disassociateIpAddress", ip, ip.associatednetworkid) };
    },
};

const listPublicIpAddresses: CommandSpec = {
    name: "listPublicIpAddresses",
    handle(ctx) {
        const p = ctx.params;
        const tags = tagFilter(ctx);
        const state = p.str("state");
        const freeLike = state !== undefined && ["free", "reserved"].includes(state.toLowerCase());
        const allocatedOnly = p.bool("allocatedonly") ?? !freeLike;
        if (allocatedOnly && state?.toLowerCase() === "free") throw invalidParam("Conflict: allocatedonly is true but state is Free");
        const id = listIdFilter(ctx, "id", T.publicIps);
        const address = p.str("ipaddress");
        const zoneid = p.str("zoneid");
        const associated = p.str("associatednetworkid");
        const publicNet = p.str("networkid");
        const vlanid = p.str("vlanid");
        const physical = p.str("physicalnetworkid");
        const sourceNat = p.bool("issourcenat");
        const staticNat = p.bool("isstaticnat");
        const forVirtual = p.bool("forvirtualnetwork");
        const keyword = p.str("keyword");
        const vpcid = listIdFilter(ctx, "vpcid", T.vpcs);
        const items = Object.values(ipTable(ctx))
            .filter((ip: any) => !vpcid || ip.vpcid === vpcid)
            .filter((ip: any) => !allocatedOnly || ip.state !== "Free")
            .filter((ip: any) => ip.state === "Free" || ip.account === ctx.caller.name)
            .filter((ip: any) => (!id || ip.id === id) && (!address || ip.ipaddress === address) && (!zoneid || ip.zoneid === zoneid))
            .filter((ip: any) => !state || ip.state.toLowerCase() === state.toLowerCase())
            .filter((ip: any) => (!associated || ip.associatednetworkid === associated) && (!publicNet || ip.networkid === publicNet))
            .filter((ip: any) => (!vlanid || ip.vlanid === vlanid) && (!physical || ip.physicalnetworkid === physical))
            .filter((ip: any) => (sourceNat === undefined || ip.issourcenat === sourceNat) && (staticNat === undefined || ip.isstaticnat === staticNat))
            .filter((ip: any) => forVirtual === undefined || ip.forvirtualnetwork === forVirtual)
            .filter((ip: any) => matchesKeyword(keyword, ip.ipaddress) && matchesTagFilter(ctx, tags, TAG_TYPE.publicIp, ip.id))
            .map((ip: any) => renderIp(ctx, ip));
        return { list: "publicipaddress", items };
    },
};

export const commands: CommandSpec[] = [associateIpAddress, disassociateIpAddress, listPublicIpAddresses];

/** VpcManagerImpl.associateIPToVpc: the address is the VPC's, tied to no tier yet and never its source NAT. */
function associateIpWithVpc(ctx: BaseContext, ipId: string, vpcId: string) {
    const ip = ipTable(ctx)[ipId];
    const vpc = table(ctx.state, T.vpcs)[vpcId];
    if (!ip) throw jobFailure("Failed to associate ip address");
    if (!vpc) throw invalidParam("Invalid VPC id provided");
    if (vpc.account !== ip.account) throw invalidParam(`The owner of the vpc is not the same as owner of the IP`);
    Object.assign(ip, { vpcid: vpc.id, vpcname: vpc.name, issourcenat: false, state: "Allocated" });
    ctx.event({ type: "NET.IPASSIGN", description: `Assigned public IP ${ip.ipaddress} to VPC ${vpc.name}`, resourceId: ip.id, resourceType: "IpAddress" });
    return { object: "ipaddress", value: renderIp(ctx, ip) };
}

export const jobs: Record<string, JobCompleter> = {
    associateIpAddress(ctx, job) {
        if (job.payload.vpcId) return associateIpWithVpc(ctx, job.payload.ipId, job.payload.vpcId);
        const ip = ipTable(ctx)[job.payload.ipId];
        const network = table(ctx.state, T.networks)[job.payload.networkId];
        if (!ip || !network) throw jobFailure("Failed to associate ip address");
        if (network.traffictype !== "Guest") throw invalidParam("Ip address can be associated to the network with trafficType Guest");
        if (network.account !== ip.account) throw invalidParam("The owner of the network is not the same as owner of the IP");
        if (network.type === "Isolated" && !networkHasService(network, "SourceNat")) {
            throw invalidParam("In zone of type Advanced ip address can be associated only to the network of guest type Isolated with the SourceNat enabled");
        }
        associateIpWithNetwork(ctx, ip, network);
        ctx.event({ type: "NET.IPASSIGN", description: `Assigned public IP ${ip.ipaddress}`, resourceId: ip.id, resourceType: "IpAddress" });
        return { object: "ipaddress", value: renderIp(ctx, ip) };
    },
    /** A failed association gives the address back (the entity created by the create step disappears). */
    "associateIpAddress:failed"(ctx, job) {
        const ip = ipTable(ctx)[job.payload.ipId];
        if (ip && ip.state === "Allocating") releaseIpRecord(ctx, ip);
        return { success: true };
    },
    disassociateIpAddress(ctx, job) {
        const ip = ipTable(ctx)[job.payload.ipId];
        if (!ip || ip.state === "Free" || !ip.allocated) return { success: true };
        if (ip.issourcenat && ip.vpcid) throw new ApiError(530, "ip address is used for source nat purposes and can not be disassociated.", 4250);
        if (ip.issourcenat && ip.associatednetworkid) {
            const network = table(ctx.state, T.networks)[ip.associatednetworkid];
            if (network && network.state !== "Allocated") {
                throw new ApiError(530, "ip address is used for source nat purposes and can not be disassociated.", 4250);
            }
        }
        ip.state = "Releasing";
        releaseIpRecord(ctx, ip);
        ctx.event({ type: "NET.IPRELEASE", description: `Released public IP ${ip.ipaddress}`, resourceId: ip.id, resourceType: "IpAddress" });
        return { success: true };
    },
};
