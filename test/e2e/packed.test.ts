// What a user gets: the packed tarball (`npm pack`) and each example installed OUTSIDE the repository from it,
// with its own node_modules, then run as its README says without a Pulumi CLI (the repository's engine against
// a simulator started from the installed package): up, then destroy, and the simulator holds the objects, then
// nothing. network-basics installs without @pulumi/kubernetes (an optional peer dependency) and still works;
// asking for a Kubernetes provider there says which package to install.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cleanEnv, runEngine } from "../helpers/engine";
import { copyExample, npmInstall, Packed, packRepository, REPO } from "../helpers/pack";
import { runCommand } from "../helpers/process";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-mold-packed-"));
let packed: Promise<Packed>;

test.before(() => {
    packed = packRepository(work);
    // Unhandled until a test awaits it; the tests report the failure.
    packed.catch(() => undefined);
});

test.after.always(() => fs.rmSync(work, { recursive: true, force: true }));

test("the tarball: LICENSE, readable source maps, no test code, engines", async (t) => {
    const { tarball, files } = await packed;
    const unpacked = path.join(work, "unpacked");
    fs.mkdirSync(unpacked);
    const tar = await runCommand("tar", ["-xzf", tarball, "-C", unpacked], { cwd: work, timeoutMs: 60_000 });
    t.is(tar.code, 0, tar.stderr);
    const root = path.join(unpacked, "package");

    t.true(files.includes("LICENSE"), "LICENSE is shipped");
    const license = fs.readFileSync(path.join(root, "LICENSE"), "utf8");
    t.regex(license, /Apache License\s+Version 2\.0, January 2004/);
    t.regex(license, /END OF TERMS AND CONDITIONS/);
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
    t.is(pkg.license, "Apache-2.0");
    t.false(
        files.some((f) => f.startsWith("dist/test/")),
        "no test code",
    );

    // Every source map's sources are readable from the package: inlined (sourcesContent) or shipped.
    const maps = files.filter((f) => f.endsWith(".js.map"));
    t.true(maps.length > 50, `${maps.length} source maps`);
    const unreadable: string[] = [];
    for (const m of maps) {
        const map = JSON.parse(fs.readFileSync(path.join(root, m), "utf8"));
        map.sources.forEach((src: string, i: number) => {
            const shipped = fs.existsSync(path.resolve(path.dirname(path.join(root, m)), map.sourceRoot ?? "", src));
            if (!shipped && typeof map.sourcesContent?.[i] !== "string") unreadable.push(`${m}: ${src}`);
        });
    }
    t.deepEqual(unreadable.slice(0, 5), [], `${unreadable.length} unreadable sources`);

    // @pulumi/pulumi 3.248 needs Node 20; the README says the same.
    t.is(pkg.engines.node, ">=20");
    t.regex(fs.readFileSync(path.join(REPO, "README.md"), "utf8"), /Node\.js 20 or newer/);
});

interface Installed {
    dir: string;
    declared: string;
}

/**
 * What `pulumi up` does first with a TypeScript program that has no tsconfig.json: ts-node type-checks index.ts
 * with the TypeScript @pulumi/pulumi vendors and the options it defaults to. The diagnostics of index.ts.
 */
function pulumiTypeCheck(dir: string): string[] {
    const vendored = path.join(dir, "node_modules", "@pulumi", "pulumi", "vendor");
    const tsDir = fs.readdirSync(vendored).find((d) => d.startsWith("typescript@"));
    if (!tsDir) return [`no vendored TypeScript in ${vendored}`];
    const ts = require(path.join(vendored, tsDir, "typescript.js"));
    const file = path.join(dir, "index.ts");
    const program = ts.createProgram([file], {
        target: ts.ScriptTarget.ES2015,
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.NodeJs,
        noEmit: true,
    });
    const source = program.getSourceFile(file);
    return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map((d: any) =>
        ts.flattenDiagnosticMessageText(d.messageText, "\n"),
    );
}

