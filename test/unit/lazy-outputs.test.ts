// A pulumi-mold resource's output properties are made when first read (sdk/lazy-outputs.ts): the same Outputs
// (value, known, secret, resources) as @pulumi/pulumi's own, read before or after the engine answers, in a
// preview or an update, while a registration keeps a handful of promises instead of sixty. The replacement is
// installed only around the SDK's own registrations and only when @pulumi/pulumi looks as expected.
import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { FirewallRule } from "../../sdk";
import { installLazyOutputs, lazyTransferProperties, MakeOutput, Resolver } from "../../sdk/lazy-outputs";

const runtimeState = require("@pulumi/pulumi/runtime/state");
const rpc = require("@pulumi/pulumi/runtime/rpc");

interface FakeOutput {
    onto: unknown;
    promises: Promise<unknown>[];
}

const made: FakeOutput[] = [];
const fakeOutput: MakeOutput = (onto, ...promises) => {
    const out = { onto, promises };
    made.push(out);
    return out;
};

const settledOrPending = (p: Promise<unknown>) =>
    Promise.race([
        p.then(
            (v) => ({ value: v }),
            (e: Error) => ({ error: e.message }),
        ),
        new Promise((r) => setTimeout(() => r("pending"), 20)),
    ]);

test("each property is an enumerable accessor until read; a read makes one Output and keeps it", (t) => {
    const transfer = lazyTransferProperties(fakeOutput);
    const onto = {} as pulumi.Resource;
    const resolvers = transfer(onto, "resource:r", { a: 1, b: undefined, id: undefined, urn: undefined });
    t.deepEqual(Object.keys(resolvers), ["a", "b"]);
    t.deepEqual(Object.keys(onto), ["a", "b"]);
    t.is(typeof Object.getOwnPropertyDescriptor(onto, "a")?.get, "function");
    const before = made.length;
    const a = (onto as unknown as Record<string, FakeOutput>).a;
    t.is(made.length, before + 1);
    t.is(a.onto, onto);
    t.is((onto as unknown as Record<string, unknown>).a, a);
    t.deepEqual(Object.getOwnPropertyDescriptor(onto, "a"), { value: a, writable: true, enumerable: true, configurable: true });
    t.is(made.length, before + 1, "the second read makes nothing");
});

test("read before the engine answers: the Output's value, known, secret and dependencies settle with the answer", async (t) => {
    const onto = {} as pulumi.Resource;
    const resolvers = lazyTransferProperties(fakeOutput)(onto, "resource:r", { a: 1 });
    const a = (onto as unknown as Record<string, FakeOutput>).a;
    t.is(await settledOrPending(a.promises[0]), "pending");
    const dep = {} as pulumi.Resource;
    resolvers.a("v", true, true, [dep]);
    t.deepEqual(await Promise.all(a.promises), ["v", true, true, [dep]]);
});

test("read after the engine answered: the same four values; dependencies default to none", async (t) => {
    const onto = {} as pulumi.Resource;
    const resolvers = lazyTransferProperties(fakeOutput)(onto, "resource:r", { a: 1 });
    (resolvers.a as Resolver)(undefined, false, false);
    const a = (onto as unknown as Record<string, FakeOutput>).a;
    t.deepEqual(await Promise.all(a.promises), [undefined, false, false, []]);
});

test("a failed registration rejects a read Output's promises; a gRPC shutdown leaves them pending, as @pulumi/pulumi does", async (t) => {
    const onto = {} as pulumi.Resource;
    const resolvers = lazyTransferProperties(fakeOutput)(onto, "resource:r", { early: 1, late: 2, gone: 3 });
    const early = (onto as unknown as Record<string, FakeOutput>).early;
    resolvers.early(undefined, true, false, [], new Error("create failed"));
    resolvers.late(undefined, true, false, [], new Error("create failed"));
    const late = (onto as unknown as Record<string, FakeOutput>).late;
    for (const p of [...early.promises, ...late.promises]) t.deepEqual(await settledOrPending(p), { error: "create failed" });
    resolvers.gone(undefined, true, false, [], Object.assign(new Error("monitor is terminating"), { code: 14 }));
    const gone = (onto as unknown as Record<string, FakeOutput>).gone;
    t.is(await settledOrPending(gone.promises[0]), "pending");
});

test("a property already on the resource fails as @pulumi/pulumi's does; an assignment replaces a property", (t) => {
    const transfer = lazyTransferProperties(fakeOutput);
    t.throws(() => transfer({ a: 0 } as unknown as pulumi.Resource, "resource:r", { a: 1 }), {
        message: "Property 'a' is already initialized on target 'resource:r",
    });
    const onto = {} as Record<string, unknown>;
    transfer(onto as unknown as pulumi.Resource, "resource:r", { a: 1 });
    onto.a = "replaced";
    t.is(onto.a, "replaced");
});

