import test from "ava";
import { cloudstackGoSchedule, DEFAULT_JOB_WAIT_POLICY, fixedSchedule, JobWaitPolicy, nextPollDelay, pulumiMoldSchedule } from "../../provider/client";
import { withSimulator } from "../helpers/sim";

const P: JobWaitPolicy = { firstDelayMs: 50, minDelayMs: 300, growth: 0.5, maxDelayMs: 4000 };

test("first delay is used before the first poll (elapsed 0 or less)", (t) => {
    t.is(nextPollDelay(0, P), 50);
    t.is(nextPollDelay(-5, P), 50);
    t.is(nextPollDelay(0), DEFAULT_JOB_WAIT_POLICY.firstDelayMs);
});

test("the delay grows as a fraction of the elapsed time", (t) => {
    t.is(nextPollDelay(1000, P), 500);
    t.is(nextPollDelay(2000, P), 1000);
    t.is(nextPollDelay(3333, P), 1667); // rounded to whole ms
    t.is(nextPollDelay(10_000, { ...P, growth: 0.25 }), 2500);
});

test("the delay is clamped to [minDelayMs, maxDelayMs]", (t) => {
    t.is(nextPollDelay(1, P), 300);
    t.is(nextPollDelay(599, P), 300);
    t.is(nextPollDelay(601, P), 301);
    t.is(nextPollDelay(8000, P), 4000);
    t.is(nextPollDelay(8002, P), 4000);
    t.is(nextPollDelay(3_600_000, P), 4000);
});

test("the default policy is monotonic and stays within its bounds", (t) => {
    const d = DEFAULT_JOB_WAIT_POLICY;
    t.true(d.firstDelayMs <= d.minDelayMs && d.minDelayMs < d.maxDelayMs && d.growth > 0 && d.growth < 1);
    let last = 0;
    for (let e = 1; e <= 600_000; e += 997) {
        const v = nextPollDelay(e);
        t.true(v >= d.minDelayMs && v <= d.maxDelayMs, `delay ${v} at ${e} ms`);
        t.true(v >= last, `delay went down at ${e} ms`);
        last = v;
    }
    t.is(last, d.maxDelayMs);
});

test("schedules: pulumi-mold follows nextPollDelay; fixed; cloudstack-go 1,2,3…15 s", (t) => {
    const s = pulumiMoldSchedule(P);
    t.is(s.delay(0, 0), 50);
    t.is(s.delay(3, 1000), 500);
    t.is(fixedSchedule("x", 2000).delay(7, 12_345), 2000);
    t.deepEqual(
        [0, 1, 2, 13, 14, 15, 40].map((a) => cloudstackGoSchedule.delay(a, 0)),
        [1000, 2000, 3000, 14_000, 15_000, 15_000, 15_000],
    );
});

test("waitForJob takes a schedule that replaces the policy, with consecutive attempts and growing elapsed time", async (t) => {
    const { client, sim, stop } = await withSimulator();
    try {
        sim.setLatency({ createTags: 250 });
        const calls: [number, number][] = [];
        const templateId = sim.inventory().templates[0].id;
        const r = await client.callAsync(
            "createTags",
            { resourcetype: "Template", resourceids: [templateId], tags: [{ key: "k", value: "v" }] },
            { schedule: { name: "probe", delay: (attempt, elapsed) => (calls.push([attempt, elapsed]), 40) } },
        );
        t.deepEqual(r.result, { success: true });
        t.true(calls.length >= 4, `only ${calls.length} delays for a 250 ms job polled every 40 ms`);
        calls.forEach(([attempt], i) => t.is(attempt, i));
        t.is(calls[0][1], 0);
        for (let i = 1; i < calls.length; i++) t.true(calls[i][1] >= calls[i - 1][1]);
        t.is(client.requestCounts.queryAsyncJobResult, calls.length);
    } finally {
        await stop();
    }
});
