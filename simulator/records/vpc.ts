// The VPC record (VpcResponse fields plus "_" internals, owned by handlers/vpc.ts), the VPC offerings every
// simulated zone has, and the pure rules Mold applies to a VPC's CIDR and to the tiers inside it
// (VpcManagerImpl.createVpc, validateNewVpcGuestNetwork). Independent of provider/ code on purpose.
import { invalidParam } from "../errors";
import { cidrRange, intToIp, isIpv4Cidr, netmaskToPrefix } from "./cidr";

export const DEFAULT_VPC_OFFERING = "Default VPC offering";
export const REDUNDANT_VPC_OFFERING = "Redundant VPC offering";
/** The stock tier offering (NetworkOffering.DefaultIsolatedNetworkOfferingForVpcNetworks). */
export const VPC_TIER_NETWORK_OFFERING = "DefaultIsolatedNetworkOfferingForVpcNetworks";

/** Services of the default VPC offering, in the order a recorded listVPCs shows them. */
export const VPC_SERVICES: [string, string[]][] = [
    ["Dns", ["VpcVirtualRouter"]],
    ["Dhcp", ["VpcVirtualRouter"]],
    ["PortForwarding", ["VpcVirtualRouter"]],
    ["StaticNat", ["VpcVirtualRouter"]],
    ["Vpn", ["VpcVirtualRouter"]],
    ["SourceNat", ["VpcVirtualRouter"]],
    ["NetworkACL", ["VpcVirtualRouter"]],
    ["UserData", ["VpcVirtualRouter"]],
    ["Lb", ["VpcVirtualRouter", "InternalLbVm"]],
    ["Gateway", ["VpcVirtualRouter"]],
];

/** Services a tier of the stock tier offering has (no Firewall: VPC tiers use network ACLs instead). */
export const VPC_TIER_SERVICES = ["Dhcp", "Dns", "UserData", "SourceNat", "StaticNat", "PortForwarding", "Lb", "NetworkACL", "Vpn", "Gateway"];

/** VpcOfferingResponse rows for the seed: the default offering and the redundant-router one. */
export function vpcOfferingRows(created: string, uuid: () => string): Record<string, any>[] {
    const service = VPC_SERVICES.filter(([name]) => name !== "Gateway").map(([name, providers]) => ({ name, provider: providers.map((p) => ({ name: p })) }));
    return [
        { name: DEFAULT_VPC_OFFERING, isdefault: true, redundantrouter: false },
        { name: REDUNDANT_VPC_OFFERING, isdefault: false, redundantrouter: true },
    ].map((o) => ({
        id: uuid(),
        name: o.name,
        displaytext: o.name,
        isdefault: o.isdefault,
        state: "Enabled",
        service,
        distributedvpcrouter: false,
        supportsregionLevelvpc: false,
        redundantrouter: o.redundantrouter,
        fornsx: false,
        networkmode: "NATTED",
        internetprotocol: "IPv4",
        specifyasnumber: false,
        created,
    }));
}

/** VpcVO.toString, as Mold's texts print a VPC. */
export function vpcLabel(vpc: { _dbid: number; id: string; name: string }): string {
    return `VPC {"id":${vpc._dbid},"name":"${vpc.name}","uuid":"${vpc.id}"}`;
}

/** NetworkVO.toString, as Mold's texts print a network. */
export function networkLabel(network: { _dbid: number; id: string; name: string }): string {
    return `Network {"id":${network._dbid},"name":"${network.name}","uuid":"${network.id}"}`;
}

/**
 * createVpc's CIDR rules: a valid IPv4 CIDR ("Invalid CIDR specified …") inside the RFC 1918 private ranges
 * ("Guest Cidr … is not RFC1918 compliant"). 10.0.0.0/8 is thus the largest VPC CIDR Mold accepts.
 */
export function checkVpcCidr(cidr: string): void {
    if (!isIpv4Cidr(cidr)) throw invalidParam(`Invalid CIDR specified ${cidr}`);
    const rfc1918 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].some((r) => within(cidr, r));
    if (!rfc1918) throw invalidParam(`Guest Cidr ${cidr} is not RFC1918 compliant`);
}

function within(inner: string, outer: string): boolean {
    const a = cidrRange(inner);
    const b = cidrRange(outer);
    return a.first >= b.first && a.last <= b.last;
}

/** NetUtils.isNetworkAWithinNetworkB applied both ways: two CIDRs overlap when one contains the other. */
export function cidrsOverlap(a: string, b: string): boolean {
    return within(a, b) || within(b, a);
}

/** Tier addressing derived from gateway/netmask: the network address and prefix (the CIDR Mold stores). */
export function tierCidr(gateway: string, netmask: string): string | undefined {
    const prefix = netmaskToPrefix(netmask);
    if (prefix === undefined) return undefined;
    return `${intToIp(cidrRange(`${gateway}/${prefix}`).first)}/${prefix}`;
}

/**
 * validateNewVpcGuestNetwork: the tier count limit (vpc.max.networks, a CloudRuntimeException → 530), then
 * gateway/netmask given, the CIDR inside the VPC's, no overlap with another tier, the VPC's network domain,
 * and a gateway that is not the network address. `tiers` are the VPC's existing tiers.
 */
export function checkNewTier(
    vpc: any,
    tiers: any[],
    t: { cidr?: string; gateway?: string; networkdomain?: string; maxNetworks: number },
): { status: 431 | 530; text: string } | undefined {
    if (tiers.length >= t.maxNetworks) return { status: 530, text: `Number of networks per VPC cannot surpass [${t.maxNetworks}].` };
    if (!t.cidr) return { status: 431, text: "Gateway/netmask are required when create network for VPC" };
    if (!within(t.cidr, vpc.cidr)) return { status: 431, text: `Network cidr ${t.cidr} is not within vpc ${vpcLabel(vpc)} cidr` };
    for (const tier of tiers) {
        if (tier.cidr && cidrsOverlap(tier.cidr, t.cidr)) {
            return { status: 431, text: `Network cidr ${t.cidr} crosses other network cidr ${networkLabel(tier)} belonging to the same vpc ${vpcLabel(vpc)}` };
        }
    }
    if (t.networkdomain !== undefined && vpc.networkdomain && t.networkdomain.toLowerCase() !== String(vpc.networkdomain).toLowerCase()) {
        return { status: 431, text: `Network domain of the new network should match network domain of vpc ${vpcLabel(vpc)}` };
    }
    if (t.gateway !== undefined && intToIp(cidrRange(t.cidr).first) === t.gateway) {
        return { status: 431, text: "Invalid gateway specified. It should never be equal to the cidr subnet value" };
    }
    return undefined;
}
