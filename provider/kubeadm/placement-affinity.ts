// Spreading a node group's VMs over hosts: existing Mold affinity groups (`affinityGroups`, by name or id) and
// the group's own "host anti-affinity" group (`antiAffinity`), made and deleted with the group. Check rules
// (pure), the preview's read-only checks (names exist; a strict anti-affinity group needs a host per node when
// Mold lists hosts to this account), and the Mold side at create/update/delete.
//
// Decisions: affinity is a placement input of NEW VMs only (Mold changes a VM's groups only while it is
// stopped): a change never rolls or restarts existing nodes. `antiAffinity` defaults to true for a control-plane
// group created by this version; a group made before keeps what it was made with (no group), so an existing
// control plane is never rolled or changed by the new default.
import { findZone, pickOne } from "../client/catalog";
import { createAffinityGroup, deleteAffinityGroup, listAffinityGroups } from "../client/affinity";
import type { MoldClient } from "../client/client";
import { rowsUnlessGone } from "../client/errors";
import { routingHostsOrUnknown } from "../client/host";
import type { NodeGroupInputs, NodeGroupOutputs } from "../generated/types";
import type { CheckFailure, HookContext } from "../runtime/hooks";
import { containsUnknown } from "../runtime/hooks";
import { createOnce, deleteConfirmed } from "../runtime/reconcile";
import type { Validator } from "../runtime/validate";
import { lookupFailures } from "../resources/check-names";

export const ANTI_AFFINITY = "host anti-affinity";

/** What new node VMs are deployed into, and the group's own anti-affinity group (for the outputs). */
export interface AffinityPlacement {
    affinityGroupIds: string[];
    antiAffinityGroupId: string;
}

/** The outputs for a placement (none when not resolved: read keeps the recorded ones). */
export function affinityOutputs(p: Partial<AffinityPlacement> | undefined): Partial<AffinityPlacement> {
    if (!p || p.affinityGroupIds === undefined) return {};
    return { affinityGroupIds: p.affinityGroupIds, antiAffinityGroupId: p.antiAffinityGroupId ?? "" };
}

/**
 * The group's own anti-affinity group's name: <cluster>-<group>-anti-affinity-<6 hex of the node group's id>, so a
 * replacement (made before the old group is deleted) gets a group of its own.
 */
export function antiAffinityGroupName(clusterName: string, groupName: string, groupId: string): string {
    return `${clusterName}-${groupName}-anti-affinity-${groupId.replace(/^ng-/, "").slice(0, 6)}`;
}

/**
 * Check rules, and the default of `antiAffinity` (written into `inputs`): true for a new control-plane group;
 * an existing group keeps what it had (undefined for groups made before the option existed: no change shows).
 */
export function checkAffinity(v: Validator, inputs: Partial<NodeGroupInputs>, olds: Partial<NodeGroupInputs>): void {
    const list = inputs.affinityGroups;
    if (v.known(list) && list !== undefined && list !== null) {
        if (!Array.isArray(list)) v.fail("affinityGroups", "must be a list of affinity group names or ids");
        else {
            list.forEach((x, i) => {
                if (v.known(x) && (typeof x !== "string" || x.trim() === "")) v.fail(`affinityGroups[${i}]`, "must be a non-empty name or id");
                else v.string(`affinityGroups[${i}]`, x);
            });
            const known = list.filter((x) => v.known(x));
            const dupes = known.filter((x, i) => known.indexOf(x) !== i);
            if (dupes.length) v.fail("affinityGroups", `names ${[...new Set(dupes)].join(", ")} more than once`);
        }
    }
    if (v.known(inputs.antiAffinity) && inputs.antiAffinity !== undefined && inputs.antiAffinity !== null && typeof inputs.antiAffinity !== "boolean") {
        v.fail("antiAffinity", `must be true or false, got ${JSON.stringify(inputs.antiAffinity)}`);
    }
    if (inputs.antiAffinity === undefined || inputs.antiAffinity === null) {
        if (olds.role === undefined) inputs.antiAffinity = inputs.role === "control-plane";
        else if (olds.antiAffinity !== undefined) inputs.antiAffinity = olds.antiAffinity;
        else delete inputs.antiAffinity;
    }
}

const usable = (value: unknown): value is string => typeof value === "string" && value !== "" && !containsUnknown(value);

/** The hosts a strict anti-affinity group of `count` VMs needs, against the zone's (when Mold lists them). */
export function hostShortage(count: number, hosts: number): string | undefined {
    if (count <= hosts) return undefined;
    return (
        `asks for ${count} nodes on distinct hosts, but the zone has ${hosts} ${hosts === 1 ? "host" : "hosts"}: ` +
        `Mold would refuse the extra VMs (InsufficientServerCapacityException); lower count to ${hosts} or drop the anti-affinity`
    );
}

/**
 * A roll (new offering, template or key pair) adds a node before removing one: under the group's own
 * anti-affinity that needs a host free of the group's nodes. Refused before anything changes when Mold lists
 * hosts and there is none, instead of failing at the first replacement's deploy.
 */
