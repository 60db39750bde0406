// Provider settings from the dynamic provider's configure() (stack config `mold:*` or an explicit
// provider's inputs), falling back to the MOLD_* / CLOUDSTACK_* environment inside the host process.
import type { MoldClientOptions } from "../client/config";

/** What configure() receives: `get` of namespaced keys. */
export interface ConfigSource {
    get(key: string): string | undefined;
}

export const CONFIG_KEYS = ["apiUrl", "apiKey", "secretKey", "signature", "timeoutMs", "caFile", "insecure"] as const;

export function settingsFromConfig(config: ConfigSource | undefined): MoldClientOptions {
    const get = (name: string): string | undefined => {
        try {
            const v = config?.get(`mold:${name}`);
            return v === undefined || v === null || v === "" ? undefined : String(v);
        } catch {
            // An engine older than 3.139 sends no configuration: use the environment.
            return undefined;
        }
    };
    const timeout = get("timeoutMs");
    const insecure = get("insecure");
    return {
        apiUrl: get("apiUrl"),
        apiKey: get("apiKey"),
        secretKey: get("secretKey"),
        signature: get("signature"),
        // Passed as text: the client checks it and names mold:timeoutMs when it is not a number.
        timeoutMs: timeout,
        caFile: get("caFile"),
        insecure,
    };
}
