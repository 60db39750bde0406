// Node repair (a node group's `repair` input): which NotReady nodes are replaced, how many at a time, and
// why — pure decisions, no I/O. The health itself comes from the node-health step (PROTOCOL.md).
import type { Validator } from "../runtime/validate";

export interface RepairSpec {
    /** How long a node may be NotReady before it is replaced: "90s", "10m", "1h", "1h30m". */
    notReadyTimeout: string;
    /** Nodes replaced at a time (default 1); a control plane never more than keeps etcd's quorum. */
    maxUnhealthy?: number;
}

/** A node's Ready condition as the node-health step reports it. */
export interface NodeHealth {
    name: string;
    /** "True", "False", "Unknown", or "" when the node has no Ready condition yet. */
    ready: string;
    /** The condition's lastTransitionTime (RFC 3339), "" when unknown. */
    since: string;
}

export const MIN_TIMEOUT_MS = 60_000;
const UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000 };
const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** "1h30m" → ms; undefined for anything else (units h, m, s in that order, whole numbers). */
export function parseDuration(text: string): number | undefined {
    const m = DURATION.exec(text.trim());
    if (!m || text.trim() === "") return undefined;
    return [m[1], m[2], m[3]].reduce((sum, part, i) => sum + (part ? Number(part) * UNITS["hms"[i]] : 0), 0);
}

/** ms as the log shows an age: "45s", "14m", "2h5m". */
export function formatDuration(ms: number): string {
    const s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m`;
    const h = Math.floor(m / 60);
    return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
}

/** At most this many control-plane nodes may be out at once: etcd keeps a majority of `count` members. */
export const controlPlaneBudget = (count: number) => Math.max(0, Math.floor((count - 1) / 2));

/** The repair input in its checked form, or undefined when repair is off (absent, null or unknown). */
export function repairSpec(value: unknown): { timeoutMs: number; maxUnhealthy: number } | undefined {
    if (!value || typeof value !== "object") return undefined;
    const r = value as Partial<RepairSpec>;
    const timeoutMs = typeof r.notReadyTimeout === "string" ? parseDuration(r.notReadyTimeout) : undefined;
    if (timeoutMs === undefined) return undefined;
    return { timeoutMs, maxUnhealthy: typeof r.maxUnhealthy === "number" ? r.maxUnhealthy : 1 };
}

/**
 * Check-time rules of `repair` (every problem at once): a timeout that parses and is at least a minute (a
 * kubelet restart or a reboot is not a failure), and a maxUnhealthy that keeps a control plane's quorum.
 */
export function checkRepair(v: Validator, value: unknown, role: unknown, count: unknown): void {
    if (value === undefined || value === null || !v.known(value)) return;
    if (typeof value !== "object" || Array.isArray(value)) return v.fail("repair", "must be an object { notReadyTimeout, maxUnhealthy? }");
    const r = value as Record<string, unknown>;
    for (const k of Object.keys(r)) {
        if (k !== "notReadyTimeout" && k !== "maxUnhealthy") v.fail(`repair.${k}`, "is not a repair setting (notReadyTimeout, maxUnhealthy)");
    }
    const timeout = r.notReadyTimeout;
    if (timeout === undefined || timeout === null) v.fail("repair.notReadyTimeout", 'is required with repair, e.g. "10m"');
    else if (v.known(timeout)) {
        const ms = typeof timeout === "string" ? parseDuration(timeout) : undefined;
        if (ms === undefined)
            v.fail("repair.notReadyTimeout", `must be a duration such as "90s", "10m" or "1h" (whole numbers of h, m, s), got ${JSON.stringify(timeout)}`);
        else if (ms < MIN_TIMEOUT_MS)
            v.fail("repair.notReadyTimeout", `must be at least 1m (a kubelet restart or a reboot is not a failure), got '${timeout}'`);
    }
    const max = r.maxUnhealthy;
    if (max !== undefined && max !== null) v.integer("repair.maxUnhealthy", max, { min: 1, what: "a number of nodes" });
    if (role !== "control-plane" || !v.known(count) || typeof count !== "number" || !v.known(max)) return;
    const budget = controlPlaneBudget(count);
    if (typeof max === "number" && max > budget && budget > 0) {
        v.fail(
            "repair.maxUnhealthy",
            `${max} would break etcd's quorum: a control plane of ${count} keeps a majority with at most ${budget} node${budget === 1 ? "" : "s"} out at a time`,
        );
    } else if (budget === 0) {
        v.fail(
            "repair",
            `needs a control plane of at least 3 nodes: replacing one of ${count} would break etcd's quorum (replace it by hand, from an etcd snapshot)`,
        );
    }
}

