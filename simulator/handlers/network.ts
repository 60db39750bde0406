// Networks (mold-api-network.md §4). Mirrors provider/client/network.ts.
// OWNER: network helper. The exported internal functions below are a CONTRACT used by vm.ts and
// kubernetes.ts: keep their names and signatures.
import { ApiError, invalidParam } from "../errors";
import { dropTags, matchesKeyword, matchesTagFilter, ownerFields, render, T, tagFilter, tagsOf } from "../model";
import { listIdFilter, removedRow, removeRow } from "../gone";
import { checkNetworkDomain, designAddressing } from "../records/network";
import { table } from "../state";
import type { BaseContext, CommandContext, CommandSpec, JobCompleter } from "../types";
import { allocateIpRecord, associateIpWithNetwork, findSourceNatIp, ipTable, networkHasService, releaseIpRecord, zoneInfra } from "./address";
import {
    cidrRange,
    intToIp,
    ipToInt,
    isIpv4,
    jobFailure,
    nextDbId,
    removeAllRulesOnIp,
    removeFirewallRow,
    removeLoadBalancerRow,
    removePortForwardingRow,
    TAG_TYPE,
    vmIsExpunged,
    vmNicIn,
} from "./rules-common";
import { aclListUsableIn, defaultAclList } from "./network-acl";
import { checkTier, findVpc, startVpc, vpcSourceNatIp, vpcTable } from "./vpc";

export interface NetworkSpec {
    name: string;
    displaytext?: string;
    zoneid: string;
    networkofferingid: string;
    gateway?: string;
    netmask?: string;
    networkdomain?: string;
    /** A VPC tier: its VPC's id (checked by the caller with checkTier) and ACL list. */
    vpcid?: string;
    aclid?: string;
    aclname?: string;
}

const CMD_PKG = "org.apache.cloudstack.api.command.user.network";

/** Mold's default for isolated networks: "cs" + hex(account db id) + guest.domain.suffix ("cloud.internal"). */
const DEFAULT_NETWORK_DOMAIN = "cs2cloud.internal";

const HAPROXY_STICKINESS = JSON.stringify(
    [
        {
            methodname: "LbCookie",
            paramlist: ["cookie-name", "mode", "nocache*", "indirect*", "postonly*", "domain"],
            description: "This is loadbalancer cookie based stickiness method.",
        },
        {
            methodname: "AppCookie",
            paramlist: ["cookie-name", "length", "holdtime", "request-learn*", "prefix*", "mode"],
            description:
                "This is App session based sticky method. Define session stickiness on an existing application cookie. It can be used only for a specific http traffic",
        },
        {
            methodname: "SourceBased",
            paramlist: ["tablesize", "expire"],
            description: "This is source based Stickiness method, it can be used for any type of protocol.",
        },
    ].map((m) => ({
        ...m,
        paramlist: m.paramlist.map((n) => ({ paramname: n.replace("*", ""), required: false, isflag: n.endsWith("*"), description: " " })),
    })),
);

/** Virtual-router capabilities per service, as NetworkResponse lists them (Gateway is never listed). */
const SERVICE_CAPABILITIES: [string, [string, string][]][] = [
    [
        "Lb",
        [
            ["SupportedLBIsolation", "dedicated"],
            ["SupportedLbAlgorithms", "roundrobin,leastconn,source"],
            ["SupportedProtocols", "tcp, udp, tcp-proxy"],
            ["LbSchemes", "Public"],
            ["SupportedStickinessMethods", HAPROXY_STICKINESS],
            ["AutoScaleCounters", '[{"methodname":"cpu","paramlist":[]},{"methodname":"memory","paramlist":[]}]'],
        ],
    ],
    ["PortForwarding", [["SupportedProtocols", "tcp,udp"]]],
    [
        "SourceNat",
        [
            ["SupportedSourceNatTypes", "peraccount"],
            ["RedundantRouter", "true"],
        ],
    ],
    [
        "Vpn",
        [
            ["VpnTypes", "removeaccessvpn"],
            ["SupportedVpnTypes", "pptp,l2tp,ipsec"],
        ],
    ],
    ["Dns", [["AllowDnsSuffixModification", "true"]]],
    ["Dhcp", [["DhcpAccrossMultipleSubnets", "true"]]],
    ["StaticNat", []],
    ["NetworkACL", [["SupportedProtocols", "tcp,udp,icmp"]]],
    ["UserData", []],
    [
        "Firewall",
        [
            ["TrafficStatistics", "per public ip"],
            ["SupportedProtocols", "tcp,udp,icmp"],
            ["MultipleIps", "true"],
            ["SupportedTrafficDirection", "ingress, egress"],
            ["SupportedEgressProtocols", "tcp,udp,icmp, all"],
        ],
    ],
];

