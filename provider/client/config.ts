// Client configuration from explicit options, then MOLD_* env vars, then the CLOUDSTACK_* ones
// the Terraform CloudStack provider reads. Everything is validated before any request is sent.
import { MoldConfigError } from "./errors";
import { DEFAULT_WATCHER_POLICY, WatcherPolicy } from "./job-watcher";
import { parseSignatureAlgorithm, SignatureAlgorithm } from "./signing";

export interface MoldLogEntry {
    command: string;
    method: "GET" | "POST";
    status?: number;
    durationMs: number;
    attempt: number;
    /** Parameters with secrets removed (never signature, keys, passwords, private keys or userdata). */
    params: Record<string, string>;
    error?: string;
}

export interface MoldClientOptions {
    /** Endpoint, e.g. https://mold.example.com/client/api */
    apiUrl?: string;
    apiKey?: string;
    secretKey?: string;
    /** "sha256" for ABLESTACK Mold (default), "sha1" for Apache CloudStack. */
    signature?: SignatureAlgorithm | string;
    /** Timeout of one HTTP request, ms (default 60 000). Text (stack config) is parsed and checked. */
    timeoutMs?: number | string;
    /** Default timeout of waiting for one async job, ms (default 3 600 000). */
    jobTimeoutMs?: number;
    /** Extra CA bundle (PEM text) trusted for the endpoint's TLS certificate. */
    caCert?: string;
    /** Path of a PEM CA bundle file. */
    caFile?: string;
    /** Skip TLS certificate verification. Explicit opt-in only. Text (stack config) is parsed and checked. */
    insecure?: boolean | string;
    /** Requests in flight at once per endpoint (default 8). */
    maxConcurrency?: number;
    /** Retries of safe requests (reads, job polls) after 429/5xx/dropped connections (default 6). */
    maxRetries?: number;
    /** Called after every HTTP exchange; entries never contain secrets. */
    logger?: (entry: MoldLogEntry) => void;
    /**
     * How async jobs are watched (env MOLD_JOB_WATCH): "list" (default: one listAsyncJobs for every job in flight
     * on the endpoint), "query" (one watcher, queryAsyncJobResult per due job), "off" (each wait polls on its own,
     * the per-job schedule of job-wait.ts), or a policy with some fields changed (an object; in the variable, JSON).
     */
    jobWatch?: "list" | "query" | "off" | Partial<WatcherPolicy>;
}

export interface ResolvedClientConfig {
    apiUrl: string;
    apiKey: string;
    secretKey: string;
    signature: SignatureAlgorithm;
    timeoutMs: number;
    jobTimeoutMs: number;
    caCert?: string;
    insecure: boolean;
    maxConcurrency: number;
    maxRetries: number;
    logger?: (entry: MoldLogEntry) => void;
    /** The job watcher's policy, or "off" for per-job polling. */
    jobWatch: WatcherPolicy | "off";
}

type Env = Record<string, string | undefined>;

function firstSet(...values: (string | undefined)[]): string | undefined {
    for (const v of values) if (v !== undefined && v.trim() !== "") return v.trim();
    return undefined;
}

/**
 * Where a setting came from, named both ways so the user finds it: the option (provider input / stack
 * config `mold:<option>`) and the environment variable, the one that was set first.
 */
function origin(option: string, envName: string | undefined, fromOption: boolean, config = true): string {
    const optionText = config ? `${option} (provider option, pulumi config mold:${option})` : `${option} (client option)`;
    if (!envName) return optionText;
    if (fromOption)
        return config
            ? `${option} (provider option, pulumi config mold:${option}, which takes precedence over ${envName})`
            : `${option} (client option, over ${envName})`;
    return `${envName} (environment; or the ${option} option${config ? `, pulumi config mold:${option}` : ""})`;
}

/** An option, else its environment variable: the value and a description of where it came from. */
function pick<T>(
    option: string,
    optionValue: T | undefined,
    envName: string | undefined,
    env: Env,
    config = true,
): { value: T | string | undefined; from: string } {
    const fromOption = optionValue !== undefined && optionValue !== "";
    const value = fromOption ? optionValue : envName ? env[envName] : undefined;
    return { value: value === "" ? undefined : value, from: origin(option, envName, fromOption, config) };
}

function parseBool(setting: { value: unknown; from: string }, problems: string[]): boolean | undefined {
    const v = setting.value;
    if (v === undefined || typeof v === "boolean") return v;
    const text = String(v).trim();
    if (/^(1|true|yes|on)$/i.test(text)) return true;
    if (/^(0|false|no|off)$/i.test(text)) return false;
    problems.push(`${setting.from} must be true or false, got '${text}'`);
    return undefined;
}

function parsePositiveInt(setting: { value: unknown; from: string }, unit: string, problems: string[]): number | undefined {
    const v = setting.value;
    if (v === undefined) return undefined;
    const n = typeof v === "number" ? v : /^\s*\d+(\.\d+)?\s*$/.test(String(v)) ? Number(v) : NaN;
    if (!Number.isFinite(n) || n <= 0) {
        problems.push(`${setting.from} must be a positive number of ${unit}, got '${v}'`);
        return undefined;
    }
    return Math.floor(n);
}

/**
 * Whether an endpoint and both keys are configured (options or environment), i.e. whether reading Mold is
 * possible at all: check-time reads are skipped without them rather than failing a credential-less preview.
 */
