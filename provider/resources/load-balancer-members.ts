// A load-balancer rule's members, part of mold:index:LoadBalancerRule. A member is a VM (name or id)
// with a NIC in the rule's network, sent traffic on that NIC's primary address, or `{ vm, ip }` for a
// specific address of that NIC (a secondary IP). Everything is handled as (VM id, address) pairs and
// sent as vmidipmap, so only the difference between Mold's pairs and the declared ones is assigned or
// removed. Assigning is not idempotent (Mold refuses a pair already mapped), so after a lost answer (or a
// refusal caused by one) the members are read again and the difference recomputed rather than re-sent.
import { MoldLookupError, pickOne } from "../client/catalog";
import type { MoldClient } from "../client/client";
import { isParamError, MoldOutcomeUnknownError } from "../client/errors";
import { assignToLoadBalancerRule, listLoadBalancerRuleVmIps, removeFromLoadBalancerRule } from "../client/loadbalancer";
import { listVirtualMachines, VirtualMachine } from "../client/vm";
import type { Validator } from "../runtime/validate";

export type MemberInput = string | { vm: string; ip?: string };

export interface Pair {
    vmid: string;
    vmip: string;
}

const key = (p: Pair) => `${p.vmid}/${p.vmip}`;

function spec(m: MemberInput): { vm: string; ip?: string } {
    return typeof m === "string" ? { vm: m } : m;
}

/** Validates `members`: omitted or a non-empty list of VM names/ids or { vm, ip }, without repeats. */
export function checkMembers(v: Validator, value: unknown): void {
    if (!v.known(value) || value === undefined) return;
    if (!Array.isArray(value)) return v.fail("members", "must be a list of VM names or ids (or { vm, ip } objects)");
    if (value.length === 0) {
        return v.fail("members", "must not be empty: omit it for a rule without members, or list at least one VM");
    }
    const seen = new Set<string>();
    value.forEach((m, i) => {
        const p = `members[${i}]`;
        if (!v.known(m)) return;
        if (typeof m === "string") {
            if (m.trim() === "") return v.fail(p, "must not be empty");
        } else if (typeof m === "object" && m !== null && !Array.isArray(m)) {
            v.string(`${p}.vm`, m.vm, { required: true });
            v.ipv4(`${p}.ip`, m.ip);
            for (const k of Object.keys(m)) if (k !== "vm" && k !== "ip") v.fail(`${p}.${k}`, "is not a member field (vm, ip)");
        } else {
            return v.fail(p, `must be a VM name or id, or { vm, ip }, got ${JSON.stringify(m)}`);
        }
        const id = JSON.stringify(spec(m));
        if (seen.has(id)) v.fail(p, `repeats ${JSON.stringify(m)}`);
        seen.add(id);
    });
}

function nicAddress(vm: VirtualMachine, networkId: string): string | undefined {
    return vm.nic?.find((n) => n.networkid === networkId)?.ipaddress;
}

/**
 * Resolves declared members to (VM id, address) pairs with one listVirtualMachines of the rule's
 * network; `ids` is one VM id per member, in the declared order.
 */
export async function resolveMembers(client: MoldClient, networkId: string, members: MemberInput[] | undefined): Promise<{ pairs: Pair[]; ids: string[] }> {
    if (!members?.length) return { pairs: [], ids: [] };
    const vms = (await listVirtualMachines(client, { networkid: networkId })).filter((vm) => vm.state !== "Destroyed" && vm.state !== "Expunging");
    const pairs: Pair[] = [];
    const ids: string[] = [];
    members.forEach((m, i) => {
        const s = spec(m);
        let vm: VirtualMachine;
        try {
            vm = pickOne("virtual machine", s.vm, vms);
        } catch (e) {
            if (e instanceof MoldLookupError) throw new Error(`members[${i}]: ${e.message} (VMs with a NIC in the rule's network ${networkId})`, { cause: e });
            throw e;
        }
        const vmip = s.ip ?? nicAddress(vm, networkId);
        if (!vmip) throw new Error(`members[${i}]: VM '${vm.name}' has no address in the rule's network ${networkId}`);
        ids.push(vm.id);
        if (!pairs.some((p) => key(p) === key({ vmid: vm.id, vmip }))) pairs.push({ vmid: vm.id, vmip });
    });
    return { pairs, ids };
}

