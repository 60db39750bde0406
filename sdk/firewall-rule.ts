// mold:index:FirewallRule — one ingress firewall rule on a public IP.
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";

const provider = dynamicProvider("FirewallRule");

export interface FirewallRuleArgs {
    /** Take over this existing Mold object instead of creating one (see README, "Adopting existing objects"). */
    importId?: pulumi.Input<string>;
    /** Id of the public IP the rule opens. */
    ipAddressId: pulumi.Input<string>;
    /** tcp, udp or icmp. */
    protocol: pulumi.Input<string>;
    startPort?: pulumi.Input<number>;
    /** Defaults to startPort. */
    endPort?: pulumi.Input<number>;
    /** Source CIDRs; Mold's default is 0.0.0.0/0. */
    cidrList?: pulumi.Input<pulumi.Input<string>[]>;
    icmpType?: pulumi.Input<number>;
    icmpCode?: pulumi.Input<number>;
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class FirewallRule extends pulumi.dynamic.Resource {
    declare public readonly ipAddressId: pulumi.Output<string>;
    declare public readonly protocol: pulumi.Output<string>;
    declare public readonly startPort: pulumi.Output<number | undefined>;
    declare public readonly endPort: pulumi.Output<number | undefined>;
    declare public readonly cidrList: pulumi.Output<string[] | undefined>;
    declare public readonly icmpType: pulumi.Output<number | undefined>;
    declare public readonly icmpCode: pulumi.Output<number | undefined>;
    declare public readonly tags: pulumi.Output<Record<string, string> | undefined>;
    declare public readonly importId: pulumi.Output<string | undefined>;
    declare public readonly ruleId: pulumi.Output<string>;
    declare public readonly ipAddress: pulumi.Output<string>;
    declare public readonly networkId: pulumi.Output<string>;
    declare public readonly state: pulumi.Output<string>;

    /** A read-only reference to an existing FirewallRule (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): FirewallRule {
        return new FirewallRule(name, {} as FirewallRuleArgs, { ...opts, id });
    }

    constructor(name: string, args: FirewallRuleArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            {
                // Every property is listed, set or not: the SDK only creates outputs for keys present here.
                ipAddressId: args.ipAddressId,
                protocol: args.protocol,
                startPort: args.startPort,
                endPort: args.endPort,
                cidrList: args.cidrList,
                icmpType: args.icmpType,
                icmpCode: args.icmpCode,
                tags: args.tags,
                importId: args.importId,
                ruleId: undefined,
                ipAddress: undefined,
                networkId: undefined,
                state: undefined,
            },
            opts,
            "mold",
            "FirewallRule",
        );
    }
}
