// When the engine writes its state file. Writing after every step costs O(state) each time, so a stack of n
// resources paid O(n²) (500 rules: 8 s of a 14 s no-op up). The next write waits a few times as long as the last
// one took, so writes take a bounded share of the run however large the state, and a step's checkpoint is
// never later than MAX_CHECKPOINT_LAG_MS (small states are still written at once, step by step).

/** Time between writes, as a multiple of the last write's duration: writes take at most 1/(1+k) of the run. */
export const CHECKPOINT_SPACING = 4;
export const MAX_CHECKPOINT_LAG_MS = 1000;

/** Milliseconds to wait before writing, given how long the last write took and how long ago it ended. */
export function checkpointDelayMs(lastWriteMs: number, sinceLastWriteMs: number): number {
    return Math.max(0, Math.min(MAX_CHECKPOINT_LAG_MS, CHECKPOINT_SPACING * lastWriteMs) - sinceLastWriteMs);
}
