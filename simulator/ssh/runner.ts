// Runs one bootstrap step on an emulated node: injected latency and drops, the step's effect under the
// simulator's state transaction, and the history entry that records what happened.
import { randomUUID } from "crypto";
import { T } from "../model";
import type { Simulator } from "../simulator";
import type { SshFaults } from "./faults";
import { fail, newNode, nodesTable, StepBook, StepContext, StepResult } from "./node-state";
import type { EmulatedNode, StepHistoryEntry, StepOutcome } from "./types";

export type StepAnswer = { kind: "exit"; exitCode: number; stdout: string; stderr: string } | { kind: "drop" };

export interface StepRequest {
    vmId: string;
    user: string;
    step: string;
    env: Record<string, string>;
    /** The step named by the script's `# step:` line. */
    scriptStep?: string;
}

/** Wall-clock pause between two reads of the state (a poll, not simulated time). */
const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The node record of a VM, made on first use. */
export function ensureNode(sim: Simulator, vm: any): EmulatedNode {
    const nodes = nodesTable(sim.state);
    return (nodes[vm.id] ??= newNode(vm));
}

export class StepRunner {
    constructor(
        private readonly sim: Simulator,
        private readonly faults: SshFaults,
        /** Whether the runner's owner stopped (a waiting wait-ready gives up). */
        private readonly stopped: () => boolean,
        private readonly book: StepBook,
        /** Called before a step answers (the SSH manager serves a rotated host key by then). */
        private readonly afterStep: (vmId: string) => Promise<void> = async () => undefined,
    ) {}

    async run(req: StepRequest): Promise<StepAnswer> {
        const latency = this.faults.latencyOf(req.step);
        // The node's API server is down for the step's whole run; the mark ends when the step does, however.
        const restart = this.startRestart(req, latency);
        try {
            return await this.runStep(req, latency);
        } finally {
            const restarts = this.book.apiServerRestarts;
            if (restart && restarts) this.sim.transaction(() => restarts.end(this.sim.state, req.vmId, restart));
        }
    }

    private startRestart(req: StepRequest, latency: number): string | undefined {
        const restarts = this.book.apiServerRestarts;
        if (!restarts?.steps.includes(req.step)) return undefined;
        this.sim.refreshState();
        return this.sim.transaction(() => {
            const ctx = this.context(req);
            return ctx ? restarts.start(ctx, req.step, latency) : undefined;
        });
    }

    private async runStep(req: StepRequest, latency: number): Promise<StepAnswer> {
        if (latency > 0) await this.sim.clock.sleep(latency);
        const vm = (this.sim.refreshState().tables[T.vms] ?? {})[req.vmId];
        if (!vm) return { kind: "drop" }; // the VM went away: so does the connection
        if (this.faults.takeDrop(req.step, vm, "before")) {
            this.sim.transaction(() => this.record(req, "dropped", undefined, { drop: "before" }));
            return { kind: "drop" };
        }
        const injected = this.faults.takeFail(req.step, vm);
        if (injected) {
            const res = this.sim.transaction(() => this.injectedFailure(req, injected));
            return { kind: "exit", exitCode: res.exitCode, stdout: res.stdout, stderr: res.stderr };
        }
        const dropAfter = this.faults.takeDrop(req.step, vm, "after");
        const outcome = req.step === "wait-ready" ? await this.waitReady(req, dropAfter) : this.sim.transaction(() => this.apply(req, dropAfter));
        await this.afterStep(req.vmId);
        return dropAfter ? { kind: "drop" } : { kind: "exit", exitCode: outcome.exitCode, stdout: outcome.stdout, stderr: outcome.stderr };
    }

    private context(req: StepRequest): StepContext | undefined {
        const vm = (this.sim.state.tables[T.vms] ?? {})[req.vmId];
        if (!vm) return undefined;
        return { state: this.sim.state, vm, node: ensureNode(this.sim, vm), env: req.env, now: this.sim.clock.now(), uuid: randomUUID };
    }

