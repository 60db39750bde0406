// How the repository builds and what a new user follows: incremental builds, run-time folders ignored by git,
// examples installable from a clone, and example READMEs that say literally how to reach a simulator.
import test from "ava";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "../../simulator/cli";

// dist/test/unit → repository root.
const ROOT = path.resolve(__dirname, "../../..");
const EXAMPLES = fs.readdirSync(path.join(ROOT, "examples")).filter((d) => fs.existsSync(path.join(ROOT, "examples", d, "Pulumi.yaml")));

test("the build is incremental: right after `npm run build` (npm test's pretest) tsc emits nothing", (t) => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    // demo and engine build through `npm run build`, so they get the same incremental build.
    for (const s of ["pretest", "predemo", "preengine"]) t.is(pkg.scripts[s], "npm run build", s);
    const tsc = require.resolve("typescript/bin/tsc", { paths: [ROOT] });
    const r = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json", "--listEmittedFiles"], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    t.is(r.status, 0, r.stdout + r.stderr);
    const emitted = r.stdout.split("\n").filter((l) => l.startsWith("TSFILE:"));
    t.deepEqual(emitted.slice(0, 5), [], `${emitted.length} files emitted again with no source changed (run after npm run build)`);
});

test("the engine's run-time folder next to a program is ignored by git", (t) => {
    const lines = fs
        .readFileSync(path.join(ROOT, ".gitignore"), "utf8")
        .split("\n")
        .map((l) => l.trim());
    t.is(lines.filter((l) => /^\/?\.pulumi-mold-engine\/?$/.test(l)).length, 1, "one .gitignore line");
    const paths = ["examples/network-basics/.pulumi-mold-engine/state.json", "test/programs/dependent/.pulumi-mold-engine/state.json"];
    const git = spawnSync("git", ["check-ignore", "--no-index", ...paths], { cwd: ROOT, encoding: "utf8" });
    if (git.error) t.log(`git not available: ${git.error.message}`);
    else t.deepEqual(git.stdout.trim().split("\n"), paths, `git check-ignore: ${git.stderr}`);
});

for (const name of EXAMPLES) {
    test(`examples/${name}: installable from a clone, and its README says how to run it on the simulator, literally`, (t) => {
        const dir = path.join(ROOT, "examples", name);
        const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
        const spec: string = pkg.dependencies["pulumi-mold"];
        t.true(spec.startsWith("file:") && path.resolve(dir, spec.slice(5)) === ROOT, `pulumi-mold is the repository itself, not ${spec}`);
        t.true(pkg.dependencies["@pulumi/pulumi"] !== undefined);
        const uses = fs.readFileSync(path.join(dir, "index.ts"), "utf8").includes("@pulumi/kubernetes");
        t.is(pkg.dependencies["@pulumi/kubernetes"] !== undefined, uses, "@pulumi/kubernetes exactly when the program uses it");

        const readme = fs.readFileSync(path.join(dir, "README.md"), "utf8");
        t.regex(readme, new RegExp(`^cd examples/${name}\\nnpm install$`, "m"));
        // The simulator command: flags the simulator accepts, and the exports that match them.
        const simLine = /^npx mold-simulator (.+)$/m.exec(readme);
        t.truthy(simLine, "a `npx mold-simulator …` line");
        const opts = parseArgs(simLine![1].trim().split(/\s+/));
        t.true(opts !== "help" && opts !== "version");
        if (opts === "help" || opts === "version") return;
        t.true(typeof opts.port === "number" && opts.port > 0, "a fixed port, so the URL can be written down");
        t.truthy(opts.apiKey);
        t.truthy(opts.secretKey);
        const exported = /^export (MOLD_API_URL=\S+ MOLD_API_KEY=\S+ MOLD_SECRET_KEY=\S+)$/m.exec(readme);
        t.truthy(exported, "an `export MOLD_API_URL=… MOLD_API_KEY=… MOLD_SECRET_KEY=…` line");
        const env = Object.fromEntries(exported![1].split(" ").map((kv) => kv.split("=", 2) as [string, string]));
        t.deepEqual(env, { MOLD_API_URL: `http://127.0.0.1:${opts.port}/client/api`, MOLD_API_KEY: opts.apiKey, MOLD_SECRET_KEY: opts.secretKey });
        // Run without a Pulumi CLI (from the root the README cd's to), and with one.
        t.regex(readme, /^cd \.\.\/\.\. /m);
        t.regex(readme, new RegExp(`^npm run engine -- up examples/${name}$`, "m"));
        t.regex(readme, new RegExp(`^npm run engine -- destroy examples/${name}$`, "m"));
        t.regex(readme, /^pulumi up$/m);
    });
}
