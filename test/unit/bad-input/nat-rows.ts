// Bad-input rows of issue 15's StaticNat, KubernetesVersion, PrivateGateway and StaticRoute that check alone can
// judge. Static NAT on an IP that carries port forwards needs Mold's rule lists: it is refused at preview through
// the engine (test/e2e/static-nat.test.ts).
import { Row } from "./common";

/** Valid inputs, one property spoiled per row. */
export const KV = { semanticVersion: "1.34.2", url: "https://download.example/k8s.iso", minCpuNumber: 2, minMemory: 2048 };
export const NAT = { ipAddressId: "ip", virtualMachine: "vm" };
export const PGW = { vpc: "vpc", ipAddress: "10.200.0.2", gateway: "10.200.0.1", netmask: "255.255.255.0", vlan: "200" };
export const ROUTE = { cidr: "192.168.100.0/24", privateGateway: "gw" };

export const NAT_ROWS: Row[] = [
    {
        kind: "KubernetesVersion",
        case: "no URL (nor ISO)",
        inputs: { ...KV, url: undefined },
        property: "url",
        message: /is required: the URL of the Kubernetes binaries ISO/,
    },
    { kind: "KubernetesVersion", case: "an empty URL", inputs: { ...KV, url: "" }, property: "url", message: /is required/ },
    {
        kind: "KubernetesVersion",
        case: "a URL that is not http(s)",
        inputs: { ...KV, url: "file:///iso" },
        property: "url",
        message: /must be an http or https URL/,
    },
    {
        kind: "KubernetesVersion",
        case: "not MAJOR.MINOR.PATCH",
        inputs: { ...KV, semanticVersion: "1.34" },
        property: "semanticVersion",
        message: /must be MAJOR\.MINOR\.PATCH/,
    },
    {
        kind: "KubernetesVersion",
        case: "older than Mold supports",
        inputs: { ...KV, semanticVersion: "1.10.9" },
        property: "semanticVersion",
        message: /1\.11\.0 and newer/,
    },
    { kind: "KubernetesVersion", case: "one vCPU", inputs: { ...KV, minCpuNumber: 1 }, property: "minCpuNumber", message: /from 2/ },
    { kind: "KubernetesVersion", case: "1 GB of memory", inputs: { ...KV, minMemory: 1024 }, property: "minMemory", message: /from 2048/ },
    { kind: "KubernetesVersion", case: "an unknown arch", inputs: { ...KV, arch: "ppc64" }, property: "arch", message: /must be one of x86_64, aarch64/ },
    { kind: "StaticNat", case: "no VM", inputs: { ...NAT, virtualMachine: undefined }, property: "virtualMachine", message: /is required/ },
    {
        kind: "StaticNat",
        case: "a guest IP that is no address",
        inputs: { ...NAT, vmGuestIp: "10.1.1.300" },
        property: "vmGuestIp",
        message: /is not a valid IPv4 address/,
    },
    {
        kind: "PrivateGateway",
        case: "address outside the gateway's subnet",
        inputs: { ...PGW, ipAddress: "10.201.0.2" },
        property: "ipAddress",
        message: /is not in the gateway's subnet/,
    },
    {
        kind: "PrivateGateway",
        case: "address equal to the gateway",
        inputs: { ...PGW, ipAddress: "10.200.0.1" },
        property: "ipAddress",
        message: /must differ from the gateway/,
    },
    {
        kind: "PrivateGateway",
        case: "the broadcast address",
        inputs: { ...PGW, ipAddress: "10.200.0.255" },
        property: "ipAddress",
        message: /network or broadcast address/,
    },
    { kind: "PrivateGateway", case: "a netmask that is not contiguous", inputs: { ...PGW, netmask: "255.0.255.0" }, property: "netmask", message: /./ },
    {
        kind: "PrivateGateway",
        case: "neither vlan nor associatedNetwork",
        inputs: { ...PGW, vlan: undefined },
        property: "vlan",
        message: /or associatedNetwork is required/,
    },
    {
        kind: "PrivateGateway",
        case: "both vlan and associatedNetwork",
        inputs: { ...PGW, associatedNetwork: "net" },
        property: "vlan",
        message: /exclude each other/,
    },
    { kind: "PrivateGateway", case: "no VPC", inputs: { ...PGW, vpc: undefined }, property: "vpc", message: /is required/ },
    { kind: "StaticRoute", case: "not a CIDR", inputs: { ...ROUTE, cidr: "192.168.100.0/33" }, property: "cidr", message: /is not a valid IPv4 CIDR/ },
    { kind: "StaticRoute", case: "link-local", inputs: { ...ROUTE, cidr: "169.254.10.0/24" }, property: "cidr", message: /outside link-local/ },
    {
        kind: "StaticRoute",
        case: "a gateway and a next hop",
        inputs: { ...ROUTE, vpc: "vpc", nextHop: "10.200.0.50" },
        property: "privateGateway",
        message: /excludes vpc and nextHop/,
    },
    { kind: "StaticRoute", case: "neither gateway nor next hop", inputs: { cidr: ROUTE.cidr }, property: "privateGateway", message: /or nextHop is required/ },
    {
        kind: "StaticRoute",
        case: "a next hop without its VPC",
        inputs: { cidr: ROUTE.cidr, nextHop: "10.200.0.50" },
        property: "vpc",
        message: /is needed with nextHop/,
    },
    {
        kind: "StaticRoute",
        case: "a next hop that is no address",
        inputs: { cidr: ROUTE.cidr, vpc: "vpc", nextHop: "10.200.0" },
        property: "nextHop",
        message: /is not a valid IPv4 address/,
    },
];