/** A VPC tier's capabilities where they differ from an isolated network's (VpcVirtualRouterElement). */
const TIER_CAPABILITIES: Record<string, [string, string][]> = {
    StaticNat: [
        ["ElasticIp", "false"],
        ["AssociatePublicIP", "true"],
    ],
    Vpn: [
        ["SupportedVpnTypes", "pptp,l2tp,ipsec"],
        ["VpnTypes", "s2svpn"],
    ],
    SourceNat: [
        ["SupportedSourceNatTypes", "peraccount"],
        ["RedundantRouter", "false"],
    ],
};

function servicesOf(offering: any): Record<string, any>[] {
    const offered = new Set<string>((offering.service ?? []).map((s: any) => s.name));
    if (offering.forvpc) {
        // Tiers list every service with its provider and a capability array (empty for UserData), as recorded.
        const known = new Map(SERVICE_CAPABILITIES);
        return (offering.service ?? [])
            .filter((s: any) => s.name !== "Gateway")
            .map((s: any) => ({
                name: s.name,
                provider: (s.provider ?? []).map((p: any) => ({ name: p.name })),
                capability: (TIER_CAPABILITIES[s.name] ?? known.get(s.name) ?? []).map(([cname, value]) => ({
                    name: cname,
                    value,
                    canchooseservicecapability: false,
                })),
            }));
    }
    return SERVICE_CAPABILITIES.filter(([name]) => offered.has(name)).map(([name, caps]) =>
        caps.length ? { name, capability: caps.map(([cname, value]) => ({ name: cname, value, canchooseservicecapability: false })) } : { name },
    );
}

function offeringFields(offering: any): Record<string, any> {
    return {
        networkofferingid: offering.id,
        networkofferingname: offering.name,
        networkofferingdisplaytext: offering.displaytext,
        networkofferingconservemode: offering.conservemode,
        networkofferingavailability: offering.availability,
        service: servicesOf(offering),
        supportsvmautoscaling: (offering.service ?? []).some((s: any) => s.name === "Lb"),
        egressdefaultpolicy: offering.guestiptype === "Isolated" ? (offering.egressdefaultpolicy ?? true) : undefined,
    };
}

/** Stores a new isolated network in state Allocated (as createNetwork does) and returns the record. */
export function createNetworkRecord(ctx: BaseContext, spec: NetworkSpec): Record<string, any> {
    const zone = table(ctx.state, T.zones)[spec.zoneid];
    const offering = table(ctx.state, T.networkOfferings)[spec.networkofferingid];
    if (!zone) throw invalidParam(`Unable to find zone by id ${spec.zoneid}`);
    if (!offering) throw invalidParam("Unable to find network offering by specified id");
    if (offering.state !== "Enabled") throw invalidParam("Can't use specified network offering id as its state is not Enabled");
    checkNetworkDomain(spec.networkdomain);
    const addressing = designAddressing(zone, offering, spec.gateway, spec.netmask, ctx.caller);
    const vpc = findVpc(ctx, spec.vpcid);
    const id = ctx.uuid();
    const network = {
        id,
        name: spec.name,
        displaytext: spec.displaytext || spec.name,
        broadcastdomaintype: "Vlan",
        traffictype: "Guest",
        gateway: addressing.gateway,
        netmask: addressing.netmask,
        cidr: addressing.cidr,
        zoneid: zone.id,
        zonename: zone.name,
        ...offeringFields(offering),
        issystem: false,
        state: "Allocated",
        related: id,
        dns1: zone.dns1,
        dns2: zone.dns2,
        type: offering.guestiptype,
        acltype: "Account",
        ...ownerFields(ctx),
        networkdomain: spec.networkdomain ?? vpc?.networkdomain ?? (offering.guestiptype === "L2" ? undefined : DEFAULT_NETWORK_DOMAIN),
        // NetworkResponse shows egressdefaultpolicy for non-VPC isolated networks only.
        ...(vpc ? { vpcid: vpc.id, vpcname: vpc.name, aclid: spec.aclid, aclname: spec.aclname, egressdefaultpolicy: undefined } : {}),
        physicalnetworkid: zoneInfra(ctx, zone.id).physicalNetworkId,
        restartrequired: false,
        specifyvlan: offering.specifyvlan ?? false,
        specifyipranges: offering.specifyipranges ?? false,
        canusefordeploy: true,
        ispersistent: offering.ispersistent ?? false,
        details: {},
        displaynetwork: true,
        strechedl2subnet: false,
        redundantrouter: false,
        internetprotocol: "IPv4",
        hasannotations: false,
        created: ctx.timestamp(),
        receivedbytes: 0,
        sentbytes: 0,
        _dbid: nextDbId(ctx),
        /** Host offset of the next guest address handed out (the gateway is offset 1). */
        _nextGuestHost: 2,
    };
    table(ctx.state, T.networks)[id] = network;
    ctx.event({ type: "NETWORK.CREATE", description: `Creating network ${spec.name}`, resourceId: id, resourceType: "Network" });
    return network;
}