/** The (VM id, address) pairs Mold sends traffic to, with each member VM. */
export async function currentMembers(client: MoldClient, ruleId: string): Promise<{ pairs: Pair[]; vms: Record<string, VirtualMachine> }> {
    const rows = await listLoadBalancerRuleVmIps(client, ruleId);
    const pairs: Pair[] = [];
    const vms: Record<string, VirtualMachine> = {};
    for (const r of rows) {
        const vm = r.loadbalancerruleinstance;
        vms[vm.id] = vm;
        for (const vmip of r.lbvmipaddresses ?? []) pairs.push({ vmid: vm.id, vmip });
    }
    return { pairs, vms };
}

/** Assigns the missing pairs, then removes the extra ones (adding first keeps traffic flowing). */
export async function convergeMembers(client: MoldClient, ruleId: string, wanted: Pair[]): Promise<{ assigned: Pair[]; removed: Pair[] }> {
    const done = { assigned: [] as Pair[], removed: [] as Pair[] };
    let refused = "";
    let refusedError: unknown;
    for (let attempt = 1; ; attempt++) {
        const { pairs: present } = await currentMembers(client, ruleId);
        const has = new Set(present.map(key));
        const wants = new Set(wanted.map(key));
        const add = wanted.filter((p) => !has.has(key(p)));
        const remove = present.filter((p) => !wants.has(key(p)));
        const plan = JSON.stringify([add.map(key), remove.map(key)]);
        if (refused && plan === refused) throw refusedError!;
        try {
            if (add.length) {
                await assignToLoadBalancerRule(client, ruleId, { vmidipmap: add });
                done.assigned.push(...add);
            }
            if (remove.length) {
                await removeFromLoadBalancerRule(client, ruleId, { vmidipmap: remove });
                done.removed.push(...remove);
            }
            return done;
        } catch (e) {
            // A lost answer, or a 431 refusal ("already mapped", "Failed to remove instance…") because an earlier
            // request whose answer was lost already did the work: read the members again and send only what is
            // still missing. A refusal that leaves the same work to do is a real one (judged by what Mold
            // holds, not by the refusal's text).
            if (!(e instanceof MoldOutcomeUnknownError || isParamError(e)) || attempt >= 4) throw e;
            if (isParamError(e)) {
                refused = plan;
                refusedError = e;
            }
        }
    }
}

/**
 * The members input as Mold has it: declared entries whose pair is still there keep their spelling,
 * pairs nobody declared are added (`{ vm, ip }` when the address is not the NIC's primary one).
 */
export function membersAsInput(
    declared: MemberInput[] | undefined,
    declaredIds: string[] | undefined,
    present: Pair[],
    vms: Record<string, VirtualMachine>,
    networkId: string,
): { members: MemberInput[] | undefined; memberIds: string[] } {
    const left = [...present];
    const members: MemberInput[] = [];
    const memberIds: string[] = [];
    (declared ?? []).forEach((m, i) => {
        const vmid = declaredIds?.[i];
        if (!vmid) return;
        const s = spec(m);
        // A plain member means the NIC's primary address; its VM's mapping stands for it.
        const wantIp = s.ip ?? (vms[vmid] ? nicAddress(vms[vmid], networkId) : undefined);
        const at = left.findIndex((p) => p.vmid === vmid && (wantIp === undefined || p.vmip === wantIp));
        if (at < 0) return;
        left.splice(at, 1);
        members.push(m);
        memberIds.push(vmid);
    });
    for (const p of left) {
        const primary = vms[p.vmid] ? nicAddress(vms[p.vmid], networkId) : undefined;
        members.push(p.vmip === primary ? p.vmid : { vm: p.vmid, ip: p.vmip });
        memberIds.push(p.vmid);
    }
    if (declared === undefined && members.length === 0) return { members: undefined, memberIds };
    return { members, memberIds };
}
