// The provider host's heap pacer: collects only while many hooks are in flight and the heap has grown well past
// what the last collection left; stops looking once the hooks are done.
import test from "ava";
import { createHeapPacer, exposedGc, HeapPacerPolicy, shouldCollect } from "../../provider/runtime/heap-pacer";

const MB = 1048576;
const policy: HeapPacerPolicy = { minInFlight: 3, everyMs: 5, floorBytes: 100 * MB, growth: 1.5 };

test("shouldCollect: past the floor and grown past the last live size", (t) => {
    t.false(shouldCollect(99 * MB, 0, policy), "below the floor");
    t.true(shouldCollect(100 * MB, 0, policy));
    t.false(shouldCollect(140 * MB, 100 * MB, policy), "grown 1.4× since the last collection");
    t.true(shouldCollect(150 * MB, 100 * MB, policy));
});

async function until(cond: () => boolean, ms = 5000) {
    const deadline = Date.now() + ms;
    while (!cond()) {
        if (Date.now() > deadline) throw new Error("deadline passed");
        await new Promise((r) => setImmediate(r));
    }
}

test("collects while enough hooks are in flight, and not after they end", async (t) => {
    let heap = 300 * MB;
    let collects = 0;
    const pacer = createHeapPacer(policy, () => ({
        heapUsed: () => heap,
        collect: () => {
            collects++;
            heap = 60 * MB; // what stayed live
        },
    }));
    const gates: (() => void)[] = [];
    const hook = () => pacer.track(() => new Promise<void>((r) => gates.push(r)));
    const running = [hook(), hook(), hook()];
    await until(() => collects === 1);
    heap = 80 * MB; // below the floor: no collection however long it waits
    const seen = collects;
    await new Promise((r) => setTimeout(r, 50));
    t.is(collects, seen);
    heap = 120 * MB; // past the floor, 2× the last live size
    await until(() => collects === 2);
    gates.forEach((open) => open());
    await Promise.all(running);
    heap = 500 * MB;
    await new Promise((r) => setTimeout(r, 50));
    t.is(collects, 2, "no hooks in flight: no looks");
    t.is(pacer.collections, 2);
});

test("a few hooks in flight never collect", async (t) => {
    let collects = 0;
    const pacer = createHeapPacer(policy, () => ({ heapUsed: () => 900 * MB, collect: () => collects++ }));
    await Promise.all([pacer.track(() => new Promise((r) => setTimeout(r, 60))), pacer.track(() => new Promise((r) => setTimeout(r, 60)))]);
    t.is(collects, 0);
});

test("V8's full collection is reachable without --expose-gc, the global scope left alone", (t) => {
    const gc = exposedGc();
    t.is(typeof gc, "function");
    t.is((globalThis as { gc?: unknown }).gc, undefined, "the global scope is left as it was");
});