function findNetworkOrThrow(ctx: BaseContext, networkId: string): any {
    const network = table(ctx.state, T.networks)[networkId];
    if (!network) throw jobFailure(`Unable to find network with id ${networkId}`);
    return network;
}

/**
 * Allocated → Implemented (first VM); acquires the source-NAT public IP if the network has none. Returns that
 * IP record, or undefined when the network has no source NAT (not Isolated, or no SourceNat service).
 */
export function implementNetwork(ctx: BaseContext, networkId: string): Record<string, any> | undefined {
    const network = findNetworkOrThrow(ctx, networkId);
    if (["Allocated", "Setup", "Shutdown", "Implementing"].includes(network.state)) {
        const vlan = 1000 + (network._dbid % 3000);
        Object.assign(network, { state: "Implemented", vlan: String(vlan), broadcasturi: `vlan://${vlan}` });
    }
    // A tier has no router or source NAT of its own: the VPC's router serves every tier.
    if (network.vpcid) return startVpc(ctx, network.vpcid);
    if (network.type !== "Isolated" || !networkHasService(network, "SourceNat")) return undefined;
    const existing = findSourceNatIp(ctx, networkId);
    if (existing) return existing;
    const ip = allocateIpRecord(ctx, network.zoneid);
    associateIpWithNetwork(ctx, ip, network);
    ctx.event({ type: "NET.IPASSIGN", description: `Assigned source NAT IP ${ip.ipaddress}`, resourceId: ip.id, resourceType: "IpAddress" });
    return ip;
}

/** The network's source-NAT public IP record, if any. */
export function sourceNatIp(ctx: BaseContext, networkId: string): Record<string, any> | undefined {
    const vpcid = table(ctx.state, T.networks)[networkId]?.vpcid;
    return vpcid ? vpcSourceNatIp(ctx, vpcid) : findSourceNatIp(ctx, networkId);
}

/** Next free guest (private) address inside the network's CIDR. Nothing ever connects to it. */
export function allocateGuestIp(ctx: BaseContext, networkId: string): string {
    const network = findNetworkOrThrow(ctx, networkId);
    if (!network.cidr) throw new ApiError(533, `Insufficient address capacity: network ${network.name} has no guest CIDR`, 4320);
    const { first, last } = cidrRange(network.cidr);
    const gateway = ipToInt(network.gateway);
    for (;;) {
        const candidate = first + network._nextGuestHost++;
        if (candidate >= last) throw new ApiError(533, `Insufficient address capacity: no free guest address in ${network.cidr}`, 4320);
        if (candidate !== gateway) return intToIp(candidate);
    }
}

