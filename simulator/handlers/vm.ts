// Virtual machines (mold-api-network.md §10). Mirrors provider/client/vm.ts.
// OWNER: compute helper. The exported internal functions are a CONTRACT used by kubernetes.ts.
import { ApiError, internalError, invalidParam, unknownUuid } from "../errors";
import { matchesKeyword, matchesTagFilter, ownerFields, render, T, tagFilter, tagsOf, dropTags } from "../model";
import { applyOffering, sizeFor, vmLabel } from "../records/vm";
import { listIdFilter, removedRow, removeRow } from "../gone";
import { table } from "../state";
import type { BaseContext, CommandContext, CommandSpec, JobCompleter, JobContext } from "../types";
import { hostForAdmins, placeVm } from "../records/host";
import { addVmToAffinityGroups, affinityGroupsOfVm, removeVmFromAffinityGroups, resolveAffinityGroups } from "./affinity";
import { checkVmCanBeDestroyed } from "./kubernetes-membership";
import { allocateGuestIp, implementNetwork, onVmExpunged } from "./network";
import {
    checkHostNameUnique,
    checkKeyPairs,
    DEPLOY_NAME_ERROR,
    deployNetworks,
    HOST_NAME,
    keyPairNames,
    UPDATE_NAME_ERROR,
    validateUserData,
} from "./vm-deploy";
import { vmStats } from "./vm-stats";

export { validateUserData };

export interface VmSpec {
    name: string;
    displayname?: string;
    zoneid: string;
    templateid: string;
    serviceofferingid: string;
    /** First is the default NIC's network. */
    networkids: string[];
    keypair?: string;
    userdata?: string;
    rootdisksize?: number;
    /** "cksnode" for CKS members (Mold 4.20+ vmtype), otherwise "User". */
    vmtype?: "cksnode" | "User";
    state?: "Running" | "Stopped";
}

/** Job `cmd`: admins run the *CmdByAdmin variants (as the recorded fixtures show). */
function cmdClass(ctx: BaseContext, short: string): string {
    return ctx.caller.roletype === "Admin"
        ? `org.apache.cloudstack.api.command.admin.vm.${short}CmdByAdmin`
        : `org.apache.cloudstack.api.command.user.vm.${short}Cmd`;
}

function vmEvent(ctx: BaseContext, type: string, description: string, vm: any, state: "Created" | "Scheduled" | "Completed" = "Completed"): void {
    ctx.event({ type, description, state, resourceId: vm.id, resourceType: "VirtualMachine" });
}

/** UserVmResponse for a stored VM: tags, affinity groups and (on request) user data are joined in. */
export function renderVm(ctx: BaseContext, vm: any, withUserData = false): Record<string, any> {
    const out: Record<string, any> = { ...render(vm), ...vmStats(vm) };
    out.affinitygroup = affinityGroupsOfVm(ctx, vm.id);
    hostForAdmins(ctx, out);
    out.tags = tagsOf(ctx, "UserVm", vm.id);
    if (withUserData && vm._userdata) out.userdata = vm._userdata;
    return out;
}

const vmResult = (ctx: BaseContext, vm: any) => ({ object: "virtualmachine", value: renderVm(ctx, vm) });

/** A completed change to a VM: `lastupdated` moves, the event is recorded, the answer is the VM. */
function changedVm(ctx: BaseContext, vm: any, type: string, description: string) {
    vm.lastupdated = ctx.timestamp();
    vmEvent(ctx, type, description, vm);
    return vmResult(ctx, vm);
}

// ---------------------------------------------------------------- sizes, NICs and record building

/** `details[i].<k>=<v>` entries merged into one map (BaseCmd.convertDetailsToMap). */
function detailsParam(ctx: CommandContext): Record<string, string> {
    return Object.assign({}, ...ctx.params.map("details"));
}

function randomMac(ctx: BaseContext): string {
    const hex = ctx.uuid().replace(/-/g, "");
    return `02:00:${hex.slice(0, 2)}:${hex.slice(2, 4)}:00:${hex.slice(4, 6)}`;
}

