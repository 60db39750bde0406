// The bench's heap-snapshot counter (test/bench/heap-counts.ts) groups a V8 snapshot's nodes by type and name:
// objects and closures by constructor or function, internal arrays by their internal name, strings by type alone.
import test from "ava";
import { countByConstructor, Snapshot } from "../bench/heap-counts";

test("countByConstructor: count and self size by type and name, strings and numbers by type alone", (t) => {
    const snapshot: Snapshot = {
        snapshot: {
            meta: {
                node_fields: ["type", "name", "id", "self_size", "edge_count"],
                node_types: [["hidden", "array", "string", "object", "code", "closure", "number"]],
            },
        },
        // type, name (index into strings), id, self size, edges
        nodes: [3, 0, 1, 40, 0, 3, 0, 2, 40, 0, 3, 1, 3, 24, 0, 5, 2, 4, 32, 0, 2, 3, 5, 100, 0, 2, 4, 6, 60, 0, 1, 5, 7, 16, 0],
        strings: ["Promise", "Object", "resolveURN", "some text", "other text", "(object elements)"],
    };
    const counts = countByConstructor(snapshot);
    t.deepEqual(Object.fromEntries(counts), {
        "object:Promise": { count: 2, bytes: 80 },
        "object:Object": { count: 1, bytes: 24 },
        "closure:resolveURN": { count: 1, bytes: 32 },
        string: { count: 2, bytes: 160 },
        "array:(object elements)": { count: 1, bytes: 16 },
    });
});
