// etcd care for a control-plane node group: snapshots before risky changes (kept on the node, recorded in
// the group's outputs, pruned to `etcdSnapshots.keep`) and the removal of a member whose node is gone
// (`etcdctl member remove` through a healthy control-plane node), both as idempotent bootstrap steps.
import type { Validator } from "../runtime/validate";
import { ADMIN_CONNECT, Reachable } from "./bootstrap";
import type { EtcdSnapshotRecord, GroupContext } from "./group";

/** One snapshot file, as the NodeGroup's `etcdSnapshotFiles` output lists it. */
export const DEFAULT_KEEP = 3;
export const MAX_KEEP = 100;

/** `etcdSnapshots.keep`, the default when not given. */
export function keepOf(inputs: { etcdSnapshots?: { keep?: number } | null }): number {
    return Number(inputs.etcdSnapshots?.keep ?? DEFAULT_KEEP);
}

/** The check rows: an object with an integer keep from 1 to 100, on a control-plane group only. */
export function checkEtcdSnapshots(v: Validator, inputs: { role?: unknown; etcdSnapshots?: unknown }): void {
    const spec = inputs.etcdSnapshots;
    if (spec === undefined || spec === null || !v.known(spec)) return;
    if (v.known(inputs.role) && inputs.role !== "control-plane") {
        v.fail("etcdSnapshots", `is only for control-plane groups (etcd runs on control-plane nodes), this group's role is ${JSON.stringify(inputs.role)}`);
    }
    if (typeof spec !== "object" || Array.isArray(spec)) return v.fail("etcdSnapshots", "must be an object { keep }");
    const unknown = Object.keys(spec).filter((k) => k !== "keep");
    if (unknown.length) v.fail("etcdSnapshots", `has unknown properties ${unknown.join(", ")} (only keep)`);
    v.integer("etcdSnapshots.keep", (spec as { keep?: unknown }).keep, { min: 1, max: MAX_KEEP, what: "a number of snapshots" });
}

/** The file name a snapshot taken at `now` gets: sortable by time (the step prunes by name order), to the ms. */
export function snapshotFileName(now: Date): string {
    return `etcd-${now.toISOString().replace(/[-:.]/g, "")}.db`;
}

/**
 * The records after taking `taken`: one per path (a rerun reports the same file), oldest first, only files
 * on nodes still in the group (a removed node's files went with its VM), at most `keep`.
 */
export function recordSnapshot(
    records: readonly EtcdSnapshotRecord[],
    taken: EtcdSnapshotRecord | undefined,
    keep: number,
    nodes: readonly string[],
): EtcdSnapshotRecord[] {
    const all = taken ? [...records.filter((r) => !(r.node === taken.node && r.path === taken.path)), taken] : [...records];
    const live = all.filter((r) => nodes.includes(r.node));
    live.sort((a, b) => a.takenAt.localeCompare(b.takenAt) || a.path.localeCompare(b.path));
    return live.slice(Math.max(0, live.length - keep));
}

/** The control-plane nodes that can run etcdctl: ready ones, those not leaving first. */
function etcdAdmins(g: GroupContext, leaving: readonly string[] = []): Reachable[] {
    const ready = g.state.nodes.filter((n) => n.status === "ready");
    return [...ready.filter((n) => !leaving.includes(n.name)), ...ready.filter((n) => leaving.includes(n.name))];
}

/**
 * Takes an etcd snapshot through a healthy control-plane node (nodes named in `leaving` only when no other
 * can: their files would go with them), logs why, and records it in the group's state (the
 * `etcdSnapshotFiles` output), pruned to `etcdSnapshots.keep` on the node and in the record.
 */
export async function etcdSnapshot(g: GroupContext, reason: string, leaving: readonly string[] = []): Promise<void> {
    if (g.inputs.role !== "control-plane") throw new Error(`etcd snapshots are taken through the control-plane group, not ${g.inputs.name} (${g.inputs.role})`);
    const keep = keepOf(g.inputs);
    const file = snapshotFileName(new Date());
    g.ctx.log(`etcd snapshot before ${reason}`);
    const taken = await g.fleet.withAdmin(etcdAdmins(g, leaving), async (admin) => {
        const { results } = await g.fleet.runner(admin, ADMIN_CONNECT).run("etcd-snapshot", { PM_SNAPSHOT: file, PM_KEEP: String(keep) });
        if (!results.path || !results["taken-at"]) throw new Error(`${admin.name}: etcd-snapshot printed no path or time`);
        const revision = Number(results.revision);
        const record: EtcdSnapshotRecord = { node: admin.name, path: results.path, takenAt: results["taken-at"], reason };
        if (results.revision && Number.isInteger(revision)) record.revision = revision;
        return record;
    });
    g.state.etcdSnapshots = recordSnapshot(
        g.state.etcdSnapshots ?? [],
        taken,
        keep,
        g.state.nodes.map((n) => n.name),
    );
    g.ctx.log(`${taken.node}: etcd snapshot ${taken.path} taken at ${taken.takenAt}`);
}

/**
 * Removes `name`'s etcd member through another healthy control-plane node (a VM gone, or a reset that could
 * not remove it): the replacement's join would otherwise find an unhealthy cluster. True when it was a member.
 */
export async function removeEtcdMember(g: GroupContext, name: string): Promise<boolean> {
    // Through a node that stays: during a scale-down the other leaving nodes come last.
    const others = etcdAdmins(g, g.leaving ?? []).filter((n) => n.name !== name);
    if (!others.length) throw new Error(`${name}: no other control-plane node to remove its etcd member through`);
    const removed = await g.fleet.withAdmin(others, async (admin) => {
        const { results } = await g.fleet.runner(admin, ADMIN_CONNECT).run("etcd-member-remove", { PM_MEMBER: name });
        return results.removed;
    });
    if (removed !== "done" && removed !== "absent") throw new Error(`${name}: etcd-member-remove reported removed=${removed ?? "(nothing)"}`);
    g.ctx.log(removed === "done" ? `${name}: etcd member removed` : `${name}: no etcd member left to remove`);
    return removed === "done";
}
