// The program's own process as the real Pulumi CLI's Node.js language host runs it — source-map-support and
// ts-node registered, @pulumi/pulumi's runtime — with the engine replaced by mocks that answer each registration
// after a delay, so every registration is in flight at once as in a preview or up. What the scale bench's engine
// process costs minus the engine emulation. Prints peak RSS (VmHWM), the highest heap use seen and CPU seconds.
//   node dist/test/bench/program-alone.js [rules=1980] [delayMs=3000] [options]
// Options:
//   --bare=custom|dynamic  run test/programs/scale-bare instead: the same shape with bare pulumi.CustomResource or
//                          pulumi.dynamic.Resource and no pulumi-mold code (@pulumi/pulumi's own floor)
//   --props=N              with --bare: properties registered per rule, at least 4 (5 with dynamic's __provider;
//                          mold.FirewallRule registers 14)
//   --traces=off           with --bare: register with Error.stackTraceLimit 0, as pulumi-mold does
//   --up                   answer as an up does: the inputs plus a created rule's output-only properties (ids,
//                          address, state, the ownership tag), not the inputs alone as a preview does
//   --live                 once every registration is in flight, collect garbage and report the live heap
//                          (liveHeapMb), and again once every answer has arrived (liveHeapAtEndMb: what the
//                          program holds from then on); a forced collection lowers the peak, so measure peaks
//                          without it
//   --snapshot=FILE        with --live: write a heap snapshot there too (count its objects by constructor with
//                          node dist/test/bench/heap-counts.js FILE)
// (PULUMI_DEBUG_PROMISE_LEAKS=1 keeps the per-promise stack traces the SDK otherwise drops.)
import * as fs from "fs";
import * as path from "path";
import * as v8 from "v8";
import * as vm from "vm";

const repo = path.resolve(__dirname, "../../..");
const positional = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const flag = (name: string) => process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`))?.replace(/^[^=]*=?/, "");
const rules = positional[0] ?? "1980";
const delayMs = Number(positional[1] ?? 3000);
const bare = flag("bare");
const live = flag("live") !== undefined;
const up = flag("up") !== undefined;
const snapshot = flag("snapshot");
const program = path.join(repo, bare ? "test/programs/scale-bare" : "test/programs/scale");
const networks = 4;
const ips = 16;
process.env.PULUMI_CONFIG = JSON.stringify({
    [`${bare ? "scale-bare" : "scale"}:networks`]: String(networks),
    [`${bare ? "scale-bare" : "scale"}:ips`]: String(ips),
    [`${bare ? "scale-bare" : "scale"}:rules`]: rules,
    ...(bare ? { "scale-bare:kind": bare, "scale-bare:props": flag("props") ?? "14", "scale-bare:traces": flag("traces") ?? "on" } : {}),
});
require(require.resolve("source-map-support", { paths: [require.resolve("@pulumi/pulumi")] })).install();
require(require.resolve("ts-node", { paths: [program] })).register({
    transpileOnly: true,
    skipProject: true,
    compilerOptions: { module: "commonjs", target: "es2022", esModuleInterop: true, ignoreDeprecations: "6.0" },
});
const pulumi = require(require.resolve("@pulumi/pulumi", { paths: [program] }));
const cpu0 = process.cpuUsage();
let peakHeap = 0;
let registered = 0;
let answered = 0;
let allAnswered: () => void;
const everyAnswer = new Promise<void>((resolve) => (allAnswered = resolve));
let liveHeapMb: number | undefined;

/** Once all the program's registrations are in flight: the live heap after a full collection (and a snapshot). */
function measureLive() {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as () => void;
    gc();
    liveHeapMb = Math.round(process.memoryUsage().heapUsed / 1048576);
    if (snapshot) v8.writeHeapSnapshot(snapshot);
}

async function main() {
    const total = networks + ips + Number(rules);
    await pulumi.runtime.setMocks(
        {
            newResource: (a: { name: string; inputs: object; custom?: boolean }) => {
                if (a.custom !== false && ++registered === total && live) setImmediate(measureLive);
                const created = {
                    ruleId: `${a.name}-id`,
                    ipAddress: "203.0.113.7",
                    networkId: "net-id",
                    state: "Active",
                    tags: { "pulumi-mold:managed-by": "scale" },
                };
                const state = up ? { ...a.inputs, ...created } : a.inputs;
                return new Promise((resolve) =>
                    setTimeout(() => {
                        resolve({ id: `${a.name}-id`, state });
                        if (a.custom !== false && ++answered === total) allAnswered();
                    }, delayMs),
                );
            },
            call: (a: { inputs: object }) => a.inputs,
        },
        bare ? "scale-bare" : "scale",
        "dev",
        true,
    );
    process.chdir(program);
    // Inside the root Stack resource, as the language host runs a program: every resource is its child (and kept
    // as one until the program ends), and the module's exports become the stack's outputs.
    pulumi.runtime.runInPulumiStack(() => require(path.join(program, "index.ts")));
    const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 100);
    // The mocks keep the runtime alive: stop once every resource has been answered and its outputs settled (a slow
    // run — the per-promise traces on a loaded machine — takes minutes to register them all).
    const deadline = setTimeout(() => {
        process.stderr.write(`program-alone: ${answered} of ${total} registrations answered after 10 minutes\n`);
        process.exit(1);
    }, 600_000);
    await everyAnswer;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    clearTimeout(deadline);
    clearInterval(sampler);
    const hwmKb = Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync("/proc/self/status", "utf8"))?.[1] ?? NaN);
    let liveHeapAtEndMb: number | undefined;
    if (live) {
        (vm.runInNewContext("gc") as () => void)();
        liveHeapAtEndMb = Math.round(process.memoryUsage().heapUsed / 1048576);
    }
    const cpu = process.cpuUsage(cpu0);
    const figures = {
        rules: Number(rules),
        ...(bare ? { bare, props: Number(flag("props") ?? 14), traces: flag("traces") ?? "on" } : {}),
        registered,
        answer: up ? "up" : "preview",
        peakRssMb: Math.round(hwmKb / 1024),
        peakHeapMb: Math.round(peakHeap / 1048576),
        ...(liveHeapMb === undefined ? {} : { liveHeapMb, liveHeapAtEndMb }),
        cpuS: (cpu.user + cpu.system) / 1e6,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    process.exit(0);
}

main().catch((e) => {
    process.stderr.write(`program-alone failed: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
});
