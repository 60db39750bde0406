// mold:index:NodeGroup — Mold VMs bootstrapped over SSH into nodes of a self-managed (kubeadm) cluster.
// Usually made by KubeadmCluster; usable alone to add a worker group to a cluster made elsewhere.
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";

const provider = dynamicProvider("NodeGroup");

/** A Kubernetes taint. */
export interface NodeTaint {
    key: pulumi.Input<string>;
    value?: pulumi.Input<string>;
    /** NoSchedule, PreferNoSchedule or NoExecute. */
    effect: pulumi.Input<string>;
}

/** A jump host of your own that nodes with sshAccess "bastion" are reached through. */
export interface NodeGroupBastion {
    host: pulumi.Input<string>;
    /** Default 22. */
    port?: pulumi.Input<number>;
    /** Default: the group's sshUser. The group's sshPrivateKey must be accepted there too. */
    username?: pulumi.Input<string>;
    /** The bastion's SSH host public key ("<type> <base64>"), pinned like the nodes' keys. */
    hostPublicKey: pulumi.Input<string>;
}

/** One node of a group, as recorded in its `nodes` output. */
export interface NodeGroupNode {
    /** Kubernetes node name = VM host name. */
    name: string;
    vmId: string;
    privateIp: string;
    slot: number;
    /** port-forward (sshHost:sshPort on the cluster's public IP), control-plane (through a control-plane node to privateIp:22) or bastion. */
    access: string;
    /** SSH reaches the node at sshHost:sshPort. */
    sshHost: string;
    sshPort: number;
    portForwardingRuleId: string;
    /** The host key injected through cloud-init; every connection is pinned to it. */
    hostPublicKey: string;
    hostKeyFingerprint: string;
    serviceOfferingId: string;
    templateId: string;
    keyPair: string;
    /** ready, or pending (the bootstrap did not finish; the next up resumes it). */
    status: string;
    createdAt: string;
}

export interface NodeGroupArgs {
    /** Cluster name: prefixes the node names (lower-case DNS label). Changing it replaces the group. */
    clusterName: pulumi.Input<string>;
    /** Group name (lower-case DNS label). Changing it replaces the group. */
    name: pulumi.Input<string>;
    /** control-plane or worker. */
    role: pulumi.Input<string>;
    /** Number of nodes; control-plane groups: 1, 3, 5 or 7 (etcd quorum). */
    count: pulumi.Input<number>;
    zone: pulumi.Input<string>;
    /** The guest network the nodes live on (name or id). */
    network: pulumi.Input<string>;
    /** Service offering (name or id). A change rolls the nodes one at a time. */
    serviceOffering: pulumi.Input<string>;
    /** Template (name or id), an apt-based OS (Ubuntu 20.04+, Debian 11+). A change rolls the nodes. */
    template: pulumi.Input<string>;
    /** Mold key pair name installed on the nodes; cannot change on an existing group (its nodes accept only the old key). */
    keyPair: pulumi.Input<string>;
    /** The private key of keyPair, used to reach the nodes over SSH (secret). */
    sshPrivateKey: pulumi.Input<string>;
    /** SSH user of the template (default ubuntu). */
    sshUser?: pulumi.Input<string>;
    /** The public IP whose port forwards reach the nodes' SSH. */
    publicIpAddressId: pulumi.Input<string>;
    /**
     * How the nodes' SSH is reached: port-forward (a forward per node on the public IP; the default for control
     * planes), control-plane (through a control-plane node as jump host; the default for workers: no rule per
     * node) or bastion (through `bastion`: no SSH exposed by the cluster at all).
     */
    sshAccess?: pulumi.Input<string>;
    /** sshAccess "bastion": the jump host. Never causes a change by itself. */
    bastion?: pulumi.Input<NodeGroupBastion>;
    /** port-forward: node i is reached on sshPortStart + slot (a block of 100 ports). */
    sshPortStart?: pulumi.Input<number>;
    /** Who may reach the nodes' SSH ports (default 0.0.0.0/0, as Mold's own Kubernetes service does). */
    sshCidrs?: pulumi.Input<pulumi.Input<string>[]>;
    /** Kubernetes version x.y.z (installed from pkgs.k8s.io). */
    kubernetesVersion: pulumi.Input<string>;
    /** Control plane only: host:port of the API load balancer. */
    controlPlaneEndpoint?: pulumi.Input<string>;
    /** Control plane only: the load-balancer rule (6443) the group puts its VMs behind. */
    apiLoadBalancerRuleId?: pulumi.Input<string>;
    /** Control plane only: flannel (default) or calico. */
    cni?: pulumi.Input<string>;
    /** Control plane only: default 10.244.0.0/16. */
    podCidr?: pulumi.Input<string>;
    /** Control plane only: default 10.96.0.0/12. */
    serviceCidr?: pulumi.Input<string>;
    /** The network's CIDR, to refuse overlapping pod/service CIDRs at check. */
    networkCidr?: pulumi.Input<string>;
    /** Worker groups: the control-plane group's `nodes` (joins and admin steps run through them). */
    controlPlaneNodes?: pulumi.Input<pulumi.Input<NodeGroupNode>[]>;
    /** Kubernetes labels of every node; changed in place. */
    labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Kubernetes taints of every node; changed in place. */
    taints?: pulumi.Input<pulumi.Input<NodeTaint>[]>;
    /** An ExternalKubernetesCluster's id: the VMs are registered there (and unregistered when removed). */
    moldClusterId?: pulumi.Input<string>;
    /** Longest wait for nodes to become Ready and for drains, in seconds (default 900). */
    bootstrapTimeoutSeconds?: pulumi.Input<number>;
    /** Not supported for node groups; present for symmetry with other resources. */
    importId?: pulumi.Input<string>;
}

