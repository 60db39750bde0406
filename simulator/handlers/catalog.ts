// Read-only catalog lookups (mold-api-network.md §4.7, §12.1-12.3): listZones, listServiceOfferings,
// listTemplates and listNetworkOfferings. Mirrors provider/client/catalog.ts.
import { ApiError, invalidParam, unknownUuid } from "../errors";
import { matchesKeyword, matchesTagFilter, render, T, tagFilter, tagsOf } from "../model";
import { table } from "../state";
import type { BaseContext, CommandContext, CommandSpec, JobCompleter } from "../types";
import { renderOfferingServices } from "./network-offering-services";

/** Rows of a table, optionally narrowed to one UUID (resolved like Mold: unknown UUID ⇒ 431). */
function rowsById(ctx: CommandContext, tableName: string): any[] {
    const rows = table(ctx.state, tableName);
    const one = ctx.params.entity("id", rows);
    if (one) return [one];
    const ids = ctx.params.list("ids");
    if (ids) {
        // Mold resolves every UUID of a LIST<UUID> parameter and rejects unknown ones.
        for (const id of ids) if (!rows[id]) throw unknownUuid(ctx.cmdLower, "ids", id);
        return ids.map((id) => rows[id]).filter((r) => r !== undefined);
    }
    return Object.values(rows);
}

/** An optional boolean filter: absent matches everything. */
const boolMatches = (filter: boolean | undefined, value: unknown) => filter === undefined || !!value === filter;

const listZones: CommandSpec = {
    name: "listZones",
    handle(ctx) {
        const p = ctx.params;
        const name = p.str("name");
        const networkType = p.str("networktype");
        const keyword = p.str("keyword");
        const tags = tagFilter(ctx);
        const items = rowsById(ctx, T.zones)
            .filter((z) => (!name || z.name === name) && (!networkType || z.networktype.toLowerCase() === networkType.toLowerCase()))
            .filter((z) => matchesKeyword(keyword, z.name, z.description))
            .filter((z) => matchesTagFilter(ctx, tags, "Zone", z.id))
            .map((z) => render(z));
        return { list: "zone", items };
    },
};

/** The offering's CPU/memory/speed as the upgrade rules compare them (custom offerings report none). */
export function offeringSize(o: any): { cpu: number; memory: number; speed: number } {
    return { cpu: o.cpunumber ?? 0, memory: o.memory ?? 0, speed: o.cpuspeed ?? 0 };
}

const listServiceOfferings: CommandSpec = {
    name: "listServiceOfferings",
    handle(ctx) {
        const p = ctx.params;
        const name = p.str("name");
        const keyword = p.str("keyword");
        const isSystem = p.bool("issystem") ?? false;
        const cpu = p.int("cpunumber");
        const memory = p.int("memory");
        const speed = p.int("cpuspeed");
        const state = p.str("state") ?? "Active";
        const vm = p.entity("virtualmachineid", table(ctx.state, T.vms));
        p.entity("zoneid", table(ctx.state, T.zones));
        const items = rowsById(ctx, T.serviceOfferings)
            .filter((o) => (!name || o.name === name) && matchesKeyword(keyword, o.name, o.displaytext))
            .filter((o) => !!o.issystem === isSystem)
            .filter((o) => state.toLowerCase() === "all" || (o.state ?? "Active").toLowerCase() === state.toLowerCase())
            // Fixed offerings must match the asked size exactly; custom offerings accept any size.
            .filter((o) => o.iscustomized || ((cpu === undefined || o.cpunumber === cpu) && (memory === undefined || o.memory === memory)))
            .filter((o) => o.iscustomized || speed === undefined || o.cpuspeed === speed)
            // With a VM: the offerings it can change to, i.e. not its current fixed offering.
            .filter((o) => !vm || o.iscustomized || o.id !== vm.serviceofferingid)
            .map((o) => render(o));
        return { list: "serviceoffering", items };
    },
};

/** TemplateFilter enum constants, matched case-sensitively by Enum.valueOf. */
const TEMPLATE_FILTERS = ["featured", "self", "selfexecutable", "sharedexecutable", "executable", "community", "all", "shared"] as const;
type TemplateFilter = (typeof TEMPLATE_FILTERS)[number];

