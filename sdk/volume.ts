// mold:index:Volume — a data volume from a disk offering, optionally attached to a VM, with a snapshot policy.
// Its args, outputs and registration are generated from schema.json (sdk/generated/).
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";
import { VolumeBase } from "./generated/resources";
import type { VolumeArgs } from "./generated/types";

export type { VolumeArgs, VolumeSnapshotPolicy } from "./generated/types";

const provider = dynamicProvider("Volume");

export class Volume extends VolumeBase {
    /** A read-only reference to an existing Volume (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): Volume {
        return new Volume(name, {} as VolumeArgs, { ...opts, id });
    }

    constructor(name: string, args: VolumeArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, opts);
    }
}
