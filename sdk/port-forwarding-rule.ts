// mold:index:PortForwardingRule — one port-forwarding rule from a public IP to a VM.
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";

const provider = dynamicProvider("PortForwardingRule");

export interface PortForwardingRuleArgs {
    /** Take over this existing Mold object instead of creating one (see README, "Adopting existing objects"). */
    importId?: pulumi.Input<string>;
    /** Id of the public IP. */
    ipAddressId: pulumi.Input<string>;
    /** tcp or udp. */
    protocol: pulumi.Input<string>;
    publicPort: pulumi.Input<number>;
    /** Defaults to publicPort. */
    publicEndPort?: pulumi.Input<number>;
    /** A single public port may map to another private port; a range maps onto the same ports. */
    privatePort: pulumi.Input<number>;
    /** Defaults to privatePort; a range must be as long as the public one. */
    privateEndPort?: pulumi.Input<number>;
    /** The VM, by id (preferred: survives renames) or name. */
    virtualMachine: pulumi.Input<string>;
    /** A primary or secondary address of the VM's NIC in the IP's network; default the primary. */
    vmGuestIp?: pulumi.Input<string>;
    /** Source CIDRs; none means from anywhere. */
    cidrList?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * Whether Mold also opens the public ports with a linked ingress firewall rule from 0.0.0.0/0
     * (removed with this rule). Mold's default is true; ours is false, so only the program's
     * FirewallRule resources open ports.
     */
    openFirewall?: pulumi.Input<boolean>;
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class PortForwardingRule extends pulumi.dynamic.Resource {
    declare public readonly ipAddressId: pulumi.Output<string>;
    declare public readonly protocol: pulumi.Output<string>;
    declare public readonly publicPort: pulumi.Output<number>;
    declare public readonly publicEndPort: pulumi.Output<number | undefined>;
    declare public readonly privatePort: pulumi.Output<number>;
    declare public readonly privateEndPort: pulumi.Output<number | undefined>;
    declare public readonly virtualMachine: pulumi.Output<string>;
    declare public readonly vmGuestIp: pulumi.Output<string | undefined>;
    declare public readonly cidrList: pulumi.Output<string[] | undefined>;
    declare public readonly openFirewall: pulumi.Output<boolean>;
    declare public readonly tags: pulumi.Output<Record<string, string> | undefined>;
    declare public readonly importId: pulumi.Output<string | undefined>;
    declare public readonly ruleId: pulumi.Output<string>;
    declare public readonly ipAddress: pulumi.Output<string>;
    declare public readonly networkId: pulumi.Output<string>;
    declare public readonly virtualMachineId: pulumi.Output<string>;
    declare public readonly virtualMachineName: pulumi.Output<string>;
    declare public readonly guestIpAddress: pulumi.Output<string>;
    declare public readonly state: pulumi.Output<string>;

    /** A read-only reference to an existing PortForwardingRule (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): PortForwardingRule {
        return new PortForwardingRule(name, {} as PortForwardingRuleArgs, { ...opts, id });
    }

    constructor(name: string, args: PortForwardingRuleArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            {
                // Every property is listed, set or not: the SDK only creates outputs for keys present here.
                ipAddressId: args.ipAddressId,
                protocol: args.protocol,
                publicPort: args.publicPort,
                publicEndPort: args.publicEndPort,
                privatePort: args.privatePort,
                privateEndPort: args.privateEndPort,
                virtualMachine: args.virtualMachine,
                vmGuestIp: args.vmGuestIp,
                cidrList: args.cidrList,
                openFirewall: args.openFirewall,
                tags: args.tags,
                importId: args.importId,
                ruleId: undefined,
                ipAddress: undefined,
                networkId: undefined,
                virtualMachineId: undefined,
                virtualMachineName: undefined,
                guestIpAddress: undefined,
                state: undefined,
            },
            opts,
            "mold",
            "PortForwardingRule",
        );
    }
}
