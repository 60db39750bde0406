// Injected SSH faults: per-step latency, a boot delay during which connections are reset, connection
// drops before or after a step's effect, and steps that fail (exit non-zero) without their effect. Kept in memory (like the API fault settings), not in the state.
import type { SshDropRule, SshFailRule, SshFaultConfig } from "./types";

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
    const fails = (config.fails ?? []).map((f, i): SshFailRule => {
        if (!f || typeof f.step !== "string" || f.step === "") throw new Error(`fails[${i}].step must name a step`);
        const exitCode = f.exitCode ?? 1;
        if (!Number.isInteger(exitCode) || exitCode < 1 || exitCode > 255)
            throw new Error(`fails[${i}].exitCode must be an integer from 1 to 255, got ${JSON.stringify(f.exitCode)}`);
        if (f.stderr !== undefined && typeof f.stderr !== "string") throw new Error(`fails[${i}].stderr must be a string`);
        const times = f.times ?? 1;
        if (!Number.isInteger(times) || times < 0) throw new Error(`fails[${i}].times must be a non-negative integer`);
        return {
            step: f.step,
            ...(f.node !== undefined ? { node: String(f.node) } : {}),
            exitCode,
            ...(f.stderr !== undefined ? { stderr: f.stderr } : {}),
            times,
        };
    });
    return {
        stepLatencyMs: ms("stepLatencyMs", config.stepLatencyMs) ?? 0,
        stepLatency,
        bootDelayMs: ms("bootDelayMs", config.bootDelayMs) ?? 0,
        drops,
        fails,
    };
}

const matches = (rule: { node?: string }, vm: { id: string; name: string }) =>
    rule.node === undefined || rule.node === vm.id || rule.node.toLowerCase() === vm.name.toLowerCase();

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
        const rule = (this.config.drops ?? []).find((d) => d.step === step && d.when === when && (d.times ?? 1) > 0 && matches(d, vm));
        if (!rule) return false;
        rule.times = (rule.times ?? 1) - 1;
        this.fired.push({ step, node: vm.name, when, at: new Date().toISOString() });
        return true;
    }

    /** The failure injected into this step on this node, if a rule fires; consumes one of its times. */
    takeFail(step: string, vm: { id: string; name: string }): { exitCode: number; stderr: string } | undefined {
        const rule = (this.config.fails ?? []).find((f) => f.step === step && (f.times ?? 1) > 0 && matches(f, vm));
        if (!rule) return undefined;
        rule.times = (rule.times ?? 1) - 1;
        const exitCode = rule.exitCode ?? 1;
        return { exitCode, stderr: rule.stderr ?? `pulumi-mold simulator: injected failure of ${step} (exit ${exitCode})` };
    }
}