function buildNic(ctx: BaseContext, network: any, vmId: string, index: number, requestedIp?: string): Record<string, any> {
    const ipaddress = requestedIp ?? allocateGuestIp(ctx, network.id);
    return render({
        id: ctx.uuid(),
        networkid: network.id,
        networkname: network.name,
        netmask: network.netmask,
        gateway: network.gateway,
        ipaddress,
        isolationuri: network.broadcasturi,
        broadcasturi: network.broadcasturi,
        traffictype: "Guest",
        type: network.type ?? "Isolated",
        isdefault: index === 0,
        macaddress: randomMac(ctx),
        secondaryip: [],
        extradhcpoption: [],
        deviceid: String(index),
        virtualmachineid: vmId,
    });
}

interface VmBuild {
    name?: string;
    displayname?: string;
    zone: any;
    template: any;
    offering: any;
    details: Record<string, string>;
    networks: any[];
    requestedIps?: (string | undefined)[];
    keypairs: string[];
    userdata?: string;
    rootdisksize?: number;
    vmtype: "User" | "cksnode";
    dynamicscaling: boolean;
    state: string;
}

/** Stores a VM row (wire fields plus `_` internals), allocating its guest addresses. */
function storeVm(ctx: BaseContext, b: VmBuild): any {
    const id = ctx.uuid();
    const dbId = ++ctx.state.seq;
    const name = b.name ?? `VM-${id}`;
    const nics = b.networks.map((n, i) => buildNic(ctx, n, id, i, b.requestedIps?.[i]));
    const owner = ownerFields(ctx);
    const vm: Record<string, any> = {
        id,
        name,
        displayname: b.displayname ?? name,
        account: owner.account,
        userid: ctx.caller.userid,
        username: ctx.caller.username,
        domainid: owner.domainid,
        domain: owner.domain,
        domainpath: owner.domainpath,
        created: ctx.timestamp(),
        lastupdated: ctx.timestamp(),
        state: b.state,
        haenable: false,
        zoneid: b.zone.id,
        zonename: b.zone.name,
        templateid: b.template.id,
        templatename: b.template.name,
        templatedisplaytext: b.template.displaytext,
        templatetype: b.template.templatetype,
        templateformat: b.template.format,
        passwordenabled: !!b.template.passwordenabled,
        serviceofferingid: undefined,
        serviceofferingname: undefined,
        cpunumber: undefined,
        cpuspeed: undefined,
        memory: undefined,
        guestosid: b.template.ostypeid,
        rootdeviceid: 0,
        rootdevicetype: "ROOT",
        securitygroup: [],
        nic: nics,
        hypervisor: b.template.hypervisor ?? "KVM",
        ipaddress: nics[0]?.ipaddress,
        instancename: `i-2-${dbId}-VM`,
        details: b.rootdisksize !== undefined ? { rootdisksize: String(b.rootdisksize) } : {},
        keypairs: b.keypairs.length ? b.keypairs.join(",") : undefined,
        displayvm: true,
        isdynamicallyscalable: b.dynamicscaling && !!b.template.isdynamicallyscalable && !!b.offering.dynamicscalingenabled,
        deleteprotection: false,
        ostypeid: b.template.ostypeid,
        osdisplayname: b.template.ostypename,
        bootmode: "legacy",
        boottype: "BIOS",
        vmtype: b.vmtype,
        arch: b.template.arch ?? "x86_64",
        hasannotations: false,
        _dbId: dbId,
        _userdata: b.userdata,
    };
    applyOffering(vm, b.offering, b.details);
    table(ctx.state, T.vms)[id] = vm;
    if (b.state === "Running") Object.assign(vm, placeVm(ctx, vm));
    return vm;
}

