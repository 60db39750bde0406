// How long to wait before the next queryAsyncJobResult. Pure, so the bench and tests can drive it.
//
// Mold jobs run from a fraction of a second (a firewall rule) to many minutes (a Kubernetes
// cluster). A fixed interval is either slow to notice short jobs or wasteful on long ones.
// Waiting a fixed fraction of the time already elapsed keeps the overshoot proportional to
// the job's own length: short jobs are noticed within tens of milliseconds, long jobs cost
// a logarithmic number of polls. A ceiling bounds the overshoot of very long jobs.

export interface JobWaitPolicy {
    /** Delay before the first poll, ms. */
    firstDelayMs: number;
    /** Smallest delay between polls, ms. */
    minDelayMs: number;
    /** Next delay as a fraction of the time elapsed since the job was submitted. */
    growth: number;
    /** Largest delay between polls, ms. */
    maxDelayMs: number;
}

export const DEFAULT_JOB_WAIT_POLICY: JobWaitPolicy = {
    firstDelayMs: 100,
    minDelayMs: 100,
    growth: 0.45,
    maxDelayMs: 15_000,
};

/** Delay before the next poll, given the time elapsed since submission. */
export function nextPollDelay(elapsedMs: number, policy: JobWaitPolicy = DEFAULT_JOB_WAIT_POLICY): number {
    if (elapsedMs <= 0) return policy.firstDelayMs;
    return Math.min(policy.maxDelayMs, Math.max(policy.minDelayMs, Math.round(elapsedMs * policy.growth)));
}

/** A named schedule, for comparing with the fixed schedules other clients use. */
export interface PollSchedule {
    name: string;
    /** Delay before poll number `attempt` (0-based), given the time elapsed. */
    delay(attempt: number, elapsedMs: number): number;
}

export const pulumiMoldSchedule = (policy: JobWaitPolicy = DEFAULT_JOB_WAIT_POLICY): PollSchedule => ({
    name: "pulumi-mold",
    delay: (_attempt, elapsedMs) => nextPollDelay(elapsedMs, policy),
});

export const fixedSchedule = (name: string, ms: number): PollSchedule => ({ name, delay: () => ms });

/** cloudstack-go: 1 s, 2 s, 3 s … capped at 15 s. */
export const cloudstackGoSchedule: PollSchedule = {
    name: "cloudstack-go (1,2,3…15 s)",
    delay: (attempt) => Math.min(15, attempt + 1) * 1000,
};
