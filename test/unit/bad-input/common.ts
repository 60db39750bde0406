// Shared by the bad-input tables: a row's shape and the valid inputs each row spoils one property of.

export interface Row {
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
export const VM = { zone: "zone1", template: "ubuntu-22.04", serviceOffering: "1C-1GB", networks: ["net"] };

/** LoadBalancerRule rows: valid inputs, one property spoiled per row. */
export const LB = { name: "web", algorithm: "roundrobin", publicIpAddressId: "ip", publicPort: 80, privatePort: 8080 };

/** EgressFirewallRule and PortForwardingRule rows: valid inputs, one property spoiled per row. */
export const EGRESS = { network: "net", protocol: "tcp", startPort: 80 };
export const PF = { ipAddressId: "ip", protocol: "tcp", publicPort: 2222, privatePort: 22, virtualMachine: "vm" };

/** KubernetesCluster rows: valid inputs, one property spoiled per row. */
export const K8S = { name: "demo", zone: "zone1", kubernetesVersion: "1.31.9", serviceOffering: "2C-4GB", size: 2 };

/** NodeGroup rows: a valid control-plane group and a valid worker group, one property spoiled per row. */
export const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
export const NG = {
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
export const CP = {
    ...NG,
    name: "control-plane",
    role: "control-plane",
    count: 3,
    sshPortStart: 22000,
    controlPlaneEndpoint: "127.1.0.5:6443",
    apiLoadBalancerRuleId: "lb",
};
