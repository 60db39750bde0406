// schema.json is the single source of truth for resource properties: the run-time definitions and
// the SDK classes must agree with it (inputs, required inputs, replace-on-change, outputs).
import test from "ava";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { RESOURCES } from "../../provider/resources";

const schema = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../../schema.json"), "utf8"));
const sorted = (xs: Iterable<string>) => [...xs].sort();

test("schema.json is a Pulumi package named mold with the provider config variables", (t) => {
    t.is(schema.name, "mold");
    t.deepEqual(sorted(Object.keys(schema.config.variables)), sorted(["apiUrl", "apiKey", "secretKey", "signature", "timeoutMs", "caFile", "insecure"]));
    t.true(schema.config.variables.secretKey.secret);
    t.deepEqual(sorted(Object.keys(schema.provider.inputProperties)), sorted(Object.keys(schema.config.variables)));
});

test("every run-time resource kind has a schema entry and vice versa", (t) => {
    const custom = Object.keys(schema.resources).filter((k) => !schema.resources[k].isComponent);
    t.deepEqual(sorted(custom), sorted(Object.keys(RESOURCES).map((k) => `mold:index:${k}`)));
});

test("every component in schema.json is an SDK ComponentResource of that type", (t) => {
    const sdk = require("../../sdk");
    const components = Object.keys(schema.resources).filter((k) => schema.resources[k].isComponent);
    t.true(components.length > 0);
    for (const token of components) {
        const Class = sdk[token.split(":")[2]];
        t.truthy(Class, `sdk exports no ${token}`);
        t.true(Class.prototype instanceof pulumi.ComponentResource, token);
    }
});

for (const [kind, def] of Object.entries(RESOURCES)) {
    const spec = schema.resources[`mold:index:${kind}`];

    test(`${kind}: inputs and replace-on-change flags match the run-time definition`, (t) => {
        t.truthy(spec);
        // importId (adoption) is handled by the hook runner for every resource, outside def.inputs.
        t.deepEqual(sorted(Object.keys(spec.inputProperties)), sorted([...def.inputs, ...(def.connectionInputs ?? []), "importId"]));
        const replacing = Object.entries(spec.inputProperties)
            .filter(([, p]: [string, any]) => p.replaceOnChanges)
            .map(([k]) => k);
        t.deepEqual(sorted(replacing), sorted(def.replaceOnChanges));
    });

    test(`${kind}: required inputs are exactly those check() requires`, (t) => {
        const { failures } = def.check({});
        const required = new Set(failures.filter((f) => / is required/.test(f.reason)).map((f) => f.property));
        // "network or zone" style alternatives are required together, not one by one.
        const alternatives = failures.filter((f) => / or \w+ is required/.test(f.reason)).map((f) => f.property);
        for (const a of alternatives) required.delete(a);
        t.deepEqual(sorted(required), sorted(spec.requiredInputs));
    });
}

test("every SDK class declares exactly the schema's outputs and registers as pulumi-nodejs:dynamic/mold:<Kind>", async (t) => {
    const registered: Record<string, string[]> = {};
    await pulumi.runtime.setMocks({
        newResource: (args) => {
            registered[args.type] = Object.keys(args.inputs);
            return { id: `${args.name}-id`, state: args.inputs };
        },
        call: () => ({}),
    });
    const sdk = require("../../sdk");
    for (const kind of Object.keys(RESOURCES)) {
        const spec = schema.resources[`mold:index:${kind}`];
        const Class = sdk[kind];
        t.truthy(Class, `sdk exports no ${kind}`);
        // Values for required inputs only: optional ones must still become outputs.
        const args: Record<string, unknown> = {};
        for (const k of spec.requiredInputs) args[k] = spec.inputProperties[k].type === "integer" ? 1 : "x";
        const resource = new Class(`schema-${kind}`, args);
        await new Promise((resolve) => resource.urn.apply(resolve));
        const declared = Object.keys(resource).filter((k) => pulumi.Output.isInstance((resource as any)[k]) && !["urn", "id", "__provider"].includes(k));
        t.deepEqual(sorted(declared), sorted(Object.keys(spec.properties)), kind);
        t.true(registered[`pulumi-nodejs:dynamic/mold:${kind}`]?.includes("__provider"), kind);
    }
});