    /** Runs the step's effect and records it; called inside a state transaction. */
    private apply(req: StepRequest, dropAfter: boolean): StepResult {
        const ctx = this.context(req);
        if (!ctx) return fail(255, "Connection to the node lost");
        let res: StepResult;
        const handler = this.book.steps[req.step];
        if (req.scriptStep !== req.step) {
            res = fail(2, `pulumi-mold simulator: the script on stdin is for step '${req.scriptStep ?? "(none)"}', the command runs '${req.step}'`);
        } else if (!handler) {
            res = fail(2, `pulumi-mold simulator: unknown step '${req.step}'`);
        } else {
            try {
                res = handler(ctx);
            } catch (e) {
                res = fail(70, `pulumi-mold simulator: step ${req.step} crashed: ${(e as Error).message}`);
            }
        }
        this.finish(ctx, req, res, dropAfter);
        return res;
    }

    /** An injected failure: some output, then the exit status and stderr asked for; the step's effect is not applied. */
    private injectedFailure(req: StepRequest, injected: { exitCode: number; stderr: string }): StepResult {
        const ctx = this.context(req);
        if (!ctx) return fail(255, "Connection to the node lost");
        const stdout = `[${req.step}] starting on ${ctx.node.hostname}\n[${req.step}] working\n`;
        const res = fail(injected.exitCode, injected.stderr, stdout);
        this.finish(ctx, req, res, false);
        return res;
    }

    private async waitReady(req: StepRequest, dropAfter: boolean): Promise<StepResult> {
        const seconds = Number(req.env.PM_TIMEOUT_SECONDS ?? "300");
        const clock = this.sim.clock;
        const deadline = clock.now() + (Number.isFinite(seconds) && seconds >= 0 ? seconds : 300) * 1000;
        const check = (timedOut: boolean): StepResult | undefined => {
            const ctx = this.context(req);
            if (!ctx) return fail(255, "Connection to the node lost");
            if (req.scriptStep !== req.step)
                return fail(2, `pulumi-mold simulator: the script on stdin is for step '${req.scriptStep ?? "(none)"}', the command runs 'wait-ready'`);
            return this.book.waitReady(ctx, timedOut);
        };
        for (;;) {
            const timedOut = clock.now() >= deadline || this.stopped();
            // Polls read the state only; the transaction (a state file write) is for the final answer.
            this.sim.refreshState();
            if (check(timedOut)) {
                const res = this.sim.transaction(() => {
                    const r = check(timedOut);
                    const ctx = this.context(req);
                    if (r && ctx) this.finish(ctx, req, r, dropAfter);
                    return r;
                });
                if (res) return res;
            }
            await pause(Math.min(200, Math.max(10, deadline - clock.now())));
        }
    }

    private finish(ctx: StepContext, req: StepRequest, res: StepResult, dropAfter: boolean): void {
        const outcome: StepOutcome = res.exitCode !== 0 ? "failed" : res.changed ? "applied" : "already";
        if (outcome === "applied") ctx.node.counters[req.step] = (ctx.node.counters[req.step] ?? 0) + 1;
        const error = outcome === "failed" ? res.stderr.split("\n").find((l) => l.trim() !== "") : undefined;
        this.record(req, outcome, res.exitCode, { ...(dropAfter ? { drop: "after" as const } : {}), ...(error ? { error } : {}) }, ctx.node);
    }

    private record(req: StepRequest, outcome: StepOutcome, exitCode: number | undefined, extra: Partial<StepHistoryEntry>, node?: EmulatedNode): void {
        const vm = (this.sim.state.tables[T.vms] ?? {})[req.vmId];
        const target = node ?? (vm ? ensureNode(this.sim, vm) : undefined);
        if (!target) return;
        if (!target.users.includes(req.user)) target.users.push(req.user);
        target.history.push({
            seq: ++this.sim.state.seq,
            step: req.step,
            outcome,
            at: new Date(this.sim.clock.now()).toISOString(),
            user: req.user,
            ...(exitCode !== undefined && !extra.drop ? { exitCode } : {}),
            ...extra,
        });
    }
}