export function hasCredentials(options: MoldClientOptions = {}, env: Env = process.env): boolean {
    return [
        firstSet(options.apiUrl, env.MOLD_API_URL, env.CLOUDSTACK_API_URL),
        firstSet(options.apiKey, env.MOLD_API_KEY, env.CLOUDSTACK_API_KEY),
        firstSet(options.secretKey, env.MOLD_SECRET_KEY, env.CLOUDSTACK_SECRET_KEY),
    ].every((v) => v !== undefined);
}

export function resolveClientConfig(options: MoldClientOptions = {}, env: Env = process.env): ResolvedClientConfig {
    const apiUrl = firstSet(options.apiUrl, env.MOLD_API_URL, env.CLOUDSTACK_API_URL);
    const apiKey = firstSet(options.apiKey, env.MOLD_API_KEY, env.CLOUDSTACK_API_KEY);
    const secretKey = firstSet(options.secretKey, env.MOLD_SECRET_KEY, env.CLOUDSTACK_SECRET_KEY);

    const missing: string[] = [];
    if (!apiUrl) missing.push("apiUrl (env MOLD_API_URL or CLOUDSTACK_API_URL; pulumi config mold:apiUrl)");
    if (!apiKey) missing.push("apiKey (env MOLD_API_KEY or CLOUDSTACK_API_KEY; pulumi config mold:apiKey)");
    if (!secretKey) missing.push("secretKey (env MOLD_SECRET_KEY or CLOUDSTACK_SECRET_KEY; pulumi config --secret mold:secretKey)");

    const problems: string[] = [];
    if (missing.length) problems.push(`missing ${missing.join(", ")}`);
    if (apiUrl) {
        try {
            const u = new URL(apiUrl);
            if (u.protocol !== "http:" && u.protocol !== "https:") problems.push(`apiUrl must be http(s), got '${apiUrl}'`);
        } catch {
            problems.push(`apiUrl is not a valid URL: '${apiUrl}'`);
        }
    }
    let signature: SignatureAlgorithm = "sha256";
    const sig = pick("signature", options.signature, "MOLD_SIGNATURE", env);
    try {
        signature = parseSignatureAlgorithm(sig.value?.trim()) ?? "sha256";
    } catch (e) {
        problems.push(`${sig.from}: ${(e as Error).message}`);
    }
    const timeoutMs = parsePositiveInt(pick("timeoutMs", options.timeoutMs, "MOLD_TIMEOUT_MS", env), "milliseconds", problems) ?? 60_000;
    const jobTimeoutMs = parsePositiveInt(pick("jobTimeoutMs", options.jobTimeoutMs, "MOLD_JOB_TIMEOUT_MS", env, false), "milliseconds", problems) ?? 3_600_000;
    const maxConcurrency = parsePositiveInt(pick("maxConcurrency", options.maxConcurrency, undefined, env, false), "requests", problems) ?? 8;
    const maxRetries = options.maxRetries !== undefined && options.maxRetries >= 0 ? Math.floor(options.maxRetries) : 6;

    let caCert = options.caCert;
    const caFile = firstSet(options.caFile, env.MOLD_CA_FILE);
    if (!caCert && caFile) {
        try {
            caCert = require("fs").readFileSync(caFile, "utf8") as string;
        } catch (e) {
            problems.push(`caFile '${caFile}' cannot be read: ${(e as Error).message}`);
        }
    }
    const insecure = parseBool(pick("insecure", options.insecure, "MOLD_INSECURE", env), problems) ?? false;
    const jobWatch = parseJobWatch(pick("jobWatch", options.jobWatch, "MOLD_JOB_WATCH", env, false), problems);

    if (problems.length) throw new MoldConfigError(`Mold API client configuration: ${problems.join("; ")}`);
    return {
        apiUrl: apiUrl!,
        apiKey: apiKey!,
        secretKey: secretKey!,
        signature,
        timeoutMs,
        jobTimeoutMs,
        caCert,
        insecure,
        maxConcurrency,
        maxRetries,
        logger: options.logger,
        jobWatch,
    };
}

function parseJobWatch(setting: { value: unknown; from: string }, problems: string[]): WatcherPolicy | "off" {
    const v = setting.value;
    if (v === undefined) return DEFAULT_WATCHER_POLICY;
    if (typeof v === "object" && v !== null && !Array.isArray(v)) {
        const unknown = Object.keys(v).filter((k) => !(k in DEFAULT_WATCHER_POLICY));
        if (unknown.length) problems.push(`${setting.from}: unknown field(s) ${unknown.join(", ")} (known: ${Object.keys(DEFAULT_WATCHER_POLICY).join(", ")})`);
        const policy = { ...DEFAULT_WATCHER_POLICY, ...(v as Partial<WatcherPolicy>) };
        const bad = Object.entries(policy).filter(([k, x]) => (k === "mode" ? x !== "list" && x !== "query" : !(typeof x === "number" && x > 0)));
        if (bad.length) problems.push(`${setting.from}: ${bad.map(([k, x]) => `${k} '${x}'`).join(", ")} (mode is list or query, the rest positive numbers)`);
        return policy;
    }
    const raw = String(v).trim();
    if (raw.startsWith("{")) {
        // A policy as JSON (e.g. compressed in time against a simulator whose jobs run k times faster).
        try {
            return parseJobWatch({ value: JSON.parse(raw), from: setting.from }, problems);
        } catch (e) {
            problems.push(`${setting.from} is not valid JSON: ${(e as Error).message}`);
            return DEFAULT_WATCHER_POLICY;
        }
    }
    const text = raw.toLowerCase();
    if (text === "off") return "off";
    if (text === "list" || text === "query") return { ...DEFAULT_WATCHER_POLICY, mode: text };
    problems.push(`${setting.from} must be list, query or off, got '${String(v)}'`);
    return DEFAULT_WATCHER_POLICY;
}
