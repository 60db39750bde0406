// Fault injection: the failures a client meets in front of a real Mold (maintenance 503s, proxy 502
// pages, API throttling, connections cut mid-request, failed and slow jobs). Seeded, so runs repeat.

export interface FaultConfig {
    /** Fraction of API requests answered with a 5xx (Mold 503 envelope, or a proxy's 502 HTML page). */
    serverErrorRate?: number;
    /** Fraction answered 429 with Mold's throttling text. */
    throttleRate?: number;
    /** Fraction whose connection is cut without an answer: half before the command runs, half after. */
    dropRate?: number;
    /** Cut connections only before the command runs, or only after it ran (default: either, half each). */
    dropPhase?: "before" | "after";
    /** Inject at most this many request faults, then none (e.g. 1: only the first matching request fails). */
    limit?: number;
    /** Fraction of async jobs that fail with 530. */
    jobFailureRate?: number;
    /** Fraction of async jobs that take `slowJobFactor` times longer. */
    slowJobRate?: number;
    slowJobFactor?: number;
    /** Limit request faults to these commands (default: every command). */
    commands?: string[];
    /** Never inject request faults into these commands. */
    exceptCommands?: string[];
    seed?: number;
}

export type RequestFault = "none" | "error503" | "proxy502" | "throttle" | "dropBefore" | "dropAfter";

/** mulberry32: a small seeded PRNG (also used by test/bench/job-wait.ts, so its runs repeat too). */
export function mulberry32(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

export class Faults {
    private config: FaultConfig = {};
    private random: () => number = mulberry32(1);
    /** Counts of injected faults, by kind. */
    readonly injected: Record<string, number> = {};

    constructor(config: FaultConfig = {}) {
        this.set(config);
    }

    set(config: FaultConfig): void {
        for (const k of ["serverErrorRate", "throttleRate", "dropRate", "jobFailureRate", "slowJobRate"] as const) {
            const v = config[k];
            if (v !== undefined && !(v >= 0 && v <= 1)) throw new Error(`fault ${k} must be between 0 and 1, got ${v}`);
        }
        this.config = { ...config };
        this.random = mulberry32(config.seed ?? 1);
        this.requestFaults = 0;
    }

    /** Request faults injected since the configuration was set (for `limit`). */
    private requestFaults = 0;

    get(): FaultConfig {
        return { ...this.config };
    }

    private count(kind: string): void {
        this.injected[kind] = (this.injected[kind] ?? 0) + 1;
    }

    forRequest(command: string): RequestFault {
        const c = this.config;
        if (c.commands && !c.commands.includes(command)) return "none";
        if (c.exceptCommands?.includes(command)) return "none";
        if (c.limit !== undefined && this.requestFaults >= c.limit) return "none";
        const r = this.random();
        let edge = c.serverErrorRate ?? 0;
        let fault: RequestFault = "none";
        if (r < edge) fault = this.random() < 0.5 ? "error503" : "proxy502";
        else if (r < (edge += c.throttleRate ?? 0)) fault = "throttle";
        else if (r < edge + (c.dropRate ?? 0)) {
            const after = c.dropPhase === "after" || (c.dropPhase === undefined && this.random() >= 0.5);
            fault = after ? "dropAfter" : "dropBefore";
        }
        if (fault !== "none") {
            this.count(fault);
            this.requestFaults++;
        }
        return fault;
    }

    jobFails(): boolean {
        const hit = this.random() < (this.config.jobFailureRate ?? 0);
        if (hit) this.count("jobFailure");
        return hit;
    }

    jobSlowdown(): number {
        if (this.random() < (this.config.slowJobRate ?? 0)) {
            this.count("slowJob");
            return this.config.slowJobFactor ?? 5;
        }
        return 1;
    }
}
