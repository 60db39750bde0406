// examples/platform-package as its users get it: pulumi-mold from the packed tarball (`npm pack`), the package
// and its consumer copied out of the repository and installed with npm, then the package's own `npm test`
// (mocks unit tests, and the consumer run against a simulator through pulumi-mold/testing). The tarball must
// hold what the package imports. examples/policy-pack is installed from the same tarball and type-checked
// against it, then loaded, so the tarball holds what a policy pack imports too.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { npmEnv, npmInstall, packRepository, REPO } from "../helpers/pack";
import { runCommand } from "../helpers/process";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-mold-platform-"));
test.after.always(() => fs.rmSync(work, { recursive: true, force: true }));

/** One `npm pack` for both tests. */
let packed: ReturnType<typeof packRepository> | undefined;
const packOnce = () => (packed ??= packRepository(work));

/** examples/<name> copied to `work` (no node_modules, build output or engine state), pulumi-mold pointed at `tarball`. */
function copy(name: string, tarball: string, field: "dependencies" | "devDependencies"): string {
    const dest = path.join(work, name);
    fs.cpSync(path.join(REPO, "examples", name), dest, { recursive: true, filter: (p) => !/(^|[\\/])(node_modules|dist|\.pulumi-mold-engine)$/.test(p) });
    const file = path.join(dest, "package.json");
    const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
    if (pkg[field]["pulumi-mold"] !== "file:../..") throw new Error(`examples/${name}: pulumi-mold is ${pkg[field]["pulumi-mold"]}, not the repository`);
    pkg[field]["pulumi-mold"] = `file:${tarball}`;
    fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
    return dest;
}

test("platform-package installed from the tarball: its npm test (mocks unit tests, the consumer against the simulator) passes", async (t) => {
    const { tarball, files } = await packOnce();
    for (const f of [
        "dist/testing/index.js",
        "dist/testing/index.d.ts",
        "dist/testing/runner.js",
        "dist/testing/engine/cli.js",
        "dist/testing/engine/engine.js",
    ]) {
        t.true(files.includes(f), `the tarball holds ${f}`);
    }
    const pkgJson = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
    t.is(pkgJson.exports["./testing"], "./dist/testing/index.js");
    // TypeScript's node10 resolution (the package's tsconfig, and `pulumi up`'s default) ignores "exports".
    t.deepEqual(pkgJson.typesVersions["*"].testing, ["dist/testing/index.d.ts"]);

    const pkgDir = copy("platform-package", tarball, "devDependencies");
    let r = await npmInstall(pkgDir);
    t.is(r.code, 0, `npm install in platform-package: ${r.stderr.slice(-3000)}`);
    r = await runCommand("npm", ["run", "build"], { cwd: pkgDir, env: npmEnv(), timeoutMs: 120_000 });
    t.is(r.code, 0, `npm run build in platform-package: ${r.stdout.slice(-3000)}${r.stderr.slice(-3000)}`);

    const consumerDir = copy("platform-consumer", tarball, "dependencies");
    r = await npmInstall(consumerDir);
    t.is(r.code, 0, `npm install in platform-consumer: ${r.stderr.slice(-3000)}`);
    // Installed copies, not the repository: pulumi-mold from the tarball in both, platform-package copied.
    for (const dir of [pkgDir, consumerDir]) {
        const at = fs.realpathSync(path.join(dir, "node_modules", "pulumi-mold"));
        t.true(at.startsWith(fs.realpathSync(dir) + path.sep), `pulumi-mold in ${path.basename(dir)} is ${at}`);
    }
    t.false(fs.lstatSync(path.join(consumerDir, "node_modules", "platform-package")).isSymbolicLink(), "platform-package is installed as a copy");
    t.false(fs.existsSync(path.join(consumerDir, "node_modules", "platform-package", "node_modules", "pulumi-mold")), "one pulumi-mold in the consumer");

    const run = await runCommand("npm", ["test"], { cwd: pkgDir, env: npmEnv(), timeoutMs: 280_000 });
    t.is(run.code, 0, `npm test in platform-package:\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`);
    t.regex(run.stdout, /^# pass 4$/m);
    t.regex(run.stdout, /^# fail 0$/m);
    t.regex(run.stdout, /^ok \d+ - the consumer's stack: up creates/m, "the integration test ran");
});

test("examples/policy-pack installed from the tarball: it type-checks against pulumi-mold/policy and builds its policies", async (t) => {
    const { tarball, files } = await packOnce();
    for (const f of ["dist/policy/index.js", "dist/policy/index.d.ts"]) t.true(files.includes(f), `the tarball holds ${f}`);
    const pkgJson = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
    t.is(pkgJson.exports["./policy"], "./dist/policy/index.js");
    t.deepEqual(pkgJson.typesVersions["*"].policy, ["dist/policy/index.d.ts"]);

    const dir = copy("policy-pack", tarball, "dependencies");
    let r = await npmInstall(dir);
    t.is(r.code, 0, `npm install in policy-pack: ${r.stderr.slice(-3000)}`);
    t.true(fs.realpathSync(path.join(dir, "node_modules", "pulumi-mold")).startsWith(fs.realpathSync(dir) + path.sep), "pulumi-mold from the tarball");
    r = await runCommand(process.execPath, [require.resolve("typescript/bin/tsc", { paths: [dir] }), "--noEmit", "-p", dir], { cwd: dir, timeoutMs: 120_000 });
    t.is(r.code, 0, `tsc in policy-pack: ${r.stdout.slice(-3000)}${r.stderr.slice(-2000)}`);
    // The pack's policies, as the policy runtime builds them from the installed package.
    const probe = 'const p = require("pulumi-mold/policy"); process.stdout.write(JSON.stringify(p.moldPolicies({}).map((x) => x.name)))';
    r = await runCommand(process.execPath, ["-e", probe], { cwd: dir, timeoutMs: 60_000 });
    t.is(r.code, 0, r.stderr);
    const names: string[] = JSON.parse(r.stdout);
    t.true(names.includes("mold-admin-ports-not-world-open"), names.join(", "));
    t.true(names.length >= 5, names.join(", "));
});