/** Removes a network with its public IPs and every rule on them (CKS delete of its auto-created network). */
export function deleteNetworkRecord(ctx: BaseContext, networkId: string): void {
    const networks = table(ctx.state, T.networks);
    if (!networks[networkId]) return;
    for (const ip of Object.values(ipTable(ctx)) as any[]) {
        if (ip.associatednetworkid !== networkId) continue;
        // A VPC's public IP stays with the VPC: only its rules and its tie to the tier go.
        if (ip.vpcid) {
            removeAllRulesOnIp(ctx, ip.id);
            delete ip.associatednetworkid;
            delete ip.associatednetworkname;
        } else releaseIpRecord(ctx, ip);
    }
    for (const [id, r] of Object.entries(table(ctx.state, T.firewallRules))) if ((r as any).networkid === networkId) removeFirewallRow(ctx, id);
    for (const [id, r] of Object.entries(table(ctx.state, T.portForwardingRules))) if ((r as any).networkid === networkId) removePortForwardingRow(ctx, id);
    for (const [id, r] of Object.entries(table(ctx.state, T.loadBalancerRules))) if ((r as any).networkid === networkId) removeLoadBalancerRow(ctx, id);
    removeRow(ctx, T.networks, networkId);
    dropTags(ctx, TAG_TYPE.network, networkId);
}

/** Called when a VM is expunged: drops port-forwarding rules to it and its load-balancer memberships. */
export function onVmExpunged(ctx: BaseContext, vmId: string): void {
    for (const [id, r] of Object.entries(table(ctx.state, T.portForwardingRules))) if ((r as any).virtualmachineid === vmId) removePortForwardingRow(ctx, id);
    for (const lb of Object.values(table(ctx.state, T.loadBalancerRules)) as any[]) {
        if (Array.isArray(lb._members)) lb._members = lb._members.filter((m: any) => m.vmid !== vmId);
    }
    for (const ip of Object.values(ipTable(ctx)) as any[]) {
        if (ip.isstaticnat && ip.virtualmachineid === vmId) {
            ip.isstaticnat = false;
            for (const k of ["virtualmachineid", "virtualmachinename", "virtualmachinedisplayname", "virtualmachinetype", "vmipaddress"]) delete ip[k];
        }
    }
}

export function renderNetwork(ctx: BaseContext, network: any): Record<string, any> {
    return { ...render(network), tags: tagsOf(ctx, TAG_TYPE.network, network.id) };
}

/** VMs (not yet expunged) with a NIC in the network: they block deleteNetwork. */
function vmsInNetwork(ctx: BaseContext, networkId: string): any[] {
    return Object.values(table(ctx.state, T.vms)).filter((vm: any) => !vmIsExpunged(vm) && vmNicIn(vm, networkId));
}

/** Queues a network command's job, with the network as its instance and sync object. */
function queueNetworkJob(ctx: CommandContext, cmdClass: string, completer: string, network: any, payload: Record<string, any>): string {
    return ctx.queueJob({ cmd: `${CMD_PKG}.${cmdClass}`, completer, instanceType: "Network", instanceId: network.id, syncObject: network.id, payload });
}

function aclFields(list: any): { aclid?: string; aclname?: string } {
    return list ? { aclid: list.id, aclname: list.name } : {};
}

const createNetwork: CommandSpec = {
    name: "createNetwork",
    handle(ctx) {
        const p = ctx.params;
        const name = p.required("name");
        const offering = p.entity<any>("networkofferingid", table(ctx.state, T.networkOfferings), true)!;
        const zone = p.entity<any>("zoneid", table(ctx.state, T.zones), true)!;
        const vpc = p.entity<any>("vpcid", vpcTable(ctx));
        // NetworkServiceImpl.createGuestNetwork: VPC offerings make tiers only, and tiers need one.
        if (vpc && !offering.forvpc) throw invalidParam("Network offering can't be used for VPC networks");
        if (!vpc && offering.forvpc) throw invalidParam("Network offering can be used for VPC networks only");
        if (vpc && vpc.zoneid !== zone.id) throw invalidParam("New network doesn't belong to vpc zone");
        const acltype = p.str("acltype");
        if (acltype !== undefined) {
            if (!["account", "domain"].includes(acltype.toLowerCase()))
                throw invalidParam("Incorrect aclType specified. Check the API documentation for supported types");
            if (acltype.toLowerCase() === "domain" && offering.guestiptype === "Isolated")
                throw invalidParam("AclType should be Account for network of type Isolated");
        }
        const gateway = p.str("gateway");
        const netmask = p.str("netmask");
        const startip = p.str("startip");
        const endip = p.str("endip");
        if (startip !== undefined && !isIpv4(startip)) throw invalidParam("Invalid format for the startIp parameter");
        if (endip !== undefined && !isIpv4(endip)) throw invalidParam("Invalid format for the endIp parameter");
        if ((startip || endip) && (!gateway || !netmask)) throw invalidParam("gateway and netmask should be defined when startIP/endIP are passed in");
        const networkdomain = p.str("networkdomain");
        const acl = p.entity<any>("aclid", table(ctx.state, T.networkAclLists));
        if (vpc) {
            // NetworkServiceImpl: a tier takes a default list or one of its VPC's own.
            if (acl && !aclListUsableIn(acl, vpc.id)) throw invalidParam(`ACL: ${acl._dbid} do not belong to the VPC`);
            const addressing = gateway !== undefined || netmask !== undefined ? designAddressing(zone, offering, gateway, netmask, ctx.caller) : {};
            checkTier(ctx, vpc, { cidr: addressing.cidr, gateway, networkdomain });
        }
        const network = createNetworkRecord(ctx, {
            name,
            displaytext: p.str("displaytext"),
            zoneid: zone.id,
            networkofferingid: offering.id,
            gateway,
            netmask,
            networkdomain,
            vpcid: vpc?.id,
            // Without aclid a tier gets Mold's default_deny list.
            ...(vpc ? aclFields(acl ?? defaultAclList(ctx, "default_deny")) : {}),
        });
        return { object: "network", value: renderNetwork(ctx, network) };
    },
};

