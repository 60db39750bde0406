// mold:index:StaticNat — static NAT from a public IP to a VM or one of its secondary addresses.
// Its args, outputs and registration are generated from schema.json (sdk/generated/).
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";
import { StaticNatBase } from "./generated/resources";
import type { StaticNatArgs } from "./generated/types";

export type { StaticNatArgs } from "./generated/types";

const provider = dynamicProvider("StaticNat");

export class StaticNat extends StaticNatBase {
    /** A read-only reference to an existing StaticNat (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): StaticNat {
        return new StaticNat(name, {} as StaticNatArgs, { ...opts, id });
    }

    constructor(name: string, args: StaticNatArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, opts);
    }
}
