// schema.json drives the code: a copy of the repository's provider/ and sdk/ with a changed schema.json is
// regenerated (scripts/gen-types.js) and compiled. A property added to schema.json that the hooks do not
// handle, or one the hooks handle that schema.json no longer has, fails the compile, naming the file and the
// property; the unchanged copy compiles. (schema-types.typecheck.ts shows the same errors without a copy.)
import test from "ava";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../../..");
const TSC = path.join(ROOT, "node_modules/typescript/bin/tsc");

interface Schema {
    resources: Record<string, { inputProperties: Record<string, unknown>; properties: Record<string, unknown>; required?: string[] }>;
}

/** A temp copy of what the generator and the provider/SDK compile need; returns its directory. */
function copyRepository(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mold-schema-drift-"));
    for (const item of ["scripts", "provider", "sdk", "schema.json", "README.md"]) {
        fs.cpSync(path.join(ROOT, item), path.join(dir, item), { recursive: true });
    }
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
    const base = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8"));
    const config = { compilerOptions: { ...base.compilerOptions, noEmit: true, incremental: false }, include: ["provider/**/*.ts", "sdk/**/*.ts"] };
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(config));
    return dir;
}

/** Writes `change(schema)` as the copy's schema.json, regenerates, compiles: tsc's errors, each with its detail lines ([] when clean). */
async function compileWith(dir: string, change: (s: Schema) => void): Promise<string[]> {
    const schema: Schema = JSON.parse(fs.readFileSync(path.join(ROOT, "schema.json"), "utf8"));
    change(schema);
    fs.writeFileSync(path.join(dir, "schema.json"), JSON.stringify(schema, null, 2));
    await run(process.execPath, [path.join(dir, "scripts/gen-types.js")], { cwd: dir, env: { ...process.env, CI: "" } });
    try {
        await run(process.execPath, [TSC, "-p", path.join(dir, "tsconfig.json")], { cwd: dir, maxBuffer: 1 << 24 });
        return [];
    } catch (e) {
        return String((e as { stdout?: string }).stdout ?? e)
            .split(/\n(?=\S)/)
            .filter((l) => /error TS\d+/.test(l));
    }
}

const network = (s: Schema) => s.resources["mold:index:Network"];

test.serial("schema.json and the code: unchanged compiles; added or removed properties fail the compile where they are (not) handled", async (t) => {
    const dir = copyRepository();
    try {
        t.deepEqual(await compileWith(dir, () => undefined), [], "the unchanged copy compiles");

        // An output schema.json says is always set, which Network's create and read do not report.
        const outputAdded = await compileWith(dir, (s) => {
            network(s).properties.mtu = { type: "integer", description: "MTU." };
            network(s).required!.push("mtu");
        });
        t.true(outputAdded.length > 0, "an always-set output nobody reports");
        t.true(
            outputAdded.every((l) => l.startsWith("provider/resources/network.ts")),
            outputAdded.join("\n"),
        );
        t.true(
            outputAdded.some((l) => /'mtu' is missing/.test(l)),
            outputAdded.join("\n"),
        );

        // Inputs (one changing in place, one replacing) that Network's hooks do not say they handle.
        const inputAdded = await compileWith(dir, (s) => {
            network(s).inputProperties.mtu = { type: "integer", description: "MTU." };
            network(s).properties.mtu = { type: "integer", description: "MTU." };
            network(s).inputProperties.vlan = { type: "string", description: "VLAN.", replaceOnChanges: true };
        });
        t.true(inputAdded.length > 0, "inputs nobody handles");
        t.true(
            inputAdded.every((l) => l.startsWith("provider/resources/network.ts")),
            inputAdded.join("\n"),
        );
        t.true(
            inputAdded.some((l) => /is missing the following properties .*: mtu, vlan/.test(l)),
            inputAdded.join("\n"),
        );

        // A property the hooks handle that schema.json no longer has.
        const removed = await compileWith(dir, (s) => {
            delete network(s).inputProperties.networkDomain;
            delete network(s).properties.networkDomain;
            network(s).required = network(s).required!.filter((k) => k !== "networkDomain");
        });
        t.true(removed.length > 0, "a handled property schema.json lacks");
        t.true(
            removed.some((l) => l.startsWith("provider/resources/network.ts") && /networkDomain/.test(l)),
            removed.join("\n"),
        );
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
