// mold:index:Network — an isolated guest network.
// Its args, outputs and registration are generated from schema.json (sdk/generated/).
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";
import { NetworkBase } from "./generated/resources";
import type { NetworkArgs } from "./generated/types";

export type { NetworkArgs } from "./generated/types";

const provider = dynamicProvider("Network");

export class Network extends NetworkBase {
    /** A read-only reference to an existing Network (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): Network {
        return new Network(name, {} as NetworkArgs, { ...opts, id });
    }

    constructor(name: string, args: NetworkArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, opts);
    }
}
