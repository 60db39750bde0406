// The SDK's resources register without the per-promise stack texts @pulumi/pulumi stamps on every output's
// promises (about 60 per resource, kept until the program ends): they are empty unless
// PULUMI_DEBUG_PROMISE_LEAKS asks for them, and Error.stackTraceLimit is the caller's again afterwards.
import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { FirewallRule } from "../../sdk";
import { registrationStackTraceLimit } from "../../sdk/dynamic";

const runtimeState = require("@pulumi/pulumi/runtime/state");

interface DebugPromise {
    _debugCtx: string;
    _debugStackTrace: string;
}

/** The promises the SDK stamped while registering `name` (still unresolved right after its constructor). */
function stampedFor(name: string): DebugPromise[] {
    const candidates: Set<DebugPromise> = runtimeState.getStore().leakCandidates;
    return [...candidates].filter((p) => String(p._debugCtx).includes(`resource:${name}[`));
}

const frames = (stack: string) => stack.split("\n").filter((l) => /^\s+at /.test(l)).length;

test.before(async () => {
    await pulumi.runtime.setMocks(
        {
            newResource: (args: pulumi.runtime.MockResourceArgs) => ({ id: `${args.name}-id`, state: args.inputs }),
            call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
        },
        "stacks",
        "test",
        false,
    );
});

test("registrationStackTraceLimit: 0 unless PULUMI_DEBUG_PROMISE_LEAKS asks for the leak report's traces", (t) => {
    t.is(registrationStackTraceLimit(10, {}), 0);
    t.is(registrationStackTraceLimit(25, { PULUMI_DEBUG_PROMISE_LEAKS: "1" }), 25);
});

test.serial("a resource's output promises carry no stack frames, and the caller's stack limit is restored", async (t) => {
    const limit = Error.stackTraceLimit;
    const rule = new FirewallRule("lean-rule", { ipAddressId: "ip-1", protocol: "tcp", startPort: 22 });
    t.is(Error.stackTraceLimit, limit);
    const stamped = stampedFor("lean-rule");
    // The URN's, the id's and the registration's (the properties' Outputs are made when read: sdk/lazy-outputs.ts).
    t.true(stamped.length >= 5, `only ${stamped.length} stamped promises found`);
    t.deepEqual(
        stamped.filter((p) => frames(p._debugStackTrace) > 0).map((p) => p._debugCtx),
        [],
    );
    // The resource still registers and resolves its outputs.
    t.is(await new Promise((resolve) => rule.protocol.apply(resolve)), "tcp");
    t.truthy(frames(new Error().stack ?? "") > 0);
});

test.serial("with PULUMI_DEBUG_PROMISE_LEAKS the traces are kept (what this guard would see without the fix)", (t) => {
    process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
    try {
        new FirewallRule("traced-rule", { ipAddressId: "ip-1", protocol: "tcp", startPort: 23 });
    } finally {
        delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
    }
    const stamped = stampedFor("traced-rule");
    t.true(stamped.length >= 40);
    t.true(stamped.every((p) => frames(p._debugStackTrace) > 0));
});
