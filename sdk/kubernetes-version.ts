// mold:index:KubernetesVersion — a Kubernetes version (binaries ISO) Mold's Kubernetes service offers; an administrator's command.
// Its args, outputs and registration are generated from schema.json (sdk/generated/).
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";
import { KubernetesVersionBase } from "./generated/resources";
import type { KubernetesVersionArgs } from "./generated/types";

export type { KubernetesVersionArgs } from "./generated/types";

const provider = dynamicProvider("KubernetesVersion");

export class KubernetesVersion extends KubernetesVersionBase {
    /** A read-only reference to an existing KubernetesVersion (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): KubernetesVersion {
        return new KubernetesVersion(name, {} as KubernetesVersionArgs, { ...opts, id });
    }

    constructor(name: string, args: KubernetesVersionArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, opts);
    }
}
