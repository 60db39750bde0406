// Provider bench (issue 16, §2 and §3): what the serialized provider costs in the state, and what loading the
// provider costs each run before its first API call.
//   size   bytes of `__provider` per kind (as text, and per copy in the state: a JSON string), against the 1,024-byte
//          bound; its share of a real state file (examples/network-basics after one up), and what the share was with
//          the larger text stored before (test/unit/stored-providers, one function per hook)
//   load   fresh node processes: require("pulumi-mold/provider") alone, then configure + one check of a kind (what a
//          program of only that kind loads), against loading every kind (what the entry point did before); and in
//          @pulumi/pulumi's real dynamic-provider host: the first Check of a fresh host (deserialize + load + check)
//          against the next one
// Every figure comes from the runs made here. Medians of `repeat` fresh processes.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { startSimulatorServer } from "../../simulator/server";
import "../../sdk";
import { PROVIDERS } from "../../sdk/dynamic";
import { ProviderHost } from "../engine/host";
import { repoRoot } from "../engine/self-link";
import { cleanEnv, runEngine } from "../helpers/engine";
import { kindOf, median, round } from "./engine";

export const PROVIDER_BOUND_BYTES = 1024;

export interface ProviderBenchOptions {
    /** Fresh processes per load figure (median reported). */
    repeat?: number;
    progress?: (line: string) => void;
}

const copyBytes = (text: string) => Buffer.byteLength(JSON.stringify(text));
const legacyNetwork = () => fs.readFileSync(path.join(repoRoot(), "test/unit/stored-providers/network-0.1.0.txt"), "utf8");
/** The text the older SDK stored for a kind: it differed from the Network one only in the kind name. */
const legacyText = (kind: string) => legacyNetwork().replaceAll('kind: "Network"', `kind: ${JSON.stringify(kind)}`);

async function sizes() {
    const perKind = [];
    for (const [kind, provider] of Object.entries(PROVIDERS).sort()) {
        const { text } = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
        perKind.push({
            kind,
            textBytes: Buffer.byteLength(text),
            bytesPerCopy: copyBytes(text),
            withinBound: copyBytes(text) <= PROVIDER_BOUND_BYTES,
            before: copyBytes(legacyText(kind)),
        });
    }
    return perKind;
}

/** __provider's share of a state file, and the share it had with the older text in the same places. */
function stateShare(stateFile: string) {
    const text = fs.readFileSync(stateFile, "utf8");
    const state = JSON.parse(text);
    let now = 0;
    let before = 0;
    let copies = 0;
    const kinds: Record<string, number> = {};
    for (const r of state.resources) {
        const kind = kindOf(r.type);
        if (!kind) continue;
        kinds[kind] = (kinds[kind] ?? 0) + 1;
        for (const p of [r.inputs?.__provider, r.outputs?.__provider]) {
            if (typeof p !== "string") continue;
            copies++;
            now += copyBytes(p);
            before += copyBytes(legacyText(kind));
        }
    }
    const fileBytes = Buffer.byteLength(text);
    // The file as the older text made it: same records, each copy longer by the difference.
    const fileBytesBefore = fileBytes - now + before;
    return {
        resourcesByKind: kinds,
        copies,
        stateFileBytes: fileBytes,
        providerBytes: now,
        providerShareOfFile: round(now / fileBytes, 3),
        before: { stateFileBytes: fileBytesBefore, providerBytes: before, providerShareOfFile: round(before / fileBytesBefore, 3) },
    };
}

/** One fresh node: load the provider entry point (or every kind, as before), then configure + check `kind`. */
function loadOnce(kind: string | undefined, everyKind: boolean): { loadMs: number; firstCheckMs: number; modules: number; rssMB: number } {
    const dist = path.resolve(__dirname, "../..");
    const script = `
        const t0 = process.hrtime.bigint();
        const before = Object.keys(require.cache).length;
        ${everyKind ? `require(${JSON.stringify(path.join(dist, "provider/resources"))});` : ""}
        const p = require(${JSON.stringify(path.join(dist, "provider"))});
        const t1 = process.hrtime.bigint();
        const kind = ${JSON.stringify(kind ?? null)};
        (async () => {
            if (kind) {
                const provider = { kind };
                await p.look(provider, [{ config: { get: () => undefined } }]);
                await p.look(provider, [{}, { __provider: "bench" }]);
            }
            const t2 = process.hrtime.bigint();
            process.stdout.write(JSON.stringify({
                loadMs: Number(t1 - t0) / 1e6,
                firstCheckMs: Number(t2 - t0) / 1e6,
                modules: Object.keys(require.cache).length - before,
                rssMB: process.memoryUsage().rss / 1048576,
            }));
        })().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });`;
    return JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } }));
}

