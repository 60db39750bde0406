// Configuration and secrets through the real provider host: an explicit provider for a second Mold
// endpoint, secret inputs re-marked as secret outputs, and nothing secret in the state file.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startSimulatorServer } from "../../simulator/server";
import { cleanEnv, programDir, runEngine } from "../helpers/engine";

test("an explicit provider sends its resources to a second Mold; secrets stay secret", async (t) => {
    const first = await startSimulatorServer({ port: 0 });
    const second = await startSimulatorServer({ port: 0, signature: "sha1" });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-providers-"));
    const state = path.join(dir, "state.json");
    try {
        // The default provider reads the environment; the explicit one gets its own inputs.
        const env = cleanEnv({ MOLD_API_URL: first.url, MOLD_API_KEY: first.apiKey, MOLD_SECRET_KEY: first.secretKey });
        const args = [
            "--state",
            state,
            "--config",
            `secondUrl=${second.url}`,
            "--config",
            `secondKey=${second.apiKey}`,
            "--secret",
            `secondSecret=${second.secretKey}`,
            "--config",
            "secondSignature=sha1",
        ];
        const up = await runEngine(["up", programDir("two-endpoints"), ...args], env);
        t.is(up.code, 0, up.stderr);
        // Explicit provider, two networks; the provider itself counts as a resource, as in Pulumi.
        t.deepEqual(up.result!.steps, { create: 3, update: 0, replace: 0, delete: 0, same: 0 });
        t.deepEqual(
            first.inventory().networks.map((n: any) => n.name),
            ["default-net"],
        );
        t.deepEqual(
            second.inventory().networks.map((n: any) => n.name),
            ["second-net"],
        );
        t.is(up.result!.outputs.token, "[secret]");
        t.is(up.result!.outputs.defaultTags, "[secret]", "an output whose input was secret is secret");
        t.is(up.result!.outputs.secondCidr, "[secret]", "additionalSecretOutputs are honoured");
        t.is(up.result!.outputs.secondNetworkId, second.inventory().networks[0].id);

        const text = fs.readFileSync(state, "utf8");
        for (const secret of [second.secretKey, "stack-output-s3cr3t", "cc-4711-private"]) {
            t.false(text.includes(secret), `state file holds ${secret} in plaintext`);
        }
        t.true(text.includes("ciphertext"));

        const again = await runEngine(["up", programDir("two-endpoints"), ...args], env);
        t.is(again.code, 0, again.stderr);
        t.deepEqual(again.result!.steps, { create: 0, update: 0, replace: 0, delete: 0, same: 3 });

        const destroyed = await runEngine(["destroy", programDir("two-endpoints"), ...args], env);
        t.is(destroyed.code, 0, destroyed.stderr);
        t.deepEqual(first.inventory().networks, []);
        t.deepEqual(second.inventory().networks, []);
    } finally {
        await first.stop();
        await second.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("without credentials anywhere, the error names what is missing and where it comes from", async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-nocreds-"));
    try {
        const r = await runEngine(["up", programDir("dependent"), "--state", path.join(dir, "s.json")], cleanEnv());
        t.is(r.code, 1);
        t.regex(
            r.stderr,
            /mold:Network create: Mold API client configuration: missing apiUrl \(env MOLD_API_URL or CLOUDSTACK_API_URL; pulumi config mold:apiUrl\)/,
        );
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
