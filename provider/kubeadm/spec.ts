// Check-time rules for self-managed (kubeadm) clusters: pure, no API call, every problem reported at once.
import { cidrsOverlap } from "../net/cidr";
import { containsUnknown, UNKNOWN } from "../runtime/hooks";
import type { Validator } from "../runtime/validate";
import { packageProblem } from "./packages";

export const CNIS = ["flannel", "calico"] as const;
export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;
export const ROLES = ["control-plane", "worker"] as const;
export const DEFAULT_POD_CIDR = "10.244.0.0/16";
export const DEFAULT_SERVICE_CIDR = "10.96.0.0/12";
/** etcd needs a majority: odd control-plane counts only (1 has no HA; 3 survives one loss, 5 two, 7 three). */
export const CONTROL_PLANE_COUNTS = [1, 3, 5, 7];

export interface Taint {
    key: string;
    value?: string;
    effect: (typeof TAINT_EFFECTS)[number];
}

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `key` is not a Kubernetes qualified name ([prefix/]name), or undefined (apimachinery IsQualifiedName). */
export function qualifiedNameProblem(key: string): string | undefined {
    const parts = key.split("/");
    if (parts.length > 2) return "may contain at most one '/'";
    const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
    if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
        return `has an invalid prefix '${prefix}' (a lower-case DNS subdomain of at most 253 characters)`;
    }
    if (!name || name.length > 63 || !NAME.test(name)) {
        return "name part must be 1-63 characters of [A-Za-z0-9-_.], starting and ending with a letter or digit";
    }
    return undefined;
}

/** Why `value` is not a valid label value, or undefined. */
export function labelValueProblem(value: string): string | undefined {
    if (value === "") return undefined;
    if (value.length > 63 || !NAME.test(value)) return "must be at most 63 characters of [A-Za-z0-9-_.], starting and ending with a letter or digit (or empty)";
    return undefined;
}

export function checkLabels(v: Validator, property: string, labels: unknown): void {
    if (!v.known(labels) || labels === undefined || labels === null) return;
    if (typeof labels !== "object" || Array.isArray(labels)) return v.fail(property, "must be a map of label keys to values");
    for (const [key, value] of Object.entries(labels as Record<string, unknown>)) {
        const kp = qualifiedNameProblem(key);
        if (kp) v.fail(`${property}.${key}`, `is not a valid label key: ${kp}`);
        if (!v.known(value)) continue;
        if (typeof value !== "string") v.fail(`${property}.${key}`, "must be a string");
        else {
            const vp = labelValueProblem(value);
            if (vp) v.fail(`${property}.${key}`, `value '${value}' ${vp}`);
        }
    }
}

export function checkTaints(v: Validator, property: string, taints: unknown): void {
    if (!v.known(taints) || taints === undefined || taints === null) return;
    if (!Array.isArray(taints)) return v.fail(property, "must be a list of {key, value?, effect}");
    const seen = new Set<string>();
    taints.forEach((t, i) => {
        const p = `${property}[${i}]`;
        if (!v.known(t)) return;
        if (!t || typeof t !== "object") return v.fail(p, "must be {key, value?, effect}");
        if (v.known(t.key)) {
            const kp = typeof t.key === "string" ? qualifiedNameProblem(t.key) : "must be a string";
            if (kp) v.fail(`${p}.key`, `is not a valid taint key: ${kp}`);
        }
        if (v.known(t.value) && t.value !== undefined && t.value !== null) {
            const vp = typeof t.value === "string" ? labelValueProblem(t.value) : "must be a string";
            if (vp) v.fail(`${p}.value`, vp);
        }
        if (v.known(t.effect) && !TAINT_EFFECTS.includes(t.effect)) {
            v.fail(`${p}.effect`, `must be one of ${TAINT_EFFECTS.join(", ")}, got '${String(t.effect)}'`);
        }
        const id = `${t.key}:${t.effect}`;
        if (!containsUnknown(t) && seen.has(id)) v.fail(p, `repeats taint ${id}`);
        seen.add(id);
    });
}

export function checkCount(v: Validator, role: unknown, count: unknown): void {
    if (!v.known(count) || !v.known(role)) return;
    if (count === undefined || count === null) return v.fail("count", "is required");
    if (typeof count !== "number" || !Number.isInteger(count) || count < 0) return v.fail("count", `must be a whole number, got ${JSON.stringify(count)}`);
    if (role === "control-plane" && !CONTROL_PLANE_COUNTS.includes(count)) {
        v.fail("count", `of a control-plane group must be ${CONTROL_PLANE_COUNTS.join(", ")} (etcd needs an odd number of members for a quorum), got ${count}`);
    }
    if (role === "worker" && count > 100) v.fail("count", `must be at most 100 per group (one SSH port block), got ${count}`);
}

/** Pod CIDR, service CIDR and the network's CIDR must not overlap: routing between them would break. */
export function checkCidrs(v: Validator, podCidr: unknown, serviceCidr: unknown, networkCidr: unknown): void {
    const valid = (p: string, c: unknown) => {
        if (!v.known(c) || c === undefined) return false;
        const before = v.failures.length;
        v.cidr(p, c);
        return v.failures.length === before;
    };
    const pod = valid("podCidr", podCidr) ? (podCidr as string) : undefined;
    const svc = valid("serviceCidr", serviceCidr) ? (serviceCidr as string) : undefined;
    const net = valid("networkCidr", networkCidr) ? (networkCidr as string) : undefined;
    if (pod && svc && cidrsOverlap(pod, svc)) v.fail("podCidr", `${pod} overlaps serviceCidr ${svc}`);
    if (pod && net && cidrsOverlap(pod, net)) v.fail("podCidr", `${pod} overlaps the network's CIDR ${net}`);
    if (svc && net && cidrsOverlap(svc, net)) v.fail("serviceCidr", `${svc} overlaps the network's CIDR ${net}`);
}

export function checkVersion(v: Validator, version: unknown, template: unknown): void {
    if (!v.known(version)) return;
    if (typeof version !== "string") return v.fail("kubernetesVersion", "is required (MAJOR.MINOR.PATCH, e.g. 1.32.5)");
    const problem = packageProblem(version, typeof template === "string" && template !== UNKNOWN ? template : undefined);
    if (problem) v.fail("kubernetesVersion", problem);
}
