// The serialized half of every resource. Pulumi stores this object's source text (`__provider`) twice per
// resource, so it stays under 1 KB for every kind: it holds its kind name and two functions shared by all kinds,
// which forward to `require("pulumi-mold/provider")` inside the host at run time. The closure serializer writes
// about 250 bytes per distinct function, so the seven hooks share two of them: `look` (configure, check, diff,
// read: never change Mold) and `change` (create, update, delete). The host's calls tell the hooks of each pair
// apart by their arguments (provider/runtime/forward.ts). Nothing else is captured: no credentials, clients,
// Maps or Dates.
import * as pulumi from "@pulumi/pulumi";

/** A serialized provider: which kind it serves, and the hooks the dynamic-provider host calls. */
export interface KindProvider extends pulumi.dynamic.ResourceProvider {
    readonly kind: string;
}

/** Every provider object made, by kind (for serialization guards and the bench). */
export const PROVIDERS: Record<string, KindProvider> = {};

/** One shared provider object per resource kind (the SDK caches its serialization by identity). */
export function dynamicProvider(kind: string): KindProvider {
    return (PROVIDERS[kind] ??= makeProvider(kind));
}

// Methods, not function declarations: a declared function's name is one more capture in each function's text.
// `this` is the provider object the host calls the hook on: it carries the kind, and the settings configure keeps.
const forward = {
    look(this: unknown, ...args: unknown[]) {
        return require("pulumi-mold/provider").look(this, args);
    },
    change(this: unknown, ...args: unknown[]) {
        return require("pulumi-mold/provider").change(this, args);
    },
};

function makeProvider(kind: string): KindProvider {
    const { look, change } = forward;
    return { kind, configure: look, check: look, diff: look, read: look, create: change, update: change, delete: change } as KindProvider;
}