const listNetworks: CommandSpec = {
    name: "listNetworks",
    handle(ctx) {
        const p = ctx.params;
        const tags = tagFilter(ctx);
        const id = listIdFilter(ctx, "id", T.networks);
        const name = p.str("name");
        const zoneid = p.str("zoneid");
        const type = p.str("type")?.toLowerCase();
        const traffictype = p.str("traffictype")?.toLowerCase();
        const acltype = p.str("acltype")?.toLowerCase();
        const offeringId = p.str("networkofferingid");
        const vpcid = listIdFilter(ctx, "vpcid", T.vpcs);
        const forvpc = p.bool("forvpc");
        const services = (p.list("supportedservices") ?? []).map((s) => s.toLowerCase());
        const issystem = p.bool("issystem");
        const canusefordeploy = p.bool("canusefordeploy");
        const restartrequired = p.bool("restartrequired");
        const specifyipranges = p.bool("specifyipranges");
        const keyword = p.str("keyword");
        const items = Object.values(table(ctx.state, T.networks))
            .filter((n: any) => n.account === ctx.caller.name && (!id || n.id === id) && (!name || n.name === name) && (!zoneid || n.zoneid === zoneid))
            .filter((n: any) => (!type || type === "all" || n.type.toLowerCase() === type) && (!traffictype || n.traffictype.toLowerCase() === traffictype))
            .filter((n: any) => (!acltype || n.acltype.toLowerCase() === acltype) && (!offeringId || n.networkofferingid === offeringId))
            .filter((n: any) => (!vpcid || n.vpcid === vpcid) && (forvpc === undefined || !!n.vpcid === forvpc))
            .filter((n: any) => services.every((s) => n.service.some((x: any) => x.name.toLowerCase() === s)))
            .filter((n: any) => (issystem === undefined || n.issystem === issystem) && (canusefordeploy === undefined || n.canusefordeploy === canusefordeploy))
            .filter(
                (n: any) =>
                    (restartrequired === undefined || n.restartrequired === restartrequired) &&
                    (specifyipranges === undefined || n.specifyipranges === specifyipranges),
            )
            .filter((n: any) => matchesKeyword(keyword, n.name, n.displaytext) && matchesTagFilter(ctx, tags, TAG_TYPE.network, n.id))
            .map((n: any) => renderNetwork(ctx, n));
        return { list: "network", items };
    },
};

/**
 * The `id` of update/delete/restartNetwork. A removed network's UUID still resolves, and then
 * getEntityOwnerId finds no live network: 431 "Networkd id=<dbid> doesn't exist" (sic, CloudStack's text).
 */
function networkById(ctx: CommandContext): any {
    const removed = removedRow(ctx, T.networks, ctx.params.required("id"));
    if (removed) throw invalidParam(`Networkd id=${removed.dbid} doesn't exist`);
    return ctx.params.entity<any>("id", table(ctx.state, T.networks), true)!;
}