const HEALTH_LINE = /^pulumi-mold: node=(\S+) ready=(\S*) since=(\S*)\s*$/;
const NOW_LINE = /^pulumi-mold: now=(\S+)\s*$/;

/** The node-health step's stdout: one line per node, and the node's clock (the cluster's time). */
export function parseHealth(stdout: string): { now?: number; nodes: NodeHealth[] } {
    const nodes: NodeHealth[] = [];
    let now: number | undefined;
    for (const line of stdout.split("\n")) {
        const m = HEALTH_LINE.exec(line.replace(/\r$/, ""));
        if (m) nodes.push({ name: m[1], ready: m[2], since: m[3] });
        const n = NOW_LINE.exec(line.replace(/\r$/, ""));
        if (n && Number.isFinite(Date.parse(n[1]))) now = Date.parse(n[1]);
    }
    return { now, nodes };
}

export interface RepairDecision<N extends { name: string }> {
    /** Replaced now (this batch), with the reason the log shows. */
    replace: { node: N; reason: string }[];
    /** NotReady but kept, with why: not past the timeout yet, over maxUnhealthy, or the quorum. */
    kept: { node: N; reason: string }[];
}

/**
 * Which of the group's nodes to replace now: NotReady ones past the timeout, the longest NotReady first, at
 * most `maxUnhealthy` (and for a control plane its quorum budget, and none when the Ready nodes are no
 * majority: etcd cannot even remove a member then). A node the cluster does not list is not judged here
 * (a vanished VM is dropVanished's, an unfinished one converge's).
 */
export function decideRepair<N extends { name: string }>(
    nodes: readonly N[],
    health: readonly NodeHealth[],
    opts: { now: number; timeoutMs: number; maxUnhealthy: number; controlPlane: boolean },
): RepairDecision<N> {
    const byName = new Map(health.map((h) => [h.name.toLowerCase(), h]));
    const notReady = nodes
        .map((node) => ({ node, h: byName.get(node.name.toLowerCase()) }))
        .filter((x): x is { node: N; h: NodeHealth } => !!x.h && x.h.ready !== "True")
        .map(({ node, h }) => {
            const since = Date.parse(h.since);
            // No transition time: its age is unknown, so it is never judged past the timeout.
            return { node, h, age: Number.isFinite(since) ? opts.now - since : -1 };
        })
        .sort((a, b) => b.age - a.age);
    const state = (x: { h: NodeHealth; age: number }) => `${x.h.ready === "Unknown" ? "NotReady (status Unknown)" : "NotReady"} for ${formatDuration(x.age)}`;
    const limit = `${formatDuration(opts.timeoutMs)}`;
    const decision: RepairDecision<N> = { replace: [], kept: [] };
    let budget = Math.max(0, Math.floor(opts.maxUnhealthy));
    if (opts.controlPlane) {
        const ready = nodes.length - notReady.length;
        const majority = Math.floor(nodes.length / 2) + 1;
        if (ready < majority) {
            for (const x of notReady)
                decision.kept.push({
                    node: x.node,
                    reason: `${state(x)}: not replaced, only ${ready} of ${nodes.length} control-plane nodes are Ready and etcd needs ${majority} to change its members`,
                });
            return decision;
        }
        budget = Math.min(budget, controlPlaneBudget(nodes.length));
    }
    for (const x of notReady) {
        if (x.age < 0) decision.kept.push({ node: x.node, reason: `NotReady since an unknown time: not judged against ${limit}` });
        else if (x.age <= opts.timeoutMs) decision.kept.push({ node: x.node, reason: `${state(x)} (≤ ${limit}): waiting` });
        else if (decision.replace.length >= budget)
            decision.kept.push({
                node: x.node,
                reason: `${state(x)} (> ${limit}): waiting, ${budget} node${budget === 1 ? "" : "s"} at a time (maxUnhealthy)`,
            });
        else decision.replace.push({ node: x.node, reason: `${state(x)} (> ${limit}): replacing` });
    }
    return decision;
}

/** The node names a refresh records as due for repair (the `unhealthyNodes` output), for needsRepair. */
export function dueForRepair<N extends { name: string }>(d: RepairDecision<N>): string[] {
    return [...d.replace.map((r) => r.node.name), ...d.kept.filter((k) => /\(> /.test(k.reason)).map((k) => k.node.name)];
}
