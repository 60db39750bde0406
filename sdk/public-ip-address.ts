// mold:index:PublicIpAddress — a public address on an isolated network (or in a zone).
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";

const provider = dynamicProvider("PublicIpAddress");

export interface PublicIpAddressArgs {
    /** Network name or id. Changing it replaces the address. */
    network?: pulumi.Input<string>;
    /** Zone name or id, for an address not tied to a network. */
    zone?: pulumi.Input<string>;
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class PublicIpAddress extends pulumi.dynamic.Resource {
    declare public readonly network: pulumi.Output<string | undefined>;
    declare public readonly zone: pulumi.Output<string | undefined>;
    declare public readonly tags: pulumi.Output<Record<string, string> | undefined>;
    declare public readonly ipAddress: pulumi.Output<string>;
    declare public readonly isSourceNat: pulumi.Output<boolean>;
    declare public readonly isStaticNat: pulumi.Output<boolean>;
    declare public readonly networkId: pulumi.Output<string>;
    declare public readonly zoneId: pulumi.Output<string>;
    declare public readonly state: pulumi.Output<string>;

    constructor(name: string, args: PublicIpAddressArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            {
                // Every property is listed, set or not: the SDK only creates outputs for keys present here.
                network: args.network,
                zone: args.zone,
                tags: args.tags,
                ipAddress: undefined,
                isSourceNat: undefined,
                isStaticNat: undefined,
                networkId: undefined,
                zoneId: undefined,
                state: undefined,
            },
            opts,
            "mold",
            "PublicIpAddress",
        );
    }
}
