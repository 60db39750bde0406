// What the read-only console (/console) shows: picked from the same functions as /sim/inventory, /sim/nodes and
// /sim/kubeadm-clusters, field by field, so no secret (keys, kubeconfigs, tokens, userdata) reaches a page that
// needs no header. Pure: the server passes the data in.
import type { EmulatedNodeView, KubeadmClusterView } from "../kubeadm/views";

/** A table: caption, column headers and rows of display strings. */
export interface ConsoleTable {
    caption: string;
    headers: string[];
    rows: string[][];
}

/** A Kubernetes cluster with Mold's UI tabs: details, VMs, firewall, port forwarding, load balancer, events. */
export interface ConsoleCluster {
    id: string;
    name: string;
    state: string;
    details: [string, string][];
    tabs: ConsoleTable[];
}

export interface ConsoleView {
    /** Simulated time, ISO. */
    now: string;
    catalog: ConsoleTable[];
    networks: ConsoleTable;
    vms: ConsoleTable;
    publicIps: { address: string; summary: string; rules: ConsoleTable[] }[];
    clusters: ConsoleCluster[];
    jobs: ConsoleTable;
    emulatedNodes: { name: string; summary: string; history: ConsoleTable }[];
    kubeadmClusters: { id: string; summary: string; nodes: ConsoleTable }[];
}

export interface ConsoleSources {
    /** simulator.inventory(): rows by table. */
    inventory: Record<string, any[]>;
    emulatedNodes: EmulatedNodeView[];
    kubeadmClusters: KubeadmClusterView[];
    now: number;
}

/** Jobs shown, newest first: enough to follow a run, small enough for a page. */
export const MAX_JOBS = 40;
/** Events per cluster, newest first. */
export const MAX_EVENTS = 30;

const text = (v: unknown): string => (v === undefined || v === null ? "" : Array.isArray(v) ? v.join(", ") : String(v));
const ports = (start: unknown, end: unknown) => (start === undefined ? "" : end === undefined || end === start ? text(start) : `${start}-${end}`);
const JOB_STATUS = ["pending", "succeeded", "failed"];

function table(caption: string, headers: string[], rows: unknown[][]): ConsoleTable {
    return { caption, headers, rows: rows.map((r) => r.map(text)) };
}

function firewallTable(caption: string, rules: any[]): ConsoleTable {
    return table(
        caption,
        ["Public IP", "Protocol", "Ports", "Source CIDRs", "State"],
        rules.map((r) => [r.ipaddress, r.protocol, ports(r.startport, r.endport), r.cidrlist, r.state]),
    );
}

function portForwardTable(caption: string, rules: any[]): ConsoleTable {
    return table(
        caption,
        ["Public IP", "Protocol", "Public ports", "Private ports", "VM", "State"],
        rules.map((r) => [
            r.ipaddress,
            r.protocol,
            ports(r.publicport, r.publicendport),
            ports(r.privateport, r.privateendport),
            r.virtualmachinename,
            r.state,
        ]),
    );
}

function loadBalancerTable(caption: string, rules: any[]): ConsoleTable {
    return table(
        caption,
        ["Name", "Public IP", "Public port", "Private port", "Algorithm", "Source CIDRs", "State"],
        rules.map((r) => [r.name, r.publicip, r.publicport, r.privateport, r.algorithm, r.cidrlist, r.state]),
    );
}

function cluster(c: any, inv: Record<string, any[]>): ConsoleCluster {
    const byId = (name: string, id: unknown) => (inv[name] ?? []).find((r) => r.id === id);
    const nodes: any[] = c._nodes ?? [];
    const vmIds = new Set(nodes.map((n) => n.vmId));
    const network = byId("networks", c.networkid);
    const ipIds = new Set((inv.publicIps ?? []).filter((ip) => ip.associatednetworkid === c.networkid && c.networkid).map((ip) => ip.id));
    const onCluster = (rows: any[] | undefined) => (rows ?? []).filter((r) => ipIds.has(r.ipaddressid) || ipIds.has(r.publicipid));
    const events = (inv.events ?? [])
        .filter((e) => e.resourceid === c.id || vmIds.has(e.resourceid))
        .sort((a, b) => (b._seq ?? 0) - (a._seq ?? 0))
        .slice(0, MAX_EVENTS);
    const details: [string, string][] = [
        ["Id", text(c.id)],
        ["State", text(c.state)],
        ["Zone", text(byId("zones", c.zoneid)?.name)],
        ["Kubernetes version", text(byId("kubernetesVersions", c.kubernetesversionid)?.name)],
        ["Network", text(network?.name)],
        ["Control nodes", text(c.controlnodes)],
        ["Size (workers)", text(c.size)],
        ["Endpoint", text(c.endpoint)],
        ["Created", text(c.created)],
    ];
    return {
        id: text(c.id),
        name: text(c.name),
        state: text(c.state),
        details,
        tabs: [
            table(
                `Nodes of ${c.name}`,
                ["Name", "Role", "State", "Private IP", "Kubernetes version"],
                nodes.map((n) => {
                    const vm = byId("vms", n.vmId);
                    return [vm?.name ?? n.vmId, n.role, vm?.state, vm?.nic?.[0]?.ipaddress, n.nodeVersion];
                }),
            ),
            firewallTable(
                `Firewall rules of ${c.name}`,
                onCluster(inv.firewallRules).filter((r) => r.traffictype !== "Egress"),
            ),
            portForwardTable(`Port forwarding rules of ${c.name}`, onCluster(inv.portForwardingRules)),
            loadBalancerTable(`Load balancer rules of ${c.name}`, onCluster(inv.loadBalancerRules)),
            table(
                `Events of ${c.name}`,
                ["Time", "Level", "Type", "Description"],
                events.map((e) => [e.created, e.level, e.type, e.description]),
            ),
        ],
    };
}

