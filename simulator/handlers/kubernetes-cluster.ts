// What the CKS handlers do with a cluster record (simulator/records/cluster.ts) in the cloud: response
// rendering, VM naming, capacity counting, the network rules CKS keeps on the cluster's public IP, and the
// kubeconfig. Used by kubernetes*.ts; what vm.ts needs (refusing to destroy CloudManaged members) is in
// kubernetes-membership.ts.
import { stringify } from "yaml";
import { ownerFields, render, T } from "../model";
import {
    CLUSTER_API_PORT,
    ClusterNode,
    ClusterRecord,
    emptyRules,
    FIRST_SSH_PORT,
    isDirectAccess,
    NodeRole,
    nodeNamePrefix,
    nodesOf,
    offeringIdFor,
    sshOrderedVmIds,
} from "../records/cluster";
import { table } from "../state";
import type { BaseContext } from "../types";
import { ClusterPki, generateClusterPki, issueServerCertificate } from "../x509";
import { createFirewallRecord, deleteFirewallRecord } from "./firewall";
import { createApiLoadBalancer } from "./kubernetes-vpc";
import { deleteLoadBalancerRecord } from "./loadbalancer";
import { sourceNatIp } from "./network";
import { createPortForwardingRecord, deletePortForwardingRecord } from "./portforward";
import { renderVm } from "./vm";

export function clustersTable(ctx: BaseContext): Record<string, ClusterRecord> {
    return table<ClusterRecord>(ctx.state, T.kubernetesClusters);
}

// ---- nodes, naming, counting ----

/** `<prefix>-control-<hex ms>`, `<prefix>-node-<hex ms>`, `<name cut to 40>-etcd-<i>-<hex ms>` (§10.2). */
export function nextNodeName(ctx: BaseContext, cluster: ClusterRecord, role: NodeRole, etcdIndex = 0): string {
    const ms = Math.max(ctx.now(), cluster._lastNameMs + 1);
    cluster._lastNameMs = ms;
    const hex = ms.toString(16);
    if (role === "etcd") return `${(cluster.name || cluster.id).slice(0, 40)}-etcd-${etcdIndex}-${hex}`;
    return `${nodeNamePrefix(cluster)}-${role === "control" ? "control" : "node"}-${hex}`;
}

export function offering(ctx: BaseContext, id: string | undefined): Record<string, any> | undefined {
    return id ? table(ctx.state, T.serviceOfferings)[id] : undefined;
}

/** cpunumber / memory: count × offering per node type, plus what external nodes brought (§10.3). */
export function capacity(ctx: BaseContext, cluster: ClusterRecord): { cpu: number; memoryMb: number } {
    if (cluster.clustertype === "ExternalManaged") return { cpu: cluster._fixedCpu ?? 0, memoryMb: cluster._fixedMemoryMb ?? 0 };
    const externalWorkers = nodesOf(cluster, "worker", true);
    const counts: Record<NodeRole, number> = {
        control: cluster.controlnodes,
        worker: Math.max(0, cluster.size - externalWorkers.length),
        etcd: cluster.etcdnodes,
    };
    let cpu = 0;
    let memoryMb = 0;
    for (const role of ["control", "worker", "etcd"] as NodeRole[]) {
        const o = offering(ctx, offeringIdFor(cluster, role));
        cpu += counts[role] * Number(o?.cpunumber ?? 0);
        memoryMb += counts[role] * Number(o?.memory ?? 0);
    }
    for (const n of externalWorkers) {
        cpu += n.cpu ?? 0;
        memoryMb += n.memoryMb ?? 0;
    }
    return { cpu, memoryMb };
}

// ---- networking ----

export function clusterNetwork(ctx: BaseContext, cluster: ClusterRecord): Record<string, any> | undefined {
    return cluster.networkid ? table(ctx.state, T.networks)[cluster.networkid] : undefined;
}

/** The address the cluster's API answers on (§8.3): the source-NAT IP, or for shared networks the LB / first control node. */
export function clusterPublicAddress(ctx: BaseContext, cluster: ClusterRecord): { id?: string; ipaddress: string } | undefined {
    const network = clusterNetwork(ctx, cluster);
    if (!network) return undefined;
    if (isDirectAccess(network)) {
        if (cluster._externalLbIp) return { ipaddress: cluster._externalLbIp };
        const control = nodesOf(cluster, "control")[0];
        const vm = control ? table(ctx.state, T.vms)[control.vmId] : undefined;
        const nic = vm?.nic?.find((n: any) => n.isdefault) ?? vm?.nic?.[0];
        return nic?.ipaddress ? { ipaddress: nic.ipaddress } : undefined;
    }
    // On a VPC tier CKS takes an IP of its own (§8.3); kubernetes-vpc.ts records it.
    const id = network.vpcid ? cluster._rules.vpcPublicIpId : undefined;
    const ip = network.vpcid ? (id ? table(ctx.state, T.publicIps)[id] : undefined) : sourceNatIp(ctx, network.id);
    return ip && ip.state !== "Free" ? { id: ip.id, ipaddress: ip.ipaddress } : undefined;
}

