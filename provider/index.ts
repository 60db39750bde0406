// What dynamic-provider hooks load at run time (`require("pulumi-mold/provider")`). Keep this entry
// point's exports stable: serialized providers stored in users' state call them by name (`look` and
// `change` today; `settingsFromConfig` and `runHook` in the larger providers stored before them).
// Resource kinds load on first use (resources/registry.ts), so loading this costs little.
import type { MoldClientOptions } from "./client/config";
import { definitionOf } from "./resources/registry";
import { changingHook, ForwardedHook, lookingHook } from "./runtime/forward";
import { hostHeapPacer } from "./runtime/heap-pacer";
import { HookName, HookResults, runHook as run } from "./runtime/hooks";
import { ConfigSource, settingsFromConfig as fromConfig } from "./runtime/settings";

/** The Mold API client (also exported by "pulumi-mold"); loaded when first used, since the hooks need only part of it. */
export declare const client: typeof import("./client");
Object.defineProperty(exports, "client", { enumerable: true, get: () => require("./client") });

export function settingsFromConfig(config: ConfigSource | undefined): MoldClientOptions {
    return fromConfig(config);
}

export function runHook<H extends HookName>(kind: string, hook: H, settings: MoldClientOptions | undefined, args: unknown[]): Promise<HookResults[H]> {
    const def = definitionOf(kind);
    return run(def ? { [kind]: def } : {}, kind, hook, settings, args);
}

/** The provider object the host calls a hook on (sdk/dynamic.ts): its kind, and what configure kept. */
interface Forwarding {
    kind: string;
    settings?: MoldClientOptions;
}

/** configure, check, diff and read of a serialized provider (sdk/dynamic.ts), told apart by their arguments. */
export function look(provider: unknown, args: unknown[]): Promise<unknown> {
    return forward(provider as Forwarding, () => lookingHook(args), args);
}

/** create, update and delete of a serialized provider (sdk/dynamic.ts), told apart by their arguments. */
export function change(provider: unknown, args: unknown[]): Promise<unknown> {
    return forward(provider as Forwarding, () => changingHook(args), args);
}

async function forward(provider: Forwarding, which: () => ForwardedHook, args: unknown[]): Promise<unknown> {
    const hook = which();
    if (hook === "configure") {
        provider.settings = fromConfig((args[0] as { config: ConfigSource }).config);
        return undefined;
    }
    const pacer = hostHeapPacer();
    const work = () => runHook(provider.kind, hook, provider.settings, args);
    return pacer ? pacer.track(work) : work();
}
