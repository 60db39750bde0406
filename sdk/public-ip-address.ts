// mold:index:PublicIpAddress — a public address on an isolated network (or in a zone).
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";

const provider = dynamicProvider("PublicIpAddress");

export interface PublicIpAddressArgs {
    /** Take over this existing Mold object instead of creating one (see README, "Adopting existing objects"). */
    importId?: pulumi.Input<string>;
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
    declare public readonly importId: pulumi.Output<string | undefined>;
    declare public readonly ipAddress: pulumi.Output<string>;
    declare public readonly isSourceNat: pulumi.Output<boolean>;
    declare public readonly isStaticNat: pulumi.Output<boolean>;
    declare public readonly networkId: pulumi.Output<string>;
    declare public readonly zoneId: pulumi.Output<string>;
    declare public readonly state: pulumi.Output<string>;

    /** A read-only reference to an existing PublicIpAddress (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): PublicIpAddress {
        return new PublicIpAddress(name, {} as PublicIpAddressArgs, { ...opts, id });
    }

    constructor(name: string, args: PublicIpAddressArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            {
                // Every property is listed, set or not: the SDK only creates outputs for keys present here.
                network: args.network,
                zone: args.zone,
                tags: args.tags,
                importId: args.importId,
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
