// mold:index:StaticRoute — a VPC static route through a private gateway or to a next hop.
// Its args, outputs and registration are generated from schema.json (sdk/generated/).
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";
import { StaticRouteBase } from "./generated/resources";
import type { StaticRouteArgs } from "./generated/types";

export type { StaticRouteArgs } from "./generated/types";

const provider = dynamicProvider("StaticRoute");

export class StaticRoute extends StaticRouteBase {
    /** A read-only reference to an existing StaticRoute (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): StaticRoute {
        return new StaticRoute(name, {} as StaticRouteArgs, { ...opts, id });
    }

    constructor(name: string, args: StaticRouteArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, opts);
    }
}