export function consoleView(src: ConsoleSources): ConsoleView {
    const inv = src.inventory;
    const rows = (name: string) => inv[name] ?? [];
    const ipRules = (ip: any) => {
        const mine = (name: string) => rows(name).filter((r) => r.ipaddressid === ip.id || r.publicipid === ip.id);
        return [
            firewallTable(
                `Firewall rules on ${ip.ipaddress}`,
                mine("firewallRules").filter((r) => r.traffictype !== "Egress"),
            ),
            portForwardTable(`Port forwarding rules on ${ip.ipaddress}`, mine("portForwardingRules")),
            loadBalancerTable(`Load balancer rules on ${ip.ipaddress}`, mine("loadBalancerRules")),
        ].filter((t) => t.rows.length > 0);
    };
    const jobs = [...rows("jobs")].sort((a, b) => (b.seq ?? 0) - (a.seq ?? 0)).slice(0, MAX_JOBS);
    return {
        now: new Date(src.now).toISOString(),
        catalog: [
            table(
                "Zones",
                ["Name", "Network type", "Allocation"],
                rows("zones").map((z) => [z.name, z.networktype, z.allocationstate]),
            ),
            table(
                "Service offerings",
                ["Name", "CPUs", "Memory (MB)"],
                rows("serviceOfferings").map((o) => [o.name, o.cpunumber, o.memory]),
            ),
            table(
                "Templates",
                ["Name", "OS type", "Ready"],
                rows("templates").map((o) => [o.name, o.ostypename, o.isready]),
            ),
            table(
                "Network offerings",
                ["Name", "Guest IP type", "State"],
                rows("networkOfferings").map((o) => [o.name, o.guestiptype, o.state]),
            ),
            table(
                "Kubernetes versions",
                ["Name", "Version", "State"],
                rows("kubernetesVersions").map((v) => [v.name, v.semanticversion, v.state]),
            ),
        ],
        networks: table(
            "Networks",
            ["Name", "State", "CIDR", "Type", "Zone"],
            rows("networks").map((n) => [n.name, n.state, n.cidr, n.type ?? n.guestiptype, n.zonename]),
        ),
        vms: table(
            "Virtual machines",
            ["Name", "State", "Private IP", "Offering", "Template", "Zone"],
            rows("vms").map((v) => [v.name, v.state, v.nic?.[0]?.ipaddress, v.serviceofferingname, v.templatename, v.zonename]),
        ),
        publicIps: rows("publicIps").map((ip) => ({
            address: text(ip.ipaddress),
            summary: [ip.state, ip.associatednetworkname && `network ${ip.associatednetworkname}`, ip.issourcenat && "source NAT"].filter(Boolean).join(" · "),
            rules: ipRules(ip),
        })),
        clusters: rows("kubernetesClusters").map((c) => cluster(c, inv)),
        jobs: table(
            "Async jobs, newest first",
            ["Command", "Status", "Object", "Created", "Completed"],
            jobs.map((j) => [
                j.command,
                JOB_STATUS[j.jobstatus] ?? j.jobstatus,
                j.instanceType ? `${j.instanceType} ${j.instanceId ?? ""}` : "",
                j.created,
                j.completed,
            ]),
        ),
        emulatedNodes: src.emulatedNodes.map((n) => ({
            name: n.vmName,
            summary: [`boots ${n.boots}`, n.kubeadm.role && `${n.kubeadm.role}`, n.packages.kubelet && `kubelet ${n.packages.kubelet}`]
                .filter(Boolean)
                .join(" · "),
            history: table(
                `Step history of ${n.vmName}`,
                ["#", "Step", "Outcome", "Exit code", "User", "Finished"],
                n.history.map((h) => [h.seq, h.step, h.outcome, h.exitCode, h.user, h.at]),
            ),
        })),
        kubeadmClusters: src.kubeadmClusters.map((k) => ({
            id: k.id,
            summary: [`endpoint ${k.endpoint}`, `Kubernetes ${k.version}`, k.cni && `CNI ${k.cni.name}`, `etcd ${k.etcdMembers.join(", ")}`]
                .filter(Boolean)
                .join(" · "),
            nodes: table(
                `Nodes of kubeadm cluster ${k.id}`,
                ["Name", "Role", "Ready", "Kubelet", "Joined", "Cordoned"],
                k.nodes.map((n) => [n.name, n.role, n.ready ? "Ready" : "NotReady", n.kubeletVersion, n.joinedAt, n.unschedulable ? "yes" : ""]),
            ),
        })),
    };
}
