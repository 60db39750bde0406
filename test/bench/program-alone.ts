// The program's own process as the real Pulumi CLI's Node.js language host runs it — source-map-support and
// ts-node registered, @pulumi/pulumi's runtime — with the engine replaced by mocks that answer each registration
// after a delay, so every registration is in flight at once as in a preview or up. What the scale bench's engine
// process costs minus the engine emulation. Prints peak RSS (VmHWM), the highest heap use seen and CPU seconds.
//   node dist/test/bench/program-alone.js [rules=1980] [delayMs=3000]
// (PULUMI_DEBUG_PROMISE_LEAKS=1 keeps the per-promise stack traces the SDK otherwise drops.)
import * as fs from "fs";
import * as path from "path";

const repo = path.resolve(__dirname, "../../..");
const rules = process.argv[2] ?? "1980";
const delayMs = Number(process.argv[3] ?? 3000);
const program = path.join(repo, "test/programs/scale");
process.env.PULUMI_CONFIG = JSON.stringify({ "scale:networks": "4", "scale:ips": "16", "scale:rules": rules });
require(require.resolve("source-map-support", { paths: [require.resolve("@pulumi/pulumi")] })).install();
require(require.resolve("ts-node", { paths: [program] })).register({
    transpileOnly: true,
    skipProject: true,
    compilerOptions: { module: "commonjs", target: "es2022", esModuleInterop: true, ignoreDeprecations: "6.0" },
});
const pulumi = require(require.resolve("@pulumi/pulumi", { paths: [program] }));
const cpu0 = process.cpuUsage();
let peakHeap = 0;

async function main() {
    await pulumi.runtime.setMocks(
        {
            newResource: (a: { name: string; inputs: object }) =>
                new Promise((resolve) => setTimeout(() => resolve({ id: `${a.name}-id`, state: a.inputs }), delayMs)),
            call: (a: { inputs: object }) => a.inputs,
        },
        "scale",
        "dev",
        true,
    );
    process.chdir(program);
    require(path.join(program, "index.ts"));
    const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 100);
    // The mocks keep the runtime alive: stop once every answer has long arrived.
    await new Promise((resolve) => setTimeout(resolve, delayMs + 15_000));
    clearInterval(sampler);
    const hwmKb = Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync("/proc/self/status", "utf8"))?.[1] ?? NaN);
    const cpu = process.cpuUsage(cpu0);
    const figures = {
        rules: Number(rules),
        peakRssMb: Math.round(hwmKb / 1024),
        peakHeapMb: Math.round(peakHeap / 1048576),
        cpuS: (cpu.user + cpu.system) / 1e6,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    process.exit(0);
}

main().catch((e) => {
    process.stderr.write(`program-alone failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
});
