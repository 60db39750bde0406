// mold:index:KubernetesCluster — a Mold-managed (CloudManaged) Kubernetes cluster, with Mold's whole lifecycle.
// Its args, outputs and registration are generated from schema.json (sdk/generated/).
import * as pulumi from "@pulumi/pulumi";
import type { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import { dynamicProvider } from "./dynamic";
import { KubernetesClusterBase } from "./generated/resources";
import type { KubernetesClusterArgs } from "./generated/types";
import { kubernetesProvider } from "./kubernetes-provider";

export type {
    KubernetesClusterArgs,
    KubernetesClusterAutoscaling,
    KubernetesClusterNode,
    KubernetesClusterPrivateRegistry,
    KubernetesClusterTimeouts,
} from "./generated/types";

const provider = dynamicProvider("KubernetesCluster");

export class KubernetesCluster extends KubernetesClusterBase {
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
        super(provider, name, args, {
            // Mold keeps cluster names (and their `<name>-network`) per account: a replacement of a
            // cluster keeping its name must delete the old one first.
            deleteBeforeReplace: true,
            ...opts,
        });
    }
}
