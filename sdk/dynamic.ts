// The serialized half of every resource. Pulumi stores this object's source text (`__provider`) twice per
// resource, so it stays under 1 KB for every kind: it holds its kind name and two functions shared by all kinds,
// which forward to `require("pulumi-mold/provider")` inside the host at run time. The closure serializer writes
// about 250 bytes per distinct function, so the seven hooks share two of them: `look` (configure, check, diff,
// read: never change Mold) and `change` (create, update, delete). The host's calls tell the hooks of each pair
// apart by their arguments (provider/runtime/forward.ts). Nothing else is captured: no credentials, clients,
// Maps or Dates.
import * as pulumi from "@pulumi/pulumi";
import { installLazyOutputs, PulumiInternals } from "./lazy-outputs";
import { hideFramesIn } from "./source-position";

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

/**
 * Error.stackTraceLimit while @pulumi/pulumi registers one resource. The SDK gives every property of a resource
 * four promises (value, known, secret, dependencies) plus a few for its URN, id and registration, and stamps each
 * with `new Error().stack` for its leak report: about 60 stack texts per resource, each formatted through the
 * source maps the language host installs (~1.7 KB and the CPU to map ten frames) and kept as long as the resource
 * lives, which is until the program ends. Those texts are read only when PULUMI_DEBUG_PROMISE_LEAKS asks for them,
 * so they are empty otherwise. The resource's source position is unaffected: the SDK takes it with its own limit.
 */
export function registrationStackTraceLimit(current: number, env: NodeJS.ProcessEnv = process.env): number {
    return env.PULUMI_DEBUG_PROMISE_LEAKS ? current : 0;
}

let internals: PulumiInternals | undefined | null = null;

/** @pulumi/pulumi's rpc module (the copy this SDK's resources register through) and Output class, if loadable. */
function pulumiInternals(): PulumiInternals | undefined {
    if (internals === null) {
        try {
            internals = { rpc: require("@pulumi/pulumi/runtime/rpc"), Output: pulumi.Output };
        } catch {
            internals = undefined;
        }
    }
    return internals;
}

/**
 * The base of every dynamic resource class: registers with registrationStackTraceLimit, with its output
 * properties made when first read (sdk/lazy-outputs.ts) and with this SDK's frames out of stack traces so its
 * source position is the program's line (sdk/source-position.ts), then restores all three.
 */
export abstract class MoldResource extends pulumi.dynamic.Resource {
    protected constructor(
        provider: pulumi.dynamic.ResourceProvider,
        name: string,
        props: pulumi.Inputs,
        opts: pulumi.CustomResourceOptions | undefined,
        module: string,
        type: string,
    ) {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = registrationStackTraceLimit(limit);
        const restore = installLazyOutputs(pulumiInternals());
        const showFrames = hideFramesIn(__dirname);
        try {
            super(provider, name, props, opts, module, type);
        } finally {
            showFrames();
            restore?.();
            Error.stackTraceLimit = limit;
        }
    }
}