async function install(t: any, name: string): Promise<Installed> {
    const { tarball } = await packed;
    const dir = path.join(work, name);
    const declared = copyExample(name, dir, tarball);
    const r = await npmInstall(dir);
    t.is(r.code, 0, `npm install in a copy of examples/${name} failed:\n${r.stderr.slice(-3000)}`);
    // The program uses the installed package, not the repository. (Paths, not require.resolve: inside this
    // repository "pulumi-mold" resolves to the repository itself, by package self-reference.)
    const installedAt = fs.realpathSync(path.join(dir, "node_modules", "pulumi-mold"));
    t.true(installedAt.startsWith(fs.realpathSync(dir) + path.sep), `pulumi-mold is ${installedAt}`);
    t.deepEqual(pulumiTypeCheck(dir), [], "index.ts type-checks as `pulumi up` checks it");
    return { dir, declared };
}

/** A simulator from the installed package (what `pulumi-mold/simulator` exports), as the README's `npx mold-simulator`. */
async function simulatorFrom(dir: string) {
    const pkg = path.join(dir, "node_modules", "pulumi-mold");
    const { startSimulator } = require(path.join(pkg, JSON.parse(fs.readFileSync(path.join(pkg, "package.json"), "utf8")).exports["./simulator"]));
    return startSimulator({ port: 0, latencyProfile: "fast" });
}

/** What the simulated cloud holds (the inventory leaves out empty tables). */
const live = (inv: any) => ({
    vms: (inv.vms ?? []).length,
    networks: (inv.networks ?? []).length,
    publicIps: (inv.publicIps ?? []).filter((ip: any) => ip.state !== "Free").length,
    firewallRules: (inv.firewallRules ?? []).length,
    portForwardingRules: (inv.portForwardingRules ?? []).length,
    loadBalancerRules: (inv.loadBalancerRules ?? []).length,
    clusters: (inv.kubernetesClusters ?? []).filter((c: any) => c.state !== "Destroyed").length,
    sshKeyPairs: (inv.sshKeyPairs ?? []).length,
});
const NOTHING = { vms: 0, networks: 0, publicIps: 0, firewallRules: 0, portForwardingRules: 0, loadBalancerRules: 0, clusters: 0, sshKeyPairs: 0 };

/** The README's run command without a Pulumi CLI: MOLD_* exported, `npm run engine -- up|destroy <example>`. */
async function upAndDestroy(t: any, installed: Installed, expectUp: (inv: any, outputs: any) => void): Promise<number> {
    // What a clone can install: the repository itself (not an unpublished registry version).
    t.is(
        path.resolve(path.join(REPO, "examples", path.basename(installed.dir)), installed.declared.replace(/^file:/, "")),
        REPO,
        `declared ${installed.declared}`,
    );
    const sim = await simulatorFrom(installed.dir);
    const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
    try {
        const up = await runEngine(["up", installed.dir], env, 240_000);
        t.is(up.code, 0, `up failed:\n${up.stderr.slice(-3000)}`);
        const created = up.result!.steps.create;
        t.true(created > 0);
        t.deepEqual({ ...up.result!.steps, create: 0 }, { create: 0, update: 0, replace: 0, delete: 0, same: 0 });
        t.true(fs.existsSync(path.join(installed.dir, ".pulumi-mold-engine", "state.json")), "state next to the program");
        expectUp(sim.inventory(), up.result!.outputs);

        const down = await runEngine(["destroy", installed.dir], env, 240_000);
        t.is(down.code, 0, `destroy failed:\n${down.stderr.slice(-3000)}`);
        t.deepEqual(down.result!.steps, { create: 0, update: 0, replace: 0, delete: created, same: 0 });
        t.deepEqual(live(sim.inventory()), NOTHING);
        return created;
    } finally {
        await sim.stop();
    }
}

