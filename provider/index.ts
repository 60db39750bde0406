// What dynamic-provider hooks load at run time (`require("pulumi-mold/provider")`). Keep this entry
// point's exports stable: serialized providers stored in users' state call them by name.
import type { MoldClientOptions } from "./client/config";
import { RESOURCES } from "./resources";
import { runHook as run } from "./runtime/hooks";
import { ConfigSource, settingsFromConfig as fromConfig } from "./runtime/settings";

export * as client from "./client";

export function settingsFromConfig(config: ConfigSource | undefined): MoldClientOptions {
    return fromConfig(config);
}

export function runHook(kind: string, hook: string, settings: MoldClientOptions | undefined, args: any[]): Promise<any> {
    return run(RESOURCES, kind, hook, settings, args);
}
