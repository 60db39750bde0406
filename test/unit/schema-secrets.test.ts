// schema.json's secret flags agree with the SDK: a property marked `secret` is exactly one the SDK class
// registers as an additional secret output (or wraps as a secret input), so it never lands in plaintext.
import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { RESOURCES } from "../../provider/resources";
import { createMonitor, Registration } from "../engine/monitor";
import { isSecret } from "../engine/secrets";

const schema = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../../schema.json"), "utf8"));

test("every resource's secret outputs in schema.json are the ones its SDK class keeps secret", async (t) => {
    const registrations: Record<string, Registration> = {};
    const settings = require("@pulumi/pulumi/runtime/settings");
    const monitor = createMonitor(
        "dev",
        "schema",
        {
            register: async (r) => {
                registrations[r.type] = r;
                return { id: `${r.name}-id`, outputs: r.inputs };
            },
            read: async (r) => ({ id: r.id, outputs: r.inputs }),
            stackOutputs: () => undefined,
        },
        require,
    );
    settings.setMockOptions(monitor, "schema", "dev", false);
    Object.assign(require("@pulumi/pulumi/runtime/state").getStore(), { supportsSecrets: true });
    const pulumi = require("@pulumi/pulumi");
    const sdk = require("../../sdk");
    for (const kind of Object.keys(RESOURCES)) {
        const spec = schema.resources[`mold:index:${kind}`];
        // Every input set, so secret inputs show up wrapped as the SDK sends them.
        const args: Record<string, unknown> = {};
        for (const [k, p] of Object.entries<any>(spec.inputProperties)) {
            args[k] =
                p.type === "integer" || p.type === "number"
                    ? 1
                    : p.type === "boolean"
                      ? true
                      : p.type === "array"
                        ? ["x"]
                        : p.type === "object" || p.$ref
                          ? {}
                          : "x";
        }
        const resource = new sdk[kind](`secrets-${kind}`, args);
        await new Promise((resolve) => resource.urn.apply(resolve));
        const reg = registrations[`pulumi-nodejs:dynamic/mold:${kind}`];
        t.truthy(reg, kind);
        const sdkSecrets = new Set([...reg.additionalSecretOutputs, ...Object.keys(reg.inputs).filter((k) => isSecret(reg.inputs[k]))]);
        const schemaSecrets = new Set(
            Object.entries<any>(spec.properties)
                .filter(([, p]) => p.secret)
                .map(([k]) => k),
        );
        t.deepEqual([...sdkSecrets].sort(), [...schemaSecrets].sort(), `${kind}: SDK secrets vs schema secrets`);
    }
    void pulumi;
});