/** Starting a VM implements every network it is on that is not implemented yet (first VM gets source NAT). */
function implementNetworksOf(ctx: BaseContext, vm: any): void {
    const networks = table(ctx.state, T.networks);
    for (const nic of vm.nic ?? []) {
        const net = networks[nic.networkid];
        if (net && net.state !== "Implemented") implementNetwork(ctx, nic.networkid);
        // The VLAN is only known once the network is implemented; a NIC reports it from its first start.
        if (net?.broadcasturi) Object.assign(nic, { isolationuri: net.broadcasturi, broadcasturi: net.broadcasturi });
    }
}

function setState(ctx: BaseContext, vm: any, state: string): void {
    // Placed first: a VM no host can take under its affinity rules is not Running.
    if (state === "Running" && vm.state !== "Running") Object.assign(vm, placeVm(ctx, vm));
    vm.state = state;
    vm.lastupdated = ctx.timestamp();
    if (state !== "Running") {
        delete vm.hostid;
        delete vm.hostname;
    }
}

/** Removes a VM for good: network rules to it, affinity memberships and tags go with it. */
function expunge(ctx: BaseContext, vm: any): void {
    onVmExpunged(ctx, vm.id);
    removeVmFromAffinityGroups(ctx, vm.id);
    dropTags(ctx, "UserVm", vm.id);
    removeRow(ctx, T.vms, vm.id);
}

// ---------------------------------------------------------------- CONTRACT used by kubernetes.ts

/** Stores a VM directly (implements its network, allocates its NIC address); used inside CKS jobs. */
export function createVmRecord(ctx: BaseContext, spec: VmSpec): Record<string, any> {
    const lookup = (tableName: string, id: string, what: string) => {
        const row = table(ctx.state, tableName)[id];
        if (!row) throw internalError(`Unable to find ${what} with id ${id}`);
        return row;
    };
    const state = spec.state ?? "Running";
    const vm = storeVm(ctx, {
        name: spec.name,
        displayname: spec.displayname ?? spec.name,
        zone: lookup(T.zones, spec.zoneid, "zone"),
        template: lookup(T.templates, spec.templateid, "template"),
        offering: lookup(T.serviceOfferings, spec.serviceofferingid, "service offering"),
        details: {},
        networks: spec.networkids.map((id) => lookup(T.networks, id, "network")),
        keypairs: spec.keypair ? [spec.keypair] : [],
        userdata: spec.userdata,
        rootdisksize: spec.rootdisksize,
        vmtype: spec.vmtype ?? "User",
        dynamicscaling: true,
        state,
    });
    if (state === "Running") implementNetworksOf(ctx, vm);
    return vm;
}

export function setVmState(ctx: BaseContext, vmId: string, state: "Running" | "Stopped"): void {
    const vm = table(ctx.state, T.vms)[vmId];
    if (!vm) throw internalError(`Unable to find a virtual machine with id ${vmId}`);
    if (state === "Running") implementNetworksOf(ctx, vm);
    setState(ctx, vm, state);
}

/** Changes a VM's offering (cpu/memory fields follow). */
export function changeVmOffering(ctx: BaseContext, vmId: string, serviceOfferingId: string): void {
    const vm = table(ctx.state, T.vms)[vmId];
    const offering = table(ctx.state, T.serviceOfferings)[serviceOfferingId];
    if (!vm || !offering) throw internalError(`Unable to change the offering of VM ${vmId} to ${serviceOfferingId}`);
    applyOffering(vm, offering, vm.details ?? {});
    vm.lastupdated = ctx.timestamp();
}

/** Destroys and expunges a VM (calls network.onVmExpunged). */
export function expungeVmRecord(ctx: BaseContext, vmId: string): void {
    const vm = table(ctx.state, T.vms)[vmId];
    if (vm) expunge(ctx, vm);
}

// ---------------------------------------------------------------- commands

