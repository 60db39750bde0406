// mold:index:LoadBalancerRule — one load-balancer rule on a public IP, with its members and policies.
// Its args, outputs and registration are generated from schema.json (sdk/generated/).
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";
import { LoadBalancerRuleBase } from "./generated/resources";
import type { LoadBalancerRuleArgs } from "./generated/types";

export type { HealthCheckPolicy, LoadBalancerMember, LoadBalancerRuleArgs, StickinessPolicy } from "./generated/types";

const provider = dynamicProvider("LoadBalancerRule");

export class LoadBalancerRule extends LoadBalancerRuleBase {
    /** A read-only reference to an existing LoadBalancerRule (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): LoadBalancerRule {
        return new LoadBalancerRule(name, {} as LoadBalancerRuleArgs, { ...opts, id });
    }

    constructor(name: string, args: LoadBalancerRuleArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, opts);
    }
}
