// The simulator's house: no import circle among its modules, and nothing in it takes logic from the
// client library it judges (provider/, sdk/) but the few imports listed below with the reason each is fine.
import test from "ava";
import * as path from "path";
import { buildModuleGraph, importCircles, importSpecifiers, readSources } from "../helpers/module-graph";

const ROOT = path.resolve(__dirname, "../../..");

test("the module-graph walk finds circles, type-only imports and re-exports included, and ignores comments", (t) => {
    const graph = buildModuleGraph({
        "s/a.ts": 'import { b } from "./b";\n// import { z } from "./z";\n',
        "s/b.ts": 'import type { C } from "./sub/c";\n',
        "s/sub/c.ts": 'export { a } from "../a";\n',
        "s/sub/index.ts": 'const x = require("../d");\n',
        "s/d.ts": 'import {\n    e,\n} from "./e";\n/* import "./a" */\n',
        "s/e.ts": "export const e = 1;\n",
        "s/z.ts": 'import "./a";\n',
    });
    t.deepEqual(graph["s/a.ts"], ["s/b.ts"], "the import in a comment is not an edge");
    t.deepEqual(graph["s/sub/index.ts"], ["s/d.ts"]);
    t.deepEqual(graph["s/d.ts"], ["s/e.ts"]);
    t.deepEqual(importCircles(graph), [["s/a.ts", "s/b.ts", "s/sub/c.ts", "s/a.ts"]]);
    t.deepEqual(importCircles({ "x.ts": ["x.ts"] }), [["x.ts", "x.ts"]], "a file importing itself");
    t.deepEqual(importCircles({ "x.ts": ["y.ts"], "y.ts": [] }), []);
    t.deepEqual(importSpecifiers('import type { A } from "./a";\nexport * from "./b";\nconst m = await import("./c");'), ["./a", "./b", "./c"]);
});

test("no import circle in simulator/", (t) => {
    const graph = buildModuleGraph(readSources(ROOT, "simulator"));
    t.true(Object.keys(graph).length > 40, "the simulator's sources were read");
    const circles = importCircles(graph);
    t.deepEqual(circles, [], circles.map((c) => c.join(" → ")).join("\n"));
});

test("no circle between simulator/'s folders either (records, handlers, ssh, kubeadm; the root holds both ends)", (t) => {
    const graph = buildModuleGraph(readSources(ROOT, "simulator"));
    const folders: Record<string, Set<string>> = {};
    for (const [file, deps] of Object.entries(graph)) {
        const from = path.posix.dirname(file);
        if (from === "simulator") continue;
        for (const dep of deps) {
            const to = path.posix.dirname(dep);
            if (to !== from && to !== "simulator") (folders[from] ??= new Set()).add(to);
        }
    }
    const folderGraph = Object.fromEntries(Object.entries(folders).map(([f, to]) => [f, [...to]]));
    t.true(Object.keys(folderGraph).length >= 3, JSON.stringify(folderGraph));
    const circles = importCircles(folderGraph);
    t.deepEqual(circles, [], circles.map((c) => c.join(" → ")).join("\n"));
    t.deepEqual(folderGraph["simulator/records"] ?? [], [], "records import no handler, node or cluster emulation");
});

/**
 * Imports from simulator/ into the client library, each with why it judges no request. Everything that
 * decides whether a request is right (signatures, versions, validation, error texts) is the simulator's own.
 */
const ALLOWED_LIBRARY_IMPORTS: Record<string, string> = {
    "simulator/ssh/keys.ts → provider/ssh/host-keys":
        "makes a VM's own SSH host key when its userdata brings none (what cloud-init would generate); judges nothing",
};

test("simulator/ takes no request-judging logic from provider/ or sdk/", (t) => {
    const found: string[] = [];
    for (const [file, text] of Object.entries(readSources(ROOT, "simulator"))) {
        for (const spec of importSpecifiers(text)) {
            if (!spec.startsWith(".")) continue;
            const target = path.posix.join(path.posix.dirname(file), spec);
            if (/^(provider|sdk)(\/|$)/.test(target)) found.push(`${file} → ${target}`);
        }
    }
    t.deepEqual(found.sort(), Object.keys(ALLOWED_LIBRARY_IMPORTS).sort());
});
