// Static NAT on a public IP (mold-api-network.md §5.5, §5.6): enableStaticNat is synchronous, disableStaticNat a
// job. Mold keeps no object of its own for it: the IP's isstaticnat / virtualmachineid / vmipaddress fields are
// the record. Mirrors simulator/handlers/static-nat.ts.
import { getPublicIpAddress, PublicIpAddress } from "./address";
import type { MoldClient, WaitOptions } from "./client";

export interface EnableStaticNatArgs {
    ipaddressid: string;
    virtualmachineid: string;
    /** The VM's network: needed only for an IP of a VPC not associated with a tier yet. */
    networkid?: string;
    /** A secondary address of the VM's NIC (default: its primary address). */
    vmguestip?: string;
}

/** Synchronous. Creates no firewall rule: open ports with createFirewallRule. */
export async function enableStaticNat(client: MoldClient, args: EnableStaticNatArgs): Promise<void> {
    await client.call("enableStaticNat", { ...args });
}

/** Also revokes the address's firewall rules. */
export async function disableStaticNat(client: MoldClient, ipaddressid: string, wait?: WaitOptions): Promise<void> {
    await client.callAsync("disableStaticNat", { ipaddressid }, wait);
}

/** The address while static NAT is enabled on it; undefined once disabled, released or unknown. */
export async function getStaticNat(client: MoldClient, ipaddressid: string): Promise<PublicIpAddress | undefined> {
    const ip = await getPublicIpAddress(client, ipaddressid);
    return ip && ip.isstaticnat && ip.state === "Allocated" ? ip : undefined;
}
