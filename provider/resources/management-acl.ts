// A Mold-managed Kubernetes cluster on a VPC tier opens its management ports with network ACL rules instead
// of firewall rules: Mold's Kubernetes service adds ingress allow rules for TCP 6443 (the API) and TCP 22
// (node SSH, reached through port forwards 2222+i → 22) at the top of the tier's list, unless the tier uses
// default_allow, and refuses a tier on default_deny. Like the management ports on a cluster's public IP
// (management-ports.ts), those rules belong to the service: a NetworkAclRule that covers them in that list
// is refused at check, and a cluster is refused at check on a tier whose list denies what it needs.
// The pure parts (which rule covers which port) are exported for unit tests; the rest reads only.
import { listKubernetesClusters } from "../client/kubernetes";
import { listNetworkAclLists, listNetworkAcls, NetworkAcl, NetworkAclList } from "../client/network-acl";
import { listNetworks, Network } from "../client/network";
import type { MoldClient } from "../client/client";
import { CheckFailure, containsUnknown, HookContext } from "../runtime/hooks";
import { API_PORT } from "./management-ports";

export const NODE_SSH_PORT = 22;
/** What each management port is for, for the messages. */
export const MANAGEMENT_ACL_PORTS: { port: number; use: string }[] = [
    { port: API_PORT, use: "the Kubernetes API" },
    { port: NODE_SSH_PORT, use: "node SSH, which Mold forwards from 2222 upwards on the cluster's public IP" },
];

/** The fields of an ACL rule that decide which ingress TCP ports it covers (wire or program spelling). */
export interface AclRuleShape {
    trafficType?: string;
    protocol?: string;
    startPort?: number;
    endPort?: number;
}

/** The management ports an ingress rule on tcp (or every protocol) covers; ports absent mean all. */
export function coveredManagementPorts(r: AclRuleShape): number[] {
    if (String(r.trafficType ?? "ingress").toLowerCase() !== "ingress") return [];
    const protocol = String(r.protocol ?? "").toLowerCase();
    if (!["tcp", "all", "6", "-1"].includes(protocol)) return [];
    const start = protocol === "tcp" || protocol === "6" ? r.startPort : undefined;
    const end = r.endPort ?? start;
    return MANAGEMENT_ACL_PORTS.map((m) => m.port).filter((p) => start === undefined || (start <= p && p <= (end ?? start)));
}

function shapeOf(item: NetworkAcl): AclRuleShape {
    const port = (v: string | undefined) => (v === undefined || v === "" ? undefined : Number(v));
    return { trafficType: item.traffictype, protocol: item.protocol, startPort: port(item.startport), endPort: port(item.endport) };
}

const useOf = (port: number) => MANAGEMENT_ACL_PORTS.find((m) => m.port === port)!.use;
const portsText = (ports: number[]) => ports.map((p) => `TCP ${p} (${useOf(p)})`).join(" and ");

/**
 * Why a Mold-managed cluster cannot go on this tier, or undefined: the tier's list is default_deny (Mold
 * refuses it), or rules of the list deny ingress to 6443 or 22 (Mold would put its allow rules above them,
 * overriding what the list says).
 */
