// A pulumi-mold resource's source position is the line of the program that made it, not a line inside the SDK.
import test from "ava";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { FirewallRule } from "../../sdk";
import { framesOutside, hideFramesIn } from "../../sdk/source-position";

test.before(async () => {
    await pulumi.runtime.setMocks(
        {
            newResource: (args: pulumi.runtime.MockResourceArgs) => ({ id: `${args.name}-id`, state: args.inputs }),
            call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
        },
        "positions",
        "test",
        false,
    );
});

test.serial("the source position a FirewallRule registers with is this file's line", async (t) => {
    const monitor = pulumi.runtime.getMonitor() as { registerResource: (req: any, cb: unknown) => unknown };
    const original = monitor.registerResource;
    const positions = new Map<string, { uri: string; line: number }>();
    monitor.registerResource = function (req: any, cb: unknown) {
        const pos = req.getSourceposition();
        positions.set(req.getName(), { uri: pos?.getUri() ?? "", line: pos?.getLine() ?? 0 });
        return original.call(this, req, cb);
    };
    try {
        const line = Number(/:(\d+):\d+\)?$/.exec(new Error().stack!.split("\n")[1])![1]) + 1;
        const rule = new FirewallRule("positioned", { ipAddressId: "ip-1", protocol: "tcp", startPort: 22 });
        await new Promise((resolve) => rule.urn.apply(resolve));
        const position = positions.get("positioned");
        t.truthy(position, "registered");
        t.regex(position!.uri, new RegExp(`/source-position\\.test\\.(js|ts)$`), `source position ${position!.uri}`);
        t.is(position!.line, line);
    } finally {
        monitor.registerResource = original;
    }
});

test.serial("stack traces are formatted as before once the resource is made", (t) => {
    const before = Error.prepareStackTrace;
    new FirewallRule("after", { ipAddressId: "ip-1", protocol: "tcp", startPort: 23 });
    t.is(Error.prepareStackTrace, before);
    t.regex(new Error("x").stack!, /source-position\.test\.(js|ts)/);
});

test.serial("hideFramesIn leaves out one directory's frames, keeps the rest and the previous formatter", (t) => {
    const seen: string[][] = [];
    const previous = Error.prepareStackTrace;
    Error.prepareStackTrace = (_err, frames) => (seen.push(frames.map((f) => f.getFileName() ?? "")), "formatted");
    try {
        const show = hideFramesIn(__dirname);
        const stack = new Error("y").stack;
        show();
        t.is(stack, "formatted", "the previous formatter formats what is left");
        t.false(
            seen[0].some((f) => f.startsWith(__dirname + path.sep)),
            "this directory's frames are out",
        );
        t.true(seen[0].length > 0, "the others stay");
    } finally {
        Error.prepareStackTrace = previous;
    }
    t.deepEqual(framesOutside("/a/b", [{ getFileName: () => "/a/b/c.js" }, { getFileName: () => "/a/bc.js" }] as NodeJS.CallSite[]).length, 1);
});
