// Programs inside this repository import "pulumi-mold" and their serialized hooks require
// "pulumi-mold/provider" from the program directory, as an installed package would. Inside the
// repository that needs node_modules/pulumi-mold to point at the repository itself.
import * as fs from "fs";
import * as path from "path";

/** The package root (the repository, or an installed node_modules/pulumi-mold), from dist/testing/engine or testing/engine. */
export function repoRoot(): string {
    let dir = __dirname;
    while (!fs.existsSync(path.join(dir, "package.json")) || require(path.join(dir, "package.json")).name !== "pulumi-mold") {
        const up = path.dirname(dir);
        if (up === dir) throw new Error("cannot find the pulumi-mold repository root");
        dir = up;
    }
    return dir;
}

export function ensureSelfLink(): void {
    const root = repoRoot();
    // An installed package (pulumi-mold/testing in a user's node_modules) is found by its programs already.
    if (root.split(path.sep).includes("node_modules")) return;
    const link = path.join(root, "node_modules", "pulumi-mold");
    try {
        if (fs.realpathSync(link) === fs.realpathSync(root)) return;
    } catch {
        // missing: create it below
    }
    fs.rmSync(link, { recursive: true, force: true });
    fs.symlinkSync(path.relative(path.dirname(link), root), link, "dir");
}
