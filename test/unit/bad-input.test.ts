// Bad input is refused at check, naming the property, with zero API calls: every hook runs here with
// no Mold settings at all, so a check that tried to reach Mold would fail with a configuration error
// instead of the expected message. One row per case; each resource's rows in its own block.
import test from "ava";
import { runHook } from "../../provider";

interface Row {
    kind: string;
    /** What the case is about, for the test title. */
    case: string;
    inputs: Record<string, unknown>;
    property: string;
    message: RegExp;
    /** Previous inputs, for rules about a change (KubernetesCluster's upgrade step); default {}. */
    olds?: Record<string, unknown>;
}

/** VirtualMachine rows: valid inputs, one property spoiled per row. */
const VM = { zone: "zone1", template: "ubuntu-22.04", serviceOffering: "1C-1GB", networks: ["net"] };

/** LoadBalancerRule rows: valid inputs, one property spoiled per row. */
const LB = { name: "web", algorithm: "roundrobin", publicIpAddressId: "ip", publicPort: 80, privatePort: 8080 };

/** EgressFirewallRule and PortForwardingRule rows: valid inputs, one property spoiled per row. */
const EGRESS = { network: "net", protocol: "tcp", startPort: 80 };
const PF = { ipAddressId: "ip", protocol: "tcp", publicPort: 2222, privatePort: 22, virtualMachine: "vm" };

/** KubernetesCluster rows: valid inputs, one property spoiled per row. */
const K8S = { name: "demo", zone: "zone1", kubernetesVersion: "1.31.9", serviceOffering: "2C-4GB", size: 2 };

/** NodeGroup rows: a valid control-plane group and a valid worker group, one property spoiled per row. */
const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
const NG = {
    clusterName: "ha",
    name: "workers",
    zone: "zone1",
    network: "net",
    serviceOffering: "2C-4GB",
    template: "ubuntu-22.04",
    keyPair: "k",
    sshPrivateKey: KEY,
    publicIpAddressId: "ip",
    sshPortStart: 22100,
    kubernetesVersion: "1.32.5",
    count: 2,
    role: "worker",
    controlPlaneNodes: [],
};
const CP = {
    ...NG,
    name: "control-plane",
    role: "control-plane",
    count: 3,
    sshPortStart: 22000,
    controlPlaneEndpoint: "127.1.0.5:6443",
    apiLoadBalancerRuleId: "lb",
};

