// Preloaded (NODE_OPTIONS=--require, with --expose-gc) into the engine and its provider host by the scale bench:
// when the process ends it collects garbage and writes what is still live on the V8 heap to
// <HEAP_AT_EXIT_DIR>/<HEAP_AT_EXIT_TAG>-<engine|host>-<pid>.json. Peak RSS says how much memory a process took;
// this says how much of it the run still held (every resource object, its outputs and their promises live until
// the program ends), which does not depend on when V8 chose to collect.
import * as fs from "fs";
import * as path from "path";

const dir = process.env.HEAP_AT_EXIT_DIR;
const gc = (globalThis as { gc?: () => void }).gc;
if (dir && gc) {
    const role = process.argv.some((a) => /dynamic-provider/.test(a)) ? "host" : "engine";
    let written = false;
    const write = () => {
        if (written) return;
        written = true;
        gc();
        const m = process.memoryUsage();
        const file = path.join(dir, `${process.env.HEAP_AT_EXIT_TAG ?? "run"}-${role}-${process.pid}.json`);
        fs.writeFileSync(file, JSON.stringify({ heapUsedMb: Math.round(m.heapUsed / 1048576), externalMb: Math.round(m.external / 1048576) }));
    };
    process.on("exit", write);
    // The engine stops its provider host with SIGTERM; a listener replaces the default exit, so exit here.
    process.once("SIGTERM", () => {
        write();
        process.exit(0);
    });
}