const deployVirtualMachine: CommandSpec = {
    name: "deployVirtualMachine",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        // Binding: required parameters and UUID resolution come first.
        const offering = p.entity("serviceofferingid", table(ctx.state, T.serviceOfferings), true);
        const zone = p.entity("zoneid", table(ctx.state, T.zones), true);
        const template = p.entity("templateid", table(ctx.state, T.templates));
        const sources = ["templateid", "volumeid", "snapshotid"].filter((n) => p.str(n) !== undefined);
        if (sources.length !== 1) throw internalError("Please provide only one of the following parameters - template ID, volume ID or snapshot ID");
        // Volumes and snapshots are not simulated, so such a UUID can never resolve.
        if (!template) throw unknownUuid(ctx.cmdLower, sources[0], p.str(sources[0])!);
        // The host-name validator runs before the length check, so a long name gets its text.
        const name = p.str("name", Infinity);
        if (name !== undefined && !HOST_NAME.test(name)) throw new ApiError(431, DEPLOY_NAME_ERROR, 9999);
        const userdataRaw = p.str("userdata", 1048576);
        const details = detailsParam(ctx);
        if (details.extraconfig !== undefined) throw invalidParam("'extraconfig' should not be included in details as key");
        const affinityIds = p.list("affinitygroupids");
        const affinityNames = p.list("affinitygroupnames");
        const rootdisksize = p.int("rootdisksize", true);

        // create(): the rest of Mold's synchronous validation.
        const { networks, ips } = deployNetworks(ctx, zone);
        if (template.zoneid !== zone.id && !template.crossZones) throw invalidParam(`The template ${template.id} is not available for use`);
        if (!template.isready) throw invalidParam(`The template ${template.id} is not available for use`);
        const keypairs = keyPairNames(ctx);
        checkKeyPairs(ctx, keypairs);
        const userdata = userdataRaw !== undefined ? validateUserData(ctx, userdataRaw) : undefined;
        const defaultNet = networks[0];
        const services: string[] | undefined = defaultNet.service?.map((s: any) => s.name);
        if ((userdata !== undefined || keypairs.length > 0) && services && !services.includes("UserData")) {
            throw invalidParam(
                `Unable to deploy VM as UserData is provided while deploying the VM, but there is no support for UserData service in the default network ${defaultNet.id}`,
            );
        }
        const groups = resolveAffinityGroups(ctx, affinityIds, affinityNames);
        if (rootdisksize !== undefined && rootdisksize <= 0) throw invalidParam("Root disk size should be a positive number.");
        if (name !== undefined) checkHostNameUnique(ctx, name, networks);
        sizeFor(offering, details);

        const start = p.bool("startvm") ?? true;
        const vm = storeVm(ctx, {
            name,
            displayname: p.str("displayname"),
            zone,
            template,
            offering,
            details,
            networks,
            requestedIps: ips,
            keypairs,
            userdata,
            rootdisksize,
            vmtype: "User",
            dynamicscaling: p.bool("dynamicscalingenabled") ?? true,
            // Mold creates the row Stopped and its job moves it to Starting at once; Starting is what
            // anyone listing during the deploy sees.
            state: start ? "Starting" : "Stopped",
        });
        if (name === undefined) checkHostNameUnique(ctx, vm.name, networks, vm.id);
        addVmToAffinityGroups(
            ctx,
            vm.id,
            groups.map((g) => g.id),
        );
        vmEvent(ctx, "VM.CREATE", `Successfully created entity for deploying Vm. Vm Id: ${vm.id}`, vm, "Created");
        const jobid = ctx.queueJob({
            cmd: cmdClass(ctx, "DeployVM"),
            completer: "deployVirtualMachine",
            instanceType: "VirtualMachine",
            instanceId: vm.id,
            payload: { id: vm.id, start },
        });
        return { id: vm.id, jobid };
    },
};

