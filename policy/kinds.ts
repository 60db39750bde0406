// Which mold kind a resource is, and what each kind exposes, as tables a new kind joins with a line or two.
// Pure data and functions: no @pulumi/policy here, so the tables are testable on their own.

/** The SDK registers every resource as `pulumi-nodejs:dynamic/mold:<Kind>` (sdk/generated/resources.ts). */
const MOLD_TYPE = /^pulumi-nodejs:dynamic\/mold:([A-Za-z0-9]+)$/;

/** The mold kind of a resource type token, or undefined for anything else. */
export function moldKind(type: string): string | undefined {
    return MOLD_TYPE.exec(type)?.[1];
}

/** The Pulumi type token the SDK gives a kind (what policies see as `args.type`). */
export function moldType(kind: string): string {
    return `pulumi-nodejs:dynamic/mold:${kind}`;
}

/** A port range given by two inputs (the second defaults to the first, as Mold does). */
export type PortInputs = readonly [first: string, last?: string];

/** Where a kind that admits traffic from outside says who may come in and on which ports. */
export interface Ingress {
    /** Input with the source CIDRs; left out or empty means anywhere (Mold's default for every such kind). */
    readonly cidrs: string;
    /** Port-range inputs; a resource with none of them set admits every port. Both public and private ranges count. */
    readonly ports?: readonly PortInputs[];
    /** Ports the kind opens by itself (e.g. SSH forwards of a node group), when `ports` does not apply. */
    readonly fixedPorts?: readonly number[];
    /** Whether this resource admits the traffic at all (e.g. only with a given access mode). */
    readonly when?: (props: Record<string, unknown>) => boolean;
    /** Protocols that carry no ports (the rule never exposes a TCP service). */
    readonly portless?: readonly string[];
}

/**
 * Every kind that opens something to the outside. A rule kind added to schema.json must appear here or in
 * NOT_INGRESS (test/unit/policy.test.ts fails otherwise), so the exposure policy covers it from the start.
 */
export const INGRESS: Readonly<Record<string, Ingress>> = {
    FirewallRule: { cidrs: "cidrList", ports: [["startPort", "endPort"]], portless: ["icmp"] },
    // A forward or balancer admits traffic by itself only with openFirewall (Mold's linked 0.0.0.0/0 firewall rule
    // on its public ports, cidrList the only filter); without it the IP's FirewallRules decide, judged on their own.
    PortForwardingRule: {
        cidrs: "cidrList",
        when: (p) => openFirewallOf("PortForwardingRule", p),
        ports: [
            ["publicPort", "publicEndPort"],
            ["privatePort", "privateEndPort"],
        ],
    },
    LoadBalancerRule: { cidrs: "cidrList", ports: [["publicPort"], ["privatePort"]], when: (p) => openFirewallOf("LoadBalancerRule", p) },
    // A VPC tier's ingress allow rule admits whatever reaches the tier (through its VPC's public IPs) from cidrList;
    // deny and egress rules open nothing.
    NetworkAclRule: {
        cidrs: "cidrList",
        ports: [["startPort", "endPort"]],
        portless: ["icmp"],
        when: (p) => String(p.action ?? "allow").toLowerCase() === "allow" && String(p.trafficType ?? "ingress").toLowerCase() === "ingress",
    },
    // A node group reached by port-forward opens one forward to each node's port 22 from sshCidrs.
    NodeGroup: {
        cidrs: "sshCidrs",
        fixedPorts: [22],
        when: (p) => (p.sshAccess ?? (p.role === "control-plane" ? "port-forward" : "control-plane")) === "port-forward",
    },
};

/** Kinds with CIDR inputs that are not ingress from the internet (why, per kind). */
export const NOT_INGRESS: Readonly<Record<string, string>> = {
    EgressFirewallRule: "its cidrList are sources inside the network and 0.0.0.0/0 stands for the network's CIDR",
};

/** Kinds whose load balancer or forward can open a linked 0.0.0.0/0 firewall rule, with the default of openFirewall. */
export const OPEN_FIREWALL_DEFAULT: Readonly<Record<string, boolean>> = {
    LoadBalancerRule: true, // Mold's default, kept by pulumi-mold
    PortForwardingRule: false, // pulumi-mold's default (Mold's is true)
};

/** Whether a resource of `kind` has Mold open its linked firewall rule (openFirewall, or the kind's default). */
export function openFirewallOf(kind: string, props: Record<string, unknown>): boolean {
    return typeof props.openFirewall === "boolean" ? props.openFirewall : (OPEN_FIREWALL_DEFAULT[kind] ?? false);
}

/** How each kind says how many control-plane nodes it has (undefined: not a control plane). */
export const CONTROL_PLANE_COUNT: Readonly<Record<string, (p: Record<string, unknown>) => number | undefined>> = {
    KubernetesCluster: (p) => (typeof p.controlNodes === "number" ? p.controlNodes : 1), // Mold's default is 1
    NodeGroup: (p) => (p.role === "control-plane" ? (typeof p.count === "number" ? p.count : 1) : undefined),
};

/** The 0.0.0.0/0 and ::/0 spellings that mean anywhere. */
export function isAnywhere(cidr: string): boolean {
    const c = cidr.trim();
    return /^0\.0\.0\.0\/0$/.test(c) || /^(::|0:0:0:0:0:0:0:0)\/0$/.test(c);
}

/** The port ranges a resource's inputs give (every port when none is set; none for a portless protocol). */
export function portRanges(ingress: Ingress, props: Record<string, unknown>): [number, number][] {
    if (ingress.fixedPorts) return ingress.fixedPorts.map((p) => [p, p]);
    if (typeof props.protocol === "string" && ingress.portless?.includes(props.protocol.toLowerCase())) return [];
    const ranges: [number, number][] = [];
    for (const [first, last] of ingress.ports ?? []) {
        const a = props[first];
        if (typeof a !== "number") continue;
        const b = last !== undefined && typeof props[last] === "number" ? (props[last] as number) : a;
        ranges.push([a, b]);
    }
    return ranges.length > 0 ? ranges : [[1, 65535]];
}
