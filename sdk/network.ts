// mold:index:Network — an isolated guest network.
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";

const provider = dynamicProvider("Network");

export interface NetworkArgs {
    /** Take over this existing Mold object instead of creating one (see README, "Adopting existing objects"). */
    importId?: pulumi.Input<string>;
    name: pulumi.Input<string>;
    displayText?: pulumi.Input<string>;
    /** Zone name or id. Changing it replaces the network. */
    zone: pulumi.Input<string>;
    /** Network offering name or id; default: Mold's default isolated offering with source NAT. */
    networkOffering?: pulumi.Input<string>;
    /** Gateway and netmask choose the CIDR (default: the zone's guest CIDR). Changing them replaces the network. */
    gateway?: pulumi.Input<string>;
    netmask?: pulumi.Input<string>;
    networkDomain?: pulumi.Input<string>;
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class Network extends pulumi.dynamic.Resource {
    declare public readonly name: pulumi.Output<string>;
    declare public readonly displayText: pulumi.Output<string | undefined>;
    declare public readonly zone: pulumi.Output<string>;
    declare public readonly networkOffering: pulumi.Output<string | undefined>;
    declare public readonly networkDomain: pulumi.Output<string>;
    declare public readonly tags: pulumi.Output<Record<string, string> | undefined>;
    declare public readonly importId: pulumi.Output<string | undefined>;
    /** Mold's id of the network (equal to the resource id). */
    declare public readonly networkId: pulumi.Output<string>;
    declare public readonly cidr: pulumi.Output<string>;
    declare public readonly gateway: pulumi.Output<string>;
    declare public readonly netmask: pulumi.Output<string>;
    declare public readonly type: pulumi.Output<string>;
    declare public readonly zoneId: pulumi.Output<string>;
    declare public readonly zoneName: pulumi.Output<string>;
    declare public readonly networkOfferingId: pulumi.Output<string>;
    declare public readonly networkOfferingName: pulumi.Output<string>;

    /** A read-only reference to an existing Network (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): Network {
        return new Network(name, {} as NetworkArgs, { ...opts, id });
    }

    constructor(name: string, args: NetworkArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            {
                // Every property is listed, set or not: the SDK only creates outputs for keys present here.
                name: args.name,
                displayText: args.displayText,
                zone: args.zone,
                networkOffering: args.networkOffering,
                gateway: args.gateway,
                netmask: args.netmask,
                networkDomain: args.networkDomain,
                tags: args.tags,
                importId: args.importId,
                networkId: undefined,
                cidr: undefined,
                type: undefined,
                zoneId: undefined,
                zoneName: undefined,
                networkOfferingId: undefined,
                networkOfferingName: undefined,
            },
            opts,
            "mold",
            "Network",
        );
    }
}