/** A plain async VM command: the VM is resolved synchronously, everything else happens in the job. */
function vmJobCommand(name: string, short: string, completer: string, event: string, extra?: (ctx: CommandContext) => Record<string, any>): CommandSpec {
    return {
        name,
        isAsync: true,
        responseName: name === "resetSSHKeyForVirtualMachine" ? "resetSSHKeyforvirtualmachineresponse" : undefined,
        handle(ctx) {
            // An expunged VM's UUID still resolves (its row is kept): the job then finds no VM and fails (jobVm).
            const gone = ctx.params.required("id");
            if (removedRow(ctx, T.vms, gone)) {
                return {
                    jobid: ctx.queueJob({ cmd: cmdClass(ctx, short), completer, instanceType: "VirtualMachine", instanceId: gone, payload: { id: gone } }),
                };
            }
            const vm = ctx.params.entity("id", table(ctx.state, T.vms), true);
            const payload = { id: vm.id, ...(extra ? extra(ctx) : {}) };
            vmEvent(ctx, event, `${name} for Vm. Vm Id: ${vm.id}`, vm, "Scheduled");
            const jobid = ctx.queueJob({ cmd: cmdClass(ctx, short), completer, instanceType: "VirtualMachine", instanceId: vm.id, payload });
            return { jobid };
        },
    };
}

const startVirtualMachine = vmJobCommand("startVirtualMachine", "StartVM", "startVirtualMachine", "VM.START");
const stopVirtualMachine = vmJobCommand("stopVirtualMachine", "StopVM", "stopVirtualMachine", "VM.STOP", (ctx) => ({
    forced: ctx.params.bool("forced") ?? false,
}));
const rebootVirtualMachine = vmJobCommand("rebootVirtualMachine", "RebootVM", "rebootVirtualMachine", "VM.REBOOT");
const destroyVirtualMachine = vmJobCommand("destroyVirtualMachine", "DestroyVM", "destroyVirtualMachine", "VM.DESTROY", (ctx) => ({
    expunge: ctx.params.bool("expunge") ?? false,
}));
const scaleVirtualMachine = vmJobCommand("scaleVirtualMachine", "ScaleVM", "scaleVirtualMachine", "VM.UPGRADE", (ctx) => ({
    offeringId: ctx.params.entity("serviceofferingid", table(ctx.state, T.serviceOfferings), true)!.id,
    details: detailsParam(ctx),
}));
const resetSSHKeyForVirtualMachine = vmJobCommand("resetSSHKeyForVirtualMachine", "ResetVMSSHKey", "resetSSHKeyForVirtualMachine", "VM.RESETSSHKEY", (ctx) => ({
    keypairs: keyPairNames(ctx),
}));

/** VirtualMachineManagerImpl.checkIfCanUpgrade plus the stopped-VM path of an offering change. */
function checkCanUpgrade(vm: any, offering: any, allowed: string): void {
    if (vm.state !== "Running" && vm.state !== "Stopped") {
        throw invalidParam(`Unable to upgrade virtual machine ${vmLabel(vm)}  in state ${vm.state}; make sure the virtual machine is ${allowed}`);
    }
    if (!offering.iscustomized && offering.id === vm.serviceofferingid) {
        throw invalidParam(`Not upgrading vm ${vmLabel(vm)} since it already has the requested service offering (${offering.name})`);
    }
    if ((offering.state ?? "Active") !== "Active") throw invalidParam(`Unable to find service offering by id ${offering.id}`);
    if (offering.issystem) throw invalidParam("isSystem property is different for current service offering and new service offering");
}

const changeServiceForVirtualMachine: CommandSpec = {
    name: "changeServiceForVirtualMachine",
    handle(ctx) {
        const vm = ctx.params.entity("id", table(ctx.state, T.vms), true);
        const offering = ctx.params.entity("serviceofferingid", table(ctx.state, T.serviceOfferings), true);
        if (vm.state !== "Stopped") {
            throw invalidParam(`Unable to upgrade virtual machine ${vmLabel(vm)}  in state ${vm.state}; make sure the virtual machine is stopped`);
        }
        checkCanUpgrade(vm, offering, "stopped");
        applyOffering(vm, offering, detailsParam(ctx));
        return changedVm(ctx, vm, "VM.UPGRADE", `Upgrading Vm. Vm Id: ${vm.id}`);
    },
};