export async function tierAclProblem(client: MoldClient, tier: Network): Promise<string | undefined> {
    if (!tier.vpcid || !tier.aclid) return undefined;
    const list = (await listNetworkAclLists(client, { id: tier.aclid })).find((l) => l.id === tier.aclid);
    if (!list) return undefined;
    const all = MANAGEMENT_ACL_PORTS.map((m) => m.port);
    if (!list.vpcid && list.name === "default_deny") {
        return (
            `'${tier.name}' is a VPC tier on Mold's default_deny ACL list, which denies ${portsText(all)} that Mold's Kubernetes service ` +
            `needs (Mold refuses the cluster: "Network ID: ${tier.id} can not be used for Kubernetes cluster as it uses default deny ACL"); ` +
            `put the tier on default_allow or on a list of its own`
        );
    }
    if (!list.vpcid) return undefined;
    const items = await listNetworkAcls(client, { aclid: list.id });
    const denials = items
        .filter((i) => String(i.action).toLowerCase() === "deny")
        .map((i) => ({ item: i, ports: coveredManagementPorts(shapeOf(i)) }))
        .filter((d) => d.ports.length > 0)
        .sort((a, b) => a.item.number - b.item.number);
    if (denials.length === 0) return renumbered(client, tier, list, items);
    const which = denials.map((d) => `rule #${d.item.number} denies ${portsText(d.ports)} from ${d.item.cidrlist}`).join("; ");
    return (
        `'${tier.name}' uses ACL list '${list.name}', whose ${which}: Mold's Kubernetes service needs those ports and would put allow rules ` +
        `for them above yours, overriding them; remove those deny rules (or narrow them off ports 6443 and 22) or use another tier`
    );
}

/**
 * Before Mold's Kubernetes service comes to a tier, rules numbered 1 and 2 in its list are in the way of the two
 * rules it moves to the top: Mold renumbers them (3, 4…), and a NetworkAclRule holding such a number would then
 * drift and fail on every later up (its number taken by the service's rule).
 */
async function renumbered(client: MoldClient, tier: Network, list: NetworkAclList, items: NetworkAcl[]): Promise<string | undefined> {
    const inTheWay = items.filter((i) => i.number <= 2).sort((a, b) => a.number - b.number);
    if (inTheWay.length === 0) return undefined;
    const hosted = (await listKubernetesClusters(client)).some((c) => c.networkid === tier.id && c.clustertype !== "ExternalManaged");
    if (hosted) return undefined;
    const which = inTheWay.map((i) => `#${i.number}`).join(" and ");
    return (
        `'${tier.name}' uses ACL list '${list.name}', whose rule ${which} hold numbers Mold's Kubernetes service takes for its own ` +
        `rules (it moves them to the top and renumbers yours down): number your rules from 3`
    );
}

/** Mold-managed clusters on tiers that use this list, with their tier. */
async function clustersOnList(client: MoldClient, list: NetworkAclList): Promise<{ cluster: string; tier: string }[]> {
    const tiers = (await listNetworks(client, { vpcid: list.vpcid })).filter((n) => n.aclid === list.id);
    if (tiers.length === 0) return [];
    const clusters = (await listKubernetesClusters(client)).filter((c) => c.clustertype !== "ExternalManaged");
    return clusters.flatMap((c) => {
        const tier = tiers.find((t) => t.id === c.networkid);
        return tier ? [{ cluster: c.name, tier: tier.name }] : [];
    });
}

/**
 * Failures for a NetworkAclRule in `list` that covers ingress 6443 or 22 while a Mold-managed cluster runs on
 * a tier using that list: those ports are the service's, through its own rules at the top of the list.
 * Reads only, and only when the rule could touch a management port.
 */
export async function managementAclFailures(ctx: HookContext, kind: string, list: NetworkAclList, rule: AclRuleShape): Promise<CheckFailure[]> {
    if (containsUnknown(rule) || !list.vpcid) return [];
    const ports = coveredManagementPorts(rule);
    if (ports.length === 0) return [];
    const users = await clustersOnList(ctx.client(), list);
    if (users.length === 0) return [];
    const property = rule.startPort === undefined ? "protocol" : "startPort";
    const who = users.map((u) => `cluster '${u.cluster}' on tier '${u.tier}'`).join(", ");
    return [
        {
            property,
            reason:
                `mold:${kind}: ${property}: this ingress rule covers ${portsText(ports)} in list '${list.name}', which Mold's Kubernetes ` +
                `service opens with ACL rules of its own at the top of the list for ${who}; a rule of yours there would duplicate or ` +
                `shadow them (and Mold deletes its rules with the cluster): use other ports`,
        },
    ];
}
