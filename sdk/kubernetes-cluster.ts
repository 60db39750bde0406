// mold:index:KubernetesCluster — a Mold-managed (CloudManaged) Kubernetes cluster, with Mold's whole lifecycle.
import * as pulumi from "@pulumi/pulumi";
import type { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import { dynamicProvider } from "./dynamic";
import { kubernetesProvider } from "./kubernetes-provider";

const provider = dynamicProvider("KubernetesCluster");

export interface KubernetesClusterAutoscaling {
    enabled: pulumi.Input<boolean>;
    minSize?: pulumi.Input<number>;
    maxSize?: pulumi.Input<number>;
}

export interface KubernetesClusterPrivateRegistry {
    url: pulumi.Input<string>;
    username?: pulumi.Input<string>;
    /** Always stored as a secret. */
    password?: pulumi.Input<string>;
}

/** Minutes per operation (dynamic providers ignore Pulumi's customTimeouts). Defaults: create 60, update 60, delete 30. */
export interface KubernetesClusterTimeouts {
    create?: pulumi.Input<number>;
    update?: pulumi.Input<number>;
    delete?: pulumi.Input<number>;
}

export interface KubernetesClusterNode {
    id: string;
    name: string;
    /** control, worker or etcd. */
    role: string;
    state: string;
    privateIp: string;
}

export interface KubernetesClusterArgs {
    /** Take over this existing Mold cluster instead of creating one. */
    importId?: pulumi.Input<string>;
    /** 1–40 letters, digits, hyphens, starting with a letter. Replaces. */
    name: pulumi.Input<string>;
    /** Default: the name. Replaces. */
    description?: pulumi.Input<string>;
    /** Zone name or id. Replaces. */
    zone: pulumi.Input<string>;
    /** "1.32.5", a version name ("v1.32.5") or id. Upgrades in place, one minor at a time (refused at check otherwise). */
    kubernetesVersion: pulumi.Input<string>;
    /** Offering for every node type (at least 2 vCPU / 2 GB and the version's minimum). Changes in place (stop → scale → start). */
    serviceOffering?: pulumi.Input<string>;
    controlOffering?: pulumi.Input<string>;
    workerOffering?: pulumi.Input<string>;
    etcdOffering?: pulumi.Input<string>;
    /** Dedicated etcd VMs (default 0). Replaces. */
    etcdNodes?: pulumi.Input<number>;
    /** GB, at least 8. Replaces. */
    nodeRootDiskSize?: pulumi.Input<number>;
    /** Network name or id; default: Mold creates `<name>-network` (deleted with the cluster). Replaces. */
    network?: pulumi.Input<string>;
    /** Control nodes (HA when above 1; odd numbers only). Default 1. Replaces. */
    controlNodes?: pulumi.Input<number>;
    /** For HA clusters on a Shared network. Replaces. */
    externalLoadBalancerIpAddress?: pulumi.Input<string>;
    /** Worker nodes (default 1). Scales in place; ignored while autoscaling is enabled. */
    size?: pulumi.Input<number>;
    /** SSH key pair name. Replaces. */
    keyPair?: pulumi.Input<string>;
    /** Private registry (all three fields). Replaces. */
    privateRegistry?: pulumi.Input<KubernetesClusterPrivateRegistry>;
    /** Mold's cluster autoscaler; while enabled, `size` changes made by the autoscaler are not fought. */
    autoscaling?: pulumi.Input<KubernetesClusterAutoscaling>;
    /** `running` (default) or `stopped`. */
    desiredState?: pulumi.Input<"running" | "stopped">;
    /** Node VM ids or names to delete (Mold's VM-tab delete). Lower `size` with it, or Mold adds fresh workers back. */
    removeNodes?: pulumi.Input<pulumi.Input<string>[]>;
    timeouts?: pulumi.Input<KubernetesClusterTimeouts>;
}

export class KubernetesCluster extends pulumi.dynamic.Resource {
    declare public readonly name: pulumi.Output<string>;
    declare public readonly description: pulumi.Output<string | undefined>;
    declare public readonly zone: pulumi.Output<string>;
    /** The semantic version the cluster runs. */
    declare public readonly kubernetesVersion: pulumi.Output<string>;
    declare public readonly serviceOffering: pulumi.Output<string | undefined>;
    declare public readonly controlOffering: pulumi.Output<string | undefined>;
    declare public readonly workerOffering: pulumi.Output<string | undefined>;
    declare public readonly etcdOffering: pulumi.Output<string | undefined>;
    declare public readonly etcdNodes: pulumi.Output<number | undefined>;
    declare public readonly nodeRootDiskSize: pulumi.Output<number | undefined>;
    declare public readonly network: pulumi.Output<string | undefined>;
    declare public readonly controlNodes: pulumi.Output<number>;
    declare public readonly externalLoadBalancerIpAddress: pulumi.Output<string | undefined>;
    /** Workers as Mold has them. */
    declare public readonly size: pulumi.Output<number>;
    declare public readonly keyPair: pulumi.Output<string | undefined>;
    declare public readonly privateRegistry: pulumi.Output<KubernetesClusterPrivateRegistry | undefined>;
    declare public readonly autoscaling: pulumi.Output<KubernetesClusterAutoscaling | undefined>;
    declare public readonly desiredState: pulumi.Output<string>;
    declare public readonly removeNodes: pulumi.Output<string[] | undefined>;
    declare public readonly timeouts: pulumi.Output<KubernetesClusterTimeouts | undefined>;
    declare public readonly importId: pulumi.Output<string | undefined>;
    declare public readonly clusterId: pulumi.Output<string>;
    /** Mold's state (Running, Stopped, Alert, …). */
    declare public readonly state: pulumi.Output<string>;
    /** `https://<public IP>:6443/`. */
    declare public readonly endpoint: pulumi.Output<string>;
    /** Admin kubeconfig (secret); set only once the API answered /healthz with it. */
    declare public readonly kubeconfig: pulumi.Output<string>;
    declare public readonly ipAddress: pulumi.Output<string>;
    /** The public IP's id, to attach firewall, port-forwarding and load-balancer rules. */
    declare public readonly ipAddressId: pulumi.Output<string>;
    declare public readonly networkId: pulumi.Output<string>;
    declare public readonly networkName: pulumi.Output<string>;
    declare public readonly cpuNumber: pulumi.Output<number>;
    /** MB over all nodes. */
    declare public readonly memory: pulumi.Output<number>;
    declare public readonly kubernetesVersionId: pulumi.Output<string>;
    declare public readonly kubernetesVersionName: pulumi.Output<string>;
    declare public readonly account: pulumi.Output<string>;
    declare public readonly domain: pulumi.Output<string>;
    declare public readonly clusterType: pulumi.Output<string>;
    declare public readonly created: pulumi.Output<string>;
    declare public readonly nodes: pulumi.Output<KubernetesClusterNode[]>;

    /**
     * A @pulumi/kubernetes Provider for the cluster (as `KubeadmCluster.provider`), named `<name>-k8s`; it exists
     * once the cluster is Running and its API answered a health check. Made on first use, so a program that never
     * asks for it needs no @pulumi/kubernetes; the same resource as `mold.kubernetesProvider(cluster)`.
     */
    get provider(): KubernetesProvider {
        return kubernetesProvider(this);
    }

    /** A read-only reference to an existing cluster (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): KubernetesCluster {
        return new KubernetesCluster(name, {} as KubernetesClusterArgs, { ...opts, id });
    }

    constructor(name: string, args: KubernetesClusterArgs, opts?: pulumi.CustomResourceOptions) {
        // The registry password is secret whatever the caller passed.
        const registry = args.privateRegistry === undefined ? undefined : pulumi.secret(args.privateRegistry);
        super(
            provider,
            name,
            {
                // Every property is listed, set or not: the SDK only creates outputs for keys present here.
                name: args.name,
                description: args.description,
                zone: args.zone,
                kubernetesVersion: args.kubernetesVersion,
                serviceOffering: args.serviceOffering,
                controlOffering: args.controlOffering,
                workerOffering: args.workerOffering,
                etcdOffering: args.etcdOffering,
                etcdNodes: args.etcdNodes,
                nodeRootDiskSize: args.nodeRootDiskSize,
                network: args.network,
                controlNodes: args.controlNodes,
                externalLoadBalancerIpAddress: args.externalLoadBalancerIpAddress,
                size: args.size,
                keyPair: args.keyPair,
                privateRegistry: registry,
                autoscaling: args.autoscaling,
                desiredState: args.desiredState,
                removeNodes: args.removeNodes,
                timeouts: args.timeouts,
                importId: args.importId,
                clusterId: undefined,
                state: undefined,
                endpoint: undefined,
                kubeconfig: undefined,
                ipAddress: undefined,
                ipAddressId: undefined,
                networkId: undefined,
                networkName: undefined,
                cpuNumber: undefined,
                memory: undefined,
                kubernetesVersionId: undefined,
                kubernetesVersionName: undefined,
                account: undefined,
                domain: undefined,
                clusterType: undefined,
                created: undefined,
                nodes: undefined,
            },
            {
                // Mold keeps cluster names (and their `<name>-network`) per account: a replacement of a
                // cluster keeping its name must delete the old one first.
                deleteBeforeReplace: true,
                ...opts,
                additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "kubeconfig", "privateRegistry"],
            },
            "mold",
            "KubernetesCluster",
        );
    }
}
