// A load-balancer rule's stickiness and health-check policies (mold-api-network.md §8.9–8.10), part of
// mold:index:LoadBalancerRule. Mold cannot change a policy's method or parameters, so a changed policy
// is deleted and created again; every step first reads what Mold holds, so re-running after a failure
// or a lost answer converges instead of piling up policies.
import type { MoldClient } from "../client/client";
import { isGone, isRefusal, isUnsupported } from "../client/errors";
import {
    createLBHealthCheckPolicy,
    createLBStickinessPolicy,
    deleteLBHealthCheckPolicy,
    deleteLBStickinessPolicy,
    LBHealthCheckPolicy,
    LBStickinessPolicy,
    listLBHealthCheckPolicies,
    listLBStickinessPolicies,
} from "../client/loadbalancer";
import { jsonEqual } from "../runtime/equal";
import type { Validator } from "../runtime/validate";
import { createOnce, deleteConfirmed } from "../runtime/reconcile";

/** HAProxy's stickiness methods on the virtual router and their parameters; "*" marks a flag (no value). */
export const STICKINESS_METHODS: Record<string, readonly string[]> = {
    LbCookie: ["cookie-name", "mode", "nocache*", "indirect*", "postonly*", "domain"],
    AppCookie: ["cookie-name", "length", "holdtime", "request-learn*", "prefix*", "mode"],
    SourceBased: ["tablesize", "expire"],
};

export interface StickinessSpec {
    method: string;
    name: string;
    params?: Record<string, string>;
}

export interface HealthCheckSpec {
    pingPath?: string;
    interval?: number;
    responseTimeout?: number;
    healthyThreshold?: number;
    unhealthyThreshold?: number;
}

/** What LBHealthCheckPolicyVO stores for a value left out (or 0). */
const HEALTH_DEFAULTS = { pingPath: "/", interval: 5, responseTimeout: 2, healthyThreshold: 2, unhealthyThreshold: 1 };

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Validates a stickiness policy and returns it with the method in Mold's spelling (Mold matches it case-insensitively). */
export function checkStickiness<T>(v: Validator, property: string, value: T): T {
    if (!v.known(value) || value === undefined || value === null) return value;
    if (!isObject(value)) {
        v.fail(property, "must be an object { method, name, params }");
        return value;
    }
    const allowed = Object.keys(STICKINESS_METHODS);
    const method = allowed.find((m) => typeof value.method === "string" && m.toLowerCase() === value.method.toLowerCase());
    if (v.known(value.method) && !method) {
        v.fail(
            `${property}.method`,
            value.method === undefined ? `is required (one of ${allowed.join(", ")})` : `must be one of ${allowed.join(", ")}, got '${String(value.method)}'`,
        );
    }
    v.string(`${property}.name`, value.name, { required: true, maxLength: 255 });
    const params = value.params;
    if (v.known(params) && params !== undefined) {
        if (!isObject(params)) v.fail(`${property}.params`, "must be a map of strings");
        else if (method) {
            for (const [k, raw] of Object.entries(params)) {
                const known = STICKINESS_METHODS[method].find((n) => n.replace("*", "") === k.toLowerCase());
                if (!known) {
                    const names = STICKINESS_METHODS[method].map((n) => n.replace("*", ""));
                    v.fail(`${property}.params.${k}`, `is not a parameter of ${method} (allowed: ${names.join(", ")})`);
                    continue;
                }
                if (!v.known(raw)) continue;
                if (typeof raw !== "string") v.fail(`${property}.params.${k}`, `must be a string, got ${typeof raw}`);
                else if (!known.endsWith("*") && raw === "") v.fail(`${property}.params.${k}`, "needs a value (only flags such as nocache may be empty)");
                else if (method === "SourceBased" && k === "expire" && !/^\d+[dhms]?$/.test(raw))
                    v.fail(`${property}.params.${k}`, `must be a time such as 30m, got '${raw}'`);
                else if (method === "SourceBased" && k === "tablesize" && !/^\d+[kmg]?$/i.test(raw))
                    v.fail(`${property}.params.${k}`, `must be a size such as 200k, got '${raw}'`);
            }
        }
    }
    // The same policy, only its method spelled as Mold does.
    return method ? ({ ...value, method } as T) : value;
}

