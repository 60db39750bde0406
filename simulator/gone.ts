// What Mold answers about an object that no longer exists. CloudStack resolves every UUID parameter by a
// lookup that includes removed rows (mold-api-core.md §3.2), so the answer depends on whether the kind's
// table keeps a deleted object's row (soft delete: `removed` set) or drops it:
// - row kept: the UUID still resolves, so `list… id=X` answers an empty list, and a command on X fails in
//   the command's own way (e.g. deleteNetwork: 431 "Networkd id=<dbid> doesn't exist");
// - row dropped: the UUID names no row, so every command, list commands included, answers 431 with
//   cserrorcode 9999 "… entity does not exist …" (§3.4).
import { unknownUuid } from "./errors";
import { T } from "./model";
import { table } from "./state";
import type { BaseContext, CommandContext } from "./types";

/** How the simulator answers a list by an unknown id (declared in types.ts, which this module imports). */
export type { GoneAnswer } from "./types";

/** One entry per table of deletable objects: does Mold keep the row of a deleted object, and why. */
export const GONE_ROWS: Record<string, { keepsRow: boolean; why: string }> = {
    [T.networks]: { keepsRow: true, why: "networks.removed is set when the network is destroyed; the row stays" },
    [T.vpcs]: { keepsRow: true, why: "vpc.removed is set when the VPC is deleted; the row stays" },
    [T.vms]: { keepsRow: true, why: "vm_instance.removed is set when the VM is expunged; the row stays" },
    [T.publicIps]: { keepsRow: true, why: "user_ip_address rows are never deleted: a released address goes back to Free (the table keeps it)" },
    [T.kubernetesClusters]: { keepsRow: true, why: "kubernetes_cluster rows are soft-deleted (mold-api-kubernetes.md §5, delete)" },
    [T.firewallRules]: { keepsRow: false, why: "firewall_rules has no removed column: a revoked rule's row is deleted" },
    [T.portForwardingRules]: { keepsRow: false, why: "port forwards live in firewall_rules too: deleted after revoke" },
    [T.loadBalancerRules]: { keepsRow: false, why: "load_balancing_rules rows (and their firewall_rules row) are deleted after revoke" },
    [T.lbStickinessPolicies]: { keepsRow: false, why: "load_balancer_stickiness_policies rows are deleted after revoke" },
    [T.lbHealthCheckPolicies]: { keepsRow: false, why: "load_balancer_healthcheck_policies rows are deleted after revoke" },
    [T.sshKeyPairs]: { keepsRow: false, why: "ssh_keypairs rows are deleted; key pairs are addressed by name (a missing name lists nothing)" },
    [T.volumes]: { keepsRow: true, why: "volumes.removed is set when a volume is expunged; the row stays" },
    [T.snapshotPolicies]: { keepsRow: false, why: "snapshot_policy rows are deleted" },
    [T.affinityGroups]: { keepsRow: false, why: "affinity_group rows are deleted" },
    [T.networkAclLists]: { keepsRow: false, why: "network_acl rows are deleted (NetworkACLManagerImpl.deleteNetworkACL)" },
    [T.networkAcls]: { keepsRow: false, why: "network_acl_item rows are deleted after revoke" },
};

interface RemovedRow {
    table: string;
    removed: string;
    /** The row's internal id, which some of Mold's texts show. */
    dbid?: number;
}

/** The removed rows' ids (tombstones) of kinds that keep them: id → table name. */
function removedRows(ctx: BaseContext): Record<string, RemovedRow> {
    return table(ctx.state, T.removedRows);
}

/**
 * Deletes a row; for kinds that keep removed rows, remembers its id so that it still resolves as Mold's
 * UUID lookup does. Live tables hold live objects only, so every other handler stays as it was.
 */
export function removeRow(ctx: BaseContext, tableName: string, id: string): void {
    const rows = table(ctx.state, tableName);
    const row = rows[id];
    if (!row) return;
    delete rows[id];
    if (GONE_ROWS[tableName]?.keepsRow) removedRows(ctx)[id] = { table: tableName, removed: ctx.timestamp(), dbid: row._dbid };
}

/** The removed row of `tableName` with that id (a deleted object whose UUID Mold still resolves), if any. */
export function removedRow(ctx: BaseContext, tableName: string, id: string): RemovedRow | undefined {
    const r = removedRows(ctx)[id];
    return r?.table === tableName ? r : undefined;
}

/**
 * A list command's UUID filter on `tableName`: the id when it names a live or removed row (the list then
 * holds that row or nothing), 431 (cserrorcode 9999) when it names none; with goneAnswer "empty-list", the
 * id whatever it names, so the list is empty. `alsoIn`: other tables the parameter's entity type spans (Mold
 * keeps firewall, port-forwarding and load-balancer rules in one table).
 */
export function listIdFilter(ctx: CommandContext, name: string, tableName: string, ...alsoIn: string[]): string | undefined {
    const id = ctx.params.str(name);
    if (id === undefined) return undefined;
    if (ctx.goneAnswer === "empty-list") return id;
    for (const t of [tableName, ...alsoIn]) if (table(ctx.state, t)[id] || removedRow(ctx, t, id)) return id;
    throw unknownUuid(ctx.cmdLower, name, id);
}
