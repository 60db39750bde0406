// Affinity groups (mold-api-network.md §12.4): createAffinityGroup (async-create), listAffinityGroups,
// deleteAffinityGroup (async). Mirrors provider/client/affinity.ts.
import { invalidParam, permissionDenied, unknownUuid } from "../errors";
import { matchesKeyword, ownerFields, render, T } from "../model";
import { table } from "../state";
import type { BaseContext, CommandSpec, JobCompleter } from "../types";

/** Processor types registered by Mold's affinity plugins; ExplicitDedication is admin-controlled. */
const GROUP_TYPES = ["host anti-affinity", "host affinity", "non-strict host anti-affinity", "non-strict host affinity", "ExplicitDedication"];
const ADMIN_TYPES = ["ExplicitDedication"];

function groupsOfCaller(ctx: BaseContext): any[] {
    return Object.values(table(ctx.state, T.affinityGroups)).filter((g: any) => g.account === ctx.caller.name && g.domainid === ctx.caller.domainid);
}

/** AffinityGroupResponse: `virtualmachineIds` (camel case) is omitted while the group has no VM. */
export function renderAffinityGroup(group: any): Record<string, any> {
    const out = render(group);
    const vmIds: string[] = group._vmIds ?? [];
    if (vmIds.length > 0) out.virtualmachineIds = [...vmIds];
    return out;
}

/** The groups a VM belongs to, as embedded in UserVmResponse `affinitygroup[]`. */
export function affinityGroupsOfVm(ctx: BaseContext, vmId: string): Record<string, any>[] {
    return Object.values(table(ctx.state, T.affinityGroups))
        .filter((g: any) => (g._vmIds ?? []).includes(vmId))
        .map((g: any) => {
            const { id, name, description, type, account, domainid, domain, project, projectid } = g;
            return render({ id, name, description, type, account, domainid, domain, project, projectid });
        });
}

/**
 * Resolves deployVirtualMachine's `affinitygroupids` / `affinitygroupnames` to group records, with
 * Mold's errors (BaseDeployVMCmd.getAffinityGroupIdList and UserVmManagerImpl).
 */
export function resolveAffinityGroups(ctx: BaseContext & { cmdLower: string }, ids: string[] | undefined, names: string[] | undefined): any[] {
    if (ids && names) throw invalidParam("affinitygroupids parameter is mutually exclusive with affinitygroupnames parameter");
    const all = table(ctx.state, T.affinityGroups);
    if (names) {
        return names.map((n) => {
            const g = groupsOfCaller(ctx).find((x) => x.name === n);
            if (!g) throw invalidParam(`Unable to find affinity group by name ${n}`);
            return g;
        });
    }
    return (ids ?? []).map((id) => {
        const g = all[id];
        if (!g) throw unknownUuid(ctx.cmdLower, "affinitygroupids", id);
        if (g.account !== ctx.caller.name || g.domainid !== ctx.caller.domainid) {
            throw permissionDenied(`Account ${ctx.caller.name} does not have permission to use affinity group ${g.name}`);
        }
        return g;
    });
}

export function addVmToAffinityGroups(ctx: BaseContext, vmId: string, groupIds: string[]): void {
    const all = table(ctx.state, T.affinityGroups);
    for (const id of groupIds) {
        const g = all[id];
        if (g && !(g._vmIds ??= []).includes(vmId)) g._vmIds.push(vmId);
    }
}

/** Drops a VM from every group (on expunge). */
export function removeVmFromAffinityGroups(ctx: BaseContext, vmId: string): void {
    for (const g of Object.values(table(ctx.state, T.affinityGroups)) as any[]) {
        if (g._vmIds) g._vmIds = g._vmIds.filter((id: string) => id !== vmId);
    }
}