export function checkHealthCheck(v: Validator, property: string, value: unknown): void {
    if (!v.known(value) || value === undefined || value === null) return;
    if (!isObject(value)) return v.fail(property, "must be an object { pingPath, interval, responseTimeout, healthyThreshold, unhealthyThreshold }");
    const int = (field: string, min: number, max: number) => {
        const x = value[field];
        if (!v.known(x) || x === undefined) return;
        if (typeof x !== "number" || !Number.isInteger(x) || x < min || x > max)
            v.fail(`${property}.${field}`, `must be an integer from ${min} to ${max}, got ${JSON.stringify(x)}`);
    };
    if (v.known(value.pingPath) && value.pingPath !== undefined && (typeof value.pingPath !== "string" || !value.pingPath.startsWith("/"))) {
        v.fail(`${property}.pingPath`, `must be a path starting with '/', got ${JSON.stringify(value.pingPath)}`);
    }
    int("interval", 1, 20940);
    int("responseTimeout", 2, 60);
    int("healthyThreshold", 1, 1000);
    int("unhealthyThreshold", 1, 1000);
    const { interval, responseTimeout } = value as { interval?: unknown; responseTimeout?: unknown };
    if (typeof interval === "number" && typeof responseTimeout === "number" && responseTimeout > interval) {
        v.fail(
            `${property}.responseTimeout`,
            `(${responseTimeout}) must not exceed interval (${interval}); Mold refuses a monitor interval shorter than its timeout`,
        );
    }
    for (const k of Object.keys(value)) if (!(k in HEALTH_DEFAULTS)) v.fail(`${property}.${k}`, "is not a health-check field");
}

// ---- stickiness ------------------------------------------------------------------------------

async function stickinessPolicies(client: MoldClient, ruleId: string): Promise<LBStickinessPolicy[]> {
    const rows = await listLBStickinessPolicies(client, { lbruleid: ruleId }).catch((e) => {
        if (isGone(e)) return [];
        throw e;
    });
    return rows.flatMap((r) => r.stickinesspolicy ?? []).filter((p) => p.state !== "Revoked");
}

function sameStickiness(p: LBStickinessPolicy, want: StickinessSpec): boolean {
    return p.name === want.name && p.methodname.toLowerCase() === want.method.toLowerCase() && jsonEqual(p.params ?? {}, want.params ?? {});
}

/** The policy Mold holds, as the input it corresponds to: the declared spelling when it means the same. */
export async function readStickiness(
    client: MoldClient,
    ruleId: string,
    declared: StickinessSpec | undefined,
): Promise<{ spec: StickinessSpec | null; id: string }> {
    const p = (await stickinessPolicies(client, ruleId))[0];
    if (!p) return { spec: null, id: "" };
    if (declared && sameStickiness(p, declared)) return { spec: declared, id: p.id };
    const params = p.params && Object.keys(p.params).length ? p.params : undefined;
    return { spec: { method: p.methodname, name: p.name, ...(params ? { params } : {}) }, id: p.id };
}

/** Brings the rule's stickiness policy to `want` (none when undefined); returns its id or "". */
export async function convergeStickiness(client: MoldClient, ruleId: string, want: StickinessSpec | undefined): Promise<string> {
    const present = await stickinessPolicies(client, ruleId);
    const keep = want && present.find((p) => sameStickiness(p, want));
    for (const p of present) {
        if (p === keep) continue;
        await deleteConfirmed(
            () => deleteLBStickinessPolicy(client, p.id),
            async () => (await stickinessPolicies(client, ruleId)).some((x) => x.id === p.id),
        );
    }
    if (!want) return "";
    if (keep) return keep.id;
    const created = await createOnce(
        async () =>
            (await createLBStickinessPolicy(client, { lbruleid: ruleId, name: want.name, methodname: want.method, param: want.params })).stickinesspolicy[0],
        async () => (await stickinessPolicies(client, ruleId)).find((p) => sameStickiness(p, want)),
    );
    return created.id;
}