test("examples/network-basics installed from the tarball without @pulumi/kubernetes: up, destroy; a Kubernetes provider names the missing package", async (t) => {
    const installed = await install(t, "network-basics");
    t.false(fs.existsSync(path.join(installed.dir, "node_modules", "@pulumi", "kubernetes")), "@pulumi/kubernetes is not installed");
    const created = await upAndDestroy(t, installed, (inv, outputs) => {
        t.is(inv.vms.filter((v: any) => v.state === "Running").length, 2);
        t.is(inv.networks.length, 1);
        t.is(inv.loadBalancerRules.length, 1);
        t.is(inv.portForwardingRules.length, 2);
        t.regex(outputs.publicIp, /^127\.\d+\.\d+\.\d+$/);
    });
    t.is(created, 12);

    // Asking for a Kubernetes provider where the package is missing: one clear error, both ways of asking.
    const probe = [
        `const pulumi = require("@pulumi/pulumi");`,
        `pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name + "-id", state: a.inputs }), call: () => ({}) });`,
        `const mold = require("pulumi-mold");`,
        `new mold.Network("n", { name: "n", zone: "zone1" });`,
        `const c = new mold.KubernetesCluster("c", { name: "c", zone: "zone1", kubernetesVersion: "1.32.5", serviceOffering: "2C-4GB" });`,
        `const errors = [];`,
        `for (const ask of [() => c.provider, () => mold.kubernetesProvider(c)]) { try { ask(); errors.push("no error"); } catch (e) { errors.push(e.message); } }`,
        `console.log(JSON.stringify(errors));`,
    ].join("\n");
    const r = await runCommand(process.execPath, ["-e", probe], { cwd: installed.dir, timeoutMs: 60_000 });
    t.is(r.code, 0, r.stderr);
    const errors: string[] = JSON.parse(r.stdout.trim().split("\n").pop()!);
    t.is(errors.length, 2);
    for (const e of errors) {
        t.is(
            e,
            "pulumi-mold: a Kubernetes provider needs the package @pulumi/kubernetes, which is not installed (it is an optional " +
                "peer dependency of pulumi-mold): run `npm install @pulumi/kubernetes` in your program's folder",
        );
    }
});

test("examples/quickstart installed from the tarball: up (a Running cluster and its Kubernetes provider), destroy", async (t) => {
    const installed = await install(t, "quickstart");
    const created = await upAndDestroy(t, installed, (inv, outputs) => {
        t.deepEqual(
            inv.kubernetesClusters.map((c: any) => [c.name, c.state]),
            [["quickstart", "Running"]],
        );
        t.is(outputs.clusterState, "Running");
        t.is(outputs.kubeconfig, "[secret]");
        const state = JSON.parse(fs.readFileSync(path.join(installed.dir, ".pulumi-mold-engine", "state.json"), "utf8"));
        t.true(state.resources.some((r: any) => r.type === "pulumi:providers:kubernetes" && r.name === "quickstart-k8s"));
    });
    t.is(created, 10); // 9 resources and the ServiceLoadBalancer component
});

test("examples/self-managed-ha installed from the tarball: up (six nodes bootstrapped over SSH), destroy", async (t) => {
    const installed = await install(t, "self-managed-ha");
    const created = await upAndDestroy(t, installed, (inv, outputs) => {
        t.is(inv.vms.filter((v: any) => v.state === "Running").length, 6);
        t.is(outputs.nodes.length, 6);
        t.regex(outputs.endpoint, /^https:\/\/127\.\d+\.\d+\.\d+:6443$/);
        t.true(inv.kubernetesClusters.some((c: any) => c.clustertype === "ExternalManaged"));
    });
    t.true(created >= 10, `${created} resources`);
});

test("examples/vpc-tiers installed from the tarball: up (three tiers, a cluster on the app tier, static NAT on the db VM), destroy", async (t) => {
    const installed = await install(t, "vpc-tiers");
    const created = await upAndDestroy(t, installed, (inv, outputs) => {
        t.is(inv.vpcs.length, 1);
        t.deepEqual(inv.networks.map((n: any) => n.name).sort(), ["app", "db", "web"]);
        t.deepEqual(
            inv.kubernetesClusters.map((c: any) => [c.name, c.state]),
            [["shop-app", "Running"]],
        );
        t.true(inv.publicIps.some((ip: any) => ip.ipaddress === outputs.dbAddress && ip.isstaticnat));
    });
    t.is(created, 20);
});
