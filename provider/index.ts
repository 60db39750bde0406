// What dynamic-provider hooks load at run time (`require("pulumi-mold/provider")`). Keep this entry
// point's exports stable: serialized providers stored in users' state call them by name.
import type { MoldClientOptions } from "./client/config";
import { RESOURCES } from "./resources";
import { HookName, HookResults, runHook as run } from "./runtime/hooks";
import { ConfigSource, settingsFromConfig as fromConfig } from "./runtime/settings";

export * as client from "./client";

export function settingsFromConfig(config: ConfigSource | undefined): MoldClientOptions {
    return fromConfig(config);
}

export function runHook<H extends HookName>(kind: string, hook: H, settings: MoldClientOptions | undefined, args: unknown[]): Promise<HookResults[H]> {
    return run(RESOURCES, kind, hook, settings, args);
}
