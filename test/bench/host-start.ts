// What a run pays before its first API call, apart from the engine (issue 16 §3): the provider host's start, its
// configure, the first check (which loads the kind's hooks and makes the first lookup) and a second one, against an
// in-process simulator; and the load times of @pulumi/pulumi, pulumi-mold's SDK and its provider entry in a fresh
// Node.js process (as the program and the host load them).
import { execFileSync } from "child_process";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "../../sdk/dynamic";
import { startSimulatorServer } from "../../simulator/server";
import { ProviderHost } from "../../testing/engine/host";
import { programDir } from "../helpers/engine";
import { median, simEnv } from "./engine";

const DIST = path.resolve(__dirname, "../..");

/** ms to require each module in turn, in one fresh process (each figure excludes what the ones before loaded). */
function loadTimes(): Record<string, number> {
    const script = `
        const out = {};
        const time = (name, id) => { const t = process.hrtime.bigint(); require(id); out[name] = Number(process.hrtime.bigint() - t) / 1e6; };
        time("@pulumi/pulumi", "@pulumi/pulumi");
        time("pulumi-mold SDK (after @pulumi/pulumi)", ${JSON.stringify(path.join(DIST, "sdk"))});
        time("pulumi-mold/provider (after the SDK)", ${JSON.stringify(path.join(DIST, "provider"))});
        console.log(JSON.stringify(out));`;
    return JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: programDir("dependent"), encoding: "utf8" }));
}

export async function runHostStartBench(repeat = 3) {
    const sim = await startSimulatorServer({ port: 0 });
    let firstApi: number | undefined;
    const original = sim.simulator.handleApi.bind(sim.simulator);
    sim.simulator.handleApi = (raw: Record<string, string>) => {
        firstApi ??= Date.now();
        return original(raw);
    };
    try {
        const { text } = await pulumi.runtime.serializeFunction(() => dynamicProvider("Network"), { allowSecrets: true });
        const urn = "urn:pulumi:bench::bench::pulumi-nodejs:dynamic:Network::net";
        const samples: Record<string, number>[] = [];
        for (let i = 0; i < repeat; i++) {
            firstApi = undefined;
            const t0 = Date.now();
            const host = await ProviderHost.start(programDir("dependent"), simEnv(sim));
            try {
                const t1 = Date.now();
                await host.configure({});
                const t2 = Date.now();
                await host.check(urn, {}, { __provider: text, name: "net", zone: "zone1" });
                const t3 = Date.now();
                const beforeFirstApi = firstApi !== undefined ? firstApi - t2 : NaN;
                await host.check(urn, {}, { __provider: text, name: "net-2", zone: "zone1" });
                samples.push({
                    hostListening: t1 - t0,
                    configure: t2 - t1,
                    firstCheck: t3 - t2,
                    firstCheckBeforeItsFirstApiCall: beforeFirstApi,
                    secondCheck: Date.now() - t3,
                });
            } finally {
                await host.stop();
            }
        }
        const keys = Object.keys(samples[0]);
        const loads = Array.from({ length: repeat }, loadTimes);
        return {
            note:
                "hostListening: spawn of @pulumi/pulumi's dynamic-provider host until its gRPC port answers (node + @pulumi/pulumi, no pulumi-mold code yet); " +
                "configure and the checks run pulumi-mold (the first check loads the kind's hooks and the client, then looks the zone up)",
            providerHostMedianMs: Object.fromEntries(keys.map((k) => [k, median(samples.map((s) => s[k]))])),
            providerHostSamplesMs: samples,
            loadTimesMedianMs: Object.fromEntries(Object.keys(loads[0]).map((k) => [k, Math.round(median(loads.map((l) => l[k])) * 10) / 10])),
        };
    } finally {
        await sim.stop();
    }
}