function loadFigure(kind: string | undefined, everyKind: boolean, repeat: number) {
    const runs = Array.from({ length: repeat }, () => loadOnce(kind, everyKind));
    return {
        loadMs: round(median(runs.map((r) => r.loadMs)), 1),
        untilFirstCheckDoneMs: round(median(runs.map((r) => r.firstCheckMs)), 1),
        modules: runs[0].modules,
        rssMB: round(median(runs.map((r) => r.rssMB)), 1),
    };
}

/** A fresh real host per sample: the first Check of a kind (deserialize, load, configure, check), then a second one. */
async function hostChecks(kind: string, repeat: number) {
    const provider = PROVIDERS[kind];
    const { text } = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    const urn = `urn:pulumi:bench::bench::pulumi-nodejs:dynamic/mold:${kind}::x`;
    const first: number[] = [];
    const next: number[] = [];
    for (let i = 0; i < repeat; i++) {
        const host = await ProviderHost.start(repoRoot(), cleanEnv());
        try {
            await host.configure({});
            let t = Date.now();
            await host.check(urn, {}, { __provider: text });
            first.push(Date.now() - t);
            t = Date.now();
            await host.check(urn, {}, { __provider: text });
            next.push(Date.now() - t);
        } finally {
            await host.stop();
        }
    }
    return { firstCheckMs: median(first), nextCheckMs: median(next), loadCostMs: median(first) - median(next) };
}

export async function runProviderBench(options: ProviderBenchOptions = {}) {
    const repeat = options.repeat ?? 5;
    const progress = options.progress ?? (() => undefined);
    const started = Date.now();
    const perKind = await sizes();
    progress(`provider: ${perKind.length} kinds serialized`);

    const sim = await startSimulatorServer({ port: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-provider-"));
    let state: ReturnType<typeof stateShare>;
    try {
        const stateFile = path.join(dir, "state.json");
        const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
        const up = await runEngine(["up", path.join(repoRoot(), "examples/network-basics"), "--state", stateFile], env);
        if (up.code !== 0) throw new Error(`up of examples/network-basics failed:\n${up.stderr.slice(-2000)}`);
        state = stateShare(stateFile);
    } finally {
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
    progress(`provider: state share measured`);

    const kinds = ["Network", "FirewallRule", "VirtualMachine", "KubernetesCluster", "NodeGroup"];
    const inNode = {
        entryPointOnly: loadFigure(undefined, false, repeat),
        ...Object.fromEntries(kinds.map((k) => [k, loadFigure(k, false, repeat)])),
        everyKindLoaded: loadFigure("Network", true, repeat),
    };
    progress(`provider: load in node measured`);
    const inHost: Record<string, Awaited<ReturnType<typeof hostChecks>>> = {};
    for (const k of ["Network", "NodeGroup"]) inHost[k] = await hostChecks(k, repeat);
    progress(`provider: load in the host measured`);

    return {
        size: {
            boundBytes: PROVIDER_BOUND_BYTES,
            method: "pulumi.runtime.serializeFunction(() => provider) as the SDK does; bytesPerCopy = the text as a JSON string (one copy in a state file; stored twice per resource)",
            perKind,
            allWithinBound: perKind.every((k) => k.withinBound),
            maxBytesPerCopy: Math.max(...perKind.map((k) => k.bytesPerCopy)),
            state: { program: "examples/network-basics after one up", ...state },
        },
        load: {
            repeat,
            note:
                "inNode: a fresh node per sample; loadMs = require of pulumi-mold/provider, untilFirstCheckDoneMs adds configure and one check of that kind " +
                "(loading its modules); everyKindLoaded = every kind's modules loaded up front, as the entry point did before. inHost: the real dynamic-provider host, " +
                "first Check of a fresh host vs the next one (loadCostMs = the difference: deserializing __provider and loading the kind)",
            inNode,
            inHost,
        },
        wallClockMs: Date.now() - started,
    };
}
