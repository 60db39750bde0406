// The policies' judgements as pure functions: props in, messages out. index.ts wraps them for @pulumi/policy.
import * as path from "path";
import { CONTROL_PLANE_COUNT, INGRESS, isAnywhere, OPEN_FIREWALL_DEFAULT, openFirewallOf, portRanges } from "./kinds";

type Props = Record<string, unknown>;

/**
 * The strings of a list input, copied by index: the policy runtime hands arrays in behind a proxy on which
 * Array methods that build a new array (filter, map) throw, so they are only read element by element.
 */
function plainStrings(value: unknown): string[] {
    if (!Array.isArray(value)) return [];
    const out: string[] = [];
    for (let i = 0; i < value.length; i++) if (typeof value[i] === "string") out.push(value[i]);
    return out;
}

/** Ports whose exposure to anywhere is refused, by the service they carry. */
export const DEFAULT_SENSITIVE_PORTS: Readonly<Record<string, readonly number[]>> = {
    SSH: [22, 2222],
    "the Kubernetes API": [6443],
};

/** Stack names treated as production when no pattern is configured. */
export const DEFAULT_PRODUCTION_STACKS = "^(prod|production)([-_.].*)?$";

/** Sensitive services a rule opens to anywhere, as messages naming the inputs to change. */
export function worldOpenPorts(kind: string, props: Props, sensitive: Readonly<Record<string, readonly number[]>> = DEFAULT_SENSITIVE_PORTS): string[] {
    const ingress = INGRESS[kind];
    if (!ingress || (ingress.when && !ingress.when(props))) return [];
    const cidrs = props[ingress.cidrs];
    const list = plainStrings(cidrs);
    const open = list.length === 0 ? "anywhere (no " + ingress.cidrs + " means 0.0.0.0/0)" : list.filter(isAnywhere).join(", ");
    if (list.length > 0 && !list.some(isAnywhere)) return [];
    const ranges = portRanges(ingress, props);
    const messages: string[] = [];
    for (const [service, ports] of Object.entries(sensitive)) {
        const hit = ports.filter((p) => ranges.some(([a, b]) => p >= a && p <= b));
        if (hit.length === 0) continue;
        messages.push(
            `${kind} opens ${service} (port ${hit.join(", ")}) to ${open}: set ${ingress.cidrs} to the addresses that need it (an office or VPN CIDR, a bastion's /32).`,
        );
    }
    return messages;
}

/** A load balancer (or forward) that makes Mold open a linked firewall rule from 0.0.0.0/0. */
export function openFirewall(kind: string, props: Props): string[] {
    if (!(kind in OPEN_FIREWALL_DEFAULT)) return [];
    if (!openFirewallOf(kind, props)) return [];
    const how = props.openFirewall === true ? "openFirewall: true" : "openFirewall left out (Mold's default is true)";
    const port = props.publicPort ?? "its public port";
    return [
        `${kind} with ${how} makes Mold open tcp ${port} from 0.0.0.0/0 whatever cidrList says: set openFirewall: false and declare a FirewallRule with the CIDRs that need it.`,
    ];
}

/** The stack part of a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function stackOfUrn(urn: string): string {
    return /^urn:pulumi:([^:]*)::/.exec(urn)?.[1] ?? "";
}

/** A control plane of one node on a production stack. */
export function singleControlPlane(kind: string, props: Props, stack: string, productionStacks: string | RegExp = DEFAULT_PRODUCTION_STACKS): string[] {
    const count = CONTROL_PLANE_COUNT[kind]?.(props);
    if (count === undefined || count > 1) return [];
    const pattern = typeof productionStacks === "string" ? new RegExp(productionStacks) : productionStacks;
    if (!pattern.test(stack)) return [];
    const input = kind === "KubernetesCluster" ? "controlNodes" : "count (controlPlane.count on a KubeadmCluster)";
    return [
        `${kind} has a single control-plane node on production stack "${stack}" (matches ${pattern}): losing that VM stops the Kubernetes API; set ${input} to 3.`,
    ];
}

/**
 * A control-plane NodeGroup with several nodes but nothing keeping them on different hosts: antiAffinity switched
 * off and no affinityGroups. Left unset, a new control plane gets its own host anti-affinity group (NodeGroup's
 * default); a control plane made before that default keeps none, which the program's inputs cannot show.
 */
export function controlPlaneAntiAffinity(kind: string, props: Props): string[] {
    if (kind !== "NodeGroup" || props.role !== "control-plane" || props.antiAffinity !== false) return [];
    const count = CONTROL_PLANE_COUNT[kind]?.(props) ?? 1;
    const groups = props.affinityGroups;
    if (count < 2 || (Array.isArray(groups) && groups.length > 0)) return [];
    return [
        `control-plane NodeGroup of ${count} nodes has antiAffinity: false and no affinityGroups: Mold may place the nodes on one host, and its failure loses etcd quorum. Set antiAffinity: true or name a "host anti-affinity" group in affinityGroups.`,
    ];
}

/** Inputs schema.json marks secret, by kind (dotted paths for nested ones are not needed: secrets are whole inputs). */
export function secretInputs(): Readonly<Record<string, readonly string[]>> {
    // schema.json sits at the package root, two levels above dist/policy.
    const schema = require(path.join(__dirname, "..", "..", "schema.json"));
    const out: Record<string, string[]> = {};
    for (const [token, spec] of Object.entries<any>(schema.resources)) {
        if (spec.isComponent) continue;
        const kind = token.split(":").pop() as string;
        const names = Object.entries<any>(spec.inputProperties ?? {})
            .filter(([, p]) => p.secret === true)
            .map(([k]) => k);
        if (names.length > 0) out[kind] = names;
    }
    return out;
}

/** Secret inputs set with a plain value. `isSecret(key)` says whether the policy runtime saw the value as secret. */
export function plaintextSecretKeys(kind: string, props: Props, isSecret: (key: string) => boolean, secrets = secretInputs()): string[] {
    return (secrets[kind] ?? []).filter((k) => props[k] !== undefined && props[k] !== null && !isSecret(k));
}
