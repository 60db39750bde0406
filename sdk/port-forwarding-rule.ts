// mold:index:PortForwardingRule — one port-forwarding rule from a public IP to a VM.
// Its args, outputs and registration are generated from schema.json (sdk/generated/).
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";
import { PortForwardingRuleBase } from "./generated/resources";
import type { PortForwardingRuleArgs } from "./generated/types";

export type { PortForwardingRuleArgs } from "./generated/types";

const provider = dynamicProvider("PortForwardingRule");

export class PortForwardingRule extends PortForwardingRuleBase {
    /** A read-only reference to an existing PortForwardingRule (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): PortForwardingRule {
        return new PortForwardingRule(name, {} as PortForwardingRuleArgs, { ...opts, id });
    }

    constructor(name: string, args: PortForwardingRuleArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, opts);
    }
}
