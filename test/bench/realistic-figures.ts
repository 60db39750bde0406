// The figures of a realistic, time-compressed run (issue 16 §5), shared by the quickstart's realistic scenario and
// the realistic dependent program: time that scales with the compression k (the jobs, and the lateness of noticing
// their ends) is told apart from time that does not (process and engine start, synchronous calls, hand-offs), so
// the ratio at real durations is estimated from compressed runs.
import { median, round } from "./engine";

/** What each compressed run must report. */
export interface RealisticSample {
    criticalPathMs: number;
    latenciesUsedMs: Record<string, number>;
    chain: string[];
    wallMs: number;
    chainLatenessMs: number;
    startupToFirstApiMs: number;
    jobsMatchModel: boolean;
    jobsFailed: number;
}

/** Medians over the runs compressed k times; `emptyUpMs` is the engine emulation's startup (an empty program's whole up). */
export function realisticFigures(samples: RealisticSample[], emptyUpMs: number, k: number) {
    const first = samples[0];
    const cp = first.criticalPathMs;
    const wall = median(samples.map((s) => s.wallMs));
    const chainLateness = median(samples.map((s) => s.chainLatenessMs));
    const startupToFirstApi = median(samples.map((s) => s.startupToFirstApiMs));
    const fixed = wall - emptyUpMs - cp - chainLateness;
    return {
        compression: k,
        latenciesUsedMs: first.latenciesUsedMs,
        criticalPathMs: cp,
        criticalPathAtRealDurationsMs: cp * k,
        criticalChain: first.chain,
        jobsMatchModel: samples.every((s) => s.jobsMatchModel),
        jobsFailed: samples.reduce((a, s) => a + s.jobsFailed, 0),
        wallMs: wall,
        wallSamplesMs: samples.map((s) => s.wallMs),
        wallToCriticalPathRatio: round(wall / cp, 3),
        /** The figure: engine-emulation startup (the empty-program up) taken out. */
        wallExcludingEngineStartupToCriticalPath: round((wall - emptyUpMs) / cp, 3),
        engineEmulationStartupMs: emptyUpMs,
        /** Without anything before the first API call (engine, program and provider host start). */
        wallFromFirstApiToCriticalPath: round((wall - startupToFirstApi) / cp, 3),
        pulumiMoldOverheadMs: {
            /** Noticing the ends of the chain's jobs (upper bound: per command, the latest any such job was noticed). */
            chainJobLateness: chainLateness,
            /** What does not shrink with the jobs: provider host start, lookups and other synchronous calls, a
             *  cluster's health gate, the engine's hand-offs between resources, exit. */
            fixed,
            /** Of which: from the up's start to its first API call, beyond the empty program's whole up. */
            startBeyondEngineStartup: startupToFirstApi - emptyUpMs,
        },
        atRealDurations: {
            note: "job time and lateness scaled back by the compression, the fixed overhead as measured",
            criticalPathMs: cp * k,
            chainJobLatenessMs: chainLateness * k,
            fixedOverheadMs: fixed,
            wallExcludingEngineStartupToCriticalPath: round((cp * k + chainLateness * k + fixed) / (cp * k), 3),
            /** Also without the program's and the provider host's start (everything before the first API call). */
            wallFromFirstApiToCriticalPath: round((cp * k + chainLateness * k + fixed - (startupToFirstApi - emptyUpMs)) / (cp * k), 3),
        },
    };
}
