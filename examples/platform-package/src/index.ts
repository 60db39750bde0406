// PlatformCluster: what a platform team hands to application teams — one network, one Kubernetes cluster
// (Mold-managed or kubeadm on Mold VMs), a public IP whose ingress ports are load-balanced to the workers, and
// every firewall rule opened to the same `allowedCidrs`. Every taggable resource carries the standard tags.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

export type ClusterKind = "managed" | "kubeadm";

/** One ingress port: `port` on the ingress IP, balanced to `nodePort` on every worker. */
export interface IngressRule {
    /** Short name, used in the Mold rule's name (letters, digits, '-'). */
    name: string;
    port: number;
    nodePort: number;
}

/** kubeadm only: what Mold VMs the nodes are made from. */
export interface KubeadmOptions {
    template: pulumi.Input<string>;
    keyPair: pulumi.Input<string>;
    sshPrivateKey: pulumi.Input<string>;
    controlPlaneCount?: number;
}

export interface PlatformClusterArgs {
    /** "managed": Mold's Kubernetes service (CloudManaged); "kubeadm": self-managed on Mold VMs. */
    kind: ClusterKind;
    zone: pulumi.Input<string>;
    kubernetesVersion: pulumi.Input<string>;
    serviceOffering: pulumi.Input<string>;
    /** Worker nodes (default 2). */
    workers?: number;
    /** Who may reach the ingress ports (and, for kubeadm, the Kubernetes API). Required: no default to 0.0.0.0/0. */
    allowedCidrs: string[];
    /** Ingress ports (default: 80 → 30080 and 443 → 30443). */
    ingress?: IngressRule[];
    /** The standard tags: `team` and `environment` are required; more may be added. */
    tags: { team: string; environment: string } & Record<string, string>;
    /** The network's CIDR as gateway/netmask (default 10.20.0.1/255.255.255.0). */
    gateway?: string;
    netmask?: string;
    kubeadm?: KubeadmOptions;
}

export const DEFAULT_INGRESS: IngressRule[] = [
    { name: "http", port: 80, nodePort: 30080 },
    { name: "https", port: 443, nodePort: 30443 },
];

/** Every problem with the args at once (thrown before any resource is registered). */
export function validateArgs(name: string, args: PlatformClusterArgs): string[] {
    const problems: string[] = [];
    if (args.kind !== "managed" && args.kind !== "kubeadm") problems.push(`kind must be "managed" or "kubeadm", got ${JSON.stringify(args.kind)}`);
    if (!args.allowedCidrs?.length) problems.push("allowedCidrs needs at least one CIDR");
    for (const cidr of args.allowedCidrs ?? [])
        if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(cidr)) problems.push(`allowedCidrs: '${cidr}' is not an IPv4 CIDR`);
    if (!args.tags?.team) problems.push("tags.team is required");
    if (!args.tags?.environment) problems.push("tags.environment is required");
    const ingress = args.ingress ?? DEFAULT_INGRESS;
    const ports = new Set<number>();
    for (const r of ingress) {
        if (!/^[a-z0-9-]+$/.test(r.name)) problems.push(`ingress '${r.name}': name takes lowercase letters, digits and '-'`);
        if (ports.has(r.port)) problems.push(`ingress '${r.name}': port ${r.port} is used twice`);
        ports.add(r.port);
        if (r.nodePort < 30000 || r.nodePort > 32767)
            problems.push(`ingress '${r.name}': nodePort ${r.nodePort} is outside Kubernetes' NodePort range 30000-32767`);
    }
    if (args.kind === "kubeadm" && !args.kubeadm) problems.push('kind "kubeadm" needs kubeadm: { template, keyPair, sshPrivateKey }');
    return problems.map((p) => `PlatformCluster ${name}: ${p}`);
}

export class PlatformCluster extends pulumi.ComponentResource {
    /** The cluster's network (isolated). */
    public readonly networkId: pulumi.Output<string>;
    /** https://<address>:6443 — the Kubernetes API. */
    public readonly endpoint: pulumi.Output<string>;
    /** Admin kubeconfig (a secret output). */
    public readonly kubeconfig: pulumi.Output<string>;
    /** The public address the ingress ports are on. */
    public readonly ingressAddress: pulumi.Output<string>;
    /** Mold ids of the worker VMs (the load balancers' members). */
    public readonly workerIds: pulumi.Output<string[]>;
    /** The ingress URLs, one per ingress rule, e.g. http://203.0.113.7:80. */
    public readonly ingressUrls: pulumi.Output<string[]>;
    /** The tags every taggable resource carries (the standard ones plus `managed-by` and `platform-cluster`). */
    public readonly tags: Record<string, string>;

