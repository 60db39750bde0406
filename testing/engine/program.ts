// Where a program starts, resolved explicitly inside its folder. `require(folder)` would try the files
// `<folder>.js`, `<folder>.json`, `<folder>.ts` beside the folder first, so a state file saved as
// `<folder>.json` was "the program" and the up created nothing.
import * as fs from "fs";
import * as path from "path";

const EXTENSIONS = ["", ".ts", ".js"];

function isFile(p: string): boolean {
    try {
        return fs.statSync(p).isFile();
    } catch {
        return false;
    }
}

function isDir(p: string): boolean {
    try {
        return fs.statSync(p).isDirectory();
    } catch {
        return false;
    }
}

function indexOf(dir: string): string | undefined {
    for (const index of ["index.ts", "index.js"]) if (isFile(path.join(dir, index))) return path.join(dir, index);
    return undefined;
}

/** A file given with or without its extension (package.json's `main` may omit it), or a folder's index. */
function fileOrIndex(base: string): string | undefined {
    for (const ext of EXTENSIONS) if (isFile(base + ext)) return base + ext;
    return isDir(base) ? indexOf(base) : undefined;
}

/**
 * The program's entry file: Pulumi.yaml's `main` (a file or a folder, as the Node.js language host reads
 * it), else the folder's package.json `main`, else index.ts, else index.js — always inside the folder.
 */
export function programEntry(programDir: string, pulumiYamlMain?: string): string {
    const dir = path.resolve(programDir);
    if (!isDir(dir)) throw new Error(`program folder ${programDir} does not exist or is not a folder`);
    let base = dir;
    if (pulumiYamlMain) {
        base = path.resolve(dir, pulumiYamlMain);
        if (isFile(base)) return base;
        if (!isDir(base)) throw new Error(`Pulumi.yaml main '${pulumiYamlMain}' names nothing in ${programDir}`);
    }
    const pkgFile = path.join(base, "package.json");
    if (isFile(pkgFile)) {
        const main = JSON.parse(fs.readFileSync(pkgFile, "utf8")).main;
        if (typeof main === "string" && main) {
            const entry = fileOrIndex(path.resolve(base, main));
            if (!entry) throw new Error(`package.json main '${main}' names no file in ${base}`);
            return entry;
        }
    }
    const entry = indexOf(base);
    if (!entry) throw new Error(`no program in ${base}: expected package.json "main", index.ts or index.js there`);
    return entry;
}
