// A small module graph of TypeScript sources: each file's relative imports (type-only ones too, since a
// type import still ties the files' designs together), and the import circles in it. Pure but for
// `readSources`, which reads a folder.
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

/**
 * Module specifiers a source imports or re-exports: import/export … from (type-only too), bare import,
 * require(), import(). TypeScript's own pre-processor reads them, so comments and strings cannot fool it.
 */
export function importSpecifiers(source: string): string[] {
    return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** file (relative to the root, "/" separators) → the files of the graph it imports. */
export type ModuleGraph = Record<string, string[]>;

/** Resolves a relative specifier the way TypeScript does for our sources: x.ts, then x/index.ts. */
export function resolveRelative(from: string, specifier: string, files: ReadonlySet<string>): string | undefined {
    if (!specifier.startsWith(".")) return undefined;
    const base = path.posix.join(path.posix.dirname(from), specifier);
    return [`${base}.ts`, `${base}/index.ts`, base].find((c) => files.has(c));
}

/** The graph of `sources` (file → text), relative imports only; imports leaving the set are dropped. */
export function buildModuleGraph(sources: Record<string, string>): ModuleGraph {
    const files = new Set(Object.keys(sources));
    const graph: ModuleGraph = {};
    for (const [file, text] of Object.entries(sources)) {
        const deps = importSpecifiers(text)
            .map((s) => resolveRelative(file, s, files))
            .filter((d): d is string => d !== undefined);
        graph[file] = [...new Set(deps)].sort();
    }
    return graph;
}

/** Every import circle, each as a path that starts and ends with the same file (one per strongly connected group). */
export function importCircles(graph: ModuleGraph): string[][] {
    // Tarjan's strongly connected components; a group of two or more files, or a file importing itself, is a circle.
    let next = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const groups: string[][] = [];
    const visit = (v: string) => {
        index.set(v, next);
        low.set(v, next++);
        stack.push(v);
        onStack.add(v);
        for (const w of graph[v] ?? []) {
            if (!index.has(w)) {
                visit(w);
                low.set(v, Math.min(low.get(v)!, low.get(w)!));
            } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        }
        if (low.get(v) === index.get(v)) {
            const group: string[] = [];
            let w: string;
            do {
                w = stack.pop()!;
                onStack.delete(w);
                group.push(w);
            } while (w !== v);
            if (group.length > 1 || (graph[v] ?? []).includes(v)) groups.push(group);
        }
    };
    for (const v of Object.keys(graph).sort()) if (!index.has(v)) visit(v);
    return groups.map((g) => circleThrough(graph, new Set(g)));
}

/** One concrete circle inside a strongly connected group, for the message: a → b → … → a. */
function circleThrough(graph: ModuleGraph, group: Set<string>): string[] {
    const start = [...group].sort()[0];
    const seen = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
        const v = queue.shift()!;
        for (const w of graph[v] ?? []) {
            if (!group.has(w)) continue;
            if (w === start) {
                const back: string[] = [v];
                while (back[0] !== start) back.unshift(seen.get(back[0])!);
                return [...back, start];
            }
            if (!seen.has(w)) {
                seen.set(w, v);
                queue.push(w);
            }
        }
    }
    return [start, start];
}

/** The .ts sources under `dir` (relative paths with "/" from `root`), declaration files excluded. */
export function readSources(root: string, dir: string): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (rel: string) => {
        for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
            const child = path.posix.join(rel, e.name);
            if (e.isDirectory()) walk(child);
            else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out[child] = fs.readFileSync(path.join(root, child), "utf8");
        }
    };
    walk(dir);
    return out;
}
