// Preloaded (NODE_OPTIONS=--require) into the engine and its provider host by the scale bench's --cpu-prof:
// Node refuses --cpu-prof in NODE_OPTIONS, and the engine starts the host itself. Writes a V8 CPU profile
// <CPU_PROF_TAG>-<engine|host>-<pid>.cpuprofile into CPU_PROF_DIR when the process ends (the engine stops the
// host with SIGTERM).
import * as fs from "fs";
import * as inspector from "inspector";
import * as path from "path";

const dir = process.env.CPU_PROF_DIR;
if (dir) {
    const session = new inspector.Session();
    session.connect();
    session.post("Profiler.enable");
    session.post("Profiler.start");
    const role = process.argv.some((a) => /dynamic-provider/.test(a)) ? "host" : "engine";
    let written = false;
    const write = () => {
        if (written) return;
        written = true;
        // An in-thread session answers synchronously, so this works in an exit handler too.
        session.post("Profiler.stop", (err, result) => {
            if (!err)
                fs.writeFileSync(path.join(dir, `${process.env.CPU_PROF_TAG ?? "run"}-${role}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
        });
    };
    process.on("exit", write);
    process.on("SIGTERM", () => {
        write();
        process.exit(0);
    });
}
