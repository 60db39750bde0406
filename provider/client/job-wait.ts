// How long to wait before the next queryAsyncJobResult of a job polled on its own. Pure, so the bench and tests
// can drive it. Waits go through the endpoint's job watcher (job-watcher.ts) unless they pass a policy or a
// schedule or the watcher is off (jobWatch "off"); this schedule also paces polls of objects without a job.
//
// Mold jobs run from a fraction of a second (a tag, a firewall rule) to many minutes (a Kubernetes
// cluster). A fixed interval is either slow to notice short jobs or wasteful on long ones. Waiting a
// fixed fraction (`growth`) of the time already elapsed keeps the overshoot proportional to the job's
// own length (at most growth × duration) while long jobs cost a logarithmic number of polls.
//
// The trade-off, measured with `npm run bench` against the simulator (real client, real HTTP; jobs of
// 0.2–60 s) and compared with the fixed 1 s (libcloud), fixed 2 s (cloudmonkey, cs) and 1,2,3…15 s
// (cloudstack-go) schedules of other clients:
// - growth sets both sides: a smaller fraction notices jobs sooner but polls more. At 0.45 the median
//   overshoot of jobs under 10 s loses to a fixed 1 s poll when those jobs are spread evenly over
//   0.2–10 s (≈545 vs 525 ms); at 0.25 it wins whether they are spread evenly (≈0.4 s vs 0.5–0.6 s)
//   or log-uniformly (≈0.23 s vs 0.55–0.65 s), and jobs of 30–60 s still take ~13% fewer polls than
//   fixed 2 s (≈19.7 vs 22.8). At 0.2, jobs of 30–60 s already poll as often as fixed 2 s (≈23).
// - firstDelayMs stays short so jobs that end almost at once (tags, rules) are noticed in ~0.1 s.
// - minDelayMs (0.4 s) stops the early polls from piling up: with 0.1 s a 1 s job costs 9 polls and
//   a 5 s job 16; with 0.4 s, 4 and 10, at the cost of up to 0.4 s overshoot on sub-second jobs (a
//   fixed 1 s poll averages 0.5 s). Jobs under 10 s still cost ~1.7–1.9× the polls of fixed 1 s.
// - maxDelayMs bounds the overshoot of very long jobs (a cluster create of minutes is noticed within
//   15 s, cloudstack-go's ceiling too) and is reached only after 60 s of waiting.
// A pure time-based schedule cannot beat fixed 1 s on the overshoot of 10–30 s jobs (≈2 s vs 0.5 s)
// without polling more than fixed 2 s on long jobs; it is a choice, not a free win.

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
    minDelayMs: 400,
    growth: 0.25,
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
