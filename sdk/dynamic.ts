// The serialized half of every resource. Pulumi stores this object's source text (`__provider`) twice
// per resource, so it only forwards: the hooks `require("pulumi-mold/provider")` inside the host at
// run time. It captures nothing but the kind name: no credentials, clients, Maps or Dates.
import * as pulumi from "@pulumi/pulumi";

/** Every provider object made, by kind (for serialization guards and the bench). */
export const PROVIDERS: Record<string, pulumi.dynamic.ResourceProvider> = {};

/** One shared provider object per resource kind (the SDK caches its serialization by identity). */
export function dynamicProvider(kind: string): pulumi.dynamic.ResourceProvider {
    return (PROVIDERS[kind] ??= makeProvider(kind));
}

function makeProvider(kind: string): pulumi.dynamic.ResourceProvider {
    return {
        async configure(this: any, req: pulumi.dynamic.ConfigureRequest) {
            this.settings = require("pulumi-mold/provider").settingsFromConfig(req.config);
        },
        async check(this: any, olds: any, news: any) {
            return require("pulumi-mold/provider").runHook(kind, "check", this.settings, [olds, news]);
        },
        async diff(this: any, id: string, olds: any, news: any) {
            return require("pulumi-mold/provider").runHook(kind, "diff", this.settings, [id, olds, news]);
        },
        async create(this: any, inputs: any) {
            return require("pulumi-mold/provider").runHook(kind, "create", this.settings, [inputs]);
        },
        async read(this: any, id: string, props: any) {
            return require("pulumi-mold/provider").runHook(kind, "read", this.settings, [id, props]);
        },
        async update(this: any, id: string, olds: any, news: any) {
            return require("pulumi-mold/provider").runHook(kind, "update", this.settings, [id, olds, news]);
        },
        async delete(this: any, id: string, props: any) {
            await require("pulumi-mold/provider").runHook(kind, "delete", this.settings, [id, props]);
        },
    };
}
