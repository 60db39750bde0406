// mold:index:ExternalKubernetesCluster — a self-managed cluster registered in Mold's Kubernetes list.
// Its args, outputs and registration are generated from schema.json (sdk/generated/).
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";
import { ExternalKubernetesClusterBase } from "./generated/resources";
import type { ExternalKubernetesClusterArgs } from "./generated/types";

export type { ExternalKubernetesClusterArgs } from "./generated/types";

const provider = dynamicProvider("ExternalKubernetesCluster");

export class ExternalKubernetesCluster extends ExternalKubernetesClusterBase {
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): ExternalKubernetesCluster {
        return new ExternalKubernetesCluster(name, {} as ExternalKubernetesClusterArgs, { ...opts, id });
    }

    constructor(name: string, args: ExternalKubernetesClusterArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, opts);
    }
}
