// mold:index:ExternalKubernetesCluster — a self-managed cluster registered in Mold's Kubernetes list.
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";

const provider = dynamicProvider("ExternalKubernetesCluster");

export interface ExternalKubernetesClusterArgs {
    /** Take over this existing ExternalManaged cluster (by id) instead of creating one. */
    importId?: pulumi.Input<string>;
    /** Cluster name in Mold. Every input replaces the registration (not the nodes). */
    name: pulumi.Input<string>;
    description?: pulumi.Input<string>;
    zone: pulumi.Input<string>;
    /** The nodes' network (name or id). */
    network: pulumi.Input<string>;
    /** The nodes' key pair name, shown in Mold. */
    keyPair?: pulumi.Input<string>;
}

export class ExternalKubernetesCluster extends pulumi.dynamic.Resource {
    declare public readonly name: pulumi.Output<string>;
    declare public readonly description: pulumi.Output<string | undefined>;
    declare public readonly zone: pulumi.Output<string>;
    declare public readonly network: pulumi.Output<string>;
    declare public readonly keyPair: pulumi.Output<string | undefined>;
    declare public readonly importId: pulumi.Output<string | undefined>;
    /** Running from the start (Mold does nothing to an ExternalManaged cluster's VMs). */
    declare public readonly state: pulumi.Output<string>;
    declare public readonly clusterType: pulumi.Output<string>;
    declare public readonly zoneId: pulumi.Output<string>;
    declare public readonly networkId: pulumi.Output<string>;
    /** Registered control-plane VMs, as Mold counts them. */
    declare public readonly controlNodes: pulumi.Output<number>;
    /** Registered other VMs. */
    declare public readonly size: pulumi.Output<number>;
    declare public readonly virtualMachineIds: pulumi.Output<string[]>;

    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): ExternalKubernetesCluster {
        return new ExternalKubernetesCluster(name, {} as ExternalKubernetesClusterArgs, { ...opts, id });
    }

    constructor(name: string, args: ExternalKubernetesClusterArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            {
                name: args.name,
                description: args.description,
                zone: args.zone,
                network: args.network,
                keyPair: args.keyPair,
                importId: args.importId,
                state: undefined,
                clusterType: undefined,
                zoneId: undefined,
                networkId: undefined,
                controlNodes: undefined,
                size: undefined,
                virtualMachineIds: undefined,
            },
            opts,
            "mold",
            "ExternalKubernetesCluster",
        );
    }
}
