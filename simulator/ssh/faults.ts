// Injected SSH faults: per-step latency, a boot delay during which connections are reset, and connection
// drops before or after a step's effect. Kept in memory (like the API fault settings), not in the state.
import type { SshDropRule, SshFaultConfig } from "./types";

const WHEN = new Set(["before", "after"]);

/** Validates and normalises a configuration (times defaults to 1); throws with a readable message. */
export function checkSshFaults(config: SshFaultConfig): SshFaultConfig {
    const ms = (what: string, v: unknown) => {
        if (v === undefined) return undefined;
        if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v)) throw new Error(`${what} must be a non-negative number of ms, got ${JSON.stringify(v)}`);
        return v;
    };
    const stepLatency: Record<string, number> = {};
    for (const [step, v] of Object.entries(config.stepLatency ?? {})) stepLatency[step] = ms(`stepLatency.${step}`, v)!;
    const drops = (config.drops ?? []).map((d, i): SshDropRule => {
        if (!d || typeof d.step !== "string" || d.step === "") throw new Error(`drops[${i}].step must name a step`);
        if (!WHEN.has(d.when)) throw new Error(`drops[${i}].when must be "before" or "after", got ${JSON.stringify(d.when)}`);
        const times = d.times ?? 1;
        if (!Number.isInteger(times) || times < 0) throw new Error(`drops[${i}].times must be a non-negative integer`);
        return { step: d.step, ...(d.node !== undefined ? { node: String(d.node) } : {}), when: d.when, times };
    });
    return {
        stepLatencyMs: ms("stepLatencyMs", config.stepLatencyMs) ?? 0,
        stepLatency,
        bootDelayMs: ms("bootDelayMs", config.bootDelayMs) ?? 0,
        drops,
    };
}

export class SshFaults {
    private config: SshFaultConfig = checkSshFaults({});
    /** Drops that fired, in order. */
    readonly fired: { step: string; node: string; when: "before" | "after"; at: string }[] = [];

    constructor(config?: SshFaultConfig) {
        if (config) this.set(config);
    }

    set(config: SshFaultConfig): void {
        this.config = checkSshFaults(config);
    }

    /** The configuration, with each drop's remaining times. */
    get(): SshFaultConfig {
        return JSON.parse(JSON.stringify(this.config));
    }

    latencyOf(step: string): number {
        return this.config.stepLatency?.[step] ?? this.config.stepLatencyMs ?? 0;
    }

    get bootDelayMs(): number {
        return this.config.bootDelayMs ?? 0;
    }

    /** Whether a drop fires for this step on this node at this point; consumes one of its times. */
    takeDrop(step: string, vm: { id: string; name: string }, when: "before" | "after"): boolean {
        const rule = (this.config.drops ?? []).find(
            (d) => d.step === step && d.when === when && (d.times ?? 1) > 0 && (d.node === undefined || d.node === vm.id || d.node.toLowerCase() === vm.name.toLowerCase()),
        );
        if (!rule) return false;
        rule.times = (rule.times ?? 1) - 1;
        this.fired.push({ step, node: vm.name, when, at: new Date().toISOString() });
        return true;
    }
}
