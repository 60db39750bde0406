// Bad-input rows of VPCs, their tiers and the rules and addresses on them: one property spoiled per row.
import { UNKNOWN } from "../../../provider/runtime/hooks";
import { LB, PF, Row } from "./common";

/** A valid VPC and a valid tier of it (with what the SDK passes when `vpc` is a Vpc resource). */
export const VPC = { name: "v", zone: "zone1", cidr: "10.10.0.0/16" };
export const TIER = { name: "web", zone: "zone1", vpc: "v", gateway: "10.10.1.1", netmask: "255.255.255.0", vpcCidr: "10.10.0.0/16" };

export const VPC_ROWS: Row[] = [
    // ---- Vpc ----
    { kind: "Vpc", case: "missing cidr", inputs: { name: "v", zone: "zone1" }, property: "cidr", message: /cidr is required/ },
    { kind: "Vpc", case: "not a CIDR", inputs: { ...VPC, cidr: "10.10.0.0/40" }, property: "cidr", message: /not a valid IPv4 CIDR: '10\.10\.0\.0\/40'/ },
    {
        kind: "Vpc",
        case: "CIDR larger than Mold accepts",
        inputs: { ...VPC, cidr: "10.0.0.0/7" },
        property: "cidr",
        message: /'10\.0\.0\.0\/7' is not inside an RFC 1918 range .*\/7 is larger than any VPC Mold accepts \(10\.0\.0\.0\/8 is the largest\)/,
    },
    { kind: "Vpc", case: "public CIDR", inputs: { ...VPC, cidr: "8.8.0.0/16" }, property: "cidr", message: /'8\.8\.0\.0\/16' is not inside an RFC 1918 range/ },
    { kind: "Vpc", case: "missing zone", inputs: { name: "v", cidr: "10.0.0.0/16" }, property: "zone", message: /zone is required/ },
    // ---- Network as a VPC tier ----
    {
        kind: "Network",
        case: "tier without gateway and netmask",
        inputs: { name: "web", zone: "zone1", vpc: "v" },
        property: "gateway",
        message: /and netmask are required for a VPC tier \(Mold: Gateway\/netmask are required when create network for VPC\)/,
    },
    {
        kind: "Network",
        case: "tier CIDR outside the VPC CIDR",
        inputs: { ...TIER, gateway: "10.20.1.1" },
        property: "gateway",
        message: /makes the tier CIDR 10\.20\.1\.0\/24, which is not inside the VPC's CIDR 10\.10\.0\.0\/16/,
    },
    {
        kind: "Network",
        case: "tier CIDR overlapping another tier",
        inputs: { ...TIER, gateway: "10.10.0.1", netmask: "255.255.0.0", vpcCidr: "10.10.0.0/16", vpcTiers: { app: "10.10.2.0/24" } },
        property: "gateway",
        message: /makes the tier CIDR 10\.10\.0\.0\/16, which overlaps tier 'app' \(10\.10\.2\.0\/24\) of the same VPC/,
    },
    {
        kind: "Network",
        case: "tier outside the VPC CIDR while the VPC's id is not known yet (its preview)",
        inputs: { ...TIER, vpc: UNKNOWN, gateway: "10.20.1.1" },
        property: "gateway",
        message: /which is not inside the VPC's CIDR 10\.10\.0\.0\/16/,
    },
    {
        kind: "Network",
        case: "aclList without vpc",
        inputs: { name: "n", zone: "zone1", aclList: "default_allow" },
        property: "aclList",
        message: /applies to VPC tiers only: set vpc too/,
    },
    // ---- addresses and rules of a VPC ----
    {
        kind: "PublicIpAddress",
        case: "vpc and network together",
        inputs: { vpc: "v", network: "web" },
        property: "vpc",
        message: /and network are exclusive: a VPC's address is tied to a tier by its rules/,
    },
    {
        kind: "PortForwardingRule",
        case: "openFirewall on a VPC tier",
        inputs: { ...PF, network: "web", openFirewall: true },
        property: "openFirewall",
        message: /cannot be true for a rule on a VPC tier \(Mold: Can't have openFirewall=true when IP address belongs to VPC\)/,
    },
    {
        kind: "LoadBalancerRule",
        case: "openFirewall on a VPC tier",
        inputs: { ...LB, network: "web", openFirewall: true },
        property: "openFirewall",
        message: /cannot be true for a rule on a VPC tier/,
    },
];
