// mold:index:FirewallRule — one ingress firewall rule on a public IP.
// Its args, outputs and registration are generated from schema.json (sdk/generated/).
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";
import { FirewallRuleBase } from "./generated/resources";
import type { FirewallRuleArgs } from "./generated/types";

export type { FirewallRuleArgs } from "./generated/types";

const provider = dynamicProvider("FirewallRule");

export class FirewallRule extends FirewallRuleBase {
    /** A read-only reference to an existing FirewallRule (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): FirewallRule {
        return new FirewallRule(name, {} as FirewallRuleArgs, { ...opts, id });
    }

    constructor(name: string, args: FirewallRuleArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, opts);
    }
}