const updateVirtualMachine: CommandSpec = {
    name: "updateVirtualMachine",
    handle(ctx) {
        const p = ctx.params;
        const vm = p.entity("id", table(ctx.state, T.vms), true);
        const name = p.str("name");
        const displayname = p.str("displayname");
        const userdataRaw = p.str("userdata", 1048576);
        if (name !== undefined && name !== vm.name) {
            if (!HOST_NAME.test(name)) throw invalidParam(UPDATE_NAME_ERROR);
            const networks = (vm.nic ?? []).map((n: any) => table(ctx.state, T.networks)[n.networkid]).filter((n: any) => n);
            checkHostNameUnique(ctx, name, networks, vm.id);
        }
        const userdata = userdataRaw !== undefined ? validateUserData(ctx, userdataRaw) : undefined;
        if (name !== undefined) vm.name = name;
        if (displayname !== undefined) vm.displayname = displayname;
        if (userdata !== undefined) vm._userdata = userdata;
        const haenable = p.bool("haenable");
        if (haenable !== undefined) vm.haenable = haenable;
        return changedVm(ctx, vm, "VM.UPDATE", `updating Vm. Vm Id: ${vm.id}`);
    },
};

const listVirtualMachines: CommandSpec = {
    name: "listVirtualMachines",
    handle(ctx) {
        const p = ctx.params;
        const vms = table(ctx.state, T.vms);
        const one = listIdFilter(ctx, "id", T.vms);
        const ids = p.list("ids");
        if (one && ids) throw invalidParam("Either specify id or ids but not both parameters");
        for (const id of ids ?? []) if (!vms[id] && !removedRow(ctx, T.vms, id) && ctx.goneAnswer !== "empty-list") throw unknownUuid(ctx.cmdLower, "ids", id);
        const name = p.str("name");
        const state = p.str("state");
        const zone = p.entity("zoneid", table(ctx.state, T.zones));
        const network = p.entity("networkid", table(ctx.state, T.networks));
        const template = p.entity("templateid", table(ctx.state, T.templates));
        const offering = p.entity("serviceofferingid", table(ctx.state, T.serviceOfferings));
        const group = p.entity("affinitygroupid", table(ctx.state, T.affinityGroups));
        const keypair = p.str("keypair");
        const hypervisor = p.str("hypervisor");
        const keyword = p.str("keyword");
        const withUserData = p.bool("userdata") ?? false;
        const tags = tagFilter(ctx);
        // Only admins see Destroyed/Expunging VMs (allow.user.view.destroyed.vm defaults to false).
        const seesDestroyed = ctx.caller.roletype === "Admin";
        const items = (Object.values(vms) as any[])
            .filter((vm) => vm.account === ctx.caller.name && vm.domainid === ctx.caller.domainid)
            .filter((vm) => (!one || vm.id === one) && (!ids || ids.includes(vm.id)))
            .filter((vm) => (!name || vm.name.includes(name)) && matchesKeyword(keyword, vm.name, vm.displayname))
            .filter((vm) => {
                if (state === undefined) return seesDestroyed || !["Destroyed", "Expunging"].includes(vm.state);
                if (state.toLowerCase() === "present") return !["Destroyed", "Expunging"].includes(vm.state);
                return vm.state.toLowerCase() === state.toLowerCase();
            })
            .filter((vm) => (!zone || vm.zoneid === zone.id) && (!template || vm.templateid === template.id))
            .filter((vm) => (!offering || vm.serviceofferingid === offering.id) && (!hypervisor || vm.hypervisor.toLowerCase() === hypervisor.toLowerCase()))
            .filter((vm) => !network || (vm.nic ?? []).some((n: any) => n.networkid === network.id))
            .filter((vm) => !group || (group._vmIds ?? []).includes(vm.id))
            .filter((vm) => !keypair || (vm.keypairs ?? "").split(",").includes(keypair))
            .filter((vm) => matchesTagFilter(ctx, tags, "UserVm", vm.id))
            .map((vm) => renderVm(ctx, vm, withUserData));
        return { list: "virtualmachine", items };
    },
};

