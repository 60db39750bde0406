// Helpers for comparing the simulator's responses with recorded CloudStack responses
// (../shared/fixtures/cloudstack-go/*.json): loading the fixtures, locating the compared object in them,
// signed raw API calls (to see the real envelope key), and a recursive field-name/JSON-type comparison.
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { encodeParams, Params } from "../../provider/client/client";
import { computeSignature, formatExpires, SignatureAlgorithm } from "../../provider/client/signing";

/** The repository root: the nearest directory above this file holding package.json. */
export function repoRoot(): string {
    let dir = __dirname;
    for (;;) {
        if (fs.existsSync(path.join(dir, "package.json"))) return dir;
        const up = path.dirname(dir);
        if (up === dir) throw new Error(`no package.json above ${__dirname}`);
        dir = up;
    }
}

/** Where the recorded responses live: $MOLD_FIXTURES_DIR, else ../shared/fixtures/cloudstack-go from the repository root. */
export function fixturesDir(): string {
    return process.env.MOLD_FIXTURES_DIR ?? path.join(repoRoot(), "..", "shared", "fixtures", "cloudstack-go");
}

export interface FixtureEntry {
    /** File name, e.g. "FirewallService.json". */
    file: string;
    /** Key inside the file (usually the API name; some were edited upstream, e.g. "assignLoadBalancerRule"). */
    name: string;
    /** The single top-level key of the recorded body (e.g. "createfirewallruleresponse"). */
    envelopeKey: string;
    /** True when the envelope key is not of the `<cmd>response` form (edited by hand upstream, e.g. "listVirtualMachines"). */
    envelopeEdited: boolean;
    /** The object under the envelope key. */
    body: any;
    /** Stored as the final queryAsyncJobResult payload (has jobstatus and jobresult). */
    async: boolean;
}

/** Every recorded command of every fixture file. */
export function loadFixtures(dir = fixturesDir()): FixtureEntry[] {
    const out: FixtureEntry[] = [];
    for (const file of fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .sort()) {
        const data = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
        for (const [name, recorded] of Object.entries<any>(data)) {
            if (!recorded || typeof recorded !== "object") continue;
            const keys = Object.keys(recorded);
            // Robust to edited keys: the body is the single top-level value, whatever its key.
            const envelopeKey = keys.find((k) => /response$/i.test(k)) ?? keys[0];
            const body = recorded[envelopeKey];
            const async = !!body && typeof body === "object" && "jobstatus" in body && "jobresult" in body;
            out.push({ file, name, envelopeKey, envelopeEdited: !/response$/i.test(envelopeKey), body, async });
        }
    }
    return out;
}

export type JsonType = "string" | "number" | "boolean" | "array" | "object" | "null";

export function jsonType(v: unknown): JsonType {
    if (v === null || v === undefined) return "null";
    if (Array.isArray(v)) return "array";
    const t = typeof v;
    if (t === "string" || t === "number" || t === "boolean") return t;
    return "object";
}

/**
 * Objects whose keys are data, not schema (free-form string maps such as VM `details`): a key the
 * fixture has and the simulator lacks is not a gap, but a key both have must have the same type.
 */
export const MAP_FIELDS = new Set(["details", "resourcedetails", "readonlydetails", "userdatadetails", "serviceofferingdetails"]);

/** What a fixture value says about the shape: its types and, for objects and arrays, their members. */
interface Schema {
    types: Set<JsonType>;
    /** Object members; `always` = present in every recorded object merged here. */
    fields?: Map<string, { schema: Schema; always: boolean }>;
    /** Array element schema (merged over all recorded elements); undefined when every recorded array is empty. */
    items?: Schema;
}

function schemaOf(v: unknown): Schema {
    const t = jsonType(v);
    const s: Schema = { types: new Set([t]) };
    if (t === "object") {
        s.fields = new Map();
        for (const [k, x] of Object.entries(v as object)) s.fields.set(k, { schema: schemaOf(x), always: true });
    } else if (t === "array") {
        for (const el of v as unknown[]) s.items = s.items ? merge(s.items, schemaOf(el)) : schemaOf(el);
    }
    return s;
}

function merge(a: Schema, b: Schema): Schema {
    const out: Schema = { types: new Set([...a.types, ...b.types]) };
    if (a.fields || b.fields) {
        out.fields = new Map();
        const keys = new Set([...(a.fields?.keys() ?? []), ...(b.fields?.keys() ?? [])]);
        for (const k of keys) {
            const x = a.fields?.get(k);
            const y = b.fields?.get(k);
            if (x && y) out.fields.set(k, { schema: merge(x.schema, y.schema), always: x.always && y.always });
            else out.fields.set(k, { schema: (x ?? y)!.schema, always: false });
        }
    }
    if (a.items || b.items) out.items = a.items && b.items ? merge(a.items, b.items) : (a.items ?? b.items);
    return out;
}

