// The steps a VirtualMachine update is made of, each safe to repeat after a lost answer: power changes
// that look at the VM's state first, offering changes (live scaling where Mold can do it, else a stopped
// change), and the checks that an object taken over (importId) or repaired matches the program.
import { findTemplate, findZone, listServiceOfferings, pickOne, ServiceOffering } from "../client/catalog";
import type { MoldClient } from "../client/client";
import { listAffinityGroups } from "../client/affinity";
import { isParamError, isRefusal, MoldOutcomeUnknownError } from "../client/errors";
import {
    changeServiceForVirtualMachine,
    encodeUserData,
    getVirtualMachine,
    listVirtualMachines,
    scaleVirtualMachine,
    startVirtualMachine,
    stopVirtualMachine,
    VirtualMachine,
} from "../client/vm";
import type { VirtualMachineInputs } from "../generated/types";
import type { HookContext } from "../runtime/hooks";
import { findNetwork } from "../runtime/common";
import { waitFor } from "../runtime/reconcile";

// Each re-send follows a read of what Mold holds, as in reconcile.ts; as many as the client has retries.
const ATTEMPTS = 6;

/** States a VM passes through on its own; an update waits them out before deciding anything. */
const TRANSIENT = ["Starting", "Stopping", "Migrating", "Restoring"];

/** The VM once it is out of a transitional state (a lost start or stop answer leaves one behind). */
export async function settledVm(client: MoldClient, id: string): Promise<VirtualMachine> {
    const vm = await waitFor(async () => {
        const now = await getVirtualMachine(client, id);
        return { done: !now || !TRANSIENT.includes(now.state), value: now };
    });
    if (!vm) throw new Error(`virtual machine ${id} no longer exists in Mold; run refresh`);
    return vm;
}

/**
 * Brings the VM to Running or Stopped. It acts on the state Mold reports, so after a lost answer it
 * re-reads instead of sending a start that Mold would refuse as "already running".
 */
export async function setPower(client: MoldClient, vm: VirtualMachine, want: "Running" | "Stopped"): Promise<VirtualMachine> {
    for (let attempt = 1; ; attempt++) {
        if (vm.state === want) return vm;
        try {
            return want === "Running" ? await startVirtualMachine(client, vm.id) : await stopVirtualMachine(client, vm.id);
        } catch (e) {
            if (!(e instanceof MoldOutcomeUnknownError) || attempt >= ATTEMPTS) throw e;
            vm = await settledVm(client, vm.id);
        }
    }
}

/**
 * changeServiceForVirtualMachine on a Stopped VM. A re-send after a lost answer finds the offering already set,
 * which Mold refuses as a parameter error (431); whether that is what happened is judged by reading the VM.
 */
export async function changeOfferingStopped(client: MoldClient, id: string, offeringId: string): Promise<VirtualMachine> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await changeServiceForVirtualMachine(client, id, offeringId);
        } catch (e) {
            const lost = e instanceof MoldOutcomeUnknownError;
            if (isParamError(e) || (lost && attempt >= ATTEMPTS)) {
                const vm = await settledVm(client, id);
                if (vm.serviceofferingid === offeringId) return vm;
            }
            if (!lost || attempt >= ATTEMPTS) throw e;
        }
    }
}

/**
 * Whether Mold could scale this Running VM live (mold-api-network.md §10.5), judged from what the
 * answers show: only upwards, dynamic scaling on the VM and equal on both offerings, and on KVM only
 * from a custom offering. The zone setting `enable.dynamic.scale.vm` cannot be read by users, so a
 * "yes" here can still be refused; the caller then falls back to a stopped change.
 */
export function mayScaleLive(vm: VirtualMachine, current: ServiceOffering | undefined, next: ServiceOffering): boolean {
    if (!current || !vm.isdynamicallyscalable) return false;
    if (!!current.dynamicscalingenabled !== !!next.dynamicscalingenabled) return false;
    if (vm.hypervisor === "KVM" && !current.iscustomized) return false;
    if (next.iscustomized) return false; // would need cpu/memory details, which this resource does not take
    const cur = [vm.cpunumber, vm.cpuspeed, vm.memory];
    const nxt = [next.cpunumber ?? 0, next.cpuspeed ?? 0, next.memory ?? 0];
    return nxt.every((v, i) => v >= cur[i]) && nxt.some((v, i) => v > cur[i]);
}