export const commands: CommandSpec[] = [
    ...[deployVirtualMachine, listVirtualMachines, updateVirtualMachine, startVirtualMachine, stopVirtualMachine, rebootVirtualMachine],
    ...[destroyVirtualMachine, scaleVirtualMachine, changeServiceForVirtualMachine, resetSSHKeyForVirtualMachine],
];

// ---------------------------------------------------------------- jobs (execute() phase)

/** The job's VM; it may have been expunged since the command was accepted. */
function jobVm(ctx: JobContext): any {
    const vm = table(ctx.state, T.vms)[ctx.job.payload.id];
    if (!vm) throw invalidParam(`Unable to find a virtual machine with specified vmId ${ctx.job.payload.id}`);
    return vm;
}

/** UserVmManagerImpl.upgradeRunningVirtualMachine: live scaling, only upwards (mold-api-network.md §10.5). */
function scaleRunning(ctx: JobContext, vm: any, current: any, next: any, details: Record<string, string>): void {
    if (!!next.dynamicscalingenabled !== !!current.dynamicscalingenabled) {
        throw invalidParam("Unable to Scale VM: since dynamic scaling enabled flag is not same for new service offering and old service offering");
    }
    const size = sizeFor(next, details);
    const [newMemory, newSpeed, newCpu] = [size.memory, size.cpuspeed, size.cpunumber];
    const [curMemory, curSpeed, curCpu] = [vm.memory, vm.cpuspeed, vm.cpunumber];
    const smaller = newSpeed < curSpeed || newMemory < curMemory || newCpu < curCpu;
    const same = newSpeed === curSpeed && newMemory === curMemory && newCpu === curCpu;
    if (smaller || same) {
        throw invalidParam(
            `While the VM is running, only scalling up it is supported. New service offering {"memory": ${newMemory}, "speed": ${newSpeed}, "cpu": ${newCpu}} should` +
                ` have at least one value (ram, speed or cpu) greater than the current values {"memory": ${curMemory}, "speed": ${curSpeed}, "cpu": ${curCpu}}.`,
        );
    }
    if (vm.hypervisor === "KVM" && !current.iscustomized) {
        throw invalidParam(
            `Unable to live scale VM on KVM when current service offering is a "Fixed Offering". KVM needs the tag "maxMemory" to live scale and it is only configured when VM is deployed with a custom service offering and "Dynamic Scalable" is enabled.`,
        );
    }
    const enabled = ctx.settings["enable.dynamic.scale.vm"];
    if (enabled !== true && enabled !== "true") {
        throw internalError("Dynamically scaling virtual machines is disabled for this zone, please contact your admin.");
    }
    if (!vm.isdynamicallyscalable) throw internalError(`Unable to scale ${vmLabel(vm)} as it does not have tools to support dynamic scaling.`);
}

