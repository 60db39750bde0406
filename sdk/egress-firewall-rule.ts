// mold:index:EgressFirewallRule — one egress firewall rule on an isolated network.
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";

const provider = dynamicProvider("EgressFirewallRule");

export interface EgressFirewallRuleArgs {
    /** Take over this existing Mold object instead of creating one (see README, "Adopting existing objects"). */
    importId?: pulumi.Input<string>;
    /** The guest network, by id (preferred: survives renames) or name. */
    network: pulumi.Input<string>;
    /** tcp, udp, icmp or all. */
    protocol: pulumi.Input<string>;
    /** tcp/udp only; left out, the rule covers every port. */
    startPort?: pulumi.Input<number>;
    /** Defaults to startPort. */
    endPort?: pulumi.Input<number>;
    /** Source CIDRs inside the network; Mold's default (and what 0.0.0.0/0 stands for) is the network's CIDR. */
    cidrList?: pulumi.Input<pulumi.Input<string>[]>;
    /** Destination CIDRs; none means any destination. */
    destCidrList?: pulumi.Input<pulumi.Input<string>[]>;
    /** icmp only; -1 (any) when left out. */
    icmpType?: pulumi.Input<number>;
    /** icmp only; -1 (any) when left out. */
    icmpCode?: pulumi.Input<number>;
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class EgressFirewallRule extends pulumi.dynamic.Resource {
    declare public readonly network: pulumi.Output<string>;
    declare public readonly protocol: pulumi.Output<string>;
    declare public readonly startPort: pulumi.Output<number | undefined>;
    declare public readonly endPort: pulumi.Output<number | undefined>;
    declare public readonly cidrList: pulumi.Output<string[] | undefined>;
    declare public readonly destCidrList: pulumi.Output<string[] | undefined>;
    declare public readonly icmpType: pulumi.Output<number | undefined>;
    declare public readonly icmpCode: pulumi.Output<number | undefined>;
    declare public readonly tags: pulumi.Output<Record<string, string> | undefined>;
    declare public readonly importId: pulumi.Output<string | undefined>;
    declare public readonly ruleId: pulumi.Output<string>;
    declare public readonly networkId: pulumi.Output<string>;
    declare public readonly networkName: pulumi.Output<string>;
    declare public readonly networkCidr: pulumi.Output<string>;
    declare public readonly state: pulumi.Output<string>;

    /** A read-only reference to an existing EgressFirewallRule (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): EgressFirewallRule {
        return new EgressFirewallRule(name, {} as EgressFirewallRuleArgs, { ...opts, id });
    }

    constructor(name: string, args: EgressFirewallRuleArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            {
                // Every property is listed, set or not: the SDK only creates outputs for keys present here.
                network: args.network,
                protocol: args.protocol,
                startPort: args.startPort,
                endPort: args.endPort,
                cidrList: args.cidrList,
                destCidrList: args.destCidrList,
                icmpType: args.icmpType,
                icmpCode: args.icmpCode,
                tags: args.tags,
                importId: args.importId,
                ruleId: undefined,
                networkId: undefined,
                networkName: undefined,
                networkCidr: undefined,
                state: undefined,
            },
            opts,
            "mold",
            "EgressFirewallRule",
        );
    }
}
