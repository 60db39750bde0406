// The repository as a user gets it: `npm pack` into a temporary folder, and an example copied out of the
// repository with its pulumi-mold dependency pointed at that tarball and installed with npm.
import * as fs from "fs";
import * as path from "path";
import { CommandRun, runCommand } from "./process";

/** dist/test/helpers → the repository root. */
export const REPO = path.resolve(__dirname, "../../..");

export interface Packed {
    tarball: string;
    /** Paths inside the package, as `npm pack --json` lists them. */
    files: string[];
}

/** `npm pack` of the repository into `dest` (its dist must be built: lifecycle scripts are skipped). */
export async function packRepository(dest: string): Promise<Packed> {
    const r = await runCommand("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dest], { cwd: REPO, env: npmEnv(), timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`npm pack failed (exit ${r.code}): ${r.stderr}`);
    const [info] = JSON.parse(r.stdout);
    return { tarball: path.join(dest, info.filename), files: info.files.map((f: { path: string }) => f.path) };
}

/**
 * Copies examples/<name> to `dest` (not its node_modules or engine state), checks that its pulumi-mold dependency
 * is the repository itself (`file:` to the root, what a clone can install) and points it at `tarball` instead.
 * Returns the dependency spec the example declared.
 */
export function copyExample(name: string, dest: string, tarball: string): string {
    const src = path.join(REPO, "examples", name);
    fs.cpSync(src, dest, { recursive: true, filter: (p) => !/(^|[\\/])(node_modules|\.pulumi-mold-engine)$/.test(p) });
    const file = path.join(dest, "package.json");
    const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
    const declared: string = pkg.dependencies["pulumi-mold"];
    pkg.dependencies["pulumi-mold"] = `file:${tarball}`;
    fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
    return declared;
}

/**
 * `npm install` in `dir`, as a user would, sharing the user's npm cache. Install scripts are skipped: they would
 * only try to fetch Pulumi plugins (@pulumi/kubernetes), which this engine does not run.
 */
export async function npmInstall(dir: string, timeoutMs = 240_000): Promise<CommandRun> {
    return runCommand("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel", "error"], {
        cwd: dir,
        env: { ...npmEnv(), npm_config_update_notifier: "false" },
        timeoutMs,
    });
}

const KEPT_NPM_SETTINGS = /^npm_config_(cache|registry|userconfig|globalconfig|cafile|proxy|https_proxy|noproxy|strict_ssl)$/i;

/** This environment without what `npm test` adds for its own package (npm_package_*, npm_lifecycle_*, …). */
export function npmEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) || KEPT_NPM_SETTINGS.test(k)) env[k] = v;
    return env;
}