function deleteIfPresent(ctx: BaseContext, tableName: string, id: string | undefined, remove: (ctx: BaseContext, id: string) => void): void {
    // Expunging a VM already drops its port forwarding and LB membership (network.onVmExpunged).
    if (id && table(ctx.state, tableName)[id]) remove(ctx, id);
}

/** (Re)creates the SSH firewall range 2222..2222+N-1 and the port forwarding 2222+i → 22 for the current VM set. */
export function rebuildSshRules(ctx: BaseContext, cluster: ClusterRecord, ipId: string): void {
    const rules = cluster._rules;
    deleteIfPresent(ctx, T.firewallRules, rules.sshFirewallId, deleteFirewallRecord);
    for (const id of rules.sshPortForwardIds) deleteIfPresent(ctx, T.portForwardingRules, id, deletePortForwardingRecord);
    rules.sshFirewallId = undefined;
    rules.sshPortForwardIds = [];
    const vmIds = sshOrderedVmIds(cluster);
    if (vmIds.length === 0) return;
    // A VPC tier has no firewall: its ACL rule for port 22 (kubernetes-vpc.ts) lets SSH in.
    if (!table(ctx.state, T.publicIps)[ipId]?.vpcid)
        rules.sshFirewallId = createFirewallRecord(ctx, {
            ipaddressid: ipId,
            protocol: "tcp",
            startport: FIRST_SSH_PORT,
            endport: FIRST_SSH_PORT + vmIds.length - 1,
            cidrlist: ["0.0.0.0/0"],
        }).id;
    vmIds.forEach((vmId, i) => {
        const pf = createPortForwardingRecord(ctx, {
            ipaddressid: ipId,
            protocol: "tcp",
            publicport: FIRST_SSH_PORT + i,
            privateport: 22,
            virtualmachineid: vmId,
            openfirewall: false,
        });
        rules.sshPortForwardIds.push(pf.id);
    });
}

/** The rules of §8.4 on an isolated network's source-NAT IP: API firewall, SSH firewall + forwarding, api-lb, etcd access. */
export function setupIsolatedNetworkRules(ctx: BaseContext, cluster: ClusterRecord, ip: { id: string }): void {
    const rules = cluster._rules;
    rules.apiFirewallId = createFirewallRecord(ctx, {
        ipaddressid: ip.id,
        protocol: "tcp",
        startport: CLUSTER_API_PORT,
        endport: CLUSTER_API_PORT,
        cidrlist: ["0.0.0.0/0"],
    }).id;
    rebuildSshRules(ctx, cluster, ip.id);
    rules.lbId = createApiLoadBalancer(
        ctx,
        ip.id,
        cluster.networkid!,
        nodesOf(cluster, "control").map((n) => n.vmId),
    );
    const etcdStart = Number(ctx.settings["cloud.kubernetes.etcd.node.start.port"]);
    nodesOf(cluster, "etcd").forEach((node, i) => {
        rules.etcdFirewallIds.push(
            createFirewallRecord(ctx, { ipaddressid: ip.id, protocol: "tcp", startport: etcdStart + i, endport: etcdStart + i, cidrlist: ["0.0.0.0/0"] }).id,
        );
        rules.etcdPortForwardIds.push(
            createPortForwardingRecord(ctx, {
                ipaddressid: ip.id,
                protocol: "tcp",
                publicport: etcdStart + i,
                privateport: 22,
                virtualmachineid: node.vmId,
                openfirewall: false,
            }).id,
        );
    });
}

/** Removes every rule CKS made (delete on a user-supplied network). */
export function deleteClusterRules(ctx: BaseContext, cluster: ClusterRecord): void {
    const r = cluster._rules;
    deleteIfPresent(ctx, T.loadBalancerRules, r.lbId, deleteLoadBalancerRecord);
    deleteIfPresent(ctx, T.firewallRules, r.apiFirewallId, deleteFirewallRecord);
    deleteIfPresent(ctx, T.firewallRules, r.sshFirewallId, deleteFirewallRecord);
    for (const id of r.sshPortForwardIds) deleteIfPresent(ctx, T.portForwardingRules, id, deletePortForwardingRecord);
    for (const id of r.etcdFirewallIds) deleteIfPresent(ctx, T.firewallRules, id, deleteFirewallRecord);
    for (const id of r.etcdPortForwardIds) deleteIfPresent(ctx, T.portForwardingRules, id, deletePortForwardingRecord);
    for (const ext of Object.values(r.externalRules)) {
        deleteIfPresent(ctx, T.firewallRules, ext.firewallId, deleteFirewallRecord);
        deleteIfPresent(ctx, T.portForwardingRules, ext.portForwardId, deletePortForwardingRecord);
    }
    cluster._rules = emptyRules();
}

// ---- kubeconfig ----

/**
 * The cluster's certificates, made when its API server first comes up and kept in the record; the server
 * certificate is reissued (same CA, so kubeconfigs already handed out stay valid) if the address changes.
 */
export function clusterPki(cluster: ClusterRecord, address: string): ClusterPki {
    if (!cluster._pki) cluster._pki = generateClusterPki(address);
    else if (cluster._pki.server.ip !== address) cluster._pki.server = issueServerCertificate(cluster._pki.ca, address);
    return cluster._pki;
}

