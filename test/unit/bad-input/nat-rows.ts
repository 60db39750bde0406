// Bad-input rows of issue 15's StaticNat, KubernetesVersion, PrivateGateway and StaticRoute that check alone can
// judge. Static NAT on an IP that carries port forwards needs Mold's rule lists: it is refused at preview through
// the engine (test/e2e/static-nat.test.ts).
import { Row } from "./common";

/** Valid inputs, one property spoiled per row. */
export const KV = { semanticVersion: "1.34.2", url: "https://download.example/k8s.iso", minCpuNumber: 2, minMemory: 2048 };
export const NAT = { ipAddressId: "ip", virtualMachine: "vm" };

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
];
