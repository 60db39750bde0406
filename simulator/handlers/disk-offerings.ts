// listDiskOfferings and the disk offerings every simulated cloud has: two fixed sizes, a custom size (as the CSI
// driver and custom data disks need) and a custom size with custom IOPS. Mirrors provider/client/disk-offerings.ts.
import { matchesKeyword, render, T } from "../model";
import { table } from "../state";
import type { BaseContext, CommandSpec, JobCompleter } from "../types";

const SEED = [
    { name: "Small", displaytext: "Small Disk, 5 GB", disksize: 5, iscustomized: false, iscustomizediops: false },
    { name: "Medium", displaytext: "Medium Disk, 20 GB", disksize: 20, iscustomized: false, iscustomizediops: false },
    { name: "Custom", displaytext: "Custom Disk", disksize: 0, iscustomized: true, iscustomizediops: false },
    { name: "Custom IOPS", displaytext: "Custom Disk, custom IOPS", disksize: 0, iscustomized: true, iscustomizediops: true },
];

/** Seeds the offerings once (a state loaded from a file keeps its own). */
export function seedDiskOfferings(ctx: BaseContext, created: string = ctx.timestamp()): void {
    const rows = table(ctx.state, T.diskOfferings);
    if (Object.keys(rows).length) return;
    const base = {
        created,
        storagetype: "shared",
        provisioningtype: "thin",
        cacheMode: "none",
        displayoffering: true,
        disksizestrictness: false,
        encrypt: false,
        hasannotations: false,
        state: "Active",
    };
    for (const s of SEED) {
        const id = ctx.uuid();
        rows[id] = { id, ...s, ...base };
    }
}

const listDiskOfferings: CommandSpec = {
    name: "listDiskOfferings",
    handle(ctx) {
        const rows = table(ctx.state, T.diskOfferings);
        const one = ctx.params.entity("id", rows);
        ctx.params.entity("zoneid", table(ctx.state, T.zones));
        const name = ctx.params.str("name");
        const keyword = ctx.params.str("keyword");
        const items = (Object.values(rows) as any[])
            .filter((o) => (!one || o.id === one.id) && (!name || o.name === name) && matchesKeyword(keyword, o.name, o.displaytext))
            .map((o) => render(o));
        return { list: "diskoffering", items };
    },
};

export const commands: CommandSpec[] = [listDiskOfferings];
export const jobs: Record<string, JobCompleter> = {};