export class NodeGroup extends pulumi.dynamic.Resource {
    declare public readonly clusterName: pulumi.Output<string>;
    declare public readonly name: pulumi.Output<string>;
    declare public readonly role: pulumi.Output<string>;
    declare public readonly count: pulumi.Output<number>;
    declare public readonly zone: pulumi.Output<string>;
    declare public readonly network: pulumi.Output<string>;
    declare public readonly serviceOffering: pulumi.Output<string>;
    declare public readonly template: pulumi.Output<string>;
    declare public readonly keyPair: pulumi.Output<string>;
    declare public readonly sshPrivateKey: pulumi.Output<string>;
    declare public readonly sshUser: pulumi.Output<string>;
    declare public readonly publicIpAddressId: pulumi.Output<string>;
    declare public readonly sshAccess: pulumi.Output<string>;
    declare public readonly bastion: pulumi.Output<{ host: string; port?: number; username?: string; hostPublicKey: string } | undefined>;
    declare public readonly sshPortStart: pulumi.Output<number | undefined>;
    declare public readonly sshCidrs: pulumi.Output<string[]>;
    declare public readonly kubernetesVersion: pulumi.Output<string>;
    declare public readonly controlPlaneEndpoint: pulumi.Output<string | undefined>;
    declare public readonly apiLoadBalancerRuleId: pulumi.Output<string | undefined>;
    declare public readonly cni: pulumi.Output<string | undefined>;
    declare public readonly podCidr: pulumi.Output<string | undefined>;
    declare public readonly serviceCidr: pulumi.Output<string | undefined>;
    declare public readonly networkCidr: pulumi.Output<string | undefined>;
    declare public readonly controlPlaneNodes: pulumi.Output<NodeGroupNode[] | undefined>;
    declare public readonly labels: pulumi.Output<Record<string, string> | undefined>;
    declare public readonly taints: pulumi.Output<{ key: string; value?: string; effect: string }[] | undefined>;
    declare public readonly moldClusterId: pulumi.Output<string | undefined>;
    declare public readonly bootstrapTimeoutSeconds: pulumi.Output<number>;
    declare public readonly importId: pulumi.Output<string | undefined>;
    /** The group's nodes. */
    declare public readonly nodes: pulumi.Output<NodeGroupNode[]>;
    declare public readonly nodeNames: pulumi.Output<string[]>;
    declare public readonly virtualMachineIds: pulumi.Output<string[]>;
    /** Control plane: true once kubeadm init ran. */
    declare public readonly initialised: pulumi.Output<boolean>;
    /** Control plane: the admin kubeconfig (secret), published once the API answered /healthz; "" for workers. */
    declare public readonly kubeconfig: pulumi.Output<string>;
    /** Control plane: https://<controlPlaneEndpoint>; "" for workers. */
    declare public readonly endpoint: pulumi.Output<string>;

    constructor(name: string, args: NodeGroupArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            {
                clusterName: args.clusterName,
                name: args.name,
                role: args.role,
                count: args.count,
                zone: args.zone,
                network: args.network,
                serviceOffering: args.serviceOffering,
                template: args.template,
                keyPair: args.keyPair,
                sshUser: args.sshUser,
                publicIpAddressId: args.publicIpAddressId,
                sshAccess: args.sshAccess,
                bastion: args.bastion,
                sshPortStart: args.sshPortStart,
                sshCidrs: args.sshCidrs,
                kubernetesVersion: args.kubernetesVersion,
                controlPlaneEndpoint: args.controlPlaneEndpoint,
                apiLoadBalancerRuleId: args.apiLoadBalancerRuleId,
                cni: args.cni,
                podCidr: args.podCidr,
                serviceCidr: args.serviceCidr,
                networkCidr: args.networkCidr,
                controlPlaneNodes: args.controlPlaneNodes,
                labels: args.labels,
                taints: args.taints,
                moldClusterId: args.moldClusterId,
                bootstrapTimeoutSeconds: args.bootstrapTimeoutSeconds,
                sshPrivateKey: args.sshPrivateKey === undefined ? undefined : pulumi.secret(args.sshPrivateKey),
                importId: args.importId,
                nodes: undefined,
                nodeNames: undefined,
                virtualMachineIds: undefined,
                initialised: undefined,
                kubeconfig: undefined,
                endpoint: undefined,
            },
            { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "kubeconfig", "sshPrivateKey"] },
            "mold",
            "NodeGroup",
        );
    }
}
