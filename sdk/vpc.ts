// mold:index:Vpc — a VPC: tiers (Networks with `vpc`) inside one CIDR behind one virtual router.
// Its args, outputs and registration are generated from schema.json (sdk/generated/).
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";
import { VpcBase } from "./generated/resources";
import type { VpcArgs } from "./generated/types";

export type { VpcArgs } from "./generated/types";

const provider = dynamicProvider("Vpc");

export class Vpc extends VpcBase {
    /** The CIDR as the program declared it (when plain), so tiers given this object are checked at preview. */
    readonly declaredCidr?: string;
    /** Tiers declared in this VPC so far: name → CIDR (Network fills it in; it checks new tiers against it). */
    readonly declaredTiers: Record<string, string> = {};

    /** A read-only reference to an existing Vpc (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): Vpc {
        return new Vpc(name, {} as VpcArgs, { ...opts, id });
    }

    constructor(name: string, args: VpcArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, opts);
        if (typeof args.cidr === "string") this.declaredCidr = args.cidr;
    }
}
