// listDiskOfferings and the disk offerings a fresh simulator starts with (a custom-size one, as the CSI
// driver needs, and two fixed sizes). Mirrors provider/client/disk-offerings.ts.
import { matchesKeyword, render } from "../model";
import { table } from "../state";
import type { BaseContext, CommandSpec, JobCompleter } from "../types";
import { unknownUuid } from "../errors";

export const DISK_OFFERINGS = "diskOfferings";

const SEED: { name: string; displaytext: string; disksize: number; iscustomized: boolean }[] = [
    { name: "Custom", displaytext: "Custom Disk", disksize: 0, iscustomized: true },
    { name: "Small", displaytext: "Small Disk, 5 GB", disksize: 5, iscustomized: false },
    { name: "Medium", displaytext: "Medium Disk, 20 GB", disksize: 20, iscustomized: false },
];

export function seedDiskOfferings(ctx: BaseContext): void {
    const rows = table(ctx.state, DISK_OFFERINGS);
    if (Object.keys(rows).length > 0) return;
    const created = ctx.timestamp();
    for (const o of SEED) {
        const id = ctx.uuid();
        rows[id] = {
            id,
            ...o,
            created,
            storagetype: "shared",
            provisioningtype: "thin",
            iscustomizediops: false,
            cacheMode: "none",
            displayoffering: true,
            disksizestrictness: false,
            encrypt: false,
            hasannotations: false,
            state: "Active",
        };
    }
}

const listDiskOfferings: CommandSpec = {
    name: "listDiskOfferings",
    handle(ctx) {
        const p = ctx.params;
        const rows = table(ctx.state, DISK_OFFERINGS);
        const id = p.str("id");
        if (id !== undefined && !rows[id]) throw unknownUuid(ctx.cmdLower, "id", id);
        const name = p.str("name");
        const keyword = p.str("keyword");
        const items = Object.values(rows)
            .filter((o: any) => (!id || o.id === id) && (!name || o.name === name) && matchesKeyword(keyword, o.name, o.displaytext))
            .map((o) => render(o));
        return { list: "diskoffering", items };
    },
};

export const commands: CommandSpec[] = [listDiskOfferings];
export const jobs: Record<string, JobCompleter> = {};
