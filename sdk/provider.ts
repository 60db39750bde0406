// An explicit provider: a second Mold endpoint or account in one program. Its inputs reach the hooks'
// configure() (a separate provider host per explicit provider). Pass it with `{ provider }`.
import * as pulumi from "@pulumi/pulumi";

export interface ProviderArgs {
    apiUrl: pulumi.Input<string>;
    apiKey: pulumi.Input<string>;
    /** Stored encrypted in state: it is always wrapped as a secret. */
    secretKey: pulumi.Input<string>;
    /** "sha256" (Mold, default) or "sha1" (Apache CloudStack). */
    signature?: pulumi.Input<string>;
    timeoutMs?: pulumi.Input<number>;
    caFile?: pulumi.Input<string>;
    insecure?: pulumi.Input<boolean>;
}

export class Provider extends pulumi.ProviderResource {
    constructor(name: string, args: ProviderArgs, opts?: pulumi.ResourceOptions) {
        // Dynamic resources run in the "pulumi-nodejs" provider; its configure() sees these namespaced keys.
        super(
            "pulumi-nodejs",
            name,
            {
                "mold:apiUrl": args.apiUrl,
                "mold:apiKey": args.apiKey,
                "mold:secretKey": pulumi.secret(args.secretKey),
                "mold:signature": args.signature,
                "mold:timeoutMs": args.timeoutMs !== undefined ? pulumi.output(args.timeoutMs).apply(String) : undefined,
                "mold:caFile": args.caFile,
                "mold:insecure": args.insecure !== undefined ? pulumi.output(args.insecure).apply(String) : undefined,
            },
            opts,
        );
    }
}
