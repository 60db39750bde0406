// Guards on what Pulumi stores as `__provider` for every resource kind schema.json declares: serialized the
// way the SDK does it, it must stay within 1 KB per copy (it is stored twice per resource), hold no
// credentials, require only the library's run-time entry point, and load and run in a fresh process.
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

/** Per copy in the state file: the text as a JSON string (escaped newlines and quotes), which is also ≥ the raw text. */
const BOUND_BYTES = 1024;
const schema = JSON.parse(fs.readFileSync(path.join(repoRoot(), "schema.json"), "utf8"));
/** Every dynamic resource kind schema.json declares (components are not dynamic resources). */
const KINDS = Object.keys(schema.resources)
    .filter((token) => !schema.resources[token].isComponent)
    .map((token) => token.split(":")[2]);
const ALLOWED_REQUIRES = new Set(["pulumi-mold/provider"]);

test("every resource kind schema.json declares and the provider runs has a serialized provider in the SDK", (t) => {
    t.true(KINDS.length > 0);
    t.deepEqual(Object.keys(PROVIDERS).sort(), [...KINDS].sort());
    t.deepEqual(Object.keys(RESOURCES).sort(), [...KINDS].sort());
});

test("what the SDK stores as __provider (every dynamic resource class, under mocks) is within the bound and the tested text", async (t) => {
    const stored: Record<string, string> = {};
    await pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                const kind = /^pulumi-nodejs:dynamic\/mold:(.+)$/.exec(args.type)?.[1];
                if (kind) stored[kind] = args.inputs.__provider;
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
        },
        "serialization",
        "test",
        false,
    );
    const sdk: Record<string, unknown> = require("../../sdk");
    const resources: pulumi.Resource[] = [];
    for (const [name, cls] of Object.entries(sdk)) {
        if (typeof cls === "function" && cls.prototype instanceof pulumi.dynamic.Resource) {
            resources.push(new (cls as new (name: string, args: object) => pulumi.Resource)(`s-${name}`, {}));
        }
    }
    await Promise.all(resources.map((r) => new Promise((resolve) => r.urn.apply(resolve))));
    t.deepEqual(Object.keys(stored).sort(), [...KINDS].sort());
    for (const [kind, text] of Object.entries(stored)) {
        t.true(Buffer.byteLength(JSON.stringify(text)) <= BOUND_BYTES, `${kind}: ${Buffer.byteLength(JSON.stringify(text))} bytes per copy`);
        const provider = PROVIDERS[kind];
        t.is(text, (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text, kind);
    }
});

for (const kind of KINDS) {
    test(`${kind}: __provider is at most 1 KB per copy, credential-free, requires only pulumi-mold/provider, and runs in a fresh process`, async (t) => {
        const provider = PROVIDERS[kind];
        t.truthy(provider, `no provider object for ${kind}`);
        const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
        const text = serialized.text;
        t.false(serialized.containsSecrets);
        const copyBytes = Buffer.byteLength(JSON.stringify(text));
        t.true(
            copyBytes <= BOUND_BYTES,
            `${kind} __provider is ${copyBytes} bytes per copy in the state (${Buffer.byteLength(text)} as text), over ${BOUND_BYTES}`,
        );
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
