// Where a connection to <public ip>:<port> lands in the simulated cloud: the members of an Active
// load-balancer rule on that address and port, or the VM of an Active port-forwarding rule covering it; and
// whether a firewall rule lets it in. Pure reads of the rule records, shared by the SSH and kubeadm emulation.
import { T } from "../model";
import type { SimState } from "../state";

export interface Route {
    vmId: string;
    /** The port on the VM the connection reaches. */
    privatePort: number;
    via: "loadbalancer" | "portforward";
    ruleId: string;
}

export function routesTo(state: SimState, host: string, port: number): Route[] {
    const routes: Route[] = [];
    for (const r of Object.values(state.tables[T.loadBalancerRules] ?? {}) as any[]) {
        if (r.state !== "Active" || r.publicip !== host || Number(r.publicport) !== port) continue;
        for (const m of r._members ?? []) routes.push({ vmId: m.vmid, privatePort: Number(r.privateport), via: "loadbalancer", ruleId: r.id });
    }
    for (const r of Object.values(state.tables[T.portForwardingRules] ?? {}) as any[]) {
        if (r.state !== "Active" || r.ipaddress !== host || r.protocol !== "tcp") continue;
        const start = Number(r.publicport);
        const end = Number(r.publicendport ?? r.publicport);
        if (port < start || port > end) continue;
        routes.push({ vmId: r.virtualmachineid, privatePort: Number(r.privateport) + (port - start), via: "portforward", ruleId: r.id });
    }
    return routes;
}

/** host:port → [host, port]; undefined unless it is exactly that (IPv4 or a DNS name, port 1..65535). */
export function splitEndpoint(endpoint: string): { host: string; port: number } | undefined {
    const m = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(endpoint);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) return undefined;
    return { host: m[1], port: Number(m[2]) };
}

/** Whether an ingress firewall rule on the address lets tcp to `port` in (from any CIDR). */
export function firewallOpens(state: SimState, ipAddressId: string, port: number): boolean {
    return (Object.values(state.tables[T.firewallRules] ?? {}) as any[]).some(
        (f) =>
            f.traffictype !== "Egress" &&
            f.ipaddressid === ipAddressId &&
            f.state === "Active" &&
            (f.protocol === "tcp" || f.protocol === "all") &&
            (f.protocol === "all" || (Number(f.startport) <= port && port <= Number(f.endport ?? f.startport))),
    );
}

/**
 * Whether a VPC tier's ACL list lets ingress tcp to `port` (the port on the VM) in: the tier's items in number
 * order, the first that matches decides; none matching denies (the router's implicit deny). Default lists
 * carry their one allow-all or deny-all item.
 */
export function aclOpens(state: SimState, tierId: string | undefined, port: number): boolean {
    const tier = tierId ? (state.tables[T.networks] ?? {})[tierId] : undefined;
    if (!tier?.aclid) return false;
    const items = (Object.values(state.tables[T.networkAcls] ?? {}) as any[])
        .filter((i) => i.aclid === tier.aclid && i.traffictype === "Ingress" && i.state !== "Revoke")
        .sort((a, b) => a.number - b.number);
    const match = items.find(
        (i) =>
            String(i.protocol).toLowerCase() === "all" ||
            (["tcp", "6"].includes(String(i.protocol).toLowerCase()) &&
                (i._startport === undefined || (Number(i._startport) <= port && port <= Number(i._endport ?? i._startport)))),
    );
    return match?.action === "Allow";
}

/** Whether traffic to a rule's public port gets in: the address's firewall, or on a VPC address the tier's ACL for the private port. */
export function ingressOpens(state: SimState, rule: { ipaddressid: string; networkid?: string }, publicPort: number, privatePort: number): boolean {
    const ip = (state.tables[T.publicIps] ?? {})[rule.ipaddressid];
    if (ip?.vpcid) return aclOpens(state, rule.networkid ?? ip.associatednetworkid, privatePort);
    return firewallOpens(state, rule.ipaddressid, publicPort);
}

/** The VM's guest addresses (a node reaches itself on them). */
export function vmAddresses(vm: any): string[] {
    return (vm?.nic ?? []).map((n: any) => n.ipaddress).filter((a: unknown): a is string => typeof a === "string");
}
