// Hypervisor hosts: a few per zone, made the first time a zone's hosts are needed (so states saved before hosts
// existed get them too), and the placement of a starting VM on one of them under its affinity groups' rules
// (Mold's HostAntiAffinityProcessor / HostAffinityProcessor: strict types refuse, non-strict ones only rank).
import { ApiError } from "../errors";
import { T } from "../model";
import { table } from "../state";
import type { BaseContext } from "../types";

/** Hosts each zone gets: enough for 3 control-plane nodes on distinct hosts plus one for a roll's replacement. */
export const HOSTS_PER_ZONE = 4;

/** The zone's hosts, made on first use (ids are random, names `sim-kvm-<zone>-<n>`). */
export function hostsOfZone(ctx: BaseContext, zoneId: string): any[] {
    const hosts = table(ctx.state, T.hosts);
    const own = () => (Object.values(hosts) as any[]).filter((h) => h.zoneid === zoneId).sort((a, b) => a._n - b._n);
    if (own().length) return own();
    const zone = table(ctx.state, T.zones)[zoneId];
    if (!zone) return [];
    for (let n = 1; n <= HOSTS_PER_ZONE; n++) {
        const id = ctx.uuid();
        hosts[id] = {
            id,
            name: `sim-kvm-${zone.name}-${n}`,
            state: "Up",
            resourcestate: "Enabled",
            type: "Routing",
            hypervisor: "KVM",
            ipaddress: `192.168.100.${10 + n}`,
            zoneid: zone.id,
            zonename: zone.name,
            podname: "pod1",
            clustername: "cluster1",
            cpunumber: 32,
            memorytotal: 137438953472,
            created: ctx.timestamp(),
            _n: n,
        };
    }
    return own();
}

/** Whether the simulator says the zone's VMs cannot reach the internet (POST /sim/zone-internet). */
export function zoneOffline(ctx: { state: BaseContext["state"] }, zoneId: string): boolean {
    return table(ctx.state, T.zones)[zoneId]?._noInternet === true;
}

/** Sets a zone's internet access by name or id; returns the zone's name. */
export function setZoneInternet(state: BaseContext["state"], zone: string, internet: boolean): string {
    const row = (Object.values(table(state, T.zones)) as any[]).find((z) => z.id === zone || z.name === zone);
    if (!row) throw new Error(`no zone '${zone}'`);
    if (internet) delete row._noInternet;
    else row._noInternet = true;
    return row.name;
}

/** UserVmResponse carries the host in the admin view only. */
export function hostForAdmins(ctx: BaseContext, out: Record<string, unknown>): void {
    if (ctx.caller.roletype === "Admin") return;
    delete out.hostid;
    delete out.hostname;
}

/** POST /sim/zone-internet: `{zone, internet}`, in a transaction of the simulator's state. */
export function zoneInternet(sim: { transaction<R>(fn: () => R): R; state: BaseContext["state"] }, body: { zone?: unknown; internet?: unknown }) {
    if (typeof body.zone !== "string" || typeof body.internet !== "boolean") throw new Error('body must be {"zone":"<name or id>","internet":true|false}');
    const zone = sim.transaction(() => setZoneInternet(sim.state, body.zone as string, body.internet as boolean));
    return { zone, internet: body.internet };
}

const STRICT_ANTI = "host anti-affinity";
const STRICT_WITH = "host affinity";
const SOFT_ANTI = "non-strict host anti-affinity";
const SOFT_WITH = "non-strict host affinity";

/**
 * The host a VM starting now runs on: the first host of its zone that keeps its affinity groups' rules
 * (no other running member of a "host anti-affinity" group on it; the host of the running members of a "host
 * affinity" group). None: Mold's deployment planner fails with InsufficientServerCapacityException (533, 4335).
 */
export function placeVm(ctx: BaseContext, vm: any): { hostid: string; hostname: string } {
    const hosts = hostsOfZone(ctx, vm.zoneid);
    const vms = table(ctx.state, T.vms);
    const running = (id: string) => id !== vm.id && vms[id]?.state === "Running" && vms[id]?.hostid;
    const groups = (Object.values(table(ctx.state, T.affinityGroups)) as any[]).filter((g) => (g._vmIds ?? []).includes(vm.id));
    const avoid = new Set<string>();
    const within = new Set<string>();
    let pinned = false;
    // Non-strict types only rank the hosts: the planner prefers (avoids) them but deploys anyway.
    const softAvoid = new Set<string>();
    const softWith = new Set<string>();
    for (const g of groups) {
        const others = (g._vmIds as string[]).filter(running).map((id) => vms[id].hostid as string);
        if (g.type === STRICT_ANTI) others.forEach((h) => avoid.add(h));
        if (g.type === SOFT_ANTI) others.forEach((h) => softAvoid.add(h));
        if (g.type === SOFT_WITH) others.forEach((h) => softWith.add(h));
        if (g.type === STRICT_WITH && others.length) {
            pinned = true;
            others.forEach((h) => within.add(h));
        }
    }
    const penalty = (hostId: string) => (softAvoid.has(hostId) ? 1 : 0) + (softWith.size && !softWith.has(hostId) ? 1 : 0);
    const candidates = hosts.filter((h) => !avoid.has(h.id) && (!pinned || within.has(h.id)));
    if (!candidates.length) {
        const profile = `VM instance {"id":${vm._dbId ?? 0},"instanceName":"${vm.instancename ?? ""}","type":"User","uuid":"${vm.id}"}`;
        const affinity = groups.length ? ", Please check the affinity groups provided, there may not be sufficient capacity to follow them" : "";
        throw new ApiError(533, `Unable to create a deployment for ${profile}${affinity}`, 4335);
    }
    // First fit (Mold's "firstfit" allocator; capacity is not modelled): without rules VMs share the first host,
    // so only the affinity rules spread them.
    const best = [...candidates].sort((a, b) => penalty(a.id) - penalty(b.id) || a._n - b._n)[0];
    return { hostid: best.id, hostname: best.name };
}
