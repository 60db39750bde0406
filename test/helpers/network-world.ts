// A simulator with the seeded catalog looked up, plus shortcuts the network-family tests share:
// a fresh isolated network, an associated public IP, a VM deployed through the real API.
import { ExecutionContext } from "ava";
import { associateIpAddress, createNetwork, MoldApiError, MoldClient, MoldJobError, Network, PublicIpAddress } from "../../provider/client";
import { ServerOptions } from "../../simulator/server";
import { SEED_NETWORK_OFFERING } from "../../simulator/seed";
import { SimAndClient, withSimulator } from "./sim";

export interface NetworkWorld extends SimAndClient {
    zoneId: string;
    offeringId: string;
    templateId: string;
    serviceOfferingId: string;
    newNetwork(name?: string): Promise<Network>;
    newIp(networkId: string): Promise<PublicIpAddress>;
    /** Deploys a running VM with one NIC in the network (implements the network). */
    deployVm(networkId: string, name?: string): Promise<any>;
    expungeVm(vmId: string): Promise<void>;
    /** Sends a command without waiting for its job: the raw `{id, jobid}` answer. */
    submit(command: string, params: Record<string, any>): Promise<{ id?: string; jobid: string }>;
    job(jobid: string): any;
}

let counter = 0;

export async function networkWorld(options: ServerOptions = {}): Promise<NetworkWorld> {
    const base = await withSimulator(options);
    const inv = base.sim.inventory();
    const w: NetworkWorld = {
        ...base,
        zoneId: inv.zones[0].id,
        offeringId: inv.networkOfferings.find((o: any) => o.name === SEED_NETWORK_OFFERING).id,
        templateId: inv.templates.find((t: any) => t.ispublic).id,
        serviceOfferingId: inv.serviceOfferings.find((o: any) => !o.iscustomized).id,
        newNetwork: (name = `net-${++counter}`) => createNetwork(base.client, { name, zoneid: w.zoneId, networkofferingid: w.offeringId }),
        newIp: (networkid) => associateIpAddress(base.client, { networkid }),
        async deployVm(networkId, name = `vm-${++counter}`) {
            const r = await base.client.callAsync<any>("deployVirtualMachine", {
                zoneid: w.zoneId,
                templateid: w.templateId,
                serviceofferingid: w.serviceOfferingId,
                networkids: [networkId],
                name,
            });
            return r.result.virtualmachine;
        },
        async expungeVm(vmId) {
            await base.client.callAsync("destroyVirtualMachine", { id: vmId, expunge: true });
        },
        submit: (command, params) => base.client.call(command, params),
        job: (jobid) => base.sim.inventory().jobs.find((j: any) => j.jobid === jobid),
    };
    return w;
}

/** Runs a test body against a fresh world and always stops it. */
export function inWorld(body: (t: ExecutionContext, w: NetworkWorld) => Promise<void>, options: ServerOptions = {}) {
    return async (t: ExecutionContext) => {
        const w = await networkWorld(options);
        try {
            await body(t, w);
        } finally {
            await w.stop();
        }
    };
}

/** Asserts a synchronous Mold error: HTTP status, codes and exact text. */
export async function apiError(
    t: ExecutionContext,
    p: Promise<unknown>,
    errorcode: number,
    cserrorcode: number | undefined,
    text: string,
): Promise<MoldApiError> {
    const e = await t.throwsAsync(p);
    t.true(e instanceof MoldApiError, `expected MoldApiError, got ${e}`);
    const err = e as MoldApiError;
    t.is(err.errortext, text);
    t.is(err.errorcode, errorcode);
    t.is(err.httpStatus, errorcode);
    t.is(err.cserrorcode, cserrorcode);
    return err;
}

/** Asserts a failed job with Mold's code and text. */
export async function jobError(t: ExecutionContext, p: Promise<unknown>, errorcode: number, text: string): Promise<MoldJobError> {
    const e = await t.throwsAsync(p);
    t.true(e instanceof MoldJobError, `expected MoldJobError, got ${e}`);
    const err = e as MoldJobError;
    t.is(err.errortext, text);
    t.is(err.errorcode, errorcode);
    return err;
}

export const UNKNOWN_UUID = "0b1f6c55-5e7f-4a53-9d0e-6c1d2c3b4a59";

export const unknownUuidText = (cmd: string, param: string, value = UNKNOWN_UUID) =>
    `Unable to execute API command ${cmd} due to invalid value. Invalid parameter ${param} value=${value} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.`;

export const isLoopback = (ip: string) => /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip);

export { MoldClient };
