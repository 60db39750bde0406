// Bad-input rows of spreading and offline installs (issue 13 §5): the registry mirror and the affinity inputs
// of NodeGroup (KubeadmCluster passes them to its groups), and AffinityGroup. The host-count rule needs Mold
// (listHosts): it is checked at preview through the engine (test/e2e/kubeadm-spread.test.ts).
import { CP, NG, Row } from "./common";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

export const SPREAD_ROWS: Row[] = [
    {
        kind: "NodeGroup",
        case: "registry mirror without a scheme",
        inputs: { ...CP, registry: { mirror: "registry.internal:5000" } },
        property: "registry.mirror",
        message: /must be a URL http\(s\):\/\/host\[:port\]\[\/path\], got 'registry\.internal:5000'/,
    },
    {
        kind: "NodeGroup",
        case: "registry mirror with another scheme",
        inputs: { ...NG, registry: { mirror: "ftp://registry.internal" } },
        property: "registry.mirror",
        message: /must be a URL/,
    },
    {
        kind: "NodeGroup",
        case: "registry mirror with credentials in the URL",
        inputs: { ...NG, registry: { mirror: "https://u:p@registry.internal" } },
        property: "registry.mirror",
        message: /must be a URL/,
    },
    {
        kind: "NodeGroup",
        case: "registry without a mirror",
        inputs: { ...NG, registry: { username: "u", password: "p" } },
        property: "registry.mirror",
        message: /is required/,
    },
    {
        kind: "NodeGroup",
        case: "registry password without a user",
        inputs: { ...NG, registry: { mirror: "https://r.internal", password: "p" } },
        property: "registry.username",
        message: /given together/,
    },
    {
        kind: "NodeGroup",
        case: "registry CA that is not a PEM certificate",
        inputs: { ...NG, registry: { mirror: "https://r.internal", caCert: CA.replace("CERTIFICATE", "PRIVATE KEY") } },
        property: "registry.caCert",
        message: /must be a PEM certificate/,
    },
    {
        kind: "NodeGroup",
        case: "registry not an object",
        inputs: { ...NG, registry: "https://r.internal" },
        property: "registry",
        message: /must be an object/,
    },
    {
        kind: "NodeGroup",
        case: "antiAffinity not a boolean",
        inputs: { ...NG, antiAffinity: "yes" },
        property: "antiAffinity",
        message: /must be true or false/,
    },
    { kind: "NodeGroup", case: "affinityGroups not a list", inputs: { ...NG, affinityGroups: "web" }, property: "affinityGroups", message: /must be a list/ },
    {
        kind: "NodeGroup",
        case: "an empty affinity group name",
        inputs: { ...NG, affinityGroups: ["web", ""] },
        property: "affinityGroups[1]",
        message: /non-empty name or id/,
    },
    {
        kind: "NodeGroup",
        case: "an affinity group named twice",
        inputs: { ...NG, affinityGroups: ["web", "web"] },
        property: "affinityGroups",
        message: /more than once/,
    },
    { kind: "AffinityGroup", case: "missing name", inputs: {}, property: "name", message: /is required/ },
    {
        kind: "AffinityGroup",
        case: "unknown type",
        inputs: { name: "g", type: "rack affinity" },
        property: "type",
        message: /must be one of host anti-affinity/,
    },
    { kind: "AffinityGroup", case: "an administrator's type", inputs: { name: "g", type: "ExplicitDedication" }, property: "type", message: /must be one of/ },
    {
        kind: "AffinityGroup",
        case: "description beyond Mold's 4096",
        inputs: { name: "g", description: "x".repeat(4097) },
        property: "description",
        message: /at most 4096/,
    },
];
