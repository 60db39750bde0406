// Read-only disk offerings (listDiskOfferings): what volumes and a CSI StorageClass are made from.
// Mirrors simulator/handlers/disk-offerings.ts.
import type { MoldClient, Params } from "./client";
import { pickOne } from "./catalog";

/** DiskOfferingResponse (wire names); `disksize` (GB) is 0 for custom-size offerings. */
export interface DiskOffering {
    id: string;
    name: string;
    displaytext: string;
    disksize: number;
    iscustomized: boolean;
    iscustomizediops?: boolean;
    storagetype?: string;
    provisioningtype?: string;
    state?: string;
    created?: string;
    [field: string]: unknown;
}

export function listDiskOfferings(client: MoldClient, filter: Params = {}): Promise<DiskOffering[]> {
    return client.list<DiskOffering>("listDiskOfferings", filter, "diskoffering");
}

/** A disk offering by name or id; unknown or ambiguous names fail with the candidates listed. */
export async function findDiskOffering(client: MoldClient, nameOrId: string): Promise<DiskOffering> {
    return pickOne("disk offering", nameOrId, await listDiskOfferings(client));
}
