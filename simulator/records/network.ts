// The network record (NetworkResponse fields plus "_" internals, owned by handlers/network.ts) and its pure
// operations: the services it offers, the network domain rule, and the guest addressing Mold designs.
import { invalidParam } from "../errors";
import { cidrRange, intToIp, ipToInt, isIpv4, isPrivateOrSharedCidr, netmaskToPrefix, prefixToNetmask } from "./cidr";

/** Whether the network (its `service` list, as NetworkResponse shows it) offers a service such as "Lb" or "SourceNat". */
export function networkHasService(network: any, service: string): boolean {
    return Array.isArray(network?.service) && network.service.some((s: any) => s.name === service);
}

const DOMAIN_LABEL = /^(?!-)[a-zA-Z0-9-]{1,63}(?<!-)$/;
const INVALID_DOMAIN =
    "Invalid network domain. Total length shouldn't exceed 190 chars. Each domain label must be between 1 and 63 characters long, can contain ASCII letters 'a' through 'z', the digits '0' through '9', and the hyphen ('-'); can't start or end with \"-\"";

/** Mold's network domain rule: at most 190 characters, each label a DNS label. */
export function checkNetworkDomain(domain: string | undefined): void {
    if (domain !== undefined && (domain.length > 190 || !domain.split(".").every((l) => DOMAIN_LABEL.test(l)))) throw invalidParam(INVALID_DOMAIN);
}

/** Guest CIDR, gateway and netmask as NetworkServiceImpl/GuestNetworkGuru.design derive them. */
export function designAddressing(zone: any, offering: any, gateway?: string, netmask?: string, caller?: { roletype: string }) {
    if (gateway !== undefined && !isIpv4(gateway)) throw invalidParam("Gateway parameter is invalid");
    if ((gateway === undefined) !== (netmask === undefined)) throw invalidParam("cidr and gateway must be specified together.");
    if (gateway === undefined || netmask === undefined) {
        if (offering.guestiptype === "Isolated" && !(offering.service ?? []).some((s: any) => s.name === "SourceNat")) {
            throw invalidParam("gateway/netmask are required when create network of type Isolated with service SourceNat disabled");
        }
        if (offering.guestiptype === "L2") return {};
        const cidr = String(zone.guestcidraddress ?? "10.1.1.0/24");
        const { first, prefix } = cidrRange(cidr);
        return { cidr: `${intToIp(first)}/${prefix}`, gateway: intToIp(first + 1), netmask: prefixToNetmask(prefix) };
    }
    const prefix = netmaskToPrefix(netmask);
    if (prefix === undefined) throw invalidParam("Invalid netmask");
    const { first, last } = cidrRange(`${gateway}/${prefix}`);
    const gw = ipToInt(gateway);
    if (gw === first || gw === last) throw invalidParam("Invalid gateway IP provided. Either the IP is broadcast or network IP.");
    const cidr = `${intToIp(first)}/${prefix}`;
    if (offering.guestiptype === "Isolated") {
        if (!isPrivateOrSharedCidr(cidr)) throw invalidParam(`Virtual Guest Cidr ${cidr} is not RFC 1918 or 6598 compliant`);
        if (caller && caller.roletype !== "Admin" && prefix < 22) throw invalidParam("Cidr size can't be less than 22");
    }
    return { cidr, gateway, netmask };
}
