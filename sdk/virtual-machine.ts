// mold:index:VirtualMachine — one user VM on one or more isolated networks.
// Its args, outputs and registration are generated from schema.json (sdk/generated/).
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";
import { VirtualMachineBase } from "./generated/resources";
import type { VirtualMachineArgs } from "./generated/types";

export type { VirtualMachineArgs } from "./generated/types";

const provider = dynamicProvider("VirtualMachine");

export class VirtualMachine extends VirtualMachineBase {
    /** A read-only reference to an existing VirtualMachine (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): VirtualMachine {
        return new VirtualMachine(name, {} as VirtualMachineArgs, { ...opts, id });
    }

    constructor(name: string, args: VirtualMachineArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, {
            // A named VM's replacement needs its host name, which Mold keeps unique per network while
            // the old VM exists: delete first. Unnamed VMs get fresh names, so create-first is safe.
            deleteBeforeReplace: args.name !== undefined,
            ...opts,
        });
    }
}
