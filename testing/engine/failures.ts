// Which error a failed run reports. As the Pulumi CLI does, the root failure is the step whose provider
// call failed, named by its URN; what cascades from it (a dependent's input that cannot be serialized
// because its dependency failed, steps not started because the run was cancelled, the SDK's rewrap of a
// failed registration) never masks it.

export interface StepFailure {
    urn: string;
    message: string;
}

const NOT_STARTED = "not started: the run was cancelled";

/** A step the engine did not start because an earlier step failed (Pulumi cancels the rest of the run). */
export class CanceledError extends Error {
    constructor(urn: string) {
        super(`${urn}: ${NOT_STARTED}`);
        this.name = "CanceledError";
    }
}

/** A message on one line: every line trimmed, joined with "; " (hook errors may list several problems). */
export function oneLine(message: string): string {
    return message
        .split(/\r?\n/)
        .map((l) => l.trim().replace(/^- /, ""))
        .filter(Boolean)
        .join("; ");
}

export function errorMessage(e: unknown): string {
    if (e instanceof Error) return e.message;
    return typeof e === "string" ? e : (JSON.stringify(e) ?? String(e));
}

/** The one line a failed run prints after `error: `. */
export function rootFailure(steps: StepFailure[], programErrors: unknown[]): string | undefined {
    if (steps.length) {
        const [first, ...more] = steps;
        const also = more.length ? ` (${more.length} more failed: ${more.map((f) => f.urn.split("::").pop()).join(", ")})` : "";
        return oneLine(`${first.urn}: ${first.message}`) + also;
    }
    // The SDK rewraps a refused registration (and a dependent's inputs) in its own errors: those cascade too.
    const own = programErrors.find((e) => !(e instanceof CanceledError) && !errorMessage(e).includes(NOT_STARTED));
    if (own !== undefined) return oneLine(`the program failed: ${errorMessage(own)}`);
    return undefined;
}
