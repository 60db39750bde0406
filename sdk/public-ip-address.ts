// mold:index:PublicIpAddress — a public address on an isolated network (or in a zone).
// Its args, outputs and registration are generated from schema.json (sdk/generated/).
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";
import { PublicIpAddressBase } from "./generated/resources";
import type { PublicIpAddressArgs } from "./generated/types";

export type { PublicIpAddressArgs } from "./generated/types";

const provider = dynamicProvider("PublicIpAddress");

export class PublicIpAddress extends PublicIpAddressBase {
    /** A read-only reference to an existing PublicIpAddress (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): PublicIpAddress {
        return new PublicIpAddress(name, {} as PublicIpAddressArgs, { ...opts, id });
    }

    constructor(name: string, args: PublicIpAddressArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, opts);
    }
}
