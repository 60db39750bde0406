// mold:index:NetworkAclList — a network ACL list of a VPC (its rules are NetworkAclRule resources).
// Its args, outputs and registration are generated from schema.json (sdk/generated/).
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";
import { NetworkAclListBase } from "./generated/resources";
import type { NetworkAclListArgs } from "./generated/types";

export type { NetworkAclListArgs } from "./generated/types";

const provider = dynamicProvider("NetworkAclList");

export class NetworkAclList extends NetworkAclListBase {
    /**
     * A read-only reference to an existing list (never changed or deleted by this program): by id, or one of
     * Mold's default lists by name ("default_allow", "default_deny"); `listId` is then its Mold id.
     */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): NetworkAclList {
        return new NetworkAclList(name, {} as NetworkAclListArgs, { ...opts, id });
    }

    constructor(name: string, args: NetworkAclListArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, opts);
    }
}
