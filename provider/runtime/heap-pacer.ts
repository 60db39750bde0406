// Collects the provider host's garbage while hundreds of hooks are in flight. A program of 2,000 rules sends the
// host 2,000 creates at once (the CLI's parallelism is unbounded by default); each waits for its turn in Mold's
// queue long enough for what it allocated (mostly @pulumi/pulumi's gRPC and protobuf objects) to reach V8's old
// generation, which V8 collects only once the heap has grown several times past what was live. The host then
// peaks at 310–390 MB of which ~70 MB is live. So while many hooks are in flight, a full collection runs once
// the heap has grown well past what the last one left (never more often than once a second). With few hooks in
// flight the pacer does nothing: V8's own pacing is right for small programs.
// PULUMI_MOLD_HEAP_PACER=off turns it off.
import * as v8 from "v8";
import * as vm from "vm";

export interface HeapPacerPolicy {
    /** Hooks in flight from which the pacer looks at the heap. */
    minInFlight: number;
    /** How often it looks, ms. */
    everyMs: number;
    /** No collection while the heap is below this (bytes): small heaps are V8's business. */
    floorBytes: number;
    /** Collect once the heap is this many times what the last collection left. */
    growth: number;
}

export const DEFAULT_HEAP_PACER_POLICY: HeapPacerPolicy = { minInFlight: 100, everyMs: 1000, floorBytes: 96 * 1048576, growth: 1.4 };

/** Whether to collect now: the heap is past the floor and has grown `growth` times past the last live size. */
export function shouldCollect(heapUsedBytes: number, lastLiveBytes: number, policy: HeapPacerPolicy = DEFAULT_HEAP_PACER_POLICY): boolean {
    return heapUsedBytes >= policy.floorBytes && heapUsedBytes >= lastLiveBytes * policy.growth;
}

/** V8's full collection, made callable without starting Node with --expose-gc (as Jest does), or undefined. */
export function exposedGc(): (() => void) | undefined {
    try {
        v8.setFlagsFromString("--expose-gc");
        const gc = vm.runInNewContext("gc") as unknown;
        return typeof gc === "function" ? (gc as () => void) : undefined;
    } catch {
        return undefined;
    }
}

export interface HeapPacer {
    /** Wraps one hook's work: counts it in flight while it runs. */
    track<T>(work: () => Promise<T>): Promise<T>;
    /** Collections made so far (for tests and the bench). */
    readonly collections: number;
}

export interface HeapPacerIo {
    heapUsed(): number;
    collect?: () => void;
}

const defaultIo = (): HeapPacerIo => ({ heapUsed: () => v8.getHeapStatistics().used_heap_size, collect: exposedGc() });

export function createHeapPacer(policy: HeapPacerPolicy = DEFAULT_HEAP_PACER_POLICY, io: () => HeapPacerIo = defaultIo): HeapPacer {
    let inFlight = 0;
    let timer: NodeJS.Timeout | undefined;
    let lastLive = 0;
    let collections = 0;
    let resolved: HeapPacerIo | undefined;

    const look = () => {
        resolved ??= io();
        if (!resolved.collect) return stop();
        if (!shouldCollect(resolved.heapUsed(), lastLive, policy)) return;
        resolved.collect();
        collections++;
        lastLive = resolved.heapUsed();
    };
    const start = () => {
        if (timer || (resolved && !resolved.collect)) return;
        timer = setInterval(look, policy.everyMs);
        timer.unref();
    };
    function stop() {
        if (timer) clearInterval(timer);
        timer = undefined;
    }
    return {
        async track<T>(work: () => Promise<T>): Promise<T> {
            if (++inFlight >= policy.minInFlight) start();
            try {
                return await work();
            } finally {
                if (--inFlight < policy.minInFlight) stop();
            }
        },
        get collections() {
            return collections;
        },
    };
}

let shared: HeapPacer | undefined;

/** The host's pacer, or undefined when PULUMI_MOLD_HEAP_PACER=off. */
export function hostHeapPacer(env: NodeJS.ProcessEnv = process.env): HeapPacer | undefined {
    if (env.PULUMI_MOLD_HEAP_PACER === "off") return undefined;
    return (shared ??= createHeapPacer());
}
