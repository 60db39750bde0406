// The files generated from schema.json (SDK args and classes' outputs, hook types and lists, docs/resources.md,
// the README's resource table) are committed: they must be what schema.json generates now, and the generator's
// check mode (what `npm run build` runs under CI=true) must fail when they are not.
import test from "ava";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../../..");
const gen = require(path.join(ROOT, "scripts/gen-types.js")) as {
    generate(schema: unknown): Record<string, string>;
    stale(schema: unknown): string[];
};
const readSchema = () => JSON.parse(fs.readFileSync(path.join(ROOT, "schema.json"), "utf8"));

/** schema.json with one more Network input, which changes in place. */
function withNetworkMtu() {
    const schema = readSchema();
    const mtu = { type: "integer", description: "Maximum transmission unit of the guest network." };
    schema.resources["mold:index:Network"].inputProperties.mtu = mtu;
    schema.resources["mold:index:Network"].properties.mtu = mtu;
    return schema;
}

test("the committed generated files are what schema.json generates", (t) => {
    t.deepEqual(gen.stale(readSchema()), [], "run `npm run gen` and commit the result");
});

test("a changed schema.json makes every file that repeats it stale, the docs and the README table included", (t) => {
    const schema = withNetworkMtu();
    t.deepEqual(gen.stale(schema).sort(), [
        "README.md",
        "docs/resources.md",
        "provider/generated/schema.ts",
        "provider/generated/types.ts",
        "sdk/generated/resources.ts",
        "sdk/generated/types.ts",
    ]);
    const out = gen.generate(schema);
    t.regex(
        out["README.md"],
        /\| `Network` \| name, displayText, networkOffering, networkDomain, aclList, vpcCidr, vpcTiers, tags, mtu \| zone, gateway, netmask, vpc \|/,
    );
    t.regex(out["docs/resources.md"], /\| `mtu` \| `number` \| {2}\| in place \| {2}\| Maximum transmission unit of the guest network\. \|/);
    t.regex(out["sdk/generated/types.ts"], /\/\*\* Maximum transmission unit of the guest network\. \*\/\n {4}mtu\?: pulumi\.Input<number>;/);
    t.regex(
        out["provider/generated/types.ts"],
        /Network: \{ inputs: NetworkInputs; outputs: NetworkOutputs; handled: "name" \| "displayText" \| "zone" \| "networkOffering" \| "gateway" \| "netmask" \| "networkDomain" \| "vpc" \| "aclList" \| "vpcCidr" \| "vpcTiers" \| "tags" \| "mtu" \}/,
    );
});

test("the README table and docs/resources.md say what schema.json says: replaces, in place, refused, secret", (t) => {
    const schema = readSchema();
    const out = gen.generate(schema);
    const readme = out["README.md"];
    for (const [token, r] of Object.entries<any>(schema.resources)) {
        if (r.isComponent) continue;
        const kind = token.split(":")[2];
        const row = readme.split("\n").find((l) => l.startsWith(`| \`${kind}\` |`));
        t.truthy(row, kind);
        const [, , inPlace, replaces] = row!.split("|").map((c) => c.trim());
        for (const [k, p] of Object.entries<any>(r.inputProperties)) {
            if (k === "importId" || p["x-connection"]) continue;
            const listed = (cell: string) =>
                cell.split(", ").some((x) => x === k || x.startsWith(`${k} (`) || x.startsWith(`refused: ${k}`) || x.endsWith(`; refused: ${k}`));
            if (p.replaceOnChanges) t.true(listed(replaces), `${kind}.${k} replaces`);
            else if (p["x-onChange"] === "refused") t.regex(replaces, new RegExp(`refused: .*\\b${k}\\b`), `${kind}.${k} refused`);
            else t.true(listed(inPlace), `${kind}.${k} in place`);
        }
    }
    t.regex(out["docs/resources.md"], /\| `userData` \| `string` \| {2}\| replaces \| yes \|/, "VirtualMachine.userData: replaces, secret");
    t.regex(out["docs/resources.md"], /\| `privateKey` \| `string` \| yes \| yes \|/, "SshKeyPair.privateKey: always set, secret");
    t.regex(out["docs/resources.md"], /\| `keyPair` \| `string` \| yes \| refused \|/, "NodeGroup.keyPair is refused");
});

test("gen-types --check fails on stale files and passes on fresh ones, writing nothing", async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mold-gen-check-"));
    try {
        for (const item of ["scripts", "schema.json", "README.md", "docs", "provider/generated", "sdk/generated"]) {
            fs.cpSync(path.join(ROOT, item), path.join(dir, item), { recursive: true });
        }
        const script = path.join(dir, "scripts/gen-types.js");
        await t.notThrowsAsync(run(process.execPath, [script, "--check"], { cwd: dir }));
        fs.writeFileSync(path.join(dir, "schema.json"), JSON.stringify(withNetworkMtu(), null, 2));
        const before = fs.readFileSync(path.join(dir, "sdk/generated/types.ts"), "utf8");
        const err = await t.throwsAsync(run(process.execPath, [script, "--check"], { cwd: dir }));
        t.regex(String((err as { stderr?: string }).stderr), /stale against schema\.json: .*sdk\/generated\/types\.ts.*run `npm run gen`/);
        t.is(fs.readFileSync(path.join(dir, "sdk/generated/types.ts"), "utf8"), before, "check mode writes nothing");
        // CI=true is check mode too, so CI fails when schema.json changed without the generated files.
        await t.throwsAsync(run(process.execPath, [script], { cwd: dir, env: { ...process.env, CI: "true" } }));
        await run(process.execPath, [script], { cwd: dir, env: { ...process.env, CI: "" } });
        await t.notThrowsAsync(run(process.execPath, [script, "--check"], { cwd: dir }), "fresh after a run");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