const createAffinityGroup: CommandSpec = {
    name: "createAffinityGroup",
    isAsync: true,
    handle(ctx) {
        const name = ctx.params.required("name");
        const type = ctx.params.required("type");
        const description = ctx.params.str("description");
        if (ctx.params.str("domainid") && !ctx.params.str("account") && !ctx.params.str("projectid")) {
            throw invalidParam("Unable to create affinity group, please specify account name along with domain id");
        }
        // create() runs synchronously: type and name problems are HTTP errors, not failed jobs.
        if (!GROUP_TYPES.includes(type)) {
            throw invalidParam(`Unable to create affinity group, invalid affinity group type: ${type}. Valid values are ${GROUP_TYPES.join(",")}`);
        }
        if (ADMIN_TYPES.includes(type) && ctx.caller.roletype !== "Admin") throw permissionDenied("Cannot create the affinity group");
        if (groupsOfCaller(ctx).some((g) => g.name === name)) {
            throw invalidParam(`Unable to create affinity group, a group with name ${name} already exists.`);
        }
        const id = ctx.uuid();
        const { account, domainid, domain, domainpath } = ownerFields(ctx);
        table(ctx.state, T.affinityGroups)[id] = { id, name, description, account, domainid, domain, domainpath, type, _vmIds: [] };
        const jobid = ctx.queueJob({
            cmd: "org.apache.cloudstack.api.command.user.affinitygroup.CreateAffinityGroupCmd",
            completer: "createAffinityGroup",
            instanceType: "AffinityGroup",
            instanceId: id,
            payload: { id },
        });
        return { id, jobid };
    },
};

const listAffinityGroups: CommandSpec = {
    name: "listAffinityGroups",
    handle(ctx) {
        const p = ctx.params;
        const one = p.entity("id", table(ctx.state, T.affinityGroups));
        const vm = p.entity("virtualmachineid", table(ctx.state, T.vms));
        const name = p.str("name");
        const type = p.str("type");
        const keyword = p.str("keyword");
        const items = groupsOfCaller(ctx)
            .filter((g) => (!one || g.id === one.id) && (!name || g.name === name) && (!type || g.type === type))
            .filter((g) => !vm || (g._vmIds ?? []).includes(vm.id))
            .filter((g) => matchesKeyword(keyword, g.name))
            .map(renderAffinityGroup);
        return { list: "affinitygroup", items };
    },
};

const deleteAffinityGroup: CommandSpec = {
    name: "deleteAffinityGroup",
    isAsync: true,
    handle(ctx) {
        // DeleteAffinityGroupCmd.getId runs in getEntityOwnerId, i.e. before the job exists.
        const byId = ctx.params.entity("id", table(ctx.state, T.affinityGroups));
        const name = ctx.params.str("name");
        if (byId && name) throw invalidParam("name and id parameters are mutually exclusive");
        let group = byId;
        if (name) {
            group = groupsOfCaller(ctx).find((g) => g.name === name);
            if (!group) throw invalidParam(`Unable to find affinity group by name ${name} for the account id=${ctx.caller.id}`);
        }
        if (!group) throw invalidParam("Either id or name parameter is requred by deleteAffinityGroup command");
        const jobid = ctx.queueJob({
            cmd: "org.apache.cloudstack.api.command.user.affinitygroup.DeleteAffinityGroupCmd",
            completer: "deleteAffinityGroup",
            instanceType: "AffinityGroup",
            instanceId: group.id,
            payload: { id: group.id },
        });
        return { jobid };
    },
};

export const commands: CommandSpec[] = [createAffinityGroup, listAffinityGroups, deleteAffinityGroup];

export const jobs: Record<string, JobCompleter> = {
    createAffinityGroup(ctx, job) {
        const group = table(ctx.state, T.affinityGroups)[job.payload.id];
        if (!group) throw invalidParam(`Unable to find affinity group: ${job.payload.id}; failed to create group.`);
        ctx.event({ type: "AG.CREATE", description: `Creating Affinity Group ${group.name}`, resourceId: group.id, resourceType: "AffinityGroup" });
        return { object: "affinitygroup", value: renderAffinityGroup(group) };
    },
    deleteAffinityGroup(ctx, job) {
        const groups = table(ctx.state, T.affinityGroups);
        const group = groups[job.payload.id];
        if (!group) throw invalidParam(`Unable to find affinity group: ${job.payload.id}; failed to delete group.`);
        // Mold removes the VM mappings together with the group; member VMs are not touched.
        delete groups[group.id];
        ctx.event({ type: "AG.DELETE", description: `Deleting affinity group ${group.name}`, resourceId: group.id, resourceType: "AffinityGroup" });
        return { success: true };
    },
};
