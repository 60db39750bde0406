// mold:index:AffinityGroup — a Mold affinity group ("host anti-affinity" by default), for VirtualMachine's and
// NodeGroup's affinityGroups. Its args, outputs and registration are generated from schema.json (sdk/generated/).
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";
import { AffinityGroupBase } from "./generated/resources";
import type { AffinityGroupArgs } from "./generated/types";

export type { AffinityGroupArgs } from "./generated/types";

const provider = dynamicProvider("AffinityGroup");

export class AffinityGroup extends AffinityGroupBase {
    /** A read-only reference to an existing AffinityGroup (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): AffinityGroup {
        return new AffinityGroup(name, {} as AffinityGroupArgs, { ...opts, id });
    }

    constructor(name: string, args: AffinityGroupArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, {
            // Mold keeps names unique per account: the replacement of a group under the same name needs the old one gone.
            deleteBeforeReplace: true,
            ...opts,
        });
    }
}