export async function checkRollRoom(ctx: HookContext, zoneId: string, nodes: number, rolling: number, antiAffinity: boolean | undefined): Promise<void> {
    if (!antiAffinity || rolling === 0) return;
    const hosts = await routingHostsOrUnknown(ctx.client(), zoneId);
    if (!hosts || nodes < hosts.length) return;
    throw new Error(
        `antiAffinity: rolling ${rolling} ${rolling === 1 ? "node" : "nodes"} adds each replacement before removing the old node, which needs a host without a node of this group, but all ${hosts.length} hosts of the zone have one; lower count for the roll or set antiAffinity: false (new nodes only) and back afterwards`,
    );
}

/** Preview (read-only): affinity groups named exist; a strict anti-affinity group fits the zone's hosts. */
export async function affinityInMold(ctx: HookContext, inputs: Partial<NodeGroupInputs>): Promise<CheckFailure[]> {
    const names = Array.isArray(inputs.affinityGroups) ? inputs.affinityGroups : [];
    let groups: Awaited<ReturnType<typeof listAffinityGroups>> | undefined;
    // Given "host anti-affinity" groups, by property: they need a host per node just as the group's own does.
    const strict: string[] = [];
    const failures = await lookupFailures(
        ctx,
        "NodeGroup",
        names.map((value, i) => ({
            property: `affinityGroups[${i}]`,
            value,
            find: async (c: MoldClient, v: string) => {
                const g = pickOne("affinity group", v, (groups ??= await listAffinityGroups(c)));
                if (g.type === ANTI_AFFINITY) strict.push(`affinityGroups[${i}]`);
                return g;
            },
        })),
    );
    const count = inputs.count;
    const own = inputs.antiAffinity === true ? ["antiAffinity"] : [];
    if (![...own, ...strict].length || typeof count !== "number" || !usable(inputs.zone)) return failures;
    const client = ctx.client();
    const zone = await findZone(client, inputs.zone).catch(() => undefined);
    if (!zone) return failures; // the zone's own lookup reports it
    const hosts = await routingHostsOrUnknown(client, zone.id);
    const short = hosts && hostShortage(count, hosts.length);
    if (short) for (const property of [...own, ...strict]) failures.push({ property, reason: `mold:NodeGroup: ${property} ${short}` });
    return failures;
}

/**
 * Create and update: resolves the given groups to ids and makes (or finds again) the group's own anti-affinity
 * group when asked; deletes it when antiAffinity was switched off (Mold drops the existing VMs' memberships).
 */
export async function prepareAffinity(
    ctx: HookContext,
    id: string,
    inputs: Pick<NodeGroupInputs, "clusterName" | "name" | "affinityGroups" | "antiAffinity">,
    olds: Partial<NodeGroupOutputs>,
): Promise<AffinityPlacement> {
    const client = ctx.client();
    const wanted = inputs.affinityGroups ?? [];
    const all = wanted.length ? await listAffinityGroups(client) : [];
    const given = wanted.map((w) => {
        try {
            return pickOne("affinity group", w, all).id;
        } catch (e) {
            throw new Error(`affinityGroups: ${(e as Error).message}`, { cause: e });
        }
    });
    let own = olds.antiAffinityGroupId ?? "";
    if (inputs.antiAffinity === true) {
        if (!own || !(await groupExists(client, own))) own = (await ensureGroup(ctx, antiAffinityGroupName(inputs.clusterName, inputs.name, id))).id;
    } else if (own) {
        await dropOwnGroup(ctx, own);
        own = "";
    }
    return { affinityGroupIds: [...new Set([...given, ...(own ? [own] : [])])], antiAffinityGroupId: own };
}

async function groupExists(client: MoldClient, id: string): Promise<boolean> {
    return (await rowsUnlessGone(listAffinityGroups(client, { id }))).some((g) => g.id === id);
}

/**
 * Creates the group (found again by name after a lost answer). A group of that name made by someone else is
 * not taken over silently: its VMs would count against ours.
 */
async function ensureGroup(ctx: HookContext, name: string) {
    const client = ctx.client();
    const find = async () => (await listAffinityGroups(client, { name })).find((g) => g.name === name);
    const existing = await find();
    if (existing) {
        if (existing.type !== ANTI_AFFINITY || (existing.virtualmachineIds ?? []).length > 0) {
            throw new Error(
                `antiAffinity: an affinity group named '${name}' already exists in Mold (type ${existing.type}, ${(existing.virtualmachineIds ?? []).length} VMs) and is not this node group's; delete or rename it`,
            );
        }
        // An empty one of our name and type: left by a create whose result was lost before it was recorded.
        ctx.log(`antiAffinity: taking over the empty affinity group '${name}' (${existing.id})`);
        return existing;
    }
    const made = await createOnce(() => createAffinityGroup(client, { name, type: ANTI_AFFINITY, description: "pulumi-mold node group anti-affinity" }), find);
    ctx.log(`antiAffinity: affinity group '${name}' (${made.id}) created`);
    return made;
}

/** Deletes the group's own anti-affinity group (delete and switch-off); one already gone counts as deleted. */
export async function dropOwnGroup(ctx: HookContext, id: string | undefined): Promise<void> {
    if (!id) return;
    const client = ctx.client();
    if (!(await groupExists(client, id))) return;
    await deleteConfirmed(
        () => deleteAffinityGroup(client, { id }),
        () => groupExists(client, id),
    );
    ctx.log(`antiAffinity: affinity group ${id} deleted`);
}
