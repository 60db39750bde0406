// mold:index:PrivateGateway — a VPC's private gateway, the hop static routes go through.
// Its args, outputs and registration are generated from schema.json (sdk/generated/).
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";
import { PrivateGatewayBase } from "./generated/resources";
import type { PrivateGatewayArgs } from "./generated/types";

export type { PrivateGatewayArgs } from "./generated/types";

const provider = dynamicProvider("PrivateGateway");

export class PrivateGateway extends PrivateGatewayBase {
    /** A read-only reference to an existing PrivateGateway (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): PrivateGateway {
        return new PrivateGateway(name, {} as PrivateGatewayArgs, { ...opts, id });
    }

    constructor(name: string, args: PrivateGatewayArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, opts);
    }
}