/**
 * Moves the VM to `offering` and leaves it in `want`: live when Mold allows it (no reboot), otherwise
 * stop → changeServiceForVirtualMachine → start. `extraWhileStopped` runs inside the same stop window
 * (a key pair reset), so one change never costs two reboots.
 */
export async function changeOffering(
    ctx: HookContext,
    vm: VirtualMachine,
    offering: ServiceOffering | undefined,
    want: "Running" | "Stopped",
    extraWhileStopped?: (vm: VirtualMachine) => Promise<VirtualMachine>,
): Promise<VirtualMachine> {
    const client = ctx.client();
    if (offering && vm.state === "Running" && want === "Running" && !extraWhileStopped) {
        const current = (await listServiceOfferings(client, { id: vm.serviceofferingid }))[0];
        if (mayScaleLive(vm, current, offering)) {
            try {
                return await scaleVirtualMachine(client, vm.id, offering.id);
            } catch (e) {
                // Refused (zone setting off, tools missing): fall back to the stopped change below.
                if (!isRefusal(e)) throw e;
                ctx.log(`live scaling refused (${e.message}); stopping the VM to change its offering`);
                vm = await settledVm(client, vm.id);
            }
        }
    }
    if (offering || extraWhileStopped) {
        vm = await setPower(client, vm, "Stopped");
        if (offering) vm = await changeOfferingStopped(client, vm.id, offering.id);
        if (extraWhileStopped) vm = await extraWhileStopped(vm);
    }
    return setPower(client, vm, want);
}

/** Affinity group names or ids → ids (deploy takes ids or names, never both). */
export async function affinityGroupIds(client: MoldClient, wanted: string[] | undefined): Promise<string[] | undefined> {
    if (!wanted?.length) return undefined;
    const groups = await listAffinityGroups(client);
    return wanted.map((w) => pickOne("affinity group", w, groups).id);
}

/** NICs' networks, the default NIC's first (that is the order `networks` declares). */
export function networkIdsOf(vm: VirtualMachine): string[] {
    const nics = [...(vm.nic ?? [])].sort((a, b) => Number(b.isdefault) - Number(a.isdefault) || Number(a.deviceid ?? 0) - Number(b.deviceid ?? 0));
    return nics.map((n) => n.networkid);
}

/**
 * For an object taken over (importId) or a create being repaired: the inputs that replace the VM must
 * already be what Mold has, or the program would silently describe another VM. Values are resolved to
 * ids first, since the program may name them. User data is compared but never printed.
 */
export async function immutableConflicts(client: MoldClient, vm: VirtualMachine, news: VirtualMachineInputs): Promise<string[]> {
    const out: string[] = [];
    const differ = (k: string, inMold: unknown, inProgram: unknown) =>
        out.push(`${k} is ${JSON.stringify(inMold)} in Mold but resolves to ${JSON.stringify(inProgram)} in the program`);
    const zone = await findZone(client, news.zone);
    if (zone.id !== vm.zoneid) differ("zone", vm.zoneid, zone.id);
    const template = await findTemplate(client, news.template, zone.id);
    if (template.id !== vm.templateid) differ("template", vm.templateid, template.id);
    const networks = await Promise.all((news.networks as string[]).map(async (n) => (await findNetwork(client, n)).id));
    if (JSON.stringify(networks) !== JSON.stringify(networkIdsOf(vm))) differ("networks", networkIdsOf(vm), networks);
    if (news.rootDiskSize !== undefined && String(news.rootDiskSize) !== vm.details?.rootdisksize)
        differ("rootDiskSize", vm.details?.rootdisksize, news.rootDiskSize);
    const groups = (await affinityGroupIds(client, news.affinityGroups)) ?? [];
    const inMold = (vm.affinitygroup ?? []).map((g) => g.id);
    if (JSON.stringify([...groups].sort()) !== JSON.stringify([...inMold].sort())) differ("affinityGroups", inMold, groups);
    if (news.userData !== undefined) {
        const withData = (await listVirtualMachines(client, { id: vm.id, userdata: true }))[0];
        if (withData?.userdata !== encodeUserData(news.userData)) out.push("userData differs from what Mold holds for the VM");
    }
    return out;
}
