// mold:index:EgressFirewallRule — one egress firewall rule on an isolated network.
// Its args, outputs and registration are generated from schema.json (sdk/generated/).
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";
import { EgressFirewallRuleBase } from "./generated/resources";
import type { EgressFirewallRuleArgs } from "./generated/types";

export type { EgressFirewallRuleArgs } from "./generated/types";

const provider = dynamicProvider("EgressFirewallRule");

export class EgressFirewallRule extends EgressFirewallRuleBase {
    /** A read-only reference to an existing EgressFirewallRule (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): EgressFirewallRule {
        return new EgressFirewallRule(name, {} as EgressFirewallRuleArgs, { ...opts, id });
    }

    constructor(name: string, args: EgressFirewallRuleArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, opts);
    }
}
