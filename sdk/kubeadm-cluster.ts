// KubeadmCluster — a self-managed Kubernetes cluster on Mold VMs: a control-plane node group (1, or 3/5/7
// for HA) behind a load-balancer rule on a public IP (6443), worker groups with labels and taints, kubeadm
// bootstrap over SSH, optionally registered in Mold's Kubernetes list. A component: it only composes
// resources, so reusable packages can build on it. On a VPC tier (`vpc`) the address is the VPC's, the rules
// name the tier and access is opened with NetworkAclRules in the tier's list (a tier has no firewall).
import * as pulumi from "@pulumi/pulumi";
import type { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import { ExternalKubernetesCluster } from "./external-kubernetes-cluster";
import { FirewallRule } from "./firewall-rule";
import { kubernetesProvider } from "./kubernetes-provider";
import { LoadBalancerRule } from "./load-balancer-rule";
import { NetworkAclRule } from "./network-acl-rule";
import type { EtcdSnapshot, KubeadmClusterArgs, KubeadmClusterNode, NodeGroupNode } from "./generated/types";
import type { KubeadmClusterOutputs } from "./generated/resources";
import { NodeGroup } from "./node-group";
import { PublicIpAddress } from "./public-ip-address";

export type { DataDisk, KubeadmClusterArgs, KubeadmClusterNode, KubeadmRegistry, NodeDataDisk, NodeGroupSpec } from "./generated/types";

export class KubeadmCluster extends pulumi.ComponentResource implements KubeadmClusterOutputs {
    /** https://<public ip>:6443 */
    public readonly endpoint: pulumi.Output<string>;
    /** Admin kubeconfig (secret), published once the API answered /healthz with it. */
    public readonly kubeconfig: pulumi.Output<string>;
    private readonly k8sProviderName: string;
    private k8sProvider?: KubernetesProvider;
    public readonly nodes: pulumi.Output<KubeadmClusterNode[]>;
    public readonly publicIpAddressId: pulumi.Output<string>;
    public readonly controlPlane: NodeGroup;
    public readonly workers: Record<string, NodeGroup>;
    public readonly apiLoadBalancerRule: LoadBalancerRule;
    /** The earliest expiry of the control-plane nodes' kubeadm certificates (RFC 3339). */
    public readonly certificatesExpireAt: pulumi.Output<string | undefined>;
    /** The ExternalManaged registration's id, or undefined when registerInMold is false. */
    public readonly moldClusterId: pulumi.Output<string | undefined>;
    /** The etcd snapshots taken on the control plane (node, path, time, reason), most recent last. */
    public readonly etcdSnapshotFiles: pulumi.Output<EtcdSnapshot[]>;
    /** The CSI StorageClass (PVCs on Mold disks); empty without csi. */
    public readonly storageClassName: pulumi.Output<string>;

    /**
     * A @pulumi/kubernetes Provider for the cluster (as `KubernetesCluster.provider`), named `<name>-k8s`; it exists
     * once every node group is Ready. Made on first use, so a program that never asks for it needs no
     * @pulumi/kubernetes.
     */
    get provider(): KubernetesProvider {
        return (this.k8sProvider ??= kubernetesProvider(this.controlPlane, {
            name: this.k8sProviderName,
            resourceOptions: { parent: this, dependsOn: Object.values(this.workers) },
        }));
    }

    constructor(name: string, args: KubeadmClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mold:index:KubeadmCluster", name, {}, opts);
        const parent = { parent: this };
        const clusterName = args.clusterName ?? name;
        // A given address is only read (never changed or released by this component).
        const onVpc = args.vpc !== undefined;
        if (onVpc && args.aclList === undefined) {
            throw new Error(
                `mold:KubeadmCluster ${name}: aclList is required with vpc: on a VPC tier the API and node SSH are opened with ACL rules in the tier's list (give 'default_allow' if the tier uses it)`,
            );
        }
        const publicIp = args.publicIpAddressId
            ? PublicIpAddress.get(`${name}-api`, args.publicIpAddressId, parent)
            : new PublicIpAddress(`${name}-api`, onVpc ? { vpc: args.vpc } : { network: args.network }, parent);
        const ipId: pulumi.Input<string> = args.publicIpAddressId ?? publicIp.id;
        const ip = pulumi.output(ipId);
        const address = publicIp.ipAddress;

        this.apiLoadBalancerRule = new LoadBalancerRule(
            `${name}-api`,
            {
                name: pulumi.interpolate`${clusterName}-api`,
                description: "Kubernetes API (kubeadm control plane)",
                algorithm: "roundrobin",
                publicIpAddressId: ipId,
                publicPort: 6443,
                privatePort: 6443,
                openFirewall: false,
                // Members are the control-plane node group's to manage: it adds a node before kubeadm init.
                manageMembers: false,
                // A VPC's address is tied to the tier by its first rule.
                ...(onVpc ? { network: args.network } : {}),
            },
            parent,
        );
        const access = onVpc
            ? vpcAccessRules(name, args, parent)
            : [
                  new FirewallRule(
                      `${name}-api`,
                      { ipAddressId: ipId, protocol: "tcp", startPort: 6443, cidrList: args.apiAccessCidrs ?? ["0.0.0.0/0"] },
                      parent,
                  ),
              ];
        const registration =
            args.registerInMold === false
                ? undefined
                : new ExternalKubernetesCluster(
                      `${name}-registration`,
                      {
                          name: clusterName,
                          description: "self-managed (kubeadm) by pulumi-mold",
                          zone: args.zone,
                          network: args.network,
                          keyPair: args.keyPair,
                      },
                      parent,
                  );

        const common = {
            clusterName,
            zone: args.zone,
            network: args.network,
            keyPair: args.keyPair,
            sshPrivateKey: args.sshPrivateKey,
            sshUser: args.sshUser,
            publicIpAddressId: ipId,
            sshCidrs: args.sshCidrs,
            kubernetesVersion: args.kubernetesVersion,
            moldClusterId: registration?.id,
            bastion: args.bastion,
            bootstrapTimeoutSeconds: args.bootstrapTimeoutSeconds,
            registry: args.registry,
        };
        const base = args.sshPortBase ?? 22000;
        const cp = args.controlPlane ?? {};
        this.controlPlane = new NodeGroup(
            `${name}-control-plane`,
            {
                ...common,
                name: "control-plane",
                role: "control-plane",
                count: cp.count ?? 1,
                serviceOffering: cp.serviceOffering ?? args.serviceOffering,
                template: cp.template ?? args.template,
                labels: cp.labels,
                taints: cp.taints,
                repair: cp.repair,
                // Unset: NodeGroup's default (on for a new control plane, unchanged for an existing one).
                affinityGroups: cp.affinityGroups,
                antiAffinity: cp.antiAffinity,
                sshAccess: args.bastion ? "bastion" : "port-forward",
                sshPortStart: args.bastion ? undefined : base,
                controlPlaneEndpoint: pulumi.interpolate`${address}:6443`,
                apiLoadBalancerRuleId: this.apiLoadBalancerRule.id,
                cni: args.cni,
                podCidr: args.podCidr,
                serviceCidr: args.serviceCidr,
                networkCidr: args.networkCidr,
                etcdSnapshots: args.etcdSnapshots,
                renewCertificatesBefore: args.renewCertificatesBefore,
                csi: args.csi,
                dataDisks: cp.dataDisks,
            },
            { parent: this, dependsOn: access },
        );
        this.workers = {};
        Object.entries(args.workerGroups ?? {}).forEach(([group, spec], i) => {
            this.workers[group] = new NodeGroup(
                `${name}-${group}`,
                {
                    ...common,
                    name: group,
                    role: "worker",
                    count: spec.count,
                    serviceOffering: spec.serviceOffering ?? args.serviceOffering,
                    template: spec.template ?? args.template,
                    labels: spec.labels,
                    taints: spec.taints,
                    repair: spec.repair,
                    affinityGroups: spec.affinityGroups,
                    antiAffinity: spec.antiAffinity,
                    // Reached through a control-plane node: no forward (no Mold rule job) per worker.
                    sshAccess: spec.sshAccess ?? (args.bastion ? "bastion" : "control-plane"),
                    sshPortStart: spec.sshAccess === "port-forward" ? (spec.sshPortStart ?? base + 100 * (i + 1)) : undefined,
                    controlPlaneNodes: this.controlPlane.nodes,
                    // Upgrades: a group may lag the control plane (never lead it), checked at preview by the group.
                    kubernetesVersion: spec.kubernetesVersion ?? args.kubernetesVersion,
                    controlPlaneVersion: args.kubernetesVersion,
                    upgradeStrategy: spec.upgradeStrategy,
                    maxUnavailable: spec.maxUnavailable,
                    dataDisks: spec.dataDisks,
                },
                parent,
            );
        });
        const groups: [string, NodeGroup][] = [["control-plane", this.controlPlane], ...Object.entries(this.workers)];
        this.nodes = pulumi.all(groups.map(([, g]) => g.nodes)).apply((lists) =>
            lists.flatMap((nodes: NodeGroupNode[], i) =>
                nodes.map((n) => ({
                    name: n.name,
                    group: groups[i][0],
                    role: i === 0 ? "control-plane" : "worker",
                    vmId: n.vmId,
                    privateIp: n.privateIp,
                    ...(n.kubeletVersion ? { kubeletVersion: n.kubeletVersion } : {}),
                    ...(n.dataDisks?.length ? { dataDisks: n.dataDisks } : {}),
                })),
            ),
        );
        this.endpoint = this.controlPlane.endpoint;
        this.certificatesExpireAt = this.controlPlane.certificatesExpireAt;
        this.kubeconfig = pulumi.secret(this.controlPlane.kubeconfig);
        this.publicIpAddressId = ip;
        this.moldClusterId = registration ? registration.id : pulumi.output(undefined);
        this.etcdSnapshotFiles = this.controlPlane.etcdSnapshotFiles;
        this.storageClassName = this.controlPlane.storageClassName.apply((s) => s ?? "");
        this.k8sProviderName = `${name}-k8s`;
        this.registerOutputs({
            endpoint: this.endpoint,
            kubeconfig: this.kubeconfig,
            nodes: this.nodes,
            publicIpAddressId: this.publicIpAddressId,
            certificatesExpireAt: this.certificatesExpireAt,
            storageClassName: this.storageClassName,
        });
    }
}

/**
 * On a VPC tier: ingress allow rules in the tier's ACL list for the API (6443, from apiAccessCidrs) and, unless
 * nodes are reached through a bastion, for SSH (22, the port the node forwards reach, from sshCidrs). None on
 * default_allow, which lets everything in.
 */
function vpcAccessRules(name: string, args: KubeadmClusterArgs, parent: pulumi.ResourceOptions): NetworkAclRule[] {
    if (args.aclList === "default_allow") return [];
    const first = args.aclRuleNumber ?? 100;
    const rule = (suffix: string, number: pulumi.Input<number>, port: number, cidrs: pulumi.Input<pulumi.Input<string>[]> | undefined, reason: string) =>
        new NetworkAclRule(
            `${name}-${suffix}`,
            {
                aclList: args.aclList!,
                number,
                action: "allow",
                trafficType: "ingress",
                protocol: "tcp",
                startPort: port,
                endPort: port,
                cidrList: cidrs ?? ["0.0.0.0/0"],
                reason,
            },
            parent,
        );
    const rules = [rule("api", first, 6443, args.apiAccessCidrs, "Kubernetes API (kubeadm)")];
    const next = typeof first === "number" ? first + 1 : pulumi.output(first).apply((n) => n + 1);
    if (!args.bastion) rules.push(rule("ssh", next, 22, args.sshCidrs, "node SSH (kubeadm)"));
    return rules;
}