export interface ShapeReport {
    /** `path: expected X, got Y` — a field both have with different JSON types. Fails. */
    typeMismatches: string[];
    /** Paths the fixture has (in every recorded element) and the simulator does not. Fail unless allow-listed. */
    missing: string[];
    /** Paths the simulator emits that the fixture does not show. Logged only. */
    extra: string[];
    /** Paths that could not be compared (e.g. the simulator's array is empty where the fixture's is not). Logged. */
    notCompared: string[];
}

/** Compares field names and JSON types of `actual` (simulator) against `expected` (fixture), recursively. */
export function compareShape(expected: unknown, actual: unknown, root = ""): ShapeReport {
    const report: ShapeReport = { typeMismatches: [], missing: [], extra: [], notCompared: [] };
    const seenExtra = new Set<string>();
    const extra = (p: string) => {
        if (!seenExtra.has(p)) {
            seenExtra.add(p);
            report.extra.push(p);
        }
    };
    const join = (p: string, k: string) => (p ? `${p}.${k}` : k);

    const listExtra = (v: unknown, p: string) => {
        // Everything below a point the fixture does not describe, for the log.
        const t = jsonType(v);
        if (t === "object")
            for (const [k, x] of Object.entries(v as object)) {
                extra(join(p, k));
                listExtra(x, join(p, k));
            }
        else if (t === "array") for (const el of v as unknown[]) listExtra(el, `${p}[]`);
    };

    const walk = (s: Schema, v: unknown, p: string, name: string) => {
        const t = jsonType(v);
        if (!s.types.has(t)) {
            const exp = [...s.types].join("|");
            report.typeMismatches.push(`${p || "(root)"}: expected ${exp}, got ${t} (${JSON.stringify(v)?.slice(0, 60)})`);
            return;
        }
        if (t === "object" && s.fields) {
            const isMap = MAP_FIELDS.has(name);
            for (const [k, f] of s.fields) {
                if (k in (v as object)) walk(f.schema, (v as any)[k], join(p, k), k);
                else if (f.always && !isMap) report.missing.push(join(p, k));
            }
            if (!isMap) {
                for (const [k, x] of Object.entries(v as object)) {
                    if (!s.fields.has(k)) {
                        extra(join(p, k));
                        listExtra(x, join(p, k));
                    }
                }
            }
        } else if (t === "array") {
            const arr = v as unknown[];
            if (!s.items) {
                if (arr.length) listExtra(arr, p);
                return;
            }
            if (arr.length === 0) {
                report.notCompared.push(`${p}[] (simulator array empty, fixture has elements)`);
                return;
            }
            for (const el of arr) walk(s.items, el, `${p}[]`, name);
        }
    };
    walk(schemaOf(expected), actual, root, root);
    report.typeMismatches = [...new Set(report.typeMismatches)];
    report.missing = [...new Set(report.missing)];
    report.notCompared = [...new Set(report.notCompared)];
    return report;
}

export interface RawTarget {
    url: string;
    apiKey: string;
    secretKey: string;
    signature: string;
}

export interface RawAnswer {
    status: number;
    contentType: string;
    body: any;
    text: string;
}

/** One signed request, returning the whole parsed body (envelope key included). */
export function rawCall(target: RawTarget, command: string, params: Params = {}, method: "GET" | "POST" = "GET"): Promise<RawAnswer> {
    const all: Record<string, string> = {
        ...encodeParams(params),
        command,
        response: "json",
        apiKey: target.apiKey,
        signatureversion: "3",
        expires: formatExpires(new Date(Date.now() + 10 * 60_000)),
    };
    all.signature = computeSignature(all, target.secretKey, target.signature as SignatureAlgorithm);
    const query = new URLSearchParams(all).toString();
    const url = new URL(target.url);
    if (method === "GET") url.search = query;
    return new Promise((resolve, reject) => {
        const req = http.request(
            url,
            {
                method,
                headers: method === "POST" ? { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(query) } : {},
            },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("error", reject);
                res.on("end", () => {
                    const text = Buffer.concat(chunks).toString("utf8");
                    let body: any;
                    try {
                        body = JSON.parse(text);
                    } catch {
                        body = undefined;
                    }
                    resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), body, text });
                });
            },
        );
        req.setTimeout(30_000, () => req.destroy(new Error(`${command}: no answer within 30 s`)));
        req.on("error", reject);
        if (method === "POST") req.write(query);
        req.end();
    });
}

/** Polls queryAsyncJobResult (raw) until the job leaves status 0; returns the job payload. */
export async function waitJobRaw(target: RawTarget, jobid: string, timeoutMs = 60_000): Promise<any> {
    const start = Date.now();
    for (;;) {
        const a = await rawCall(target, "queryAsyncJobResult", { jobid });
        const job = a.body?.queryasyncjobresultresponse;
        if (!job) throw new Error(`queryAsyncJobResult: unexpected answer ${a.status} ${a.text.slice(0, 300)}`);
        if (job.jobstatus !== 0) return job;
        if (Date.now() - start > timeoutMs) throw new Error(`job ${jobid} still pending after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
    }
}