// ---- health check ----------------------------------------------------------------------------

async function healthCheckPolicies(client: MoldClient, ruleId: string): Promise<LBHealthCheckPolicy[]> {
    const rows = await listLBHealthCheckPolicies(client, { lbruleid: ruleId }).catch((e) => {
        if (isGone(e)) return [];
        throw e;
    });
    return rows.flatMap((r) => r.healthcheckpolicy ?? []).filter((p) => p.state !== "Revoked");
}

function sameHealthCheck(p: LBHealthCheckPolicy, want: HealthCheckSpec): boolean {
    const w = { ...HEALTH_DEFAULTS, ...want };
    return (
        p.pingpath === w.pingPath &&
        p.healthcheckinterval === w.interval &&
        p.responsetime === w.responseTimeout &&
        p.healthcheckthresshold === w.healthyThreshold &&
        p.unhealthcheckthresshold === w.unhealthyThreshold
    );
}

export async function readHealthCheck(
    client: MoldClient,
    ruleId: string,
    declared: HealthCheckSpec | undefined,
): Promise<{ spec: HealthCheckSpec | null; id: string }> {
    const p = (await healthCheckPolicies(client, ruleId))[0];
    if (!p) return { spec: null, id: "" };
    if (declared && sameHealthCheck(p, declared)) return { spec: declared, id: p.id };
    const spec = {
        pingPath: p.pingpath,
        interval: p.healthcheckinterval,
        responseTimeout: p.responsetime,
        healthyThreshold: p.healthcheckthresshold,
        unhealthyThreshold: p.unhealthcheckthresshold,
    };
    return { spec, id: p.id };
}

/**
 * Mold's refusal, said plainly: the virtual router (the usual LB provider) has no health-check
 * capability, so Mold rejects every health-check policy on router networks.
 */
function healthCheckRefused(e: unknown, ruleName: string, ruleId: string): unknown {
    if (!isRefusal(e)) return e;
    const text = e.errortext;
    const hint = isUnsupported(e)
        ? " The network's load-balancing provider (Mold's virtual router) has no health-check support: remove healthCheckPolicy, or use a network whose LB provider supports health checks."
        : "";
    return new Error(`healthCheckPolicy of load balancer rule '${ruleName}' (${ruleId}): Mold refused it: ${text}.${hint}`, { cause: e });
}

/** Brings the rule's health-check policy to `want` (none when undefined); returns its id or "". */
export async function convergeHealthCheck(client: MoldClient, ruleId: string, ruleName: string, want: HealthCheckSpec | undefined): Promise<string> {
    const present = await healthCheckPolicies(client, ruleId);
    const keep = want && present.find((p) => sameHealthCheck(p, want));
    for (const p of present) {
        if (p === keep) continue;
        await deleteConfirmed(
            () => deleteLBHealthCheckPolicy(client, p.id),
            async () => (await healthCheckPolicies(client, ruleId)).some((x) => x.id === p.id),
        );
    }
    if (!want) return "";
    if (keep) return keep.id;
    try {
        const created = await createOnce(
            async () =>
                (
                    await createLBHealthCheckPolicy(client, {
                        lbruleid: ruleId,
                        pingpath: want.pingPath,
                        intervaltime: want.interval,
                        responsetimeout: want.responseTimeout,
                        healthythreshold: want.healthyThreshold,
                        unhealthythreshold: want.unhealthyThreshold,
                    })
                ).healthcheckpolicy[0],
            async () => (await healthCheckPolicies(client, ruleId)).find((p) => sameHealthCheck(p, want)),
        );
        return created.id;
    } catch (e) {
        throw healthCheckRefused(e, ruleName, ruleId);
    }
}