    constructor(name: string, args: PlatformClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:index:PlatformCluster", name, {}, opts);
        const problems = validateArgs(name, args);
        if (problems.length) throw new Error(problems.join("\n"));
        const parent = { parent: this };
        const tags = { ...args.tags, "managed-by": "platform-package", "platform-cluster": name };
        this.tags = tags;

        const network = new mold.Network(
            `${name}-net`,
            { name: `${name}-net`, zone: args.zone, gateway: args.gateway ?? "10.20.0.1", netmask: args.netmask ?? "255.255.255.0", tags },
            parent,
        );
        this.networkId = network.id;

        let workerIds: pulumi.Output<string[]>;
        let cluster: pulumi.Resource;
        if (args.kind === "managed") {
            const managed = new mold.KubernetesCluster(
                name,
                {
                    name,
                    zone: args.zone,
                    kubernetesVersion: args.kubernetesVersion,
                    serviceOffering: args.serviceOffering,
                    size: args.workers ?? 2,
                    network: network.id,
                },
                parent,
            );
            this.endpoint = managed.endpoint;
            this.kubeconfig = managed.kubeconfig;
            workerIds = managed.nodes.apply((nodes) => nodes.filter((n) => n.role === "worker").map((n) => n.id));
            cluster = managed;
        } else {
            const k = args.kubeadm!;
            const kubeadm = new mold.KubeadmCluster(
                name,
                {
                    clusterName: name,
                    zone: args.zone,
                    network: network.id,
                    networkCidr: network.cidr,
                    kubernetesVersion: args.kubernetesVersion,
                    serviceOffering: args.serviceOffering,
                    template: k.template,
                    keyPair: k.keyPair,
                    sshPrivateKey: k.sshPrivateKey,
                    controlPlane: { count: k.controlPlaneCount ?? 1 },
                    workerGroups: { workers: { count: args.workers ?? 2 } },
                    // The API is reachable from the same CIDRs as the ingress ports.
                    apiAccessCidrs: args.allowedCidrs,
                },
                parent,
            );
            this.endpoint = kubeadm.endpoint;
            this.kubeconfig = kubeadm.kubeconfig;
            workerIds = kubeadm.nodes.apply((nodes) => nodes.filter((n) => n.role === "worker").map((n) => n.vmId));
            cluster = kubeadm;
        }
        this.workerIds = workerIds;

        // Ingress on an address of its own, taken after the cluster: the address the cluster gets on its network
        // (Mold's Kubernetes service takes one for its API) stays the cluster's.
        const ip = new mold.PublicIpAddress(`${name}-ingress`, { network: network.id, tags }, { parent: this, dependsOn: cluster });
        this.ingressAddress = ip.ipAddress;
        const ingress = args.ingress ?? DEFAULT_INGRESS;
        for (const rule of ingress) {
            new mold.LoadBalancerRule(
                `${name}-${rule.name}`,
                {
                    name: `${name}-${rule.name}`,
                    description: `${rule.port} to NodePort ${rule.nodePort} on the workers`,
                    algorithm: "roundrobin",
                    publicIpAddressId: ip.id,
                    publicPort: rule.port,
                    privatePort: rule.nodePort,
                    // The firewall rule below opens the port, to allowedCidrs only.
                    openFirewall: false,
                    members: workerIds,
                    tags,
                },
                parent,
            );
            new mold.FirewallRule(
                `${name}-${rule.name}`,
                { ipAddressId: ip.id, protocol: "tcp", startPort: rule.port, cidrList: args.allowedCidrs, tags },
                parent,
            );
        }
        this.ingressUrls = ip.ipAddress.apply((a) => ingress.map((r) => `${r.port === 443 ? "https" : "http"}://${a}:${r.port}`));

        this.registerOutputs({
            networkId: this.networkId,
            endpoint: this.endpoint,
            kubeconfig: this.kubeconfig,
            ingressAddress: this.ingressAddress,
            workerIds: this.workerIds,
            ingressUrls: this.ingressUrls,
        });
    }
}
