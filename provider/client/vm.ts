// Typed wrappers for virtual machines (mold-api-network.md §10). Async commands wait for their job
// and return the `virtualmachine` of the job result.
import type { MoldClient, Params, WaitOptions } from "./client";
import { rowsUnlessGone } from "./errors";

export type VirtualMachineState =
    "Starting" | "Running" | "Stopping" | "Stopped" | "Destroyed" | "Expunging" | "Migrating" | "Error" | "Unknown" | "Shutdown" | "Restoring";

/** NicResponse. */
export interface Nic {
    id: string;
    networkid: string;
    networkname?: string;
    netmask?: string;
    gateway?: string;
    ipaddress?: string;
    isolationuri?: string;
    broadcasturi?: string;
    traffictype: string;
    type: string;
    isdefault: boolean;
    macaddress: string;
    secondaryip?: unknown[];
    extradhcpoption?: unknown[];
    deviceid?: string;
    virtualmachineid?: string;
    [field: string]: unknown;
}

/** UserVmResponse (wire names). */
export interface VirtualMachine {
    id: string;
    name: string;
    displayname: string;
    account: string;
    userid?: string;
    username?: string;
    domainid: string;
    domain: string;
    created: string;
    lastupdated?: string;
    state: VirtualMachineState;
    haenable: boolean;
    zoneid: string;
    zonename: string;
    hostid?: string;
    hostname?: string;
    templateid: string;
    templatename: string;
    templatedisplaytext?: string;
    passwordenabled: boolean;
    serviceofferingid: string;
    serviceofferingname: string;
    cpunumber: number;
    cpuspeed: number;
    /** MB. */
    memory: number;
    nic: Nic[];
    /** The first NIC's address. */
    ipaddress?: string;
    publicip?: string;
    publicipid?: string;
    hypervisor: string;
    instancename?: string;
    details?: Record<string, string>;
    /** Comma-joined key pair names. */
    keypairs?: string;
    affinitygroup: { id: string; name: string; type: string; [field: string]: unknown }[];
    securitygroup?: unknown[];
    displayvm: boolean;
    isdynamicallyscalable: boolean;
    ostypeid?: string;
    osdisplayname?: string;
    /** "User", or "cksnode" for CKS members. */
    vmtype?: string;
    /** Only with `userdata=true` on listVirtualMachines. */
    userdata?: string;
    tags: { key: string; value: string; [field: string]: unknown }[];
    [field: string]: unknown;
}

export interface DeployVirtualMachineArgs {
    zoneid: string;
    serviceofferingid: string;
    templateid: string;
    name?: string;
    displayname?: string;
    /** The first one is the default NIC's network. */
    networkids?: string[];
    /** Fixed address on the default network. */
    ipaddress?: string;
    keypair?: string;
    keypairs?: string[];
    /** Base64 (see encodeUserData). */
    userdata?: string;
    rootdisksize?: number;
    affinitygroupids?: string[];
    affinitygroupnames?: string[];
    /** Default true. */
    startvm?: boolean;
    /** e.g. `{cpuNumber: "2", memory: "2048"}` for a custom offering. */
    details?: Record<string, string>;
    dynamicscalingenabled?: boolean;
    group?: string;
}

/** Text → the base64 `userdata` Mold expects. */
export function encodeUserData(text: string): string {
    return Buffer.from(text, "utf8").toString("base64");
}

/** `{k: v}` → the single-entry `details` map parameter (`details[0].k=v`). */
function detailsParam(details: Record<string, string> | undefined): Record<string, string>[] | undefined {
    return details && Object.keys(details).length ? [details] : undefined;
}

async function vmJob(client: MoldClient, command: string, params: Params, wait?: WaitOptions): Promise<VirtualMachine> {
    const r = await client.callAsync<{ virtualmachine: VirtualMachine }>(command, params, wait);
    return r.result.virtualmachine;
}

/** Deploys a VM and waits until its job ends; a failed start throws MoldJobError carrying the VM id. */
export async function deployVirtualMachine(client: MoldClient, args: DeployVirtualMachineArgs, wait?: WaitOptions): Promise<VirtualMachine> {
    const { details, ...rest } = args;
    return vmJob(client, "deployVirtualMachine", { ...rest, details: detailsParam(details) }, wait);
}

export function listVirtualMachines(client: MoldClient, filter: Params = {}): Promise<VirtualMachine[]> {
    return client.list<VirtualMachine>("listVirtualMachines", filter, "virtualmachine");
}

/** The VM with that id, or undefined once it is gone (expunged: either of Mold's answers, see isGone). */
export async function getVirtualMachine(client: MoldClient, id: string): Promise<VirtualMachine | undefined> {
    return (await rowsUnlessGone(client.list<VirtualMachine>("listVirtualMachines", { id }, "virtualmachine")))[0];
}

export function startVirtualMachine(client: MoldClient, id: string, wait?: WaitOptions): Promise<VirtualMachine> {
    return vmJob(client, "startVirtualMachine", { id }, wait);
}

/** Stopping a Stopped VM succeeds without change, as in Mold. */
export function stopVirtualMachine(client: MoldClient, id: string, forced?: boolean, wait?: WaitOptions): Promise<VirtualMachine> {
    return vmJob(client, "stopVirtualMachine", { id, forced }, wait);
}

export function rebootVirtualMachine(client: MoldClient, id: string, wait?: WaitOptions): Promise<VirtualMachine> {
    return vmJob(client, "rebootVirtualMachine", { id }, wait);
}

/** Without `expunge` the VM stays listed as Destroyed; with it the VM is removed. */
export function destroyVirtualMachine(client: MoldClient, id: string, expunge?: boolean, wait?: WaitOptions): Promise<VirtualMachine> {
    return vmJob(client, "destroyVirtualMachine", { id, expunge }, wait);
}

/** Async; a Running VM may only grow, and only with dynamic scaling enabled. */
export function scaleVirtualMachine(
    client: MoldClient,
    id: string,
    serviceofferingid: string,
    details?: Record<string, string>,
    wait?: WaitOptions,
): Promise<VirtualMachine> {
    return vmJob(client, "scaleVirtualMachine", { id, serviceofferingid, details: detailsParam(details) }, wait);
}

/** Sync; the VM must be Stopped. */
export async function changeServiceForVirtualMachine(
    client: MoldClient,
    id: string,
    serviceofferingid: string,
    details?: Record<string, string>,
): Promise<VirtualMachine> {
    const r = await client.call<{ virtualmachine: VirtualMachine }>("changeServiceForVirtualMachine", {
        id,
        serviceofferingid,
        details: detailsParam(details),
    });
    return r.virtualmachine;
}

/** The VM must be Stopped. Pass one name or several. */
export function resetSSHKeyForVirtualMachine(client: MoldClient, id: string, keypairs: string | string[], wait?: WaitOptions): Promise<VirtualMachine> {
    const params: Params = Array.isArray(keypairs) ? { id, keypairs } : { id, keypair: keypairs };
    return vmJob(client, "resetSSHKeyForVirtualMachine", params, wait);
}

export interface UpdateVirtualMachineArgs {
    /** New host name. */
    name?: string;
    displayname?: string;
    /** Base64 (see encodeUserData). */
    userdata?: string;
    haenable?: boolean;
}

/** Sync. */
export async function updateVirtualMachine(client: MoldClient, id: string, args: UpdateVirtualMachineArgs): Promise<VirtualMachine> {
    const r = await client.call<{ virtualmachine: VirtualMachine }>("updateVirtualMachine", { id, ...args });
    return r.virtualmachine;
}
