// A diagnostic preload for the provider host (NODE_OPTIONS="--require …/heap-timeline-preload.js", with
// --expose-gc): where its peak RSS comes from. With HEAP_TIMELINE_DIR set, the host writes
// <dir>/host-<pid>.timeline.jsonl, one line every HEAP_TIMELINE_MS (default 250): RSS, heap used and total,
// external memory. With HEAP_TIMELINE_GC_EVERY=k, every k-th sample first collects garbage, so that line's
// heapUsed is what the host held live at that moment (in-flight work), against the RSS V8's lazy collection
// left standing. With HEAP_SNAPSHOT_AT_MB=m, one heap snapshot is written when the RSS first passes m MB
// (a snapshot collects garbage first, so it shows only what is live). With HEAP_ALLOC_PROFILE=1, V8's sampling
// heap profiler records every allocation, collected or not, and host-<pid>.heapprofile is written at exit: who
// makes the garbage that V8 lets pile up before it collects. Only the host (dynamic-provider) samples.
import * as fs from "fs";
import * as inspector from "inspector";
import * as path from "path";
import * as v8 from "v8";

const dir = process.env.HEAP_TIMELINE_DIR;
const isHost = process.argv.some((a) => /dynamic-provider/.test(a));
if (dir && isHost) {
    const gc = (globalThis as { gc?: () => void }).gc;
    const everyMs = Number(process.env.HEAP_TIMELINE_MS ?? 250);
    const gcEvery = Number(process.env.HEAP_TIMELINE_GC_EVERY ?? 0);
    const snapshotAtMb = Number(process.env.HEAP_SNAPSHOT_AT_MB ?? 0);
    const file = path.join(dir, `host-${process.pid}.timeline.jsonl`);
    const started = Date.now();
    const mb = (n: number) => Math.round(n / 104857.6) / 10;
    let n = 0;
    let snapshotTaken = false;
    const timer = setInterval(() => {
        n++;
        const collected = gcEvery > 0 && gc !== undefined && n % gcEvery === 0;
        const rssBefore = process.memoryUsage.rss();
        if (collected) gc!();
        const m = process.memoryUsage();
        const line = {
            t: Date.now() - started,
            rss: mb(rssBefore),
            heapUsed: mb(m.heapUsed),
            heapTotal: mb(m.heapTotal),
            external: mb(m.external),
            live: collected,
        };
        fs.appendFileSync(file, `${JSON.stringify(line)}\n`);
        if (snapshotAtMb > 0 && !snapshotTaken && rssBefore / 1048576 >= snapshotAtMb) {
            snapshotTaken = true;
            v8.writeHeapSnapshot(path.join(dir, `host-${process.pid}-${line.t}.heapsnapshot`));
        }
    }, everyMs);
    timer.unref();
    if (process.env.HEAP_ALLOC_PROFILE === "1") {
        const session = new inspector.Session();
        session.connect();
        session.post("HeapProfiler.enable");
        // includeObjectsCollectedBy*: every allocation counts, not only what is still live at the end.
        session.post("HeapProfiler.startSampling", {
            samplingInterval: 32768,
            includeObjectsCollectedByMajorGC: true,
            includeObjectsCollectedByMinorGC: true,
        } as inspector.HeapProfiler.StartSamplingParameterType);
        let written = false;
        const write = () => {
            if (written) return;
            written = true;
            session.post("HeapProfiler.stopSampling", (err, result) => {
                if (!err) fs.writeFileSync(path.join(dir, `host-${process.pid}.heapprofile`), JSON.stringify(result.profile));
            });
        };
        process.on("exit", write);
        process.once("SIGTERM", () => {
            write();
            process.exit(0);
        });
    }
}