export const jobs: Record<string, JobCompleter> = {
    deployVirtualMachine(ctx, job) {
        const vm = jobVm(ctx);
        if (job.payload.start) {
            implementNetworksOf(ctx, vm);
            setState(ctx, vm, "Running");
        }
        vmEvent(ctx, "VM.CREATE", `Successfully completed deploying Vm. Vm Id: ${vm.id}`, vm);
        if (job.payload.start) vmEvent(ctx, "VM.START", `Successfully completed starting Vm. Vm Id: ${vm.id}`, vm);
        return vmResult(ctx, vm);
    },
    /** A failed deploy leaves the VM in Error, as Mold does when the start inside deploy fails. */
    "deployVirtualMachine:failed"(ctx) {
        const vm = table(ctx.state, T.vms)[ctx.job.payload.id];
        if (vm) setState(ctx, vm, "Error");
        // The engine ignores a rollback's outcome; the type still asks for one.
        return { success: true };
    },
    startVirtualMachine(ctx) {
        const vm = jobVm(ctx);
        if (vm.state === "Running") throw invalidParam(`The virtual machine ${vm.id} (${vm.displayname ?? vm.name}) is already running`);
        if (vm.state !== "Stopped") throw invalidParam(`Unable to start VM ${vm.id} in state ${vm.state}`);
        implementNetworksOf(ctx, vm);
        setState(ctx, vm, "Running");
        vmEvent(ctx, "VM.START", `Successfully completed starting Vm. Vm Id: ${vm.id}`, vm);
        return vmResult(ctx, vm);
    },
    stopVirtualMachine(ctx) {
        const vm = jobVm(ctx);
        // advanceStop: Stopped, Destroyed, Expunging and Error are already "stopped" (no-op success).
        if (vm.state === "Running" || vm.state === "Starting" || vm.state === "Stopping") setState(ctx, vm, "Stopped");
        vmEvent(ctx, "VM.STOP", `Successfully completed stopping Vm. Vm Id: ${vm.id}`, vm);
        return vmResult(ctx, vm);
    },
    rebootVirtualMachine(ctx) {
        const vm = jobVm(ctx);
        if (vm.state !== "Running") throw invalidParam(`The VM ${vm.id} (${vm.displayname ?? vm.name}) is not running, unable to reboot it`);
        return changedVm(ctx, vm, "VM.REBOOT", `Successfully completed rebooting Vm. Vm Id: ${vm.id}`);
    },
    destroyVirtualMachine(ctx, job) {
        const vm = jobVm(ctx);
        checkVmCanBeDestroyed(ctx, vm.id);
        if (!job.payload.expunge) {
            // Destroying a Destroyed VM again returns it unchanged.
            if (vm.state !== "Destroyed" && vm.state !== "Expunging") {
                setState(ctx, vm, "Destroyed");
                vmEvent(ctx, "VM.DESTROY", `Successfully completed destroying Vm. Vm Id: ${vm.id}`, vm);
            }
            return vmResult(ctx, vm);
        }
        if (vm.state !== "Destroyed") vmEvent(ctx, "VM.DESTROY", `Successfully completed destroying Vm. Vm Id: ${vm.id}`, vm);
        setState(ctx, vm, "Expunging");
        const last = renderVm(ctx, vm);
        expunge(ctx, vm);
        vmEvent(ctx, "VM.EXPUNGE", `Successfully completed expunging Vm. Vm Id: ${vm.id}`, vm);
        return { object: "virtualmachine", value: last };
    },
    scaleVirtualMachine(ctx, job) {
        const vm = jobVm(ctx);
        const offerings = table(ctx.state, T.serviceOfferings);
        const next = offerings[job.payload.offeringId];
        const current = offerings[vm.serviceofferingid] ?? {};
        checkCanUpgrade(vm, next, "stopped/running");
        if (vm.state === "Running") scaleRunning(ctx, vm, current, next, job.payload.details);
        applyOffering(vm, next, job.payload.details);
        return changedVm(ctx, vm, "VM.UPGRADE", `Successfully completed upgrading Vm. Vm Id: ${vm.id}`);
    },
    resetSSHKeyForVirtualMachine(ctx, job) {
        const vm = jobVm(ctx);
        if (vm.state === "Error" || vm.state === "Expunging") throw invalidParam("Vm with specified id is not in the right state");
        if (vm.state !== "Stopped") throw invalidParam(`Vm ${vmLabel(vm)} should be stopped to do SSH Key reset`);
        const names: string[] = job.payload.keypairs;
        if (names.length === 0) throw invalidParam("'keypair' or 'keypairs' must be specified");
        checkKeyPairs(ctx, names);
        vm.keypairs = names.join(",");
        return changedVm(ctx, vm, "VM.RESETSSHKEY", `Successfully completed resetting SSHKey for VM. Vm Id: ${vm.id}`);
    },
};