const b64 = (pem: string) => Buffer.from(pem).toString("base64");

/** A kubeadm admin.conf whose server is the cluster's public address, as Mold stores it after start (§10.1). */
export function buildKubeconfig(cluster: ClusterRecord, address: string): string {
    const pki = clusterPki(cluster, address);
    return stringify({
        apiVersion: "v1",
        clusters: [
            {
                cluster: { "certificate-authority-data": b64(pki.ca.cert), server: `https://${address}:${CLUSTER_API_PORT}` },
                name: "kubernetes",
            },
        ],
        contexts: [{ context: { cluster: "kubernetes", user: "kubernetes-admin" }, name: "kubernetes-admin@kubernetes" }],
        "current-context": "kubernetes-admin@kubernetes",
        kind: "Config",
        preferences: {},
        users: [
            {
                name: "kubernetes-admin",
                user: {
                    "client-certificate-data": b64(pki.client.cert),
                    "client-key-data": b64(pki.client.key),
                },
            },
        ],
    });
}

// ---- rendering ----

function renderMember(ctx: BaseContext, node: ClusterNode): Record<string, any> | undefined {
    const vm = table(ctx.state, T.vms)[node.vmId];
    if (!vm) return undefined;
    return { ...renderVm(ctx, vm), isexternalnode: node.external, isetcdnode: node.role === "etcd", kubernetesnodeversion: node.nodeVersion };
}

/** KubernetesClusterResponse (§4.1): keys in the order Mold's response class declares them. */
export function renderCluster(ctx: BaseContext, cluster: ClusterRecord): Record<string, any> {
    const zone = table(ctx.state, T.zones)[cluster.zoneid];
    const defaultOffering = offering(ctx, cluster.serviceofferingid);
    const typeOffering = (role: NodeRole) => (cluster._typeOfferingShown[role] ? offering(ctx, cluster._offerings[role]) : undefined);
    const template = cluster.templateid ? table(ctx.state, T.templates)[cluster.templateid] : undefined;
    const network = clusterNetwork(ctx, cluster);
    const version = cluster.kubernetesversionid ? table(ctx.state, T.kubernetesVersions)[cluster.kubernetesversionid] : undefined;
    const { cpu, memoryMb } = capacity(ctx, cluster);
    // ipaddress/ipaddressid only for a network with a (single) source-NAT IP, i.e. not shared or routed.
    const address = network && !isDirectAccess(network) ? clusterPublicAddress(ctx, cluster) : undefined;
    const members = cluster._nodes.map((n) => renderMember(ctx, n)).filter((m): m is Record<string, any> => m !== undefined);
    // Mold finds only the forwarding rule on the first etcd port, so at most one entry.
    const etcdips =
        members.length > 0 && address?.id && cluster.etcdnodes > 0 && cluster._rules.etcdPortForwardIds.length > 0
            ? { [address.id]: address.ipaddress }
            : undefined;
    const out: Record<string, any> = {
        id: cluster.id,
        name: cluster.name,
        description: cluster.description,
        zoneid: cluster.zoneid,
        zonename: zone?.name,
        serviceofferingid: defaultOffering?.id,
        serviceofferingname: defaultOffering?.name,
        workerofferingid: typeOffering("worker")?.id,
        workerofferingname: typeOffering("worker")?.name,
        controlofferingid: typeOffering("control")?.id,
        controlofferingname: typeOffering("control")?.name,
        etcdofferingid: typeOffering("etcd")?.id,
        etcdofferingname: typeOffering("etcd")?.name,
        etcdnodes: cluster.etcdnodes,
        templateid: template?.id,
        templatename: template?.name,
        networkid: network?.id,
        associatednetworkname: network?.name,
        kubernetesversionid: version?.id,
        kubernetesversionname: version?.name,
        account: cluster.account,
        domainid: cluster.domainid,
        domain: cluster.domain,
        domainpath: cluster.domainpath,
        keypair: cluster.keypair,
        cniconfigurationid: cluster._cniconfigurationid,
        masternodes: cluster.controlnodes,
        controlnodes: cluster.controlnodes,
        size: cluster.size,
        state: cluster.state,
        cpunumber: String(cpu),
        memory: String(memoryMb),
        endpoint: cluster.endpoint,
        virtualmachines: members,
        ipaddress: address?.ipaddress,
        ipaddressid: address?.id,
        etcdips,
        autoscalingenabled: cluster.autoscalingenabled,
        minsize: cluster.autoscalingenabled ? cluster.minsize : undefined,
        maxsize: cluster.autoscalingenabled ? cluster.maxsize : undefined,
        csienabled: cluster.csienabled,
        clustertype: cluster.clustertype,
        created: cluster.created,
        hasannotations: false,
    };
    return render(out);
}

/** Owner fields for a new cluster. */
export function clusterOwner(ctx: BaseContext): Pick<ClusterRecord, "account" | "domainid" | "domain" | "domainpath" | "_accountId"> {
    return { ...ownerFields(ctx), _accountId: ctx.caller.id };
}
