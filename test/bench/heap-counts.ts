// Counts a V8 heap snapshot's objects by constructor: count and self size of each, largest first, so that two
// programs' snapshots (test/bench/program-alone.ts --live --snapshot=FILE) can be compared per resource.
//   node dist/test/bench/heap-counts.js FILE [top=25] [resources=1] [BASE_FILE]
// With BASE_FILE (a snapshot of the same program with few resources) the rows are FILE minus BASE_FILE, and with
// resources the difference in resources between the two, per resource.
import * as fs from "fs";

export interface Snapshot {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
}

/** Count and self size of a snapshot's nodes by "type:name" (closures, promises, strings and arrays by type). */
export function countByConstructor(s: Snapshot): Map<string, { count: number; bytes: number }> {
    const fields = s.snapshot.meta.node_fields;
    const types = s.snapshot.meta.node_types[0];
    const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((f) => fields.indexOf(f));
    const out = new Map<string, { count: number; bytes: number }>();
    for (let i = 0; i < s.nodes.length; i += fields.length) {
        const type = types[s.nodes[i + typeAt]];
        // Strings, numbers and code are keyed by type alone; the rest by constructor, function or internal name.
        const key = /string|number|code/.test(type) ? type : `${type}:${s.strings[s.nodes[i + nameAt]]}`;
        const entry = out.get(key) ?? { count: 0, bytes: 0 };
        entry.count++;
        entry.bytes += s.nodes[i + sizeAt];
        out.set(key, entry);
    }
    return out;
}

if (require.main === module) {
    const [file, top = "25", per = "1", baseFile] = process.argv.slice(2);
    const read = (f: string) => countByConstructor(JSON.parse(fs.readFileSync(f, "utf8")) as Snapshot);
    const counts = read(file);
    for (const [key, { count, bytes }] of baseFile ? read(baseFile) : []) {
        const entry = counts.get(key) ?? { count: 0, bytes: 0 };
        counts.set(key, { count: entry.count - count, bytes: entry.bytes - bytes });
    }
    const total = [...counts.values()].reduce((a, e) => a + e.bytes, 0);
    const rows = [...counts].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, Number(top));
    process.stdout.write(`total ${(total / 1048576).toFixed(1)} MB, ${(total / Number(per)).toFixed(0)} bytes per resource\n`);
    for (const [key, { count, bytes }] of rows) {
        const perRes = Number(per) > 1 ? `  ${(count / Number(per)).toFixed(1)}/res ${(bytes / Number(per)).toFixed(0)} B/res` : "";
        process.stdout.write(`${String(count).padStart(9)} ${(bytes / 1048576).toFixed(1).padStart(8)} MB  ${key}${perRes}\n`);
    }
}