const ROWS: Row[] = [
    // ---- Network ----
    { kind: "Network", case: "missing name", inputs: { zone: "zone1" }, property: "name", message: /name is required/ },
    { kind: "Network", case: "empty name", inputs: { name: " ", zone: "zone1" }, property: "name", message: /name must not be empty/ },
    { kind: "Network", case: "name too long", inputs: { name: "n".repeat(256), zone: "zone1" }, property: "name", message: /at most 255 characters, got 256/ },
    { kind: "Network", case: "missing zone", inputs: { name: "n" }, property: "zone", message: /zone is required/ },
    {
        kind: "Network",
        case: "bad gateway",
        inputs: { name: "n", zone: "z", gateway: "10.1.300.1", netmask: "255.255.255.0" },
        property: "gateway",
        message: /not a valid IPv4 address: '10\.1\.300\.1'/,
    },
    {
        kind: "Network",
        case: "gateway without netmask",
        inputs: { name: "n", zone: "z", gateway: "10.1.1.1" },
        property: "gateway",
        message: /gateway and netmask must be given together/,
    },
    { kind: "Network", case: "empty tag value", inputs: { name: "n", zone: "z", tags: { team: "" } }, property: "tags.team", message: /non-empty string/ },
    // ---- PublicIpAddress ----
    { kind: "PublicIpAddress", case: "neither network nor zone", inputs: {}, property: "network", message: /network or zone is required/ },
    // ---- FirewallRule ----
    { kind: "FirewallRule", case: "missing IP", inputs: { protocol: "tcp", startPort: 22 }, property: "ipAddressId", message: /ipAddressId is required/ },
    {
        kind: "FirewallRule",
        case: "unknown protocol",
        inputs: { ipAddressId: "ip", protocol: "sctp", startPort: 22 },
        property: "protocol",
        message: /one of tcp, udp, icmp, got 'sctp'/,
    },
    {
        kind: "FirewallRule",
        case: "port 0",
        inputs: { ipAddressId: "ip", protocol: "tcp", startPort: 0 },
        property: "startPort",
        message: /between 1 and 65535, got 0/,
    },
    {
        kind: "FirewallRule",
        case: "port above 65535",
        inputs: { ipAddressId: "ip", protocol: "udp", startPort: 53, endPort: 65536 },
        property: "endPort",
        message: /between 1 and 65535, got 65536/,
    },
    {
        kind: "FirewallRule",
        case: "start above end",
        inputs: { ipAddressId: "ip", protocol: "tcp", startPort: 90, endPort: 80 },
        property: "startPort",
        message: /\(90\) must not be above endPort \(80\)/,
    },
    {
        kind: "FirewallRule",
        case: "bad CIDR",
        inputs: { ipAddressId: "ip", protocol: "tcp", startPort: 22, cidrList: ["10.0.0.0/8", "300.0.0.0/8"] },
        property: "cidrList[1]",
        message: /not a valid IPv4 CIDR: '300\.0\.0\.0\/8'/,
    },
    {
        kind: "FirewallRule",
        case: "ICMP fields on tcp",
        inputs: { ipAddressId: "ip", protocol: "tcp", startPort: 22, icmpType: 8 },
        property: "icmpType",
        message: /only apply to icmp rules/,
    },
    {
        kind: "FirewallRule",
        case: "ports on icmp",
        inputs: { ipAddressId: "ip", protocol: "icmp", startPort: 22 },
        property: "startPort",
        message: /do not apply to icmp rules/,
    },
    // ---- EgressFirewallRule ----
    { kind: "EgressFirewallRule", case: "missing network", inputs: { ...EGRESS, network: undefined }, property: "network", message: /network is required/ },
    {
        kind: "EgressFirewallRule",
        case: "unknown protocol",
        inputs: { ...EGRESS, protocol: "gre" },
        property: "protocol",
        message: /one of tcp, udp, icmp, all, got 'gre'/,
    },
    {
        kind: "EgressFirewallRule",
        case: "bad source CIDR",
        inputs: { ...EGRESS, cidrList: ["10.1.1.0/33"] },
        property: "cidrList[0]",
        message: /not a valid IPv4 CIDR: '10\.1\.1\.0\/33'/,
    },
    {
        kind: "EgressFirewallRule",
        case: "destination without prefix",
        inputs: { ...EGRESS, destCidrList: ["8.8.8.8"] },
        property: "destCidrList[0]",
        message: /not a valid IPv4 CIDR: '8\.8\.8\.8'/,
    },
    {
        kind: "EgressFirewallRule",
        case: "port above 65535",
        inputs: { ...EGRESS, endPort: 65536 },
        property: "endPort",
        message: /between 1 and 65535, got 65536/,
    },
    {
        kind: "EgressFirewallRule",
        case: "start above end",
        inputs: { ...EGRESS, startPort: 443, endPort: 80 },
        property: "startPort",
        message: /\(443\) must not be above endPort \(80\)/,
    },
    {
        kind: "EgressFirewallRule",
        case: "end port without start",
        inputs: { ...EGRESS, startPort: undefined, endPort: 80 },
        property: "endPort",
        message: /endPort needs startPort/,
    },
    {
        kind: "EgressFirewallRule",
        case: "ICMP fields on udp",
        inputs: { ...EGRESS, protocol: "udp", icmpCode: 0 },
        property: "icmpType",
        message: /only apply to icmp rules/,
    },
    {
        kind: "EgressFirewallRule",
        case: "ports on protocol all",
        inputs: { ...EGRESS, protocol: "all" },
        property: "startPort",
        message: /do not apply to all rules/,
    },
    {
        kind: "EgressFirewallRule",
        case: "ICMP type out of range",
        inputs: { network: "net", protocol: "icmp", icmpType: 256 },
        property: "icmpType",
        message: /integer from -1 \(any\) to 255, got 256/,
    },
    // ---- PortForwardingRule ----
    { kind: "PortForwardingRule", case: "icmp protocol", inputs: { ...PF, protocol: "icmp" }, property: "protocol", message: /one of tcp, udp, got 'icmp'/ },
    { kind: "PortForwardingRule", case: "public port 0", inputs: { ...PF, publicPort: 0 }, property: "publicPort", message: /between 1 and 65535, got 0/ },
    {
        kind: "PortForwardingRule",
        case: "private port above 65535",
        inputs: { ...PF, privatePort: 70000 },
        property: "privatePort",
        message: /between 1 and 65535, got 70000/,
    },
    {
        kind: "PortForwardingRule",
        case: "missing private port",
        inputs: { ...PF, privatePort: undefined },
        property: "privatePort",
        message: /privatePort is required/,
    },
    {
        kind: "PortForwardingRule",
        case: "public start above end",
        inputs: { ...PF, publicPort: 8010, publicEndPort: 8000 },
        property: "publicPort",
        message: /\(8010\) must not be above publicEndPort \(8000\)/,
    },
    {
        kind: "PortForwardingRule",
        case: "ranges of different lengths",
        inputs: { ...PF, publicPort: 8000, publicEndPort: 8010, privatePort: 8000, privateEndPort: 8005 },
        property: "privateEndPort",
        message: /private range 8000-8005 of another length than the public range 8000-8010/,
    },
    {
        kind: "PortForwardingRule",
        case: "range translated",
        inputs: { ...PF, publicPort: 8000, publicEndPort: 8010, privatePort: 9000, privateEndPort: 9010 },
        property: "privatePort",
        message: /must equal publicPort \(8000\) for a port range/,
    },
    {
        kind: "PortForwardingRule",
        case: "missing VM",
        inputs: { ...PF, virtualMachine: undefined },
        property: "virtualMachine",
        message: /virtualMachine is required/,
    },
    {
        kind: "PortForwardingRule",
        case: "bad guest IP",
        inputs: { ...PF, vmGuestIp: "10.1.1.256" },
        property: "vmGuestIp",
        message: /not a valid IPv4 address: '10\.1\.1\.256'/,
    },
    {
        kind: "PortForwardingRule",
        case: "bad CIDR",
        inputs: { ...PF, cidrList: ["0.0.0.0/0", "10.0.0.0/99"] },
        property: "cidrList[1]",
        message: /not a valid IPv4 CIDR: '10\.0\.0\.0\/99'/,
    },
    {
        kind: "PortForwardingRule",
        case: "openFirewall not a boolean",
        inputs: { ...PF, openFirewall: "yes" },
        property: "openFirewall",
        message: /must be true or false, got "yes"/,
    },
    // ---- end of EgressFirewallRule / PortForwardingRule ----
    // ---- VirtualMachine ----
    { kind: "VirtualMachine", case: "missing zone, template, offering, networks", inputs: {}, property: "networks", message: /networks is required/ },
    { kind: "VirtualMachine", case: "missing template", inputs: { ...VM, template: undefined }, property: "template", message: /template is required/ },
    {
        kind: "VirtualMachine",
        case: "host name starting with a digit",
        inputs: { ...VM, name: "1web" },
        property: "name",
        message: /'1web' is not a valid host name/,
    },
    { kind: "VirtualMachine", case: "host name starting with a hyphen", inputs: { ...VM, name: "-web" }, property: "name", message: /not a valid host name/ },
    {
        kind: "VirtualMachine",
        case: "host name with an underscore",
        inputs: { ...VM, name: "web_1" },
        property: "name",
        message: /letters, digits and hyphens only/,
    },
    { kind: "VirtualMachine", case: "host name too long", inputs: { ...VM, name: "w".repeat(64) }, property: "name", message: /at most 63 characters, got 64/ },
    { kind: "VirtualMachine", case: "empty network list", inputs: { ...VM, networks: [] }, property: "networks", message: /at least one network/ },
    { kind: "VirtualMachine", case: "networks not a list", inputs: { ...VM, networks: "net" }, property: "networks", message: /must be a list/ },
    {
        kind: "VirtualMachine",
        case: "repeated network",
        inputs: { ...VM, networks: ["net", "net"] },
        property: "networks",
        message: /lists "net" more than once/,
    },
    {
        kind: "VirtualMachine",
        case: "unknown desired state",
        inputs: { ...VM, desiredState: "paused" },
        property: "desiredState",
        message: /one of running, stopped, got 'paused'/,
    },
    {
        kind: "VirtualMachine",
        case: "root disk size 0",
        inputs: { ...VM, rootDiskSize: 0 },
        property: "rootDiskSize",
        message: /whole number of GB, at least 1, got 0/,
    },
    {
        kind: "VirtualMachine",
        case: "fractional root disk size",
        inputs: { ...VM, rootDiskSize: 10.5 },
        property: "rootDiskSize",
        message: /whole number of GB/,
    },
    { kind: "VirtualMachine", case: "empty user data", inputs: { ...VM, userData: "" }, property: "userData", message: /must not be empty/ },
    {
        kind: "VirtualMachine",
        case: "empty affinity group",
        inputs: { ...VM, affinityGroups: ["ag", ""] },
        property: "affinityGroups[1]",
        message: /non-empty name or id/,
    },
    { kind: "VirtualMachine", case: "empty key pair", inputs: { ...VM, keyPair: "" }, property: "keyPair", message: /must not be empty/ },
    // ---- SshKeyPair ----
    { kind: "SshKeyPair", case: "missing name", inputs: {}, property: "name", message: /name is required/ },
    { kind: "SshKeyPair", case: "empty name", inputs: { name: "  " }, property: "name", message: /name must not be empty/ },
    { kind: "SshKeyPair", case: "name too long", inputs: { name: "k".repeat(256) }, property: "name", message: /at most 255 characters, got 256/ },
    {
        kind: "SshKeyPair",
        case: "PEM private key as public key",
        inputs: { name: "k", publicKey: "-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----" },
        property: "publicKey",
        message: /looks like a PRIVATE key/,
    },
    {
        kind: "SshKeyPair",
        case: "OpenSSH private key as public key",
        inputs: { name: "k", publicKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----" },
        property: "publicKey",
        message: /looks like a PRIVATE key/,
    },
    {
        kind: "SshKeyPair",
        case: "unknown key type",
        inputs: { name: "k", publicKey: "ssh-foo AAAAB3NzaC1yc2E user@host" },
        property: "publicKey",
        message: /not an OpenSSH public key/,
    },
    { kind: "SshKeyPair", case: "public key of spaces", inputs: { name: "k", publicKey: "   " }, property: "publicKey", message: /must not be empty/ },
    // ---- end of VirtualMachine / SshKeyPair ----
    // ---- LoadBalancerRule ----
    { kind: "LoadBalancerRule", case: "missing name", inputs: { ...LB, name: undefined }, property: "name", message: /name is required/ },
    { kind: "LoadBalancerRule", case: "name too long", inputs: { ...LB, name: "w".repeat(256) }, property: "name", message: /at most 255 characters, got 256/ },
    {
        kind: "LoadBalancerRule",
        case: "missing public IP",
        inputs: { ...LB, publicIpAddressId: undefined },
        property: "publicIpAddressId",
        message: /publicIpAddressId is required/,
    },
    {
        kind: "LoadBalancerRule",
        case: "unknown algorithm",
        inputs: { ...LB, algorithm: "random" },
        property: "algorithm",
        message: /one of roundrobin, leastconn, source, got 'random'/,
    },
    {
        kind: "LoadBalancerRule",
        case: "unknown protocol",
        inputs: { ...LB, protocol: "ssl" },
        property: "protocol",
        message: /one of tcp, udp, tcp-proxy, got 'ssl'/,
    },
    { kind: "LoadBalancerRule", case: "public port 0", inputs: { ...LB, publicPort: 0 }, property: "publicPort", message: /between 1 and 65535, got 0/ },
    {
        kind: "LoadBalancerRule",
        case: "private port above 65535",
        inputs: { ...LB, privatePort: 70000 },
        property: "privatePort",
        message: /between 1 and 65535, got 70000/,
    },
    {
        kind: "LoadBalancerRule",
        case: "members managed elsewhere and given",
        inputs: { ...LB, manageMembers: false, members: ["web-1"] },
        property: "members",
        message: /cannot be given with manageMembers: false/,
    },
    { kind: "LoadBalancerRule", case: "empty member list", inputs: { ...LB, members: [] }, property: "members", message: /must not be empty: omit it/ },
    { kind: "LoadBalancerRule", case: "repeated member", inputs: { ...LB, members: ["web-1", "web-1"] }, property: "members[1]", message: /repeats "web-1"/ },
    {
        kind: "LoadBalancerRule",
        case: "member with a bad address",
        inputs: { ...LB, members: [{ vm: "web-1", ip: "10.1.1" }] },
        property: "members[0].ip",
        message: /not a valid IPv4 address: '10\.1\.1'/,
    },
    {
        kind: "LoadBalancerRule",
        case: "unknown stickiness method",
        inputs: { ...LB, stickinessPolicy: { method: "Cookie", name: "s" } },
        property: "stickinessPolicy.method",
        message: /one of LbCookie, AppCookie, SourceBased, got 'Cookie'/,
    },
    {
        kind: "LoadBalancerRule",
        case: "stickiness parameter of another method",
        inputs: { ...LB, stickinessPolicy: { method: "SourceBased", name: "s", params: { "cookie-name": "x" } } },
        property: "stickinessPolicy.params.cookie-name",
        message: /not a parameter of SourceBased \(allowed: tablesize, expire\)/,
    },
    {
        kind: "LoadBalancerRule",
        case: "stickiness parameter without value",
        inputs: { ...LB, stickinessPolicy: { method: "LbCookie", name: "s", params: { "cookie-name": "" } } },
        property: "stickinessPolicy.params.cookie-name",
        message: /needs a value/,
    },
    {
        kind: "LoadBalancerRule",
        case: "stickiness without name",
        inputs: { ...LB, stickinessPolicy: { method: "LbCookie" } },
        property: "stickinessPolicy.name",
        message: /stickinessPolicy\.name is required/,
    },
    {
        kind: "LoadBalancerRule",
        case: "health-check timeout above interval",
        inputs: { ...LB, healthCheckPolicy: { interval: 5, responseTimeout: 10 } },
        property: "healthCheckPolicy.responseTimeout",
        message: /\(10\) must not exceed interval \(5\)/,
    },
    {
        kind: "LoadBalancerRule",
        case: "health-check interval out of range",
        inputs: { ...LB, healthCheckPolicy: { interval: 0 } },
        property: "healthCheckPolicy.interval",
        message: /integer from 1 to 20940, got 0/,
    },
    {
        kind: "LoadBalancerRule",
        case: "health-check ping path",
        inputs: { ...LB, healthCheckPolicy: { pingPath: "health" } },
        property: "healthCheckPolicy.pingPath",
        message: /path starting with '\/'/,
    },
    // ---- KubernetesCluster ----
    { kind: "KubernetesCluster", case: "size below 1", inputs: { ...K8S, size: 0 }, property: "size", message: /at least 1 worker node, got 0/ },
    {
        kind: "KubernetesCluster",
        case: "control nodes below 1",
        inputs: { ...K8S, controlNodes: 0 },
        property: "controlNodes",
        message: /at least 1 control node, got 0/,
    },
    {
        kind: "KubernetesCluster",
        case: "even HA control nodes",
        inputs: { ...K8S, controlNodes: 2 },
        property: "controlNodes",
        message: /odd number of control nodes.*quorum.*use 1 or 3/,
    },
    {
        kind: "KubernetesCluster",
        case: "autoscaling min above max",
        inputs: { ...K8S, autoscaling: { enabled: true, minSize: 5, maxSize: 3 } },
        property: "autoscaling.minSize",
        message: /\(5\) must be below autoscaling\.maxSize \(3\)/,
    },
    {
        kind: "KubernetesCluster",
        case: "size outside min..max",
        inputs: { ...K8S, size: 9, autoscaling: { enabled: true, minSize: 1, maxSize: 4 } },
        property: "size",
        message: /\(9\) must be within autoscaling\.minSize\.\.maxSize \(1\.\.4\)/,
    },
    {
        kind: "KubernetesCluster",
        case: "registry password without URL",
        inputs: { ...K8S, privateRegistry: { username: "u", password: "p" } },
        property: "privateRegistry.url",
        message: /required when a registry username or password is given/,
    },
    {
        kind: "KubernetesCluster",
        case: "root disk below 8 GB",
        inputs: { ...K8S, nodeRootDiskSize: 4 },
        property: "nodeRootDiskSize",
        message: /at least 8 GB/,
    },
    {
        kind: "KubernetesCluster",
        case: "name with an underscore",
        inputs: { ...K8S, name: "my_cluster" },
        property: "name",
        message: /not a valid cluster name/,
    },
    {
        kind: "KubernetesCluster",
        case: "upgrade skipping a minor",
        olds: { ...K8S },
        inputs: { ...K8S, kubernetesVersion: "1.33.1" },
        property: "kubernetesVersion",
        message: /from 1\.31\.9 to 1\.33\.1.*1\.31\.x \(≥ 1\.31\.9\) or 1\.32\.x/,
    },
    {
        kind: "KubernetesCluster",
        case: "downgrade",
        olds: { ...K8S, kubernetesVersion: "v1.32.5" },
        inputs: { ...K8S, kubernetesVersion: "1.31.9" },
        property: "kubernetesVersion",
        message: /from 1\.32\.5 to 1\.31\.9.*can not be downgraded/,
    },
    {
        kind: "KubernetesCluster",
        case: "timeout not positive",
        inputs: { ...K8S, timeouts: { create: 0 } },
        property: "timeouts.create",
        message: /positive number of minutes/,
    },
    // ---- end of KubernetesCluster ----
    // ---- NodeGroup ----
    {
        kind: "NodeGroup",
        case: "even control-plane count",
        inputs: { ...CP, count: 2 },
        property: "count",
        message: /1, 3, 5, 7 \(etcd needs an odd number.*got 2/,
    },
    {
        kind: "NodeGroup",
        case: "four control-plane nodes",
        inputs: { ...CP, count: 4 },
        property: "count",
        message: /odd number of members for a quorum\), got 4/,
    },
    {
        kind: "NodeGroup",
        case: "pod CIDR overlaps the service CIDR",
        inputs: { ...CP, podCidr: "10.96.0.0/16" },
        property: "podCidr",
        message: /10\.96\.0\.0\/16 overlaps serviceCidr 10\.96\.0\.0\/12/,
    },
    {
        kind: "NodeGroup",
        case: "pod CIDR overlaps the network",
        inputs: { ...CP, podCidr: "10.1.0.0/16", networkCidr: "10.1.0.0/24" },
        property: "podCidr",
        message: /overlaps the network's CIDR 10\.1\.0\.0\/24/,
    },
    {
        kind: "NodeGroup",
        case: "service CIDR overlaps the network",
        inputs: { ...CP, serviceCidr: "10.1.0.0/20", networkCidr: "10.1.0.0/24" },
        property: "serviceCidr",
        message: /overlaps the network's CIDR/,
    },
    { kind: "NodeGroup", case: "pod CIDR not a CIDR", inputs: { ...CP, podCidr: "10.244.0.0/33" }, property: "podCidr", message: /not a valid IPv4 CIDR/ },
    { kind: "NodeGroup", case: "unknown CNI", inputs: { ...CP, cni: "weave" }, property: "cni", message: /one of flannel, calico, got 'weave'/ },
    {
        kind: "NodeGroup",
        case: "label key with two slashes",
        inputs: { ...NG, labels: { "a/b/c": "x" } },
        property: "labels.a/b/c",
        message: /not a valid label key: may contain at most one '\/'/,
    },
    {
        kind: "NodeGroup",
        case: "label key with a space",
        inputs: { ...NG, labels: { "my pool": "x" } },
        property: "labels.my pool",
        message: /not a valid label key: name part/,
    },
    {
        kind: "NodeGroup",
        case: "label key with an upper-case prefix",
        inputs: { ...NG, labels: { "Example.com/pool": "x" } },
        property: "labels.Example.com/pool",
        message: /invalid prefix 'Example\.com'/,
    },
    {
        kind: "NodeGroup",
        case: "label value too long",
        inputs: { ...NG, labels: { pool: "v".repeat(64) } },
        property: "labels.pool",
        message: /at most 63 characters/,
    },
    {
        kind: "NodeGroup",
        case: "unknown taint effect",
        inputs: { ...NG, taints: [{ key: "dedicated", value: "batch", effect: "NoScheduleAtAll" }] },
        property: "taints[0].effect",
        message: /one of NoSchedule, PreferNoSchedule, NoExecute, got 'NoScheduleAtAll'/,
    },
    {
        kind: "NodeGroup",
        case: "taint key invalid",
        inputs: { ...NG, taints: [{ key: "-bad", effect: "NoSchedule" }] },
        property: "taints[0].key",
        message: /not a valid taint key/,
    },
    {
        kind: "NodeGroup",
        case: "repeated taint",
        inputs: {
            ...NG,
            taints: [
                { key: "a", effect: "NoSchedule" },
                { key: "a", value: "b", effect: "NoSchedule" },
            ],
        },
        property: "taints[1]",
        message: /repeats taint a:NoSchedule/,
    },
    {
        kind: "NodeGroup",
        case: "version pkgs.k8s.io does not publish",
        inputs: { ...NG, kubernetesVersion: "1.20.4" },
        property: "kubernetesVersion",
        message: /1\.20\.4 is not published by pkgs\.k8s\.io.*1\.24\.x to 1\.35\.x/,
    },
    {
        kind: "NodeGroup",
        case: "version the template cannot run",
        inputs: { ...NG, template: "ubuntu-20.04", kubernetesVersion: "1.35.0" },
        property: "kubernetesVersion",
        message: /1\.35\.0 cannot run on template 'ubuntu-20\.04'.*cgroup v1/,
    },
    {
        kind: "NodeGroup",
        case: "template of an OS without the packages",
        inputs: { ...NG, template: "rocky-9" },
        property: "kubernetesVersion",
        message: /cannot be installed on template 'rocky-9'/,
    },
    {
        kind: "NodeGroup",
        case: "version not semantic",
        inputs: { ...NG, kubernetesVersion: "1.32" },
        property: "kubernetesVersion",
        message: /MAJOR\.MINOR\.PATCH/,
    },
    { kind: "NodeGroup", case: "unknown role", inputs: { ...NG, role: "etcd" }, property: "role", message: /one of control-plane, worker, got 'etcd'/ },
    {
        kind: "NodeGroup",
        case: "public key instead of the private key",
        inputs: { ...NG, sshPrivateKey: "ssh-ed25519 AAAA" },
        property: "sshPrivateKey",
        message: /PRIVATE KEY/,
    },
    {
        kind: "NodeGroup",
        case: "endpoint without a port",
        inputs: { ...CP, controlPlaneEndpoint: "127.1.0.5" },
        property: "controlPlaneEndpoint",
        message: /host:port/,
    },
    { kind: "NodeGroup", case: "group name with upper case", inputs: { ...NG, name: "Workers" }, property: "name", message: /lower-case letters/ },
    {
        kind: "NodeGroup",
        case: "SSH port block past 65535",
        inputs: { ...NG, sshPortStart: 65500 },
        property: "sshPortStart",
        message: /no room for 100 node ports/,
    },
    { kind: "NodeGroup", case: "worker count above 100", inputs: { ...NG, count: 101 }, property: "count", message: /at most 100/ },
    {
        kind: "NodeGroup",
        case: "in-place upgrade",
        olds: { ...NG },
        inputs: { ...NG, kubernetesVersion: "1.33.1" },
        property: "kubernetesVersion",
        message: /cannot change from 1\.32\.5 to 1\.33\.1/,
    },
    {
        kind: "NodeGroup",
        case: "control plane's pod CIDR changed",
        olds: { ...CP, podCidr: "10.244.0.0/16" },
        inputs: { ...CP, podCidr: "10.200.0.0/16" },
        property: "podCidr",
        message: /cannot change on a control-plane group/,
    },
    {
        kind: "NodeGroup",
        case: "key pair changed",
        olds: { ...NG },
        inputs: { ...NG, keyPair: "k2" },
        property: "keyPair",
        message: /cannot change on an existing group.*accept only the old key/,
    },
    { kind: "NodeGroup", case: "adoption", inputs: { ...NG, importId: "x" }, property: "importId", message: /not supported/ },
    {
        kind: "NodeGroup",
        case: "unknown SSH access",
        inputs: { ...NG, sshAccess: "vpn" },
        property: "sshAccess",
        message: /one of port-forward, control-plane, bastion, got 'vpn'/,
    },
    {
        kind: "NodeGroup",
        case: "control plane reached through itself",
        inputs: { ...CP, sshAccess: "control-plane" },
        property: "sshAccess",
        message: /must be port-forward or bastion/,
    },
    {
        kind: "NodeGroup",
        case: "bastion access without a bastion",
        inputs: { ...NG, sshAccess: "bastion" },
        property: "bastion",
        message: /required with sshAccess: bastion/,
    },
    {
        kind: "NodeGroup",
        case: "bastion host key not a public key",
        inputs: { ...NG, sshAccess: "bastion", bastion: { host: "127.0.0.9", hostPublicKey: "AAAA" } },
        property: "bastion.hostPublicKey",
        message: /OpenSSH host public key/,
    },
    {
        kind: "NodeGroup",
        case: "bastion port out of range",
        inputs: { ...NG, sshAccess: "bastion", bastion: { host: "127.0.0.9", port: 0, hostPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA" } },
        property: "bastion.port",
        message: /between 1 and 65535/,
    },
    {
        kind: "NodeGroup",
        case: "bastion given without bastion access",
        inputs: { ...NG, bastion: { host: "127.0.0.9", hostPublicKey: "ssh-ed25519 AAAA" } },
        property: "bastion",
        message: /only used with sshAccess: bastion/,
    },
    {
        kind: "NodeGroup",
        case: "port-forward access without a port block",
        inputs: { ...NG, sshAccess: "port-forward", sshPortStart: undefined },
        property: "sshPortStart",
        message: /sshPortStart is required/,
    },
    // ---- Mold's limits, whole classes (issue 10): lengths, numeric ranges, subnets, user data ----
    {
        kind: "Network",
        case: "display text too long",
        inputs: { name: "n", zone: "z", displayText: "d".repeat(256) },
        property: "displayText",
        message: /at most 255 characters, got 256/,
    },
    {
        kind: "Network",
        case: "netmask without gateway",
        inputs: { name: "n", zone: "z", netmask: "255.255.255.0" },
        property: "netmask",
        message: /netmask and gateway must be given together/,
    },
    {
        kind: "Network",
        case: "netmask not contiguous",
        inputs: { name: "n", zone: "z", gateway: "10.1.1.1", netmask: "255.0.255.0" },
        property: "netmask",
        message: /not a contiguous netmask/,
    },
    {
        kind: "Network",
        case: "netmask leaving no hosts",
        inputs: { name: "n", zone: "z", gateway: "10.1.1.1", netmask: "255.255.255.255" },
        property: "netmask",
        message: /no room for a gateway/,
    },
    {
        kind: "Network",
        case: "gateway is the network address",
        inputs: { name: "n", zone: "z", gateway: "10.1.2.0", netmask: "255.255.255.0" },
        property: "gateway",
        message: /10\.1\.2\.0 is the network address of 10\.1\.2\.0\/24/,
    },
    {
        kind: "Network",
        case: "gateway is the broadcast address",
        inputs: { name: "n", zone: "z", gateway: "10.1.3.255", netmask: "255.255.255.0" },
        property: "gateway",
        message: /broadcast address of 10\.1\.3\.0\/24/,
    },
    {
        kind: "Network",
        case: "network domain with a bad label",
        inputs: { name: "n", zone: "z", networkDomain: "corp.-bad" },
        property: "networkDomain",
        message: /not a domain Mold accepts/,
    },
    {
        kind: "Network",
        case: "network domain too long",
        inputs: { name: "n", zone: "z", networkDomain: "a".repeat(191) },
        property: "networkDomain",
        message: /at most 190 characters/,
    },
    {
        kind: "Network",
        case: "tag value too long",
        inputs: { name: "n", zone: "z", tags: { team: "t".repeat(256) } },
        property: "tags.team",
        message: /at most 255 characters, got 256/,
    },
    {
        kind: "Network",
        case: "tag key too long",
        inputs: { name: "n", zone: "z", tags: { ["k".repeat(256)]: "v" } },
        property: `tags.${"k".repeat(20)}…`,
        message: /key is 256 characters; Mold takes at most 255/,
    },
    { kind: "PublicIpAddress", case: "zone name too long", inputs: { zone: "z".repeat(256) }, property: "zone", message: /at most 255 characters/ },
    {
        kind: "FirewallRule",
        case: "ICMP type above 255",
        inputs: { ipAddressId: "ip", protocol: "icmp", icmpType: 256 },
        property: "icmpType",
        message: /integer from -1 \(any\) to 255, got 256/,
    },
    {
        kind: "FirewallRule",
        case: "ICMP code above 15",
        inputs: { ipAddressId: "ip", protocol: "icmp", icmpType: 3, icmpCode: 16 },
        property: "icmpCode",
        message: /integer from -1 \(any\) to 15, got 16/,
    },
    {
        kind: "FirewallRule",
        case: "ICMP type below -1",
        inputs: { ipAddressId: "ip", protocol: "icmp", icmpType: -2 },
        property: "icmpType",
        message: /got -2/,
    },
    {
        kind: "EgressFirewallRule",
        case: "ICMP code above 15",
        inputs: { network: "net", protocol: "icmp", icmpType: 3, icmpCode: 200 },
        property: "icmpCode",
        message: /to 15, got 200/,
    },
    {
        kind: "LoadBalancerRule",
        case: "description too long",
        inputs: { ...LB, description: "d".repeat(4097) },
        property: "description",
        message: /at most 4096 characters, got 4097/,
    },
    {
        kind: "VirtualMachine",
        case: "display name too long",
        inputs: { ...VM, displayName: "d".repeat(256) },
        property: "displayName",
        message: /at most 255 characters, got 256/,
    },
    {
        kind: "VirtualMachine",
        case: "user data above Mold's default limit",
        inputs: { ...VM, userData: "x".repeat(24_600) },
        property: "userData",
        message: /is 32800 characters once base64-encoded; Mold accepts at most 32768.*userDataMaxLength/,
    },
    {
        kind: "VirtualMachine",
        case: "user data above a lowered limit",
        inputs: { ...VM, userData: "x".repeat(3000), userDataMaxLength: 2048 },
        property: "userData",
        message: /is 4000 characters once base64-encoded; Mold accepts at most 2048 \(its vm\.userdata\.max\.length, from userDataMaxLength\)/,
    },
    {
        kind: "VirtualMachine",
        case: "user-data limit above Mold's POST ceiling",
        inputs: { ...VM, userDataMaxLength: 2_000_000 },
        property: "userDataMaxLength",
        message: /from 1 to 1048576, got 2000000/,
    },
    {
        kind: "VirtualMachine",
        case: "key pair name too long",
        inputs: { ...VM, keyPair: "k".repeat(256) },
        property: "keyPair",
        message: /at most 255 characters, got 256/,
    },
    {
        kind: "VirtualMachine",
        case: "tag value too long",
        inputs: { ...VM, tags: { role: "r".repeat(300) } },
        property: "tags.role",
        message: /at most 255 characters, got 300/,
    },
    {
        kind: "KubernetesCluster",
        case: "description too long",
        inputs: { ...K8S, description: "d".repeat(256) },
        property: "description",
        message: /at most 255 characters, got 256/,
    },
    {
        kind: "ExternalKubernetesCluster",
        case: "description too long",
        inputs: { name: "ha", zone: "zone1", network: "net", description: "d".repeat(256) },
        property: "description",
        message: /at most 255 characters, got 256/,
    },
    {
        kind: "NodeGroup",
        case: "endpoint port above 65535",
        inputs: { ...CP, controlPlaneEndpoint: "127.1.0.5:70000" },
        property: "controlPlaneEndpoint",
        message: /between 1 and 65535, got 70000/,
    },
    {
        kind: "NodeGroup",
        case: "bootstrap timeout not whole",
        inputs: { ...NG, bootstrapTimeoutSeconds: 90.5 },
        property: "bootstrapTimeoutSeconds",
        message: /number of seconds from 30/,
    },
    // ---- ExternalKubernetesCluster ----
    { kind: "ExternalKubernetesCluster", case: "missing network", inputs: { name: "ha", zone: "zone1" }, property: "network", message: /network is required/ },
];

for (const row of ROWS) {
    test(`${row.kind}: ${row.case}`, async (t) => {
        const result = await runHook(row.kind, "check", undefined, [row.olds ?? {}, { __provider: "p", ...row.inputs }]);
        const failure = result.failures.find((f: { property: string }) => f.property === row.property);
        t.truthy(failure, `no failure for ${row.property}; got ${JSON.stringify(result.failures)}`);
        t.regex(failure!.reason, row.message);
        t.regex(failure!.reason, new RegExp(`^mold:${row.kind}: `), "the message names the resource");
    });
}

test("NodeGroup: every problem at once, and valid groups pass", async (t) => {
    const bad = await runHook("NodeGroup", "check", undefined, [
        {},
        { __provider: "p", ...CP, count: 2, cni: "weave", podCidr: "10.96.0.0/16", labels: { "a b": "x" }, taints: [{ key: "k", effect: "Never" }] },
    ]);
    t.deepEqual(bad.failures.map((f: { property: string }) => f.property).sort(), ["cni", "count", "labels.a b", "podCidr", "taints[0].effect"]);
    for (const inputs of [NG, CP]) {
        const ok = await runHook("NodeGroup", "check", undefined, [{}, { __provider: "p", ...inputs }]);
        t.deepEqual(ok.failures, [], JSON.stringify(ok.failures));
    }
    const ok = await runHook("NodeGroup", "check", undefined, [{}, { __provider: "p", ...CP }]);
    t.is(ok.inputs.podCidr, "10.244.0.0/16");
    t.is(ok.inputs.cni, "flannel");
});

/**
 * The one whitespace rule: a name, a reference to one (zone, offering, network…) or a CIDR with leading or
 * trailing whitespace is refused, naming the property, in every resource that takes one.
 */
const WHITESPACE: [kind: string, valid: Record<string, unknown>, property: string][] = [
    ["Network", { name: "n", zone: "zone1" }, "name"],
    ["Network", { name: "n", zone: "zone1" }, "zone"],
    ["Network", { name: "n", zone: "zone1" }, "networkOffering"],
    ["Network", { name: "n", zone: "zone1", netmask: "255.255.255.0" }, "gateway"],
    ["PublicIpAddress", { network: "net" }, "network"],
    ["PublicIpAddress", { zone: "zone1" }, "zone"],
    ["FirewallRule", { ipAddressId: "ip", protocol: "tcp", startPort: 22 }, "ipAddressId"],
    ["FirewallRule", { ipAddressId: "ip", protocol: "tcp", startPort: 22 }, "cidrList[0]"],
    ["EgressFirewallRule", EGRESS, "network"],
    ["EgressFirewallRule", EGRESS, "cidrList[0]"],
    ["EgressFirewallRule", EGRESS, "destCidrList[0]"],
    ["PortForwardingRule", PF, "virtualMachine"],
    ["PortForwardingRule", PF, "vmGuestIp"],
    ["PortForwardingRule", PF, "cidrList[0]"],
    ["LoadBalancerRule", LB, "name"],
    ["LoadBalancerRule", LB, "publicIpAddressId"],
    ["LoadBalancerRule", LB, "cidrList[0]"],
    ["VirtualMachine", VM, "name"],
    ["VirtualMachine", VM, "zone"],
    ["VirtualMachine", VM, "template"],
    ["VirtualMachine", VM, "serviceOffering"],
    ["VirtualMachine", VM, "networks[0]"],
    ["VirtualMachine", VM, "keyPair"],
    ["VirtualMachine", VM, "affinityGroups[0]"],
    ["SshKeyPair", { name: "k" }, "name"],
    ["KubernetesCluster", K8S, "zone"],
    ["KubernetesCluster", K8S, "serviceOffering"],
    ["KubernetesCluster", K8S, "network"],
    ["KubernetesCluster", K8S, "keyPair"],
    ["NodeGroup", CP, "zone"],
    ["NodeGroup", CP, "network"],
    ["NodeGroup", CP, "template"],
    ["NodeGroup", CP, "serviceOffering"],
    ["NodeGroup", CP, "keyPair"],
    ["NodeGroup", CP, "podCidr"],
    ["NodeGroup", CP, "serviceCidr"],
    ["NodeGroup", CP, "networkCidr"],
    ["NodeGroup", CP, "sshCidrs[0]"],
    ["ExternalKubernetesCluster", { name: "ha", zone: "zone1", network: "net" }, "name"],
    ["ExternalKubernetesCluster", { name: "ha", zone: "zone1", network: "net" }, "network"],
];

/** Puts a value with stray whitespace at `property` ("cidrList[0]" makes a one-element list). */
function spoil(valid: Record<string, unknown>, property: string): Record<string, unknown> {
    const m = /^(\w+)\[0\]$/.exec(property);
    const cidr = /cidr/i.test(property);
    const ip = property === "gateway" || property === "vmGuestIp";
    const value = cidr ? " 10.0.0.0/8" : ip ? "10.1.1.1 " : "name ";
    return m ? { ...valid, [m[1]]: [value] } : { ...valid, [property]: value };
}

for (const [kind, valid, property] of WHITESPACE) {
    test(`${kind}: stray whitespace in ${property} is refused`, async (t) => {
        const result = await runHook(kind, "check", undefined, [{}, { __provider: "p", ...spoil(valid, property) }]);
        const failure = result.failures.find((f: { property: string }) => f.property === property);
        t.truthy(failure, `no failure for ${property}; got ${JSON.stringify(result.failures)}`);
        t.regex(failure!.reason, new RegExp(`^mold:${kind}: ${property.replace(/[[\]]/g, "\\$&")} has leading or trailing whitespace`));
    });
}

test("Network: every problem at once, each naming its property", async (t) => {
    const result = await runHook("Network", "check", undefined, [
        {},
        {
            __provider: "p",
            name: "n".repeat(256),
            zone: " zone1",
            gateway: "10.1.1.0",
            netmask: "255.255.255.0",
            displayText: "d".repeat(300),
            tags: { team: "t".repeat(256) },
        },
    ]);
    t.deepEqual(result.failures.map((f: { property: string }) => f.property).sort(), ["displayText", "gateway", "name", "tags.team", "zone"]);
});

test("VirtualMachine: user data up to the limit passes, and userDataMaxLength raises it", async (t) => {
    const atLimit = await runHook("VirtualMachine", "check", undefined, [{}, { __provider: "p", ...VM, userData: "x".repeat(24_576) }]);
    t.deepEqual(atLimit.failures, [], "32768 base64 characters is Mold's default maximum, inclusive");
    const raised = await runHook("VirtualMachine", "check", undefined, [
        {},
        { __provider: "p", ...VM, userData: "x".repeat(40_000), userDataMaxLength: 65_536 },
    ]);
    t.deepEqual(raised.failures, []);
});

test("all problems are reported at once", async (t) => {
    const result = await runHook("FirewallRule", "check", undefined, [{}, { __provider: "p", protocol: "sctp", startPort: 0, cidrList: ["x"] }]);
    t.deepEqual(result.failures.map((f: { property: string }) => f.property).sort(), ["cidrList[0]", "ipAddressId", "protocol", "startPort"]);
});