const updateNetwork: CommandSpec = {
    name: "updateNetwork",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        const network = networkById(ctx);
        const offering = p.entity<any>("networkofferingid", table(ctx.state, T.networkOfferings));
        const jobid = queueNetworkJob(ctx, "UpdateNetworkCmd", "updateNetwork", network, {
            networkId: network.id,
            name: p.str("name"),
            displaytext: p.str("displaytext"),
            networkdomain: p.str("networkdomain"),
            offeringId: offering?.id,
        });
        return { jobid };
    },
};

const deleteNetwork: CommandSpec = {
    name: "deleteNetwork",
    isAsync: true,
    handle(ctx) {
        const network = networkById(ctx);
        if (ctx.params.bool("forced") && ctx.caller.roletype !== "Admin") {
            throw invalidParam("Delete network with 'forced' option can only be called by root admins");
        }
        if (network.issystem) throw invalidParam("Network with specified id is system and can't be removed");
        return { jobid: queueNetworkJob(ctx, "DeleteNetworkCmd", "deleteNetwork", network, { networkId: network.id }) };
    },
};

const restartNetwork: CommandSpec = {
    name: "restartNetwork",
    isAsync: true,
    handle(ctx) {
        const network = networkById(ctx);
        const payload = { networkId: network.id, cleanup: ctx.params.bool("cleanup") ?? false };
        if (network.vpcid && payload.cleanup) throw invalidParam("Cannot restart a VPC tier with cleanup, please restart the whole VPC.");
        return { jobid: queueNetworkJob(ctx, "RestartNetworkCmd", "restartNetwork", network, payload) };
    },
};

export const commands: CommandSpec[] = [createNetwork, listNetworks, updateNetwork, deleteNetwork, restartNetwork];

export const jobs: Record<string, JobCompleter> = {
    updateNetwork(ctx, job) {
        const { networkId, name, displaytext, networkdomain, offeringId } = job.payload;
        const network = findNetworkOrThrow(ctx, networkId);
        if (network.state === "Destroy") throw invalidParam("Don't allow to update network in state Destroy");
        if (network.issystem) throw invalidParam("Can't update system networks");
        if (network.traffictype !== "Guest") throw invalidParam("Can't allow networks which traffic type is not Guest");
        checkNetworkDomain(networkdomain);
        if (offeringId && offeringId !== network.networkofferingid) {
            const offering = table(ctx.state, T.networkOfferings)[offeringId];
            if (network.type !== "Isolated") throw invalidParam("NetworkOffering update can be performed for Isolated networks only.");
            if (offering.state !== "Enabled") throw invalidParam("Can't use specified network offering id as its state is not Enabled");
            Object.assign(network, offeringFields(offering));
        }
        if (name !== undefined) {
            network.name = name;
            for (const ip of Object.values(ipTable(ctx)) as any[]) if (ip.associatednetworkid === networkId) ip.associatednetworkname = name;
        }
        if (displaytext !== undefined) network.displaytext = displaytext;
        if (networkdomain !== undefined) network.networkdomain = networkdomain;
        ctx.event({ type: "NETWORK.UPDATE", description: `Updating network ${network.name}`, resourceId: network.id, resourceType: "Network" });
        return { object: "network", value: renderNetwork(ctx, network) };
    },
    deleteNetwork(ctx, job) {
        const network = table(ctx.state, T.networks)[job.payload.networkId];
        if (!network) return { success: true };
        // NetworkOrchestrator.destroyNetwork returns false while user VMs still have NICs here.
        if (vmsInNetwork(ctx, network.id).length > 0) throw new ApiError(530, "Failed to delete network", 4250);
        deleteNetworkRecord(ctx, network.id);
        ctx.event({ type: "NETWORK.DELETE", description: `Deleting network ${network.name}`, resourceId: network.id, resourceType: "Network" });
        return { success: true };
    },
    restartNetwork(ctx, job) {
        const network = findNetworkOrThrow(ctx, job.payload.networkId);
        if (!["Implemented", "Setup"].includes(network.state)) {
            throw invalidParam("Network is not in the right state to be restarted. Correct states are: Implemented, Setup");
        }
        network.restartrequired = false;
        ctx.event({ type: "NETWORK.RESTART", description: `Restarting network ${network.name}`, resourceId: network.id, resourceType: "Network" });
        return { success: true };
    },
};
