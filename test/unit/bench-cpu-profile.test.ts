// The scale bench's split of a CPU profile by who owns the code: the engine emulation's share is reported apart.
import test from "ava";
import { ownerOf, selfTimeByOwner } from "../bench/cpu-profile";

test("ownerOf: engine emulation, pulumi-mold, @pulumi/pulumi, source maps, gRPC, GC and idle are told apart", (t) => {
    t.is(ownerOf("file:///repo/dist/testing/engine/engine.js", "save"), "engineEmulation");
    t.is(ownerOf("file:///repo/dist/provider/client/client.js", "call"), "pulumiMold");
    t.is(ownerOf("file:///repo/dist/sdk/dynamic.js", "x"), "pulumiMold");
    t.is(ownerOf("file:///repo/node_modules/@pulumi/pulumi/runtime/debuggable.js", "debuggablePromise"), "pulumiRuntime");
    t.is(ownerOf("file:///repo/node_modules/@cspotcode/source-map-support/source-map-support.js", "wrapCallSite"), "sourceMaps");
    t.is(ownerOf("file:///repo/node_modules/@grpc/grpc-js/build/src/client.js", "makeUnaryRequest"), "grpcProtobuf");
    t.is(ownerOf("file:///repo/test/programs/scale/index.ts", ""), "program");
    t.is(ownerOf("", "(garbage collector)"), "gc");
    t.is(ownerOf("", "(idle)"), "idle");
    t.is(ownerOf("node:fs", "writeFileSync"), "node");
});

test("selfTimeByOwner: sums each sample's time delta (µs) into ms per owner", (t) => {
    const profile = {
        nodes: [
            { id: 1, callFrame: { functionName: "save", url: "file:///r/dist/testing/engine/state.js" } },
            { id: 2, callFrame: { functionName: "(garbage collector)", url: "" } },
        ],
        samples: [1, 1, 2],
        timeDeltas: [1000, 2000, 4000],
    };
    t.deepEqual(selfTimeByOwner(profile), { engineEmulation: 3, gc: 4 } as any);
});
