// The engine's RPC deadline: a hook that never answers (the classic unhandled 'error' event of an
// emitter) fails within the deadline instead of hanging CI.
import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { HostError, ProviderHost } from "../engine/host";
import { repoRoot } from "../engine/self-link";

test("a hook that hangs fails at the RPC deadline", async (t) => {
    const hanging: pulumi.dynamic.ResourceProvider = {
        async create() {
            const { EventEmitter } = require("events");
            const emitter = new EventEmitter();
            // No 'error' listener: the host only logs the uncaught error and never answers the RPC.
            setTimeout(() => emitter.emit("error", new Error("socket closed")), 10);
            return new Promise(() => undefined);
        },
    };
    const text = (await pulumi.runtime.serializeFunction(() => hanging, { allowSecrets: true })).text;
    const host = await ProviderHost.start(repoRoot(), process.env, 2_000);
    try {
        await host.configure({});
        const started = Date.now();
        const e = await t.throwsAsync(() => host.create("urn:pulumi:dev::p::pulumi-nodejs:dynamic:Resource::x", { __provider: text }));
        t.true(e instanceof HostError);
        t.regex(e!.message, /^create: Deadline exceeded/);
        t.true(Date.now() - started < 10_000);
    } finally {
        await host.stop();
    }
});
