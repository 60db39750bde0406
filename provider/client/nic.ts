// Secondary guest addresses of a VM's NIC (addIpToNic / removeIpFromNic, both jobs): the addresses a static NAT
// or a port forward may name with vmguestip. Mirrors simulator/handlers/nic.ts.
import type { MoldClient, WaitOptions } from "./client";

/** NicSecondaryIpResponse. */
export interface NicSecondaryIp {
    id: string;
    ipaddress: string;
    nicid?: string;
    networkid?: string;
    virtualmachineid?: string;
}

/** Adds a secondary address to the NIC: the one asked for, or the network's next free one. */
export async function addIpToNic(client: MoldClient, nicid: string, ipaddress?: string, wait?: WaitOptions): Promise<NicSecondaryIp> {
    const r = await client.callAsync<{ nicsecondaryip: NicSecondaryIp }>("addIpToNic", { nicid, ipaddress }, wait);
    return r.result.nicsecondaryip;
}

export async function removeIpFromNic(client: MoldClient, id: string, wait?: WaitOptions): Promise<void> {
    await client.callAsync("removeIpFromNic", { id }, wait);
}
