// Guards on what Pulumi stores as `__provider` for every resource type: serialized the way the SDK
// does it, it must be small, hold no credentials, require only the library's run-time entry point,
// and load and run in a fresh process.
import test from "ava";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// Fake credentials planted in the environment and stack config before anything loads.
const PLANTED = { key: "planted-api-key-7f3a", secret: "planted-secret-key-91bc", url: "http://127.0.0.1:1/planted" };
process.env.MOLD_API_KEY = PLANTED.key;
process.env.MOLD_SECRET_KEY = PLANTED.secret;
process.env.MOLD_API_URL = PLANTED.url;
process.env.CLOUDSTACK_SECRET_KEY = PLANTED.secret;
process.env.PULUMI_CONFIG = JSON.stringify({ "mold:apiKey": PLANTED.key, "mold:secretKey": PLANTED.secret, "mold:apiUrl": PLANTED.url });

import * as pulumi from "@pulumi/pulumi";
import "../../sdk";
import { PROVIDERS } from "../../sdk/dynamic";
import { RESOURCES } from "../../provider/resources";
import { ensureSelfLink, repoRoot } from "../engine/self-link";

const BUDGET_BYTES = 6 * 1024;
const ALLOWED_REQUIRES = new Set(["pulumi-mold/provider"]);

test("every resource kind the provider runs has a serialized provider in the SDK", (t) => {
    t.deepEqual(Object.keys(PROVIDERS).sort(), Object.keys(RESOURCES).sort());
});

for (const kind of Object.keys(RESOURCES)) {
    test(`${kind}: __provider is small, credential-free, requires only pulumi-mold/provider, and runs in a fresh process`, async (t) => {
        const provider = PROVIDERS[kind];
        t.truthy(provider, `no provider object for ${kind}`);
        const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
        const text = serialized.text;
        t.false(serialized.containsSecrets);
        t.true(Buffer.byteLength(text) < BUDGET_BYTES, `${kind} __provider is ${Buffer.byteLength(text)} bytes`);
        for (const planted of Object.values(PLANTED)) t.false(text.includes(planted), `${kind} __provider contains ${planted}`);
        const requires = [...text.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
        t.true(requires.length > 0);
        for (const r of requires) t.true(ALLOWED_REQUIRES.has(r), `${kind} __provider requires '${r}'`);
        t.false(/@pulumi\/pulumi/.test(text), "the Pulumi SDK must not be captured");

        // Load it the way the host does, in a fresh process, and run configure, check and diff
        // (none of which call Mold) with Map/Date/#private-style run-time traps exercised.
        ensureSelfLink();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "provider-text-"));
        const file = path.join(dir, "provider.js");
        fs.writeFileSync(file, text);
        const script = `
            const requireFromString = require("require-from-string");
            const text = require("fs").readFileSync(${JSON.stringify(file)}, "utf8");
            const provider = requireFromString(text).handler();
            (async () => {
                await provider.configure({ config: { get: (k) => ({ "mold:apiUrl": "http://127.0.0.1:9/client/api" })[k] } });
                const checked = await provider.check({}, { __provider: "p" });
                const diff = await provider.diff("id", { __provider: "old" }, { __provider: "new" });
                process.stdout.write(JSON.stringify({
                    methods: Object.keys(provider).filter((k) => typeof provider[k] === "function").sort(),
                    failures: checked.failures.length,
                    providerKept: checked.inputs.__provider,
                    diffChanges: diff.changes,
                }));
            })().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });`;
        try {
            const out = execFileSync(process.execPath, ["-e", script], { cwd: repoRoot(), encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });
            const result = JSON.parse(out);
            t.deepEqual(result.methods, ["check", "configure", "create", "delete", "diff", "read", "update"]);
            t.true(result.failures > 0, "empty inputs must fail check");
            t.is(result.providerKept, "p");
            t.true(result.diffChanges, "a changed __provider is a change");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
}