test("installLazyOutputs: replaces transferProperties and restores it; changes nothing when the internals differ or the env asks", (t) => {
    const original = (onto: unknown, label: unknown, props: unknown) => [onto, label, props];
    const internals = { rpc: { transferProperties: original as unknown }, Output: class {} };
    const restore = installLazyOutputs(internals, {});
    t.truthy(restore);
    t.not(internals.rpc.transferProperties, original);
    restore?.();
    t.is(internals.rpc.transferProperties, original);
    t.is(installLazyOutputs(undefined, {}), undefined);
    t.is(installLazyOutputs({ rpc: { transferProperties: (a: unknown) => a }, Output: class {} }, {}), undefined, "another signature");
    t.is(installLazyOutputs({ rpc: {}, Output: class {} }, {}), undefined, "no transferProperties");
    t.is(installLazyOutputs({ rpc: { transferProperties: original }, Output: undefined }, {}), undefined, "no Output class");
    const frozen = Object.freeze({ transferProperties: original });
    t.is(installLazyOutputs({ rpc: frozen, Output: class {} }, {}), undefined, "not writable");
    t.is(installLazyOutputs(internals, { PULUMI_DEBUG_PROMISE_LEAKS: "1" }), undefined);
    t.is(installLazyOutputs(internals, { PULUMI_MOLD_EAGER_OUTPUTS: "1" }), undefined);
    t.is(internals.rpc.transferProperties, original);
});

// --- Through @pulumi/pulumi's runtime (mocks), against its own eager Outputs (PULUMI_MOLD_EAGER_OUTPUTS) ---

/** What an Output holds, through @pulumi/pulumi's internal promises (what apply, all and serialization read). */
async function facets(o: pulumi.Output<unknown>) {
    const internal = o as unknown as {
        promise(withUnknowns?: boolean): Promise<unknown>;
        isKnown: Promise<boolean>;
        isSecret: Promise<boolean>;
        resources(): Set<pulumi.Resource>;
        allResources(): Promise<Set<pulumi.Resource>>;
    };
    return {
        isOutput: pulumi.Output.isInstance(o),
        value: await internal.promise(true),
        isKnown: await internal.isKnown,
        isSecret: await internal.isSecret,
        resources: [...internal.resources()].length,
        allResources: [...(await internal.allResources())].length,
    };
}

const OUTPUTS = [
    "ipAddressId",
    "protocol",
    "startPort",
    "endPort",
    "cidrList",
    "icmpType",
    "icmpCode",
    "ruleId",
    "ipAddress",
    "networkId",
    "state",
    "tags",
    "importId",
];

async function setMocks(preview: boolean) {
    await pulumi.runtime.setMocks(
        {
            // In a preview the engine knows only the inputs; in an update the provider's outputs come back, one secret.
            newResource: (args: pulumi.runtime.MockResourceArgs) => ({
                id: `${args.name}-id`,
                state: preview ? args.inputs : { ...args.inputs, ruleId: "fw-1", ipAddress: pulumi.secret("203.0.113.7"), state: "Active" },
            }),
            call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
        },
        "lazy",
        "test",
        preview,
    );
}

function rules(name: string): [FirewallRule, FirewallRule] {
    const args = { ipAddressId: "ip-1", protocol: "tcp", startPort: 22, cidrList: ["10.0.0.0/8"] };
    const lazy = new FirewallRule(`${name}-lazy`, args);
    process.env.PULUMI_MOLD_EAGER_OUTPUTS = "1";
    try {
        return [lazy, new FirewallRule(`${name}-eager`, args)];
    } finally {
        delete process.env.PULUMI_MOLD_EAGER_OUTPUTS;
    }
}

for (const preview of [false, true]) {
    test.serial(`${preview ? "preview" : "update"}: every output is the Output @pulumi/pulumi makes, read before or after the answer`, async (t) => {
        await setMocks(preview);
        const [lazy, eager] = rules(preview ? "preview" : "update");
        const record = (r: FirewallRule) => r as unknown as Record<string, pulumi.Output<unknown>>;
        // Half read at once (before the engine answers), half after the registration is done.
        const early = OUTPUTS.filter((_, i) => i % 2 === 0);
        const readEarly = early.map((k) => [record(lazy)[k], record(eager)[k]]);
        for (const r of [lazy, eager]) await (r.urn as unknown as { promise(): Promise<string> }).promise();
        for (const [i, k] of early.entries()) t.deepEqual(await facets(readEarly[i][0]), await facets(readEarly[i][1]), k);
        for (const k of OUTPUTS.filter((_, i) => i % 2 === 1)) t.deepEqual(await facets(record(lazy)[k]), await facets(record(eager)[k]), k);
        if (!preview) {
            t.like(await facets(lazy.ipAddress), { value: "203.0.113.7", isSecret: true, isKnown: true });
            t.like(await facets(lazy.ruleId), { value: "fw-1", isKnown: true });
        } else {
            t.like(await facets(lazy.ruleId), { value: undefined, isKnown: false });
        }
        t.like(await facets(lazy.protocol), { value: "tcp", resources: 1 });
        t.is(rpc.transferProperties.name, "transferProperties", "@pulumi/pulumi's own function is back after each registration");
    });
}

test.serial("a registration in flight keeps a handful of labelled promises, not four per property", async (t) => {
    await setMocks(false);
    rules("count");
    const candidates: Set<{ _debugCtx: string }> = runtimeState.getStore().leakCandidates;
    const count = (name: string) => [...candidates].filter((p) => String(p._debugCtx).includes(`resource:${name}[`)).length;
    t.true(count("count-lazy") <= 6, `${count("count-lazy")} promises`);
    t.true(count("count-eager") >= 4 * OUTPUTS.length, `${count("count-eager")} promises`);
});