/** Whether a template is visible under a filter for the caller (mold-api-network.md §12.3). */
function templateVisible(ctx: BaseContext, filter: TemplateFilter, t: any): boolean {
    const own = t.account === ctx.caller.name && t.domainid === ctx.caller.domainid;
    switch (filter) {
        case "featured":
            return !!t.ispublic && !!t.isfeatured;
        case "self":
            return own;
        case "selfexecutable":
            return own && !!t.isready;
        case "sharedexecutable":
        case "shared":
            // Sharing with other accounts (updateTemplatePermissions) is not simulated: nothing is shared.
            return false;
        case "executable":
            return (own || !!t.ispublic) && !!t.isready;
        case "community":
            return !!t.ispublic && !t.isfeatured;
        case "all":
            return ctx.caller.roletype === "Admin" ? true : own || !!t.ispublic;
    }
}

const listTemplates: CommandSpec = {
    name: "listTemplates",
    handle(ctx) {
        const p = ctx.params;
        const filterValue = p.required("templatefilter");
        if (!(TEMPLATE_FILTERS as readonly string[]).includes(filterValue)) {
            throw new ApiError(431, `No enum constant com.cloud.template.VirtualMachineTemplate.TemplateFilter.${filterValue}`, 4350);
        }
        const filter = filterValue as TemplateFilter;
        const name = p.str("name");
        const keyword = p.str("keyword");
        const zone = p.entity("zoneid", table(ctx.state, T.zones));
        const hypervisor = p.str("hypervisor");
        const forCks = p.bool("forcks");
        const isReady = p.bool("isready");
        const arch = p.str("arch");
        const templateType = p.str("templatetype");
        const tags = tagFilter(ctx);
        const items = rowsById(ctx, T.templates)
            .filter((t) => !t._removed && templateVisible(ctx, filter, t))
            .filter((t) => (!name || t.name === name) && matchesKeyword(keyword, t.name, t.displaytext))
            .filter((t) => (!zone || t.zoneid === zone.id) && (!hypervisor || t.hypervisor.toLowerCase() === hypervisor.toLowerCase()))
            .filter((t) => boolMatches(forCks, t.forcks) && boolMatches(isReady, t.isready))
            .filter((t) => (!arch || (t.arch ?? "x86_64") === arch) && (!templateType || t.templatetype === templateType.toUpperCase()))
            .filter((t) => matchesTagFilter(ctx, tags, "Template", t.id))
            .map((t) => ({ ...render(t), tags: tagsOf(ctx, "Template", t.id) }));
        return { list: "template", items };
    },
};

const listNetworkOfferings: CommandSpec = {
    name: "listNetworkOfferings",
    handle(ctx) {
        const p = ctx.params;
        const name = p.str("name");
        const keyword = p.str("keyword");
        const guestIpType = p.str("guestiptype");
        if (guestIpType && !["shared", "isolated", "l2"].includes(guestIpType.toLowerCase())) {
            throw invalidParam(`Invalid guestIpType: ${guestIpType}`);
        }
        const trafficType = p.str("traffictype");
        const state = p.str("state");
        const availability = p.str("availability");
        const isDefault = p.bool("isdefault");
        const forVpc = p.bool("forvpc");
        const specifyVlan = p.bool("specifyvlan");
        const sourceNat = p.bool("sourcenatsupported");
        const services = p.list("supportedservices") ?? [];
        p.entity("zoneid", table(ctx.state, T.zones));
        const serviceNames = (o: any): string[] => (o.service ?? []).map((s: any) => String(s.name).toLowerCase());
        const items = rowsById(ctx, T.networkOfferings)
            .filter((o) => (!name || o.name === name) && matchesKeyword(keyword, o.name, o.displaytext))
            .filter((o) => !guestIpType || o.guestiptype.toLowerCase() === guestIpType.toLowerCase())
            .filter(
                (o) => (!trafficType || o.traffictype.toLowerCase() === trafficType.toLowerCase()) && (!state || o.state.toLowerCase() === state.toLowerCase()),
            )
            .filter((o) => !availability || o.availability.toLowerCase() === availability.toLowerCase())
            .filter((o) => boolMatches(isDefault, o.isdefault) && boolMatches(forVpc, o.forvpc) && boolMatches(specifyVlan, o.specifyvlan))
            .filter((o) => sourceNat === undefined || serviceNames(o).includes("sourcenat") === sourceNat)
            .filter((o) => services.every((s) => serviceNames(o).includes(s.toLowerCase())))
            .map((o) => ({ ...render(o), service: renderOfferingServices(o) }));
        return { list: "networkoffering", items };
    },
};

export const commands: CommandSpec[] = [listZones, listServiceOfferings, listTemplates, listNetworkOfferings];
export const jobs: Record<string, JobCompleter> = {};
