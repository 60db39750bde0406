// The client against a simulator that injects faults: reads and job polls converge through 5xx, 429 and
// dropped connections; changes are re-sent only when Mold certainly did not run them.
import test from "ava";
import { MoldApiError, MoldClient, MoldJobError, MoldJobTimeoutError, MoldOutcomeUnknownError, MoldTransportError } from "../../provider/client";
import { FaultConfig, Faults, RequestFault } from "../../simulator/faults";
import { SimAndClient, withSimulator } from "../helpers/sim";

/** The request faults a seeded config gives `command`, in order, up to and including the first "none". */
function faultSequence(config: FaultConfig, command: string, max = 20): RequestFault[] {
    const f = new Faults(config);
    const out: RequestFault[] = [];
    for (let i = 0; i < max; i++) {
        const r = f.forRequest(command);
        out.push(r);
        if (r === "none") break;
    }
    return out;
}

/** The first seed whose fault sequence for `command` satisfies `want` (so each test knows what it meets). */
function seedWhere(config: FaultConfig, command: string, want: (seq: RequestFault[]) => boolean): { seed: number; seq: RequestFault[] } {
    for (let seed = 1; seed < 100_000; seed++) {
        const seq = faultSequence({ ...config, seed }, command);
        if (want(seq)) return { seed, seq };
    }
    throw new Error("no seed found");
}

async function start(maxRetries: number): Promise<SimAndClient & { templateId: string }> {
    const s = await withSimulator({}, { maxRetries });
    return { ...s, templateId: s.sim.inventory().templates[0].id };
}

function tagsOn(client: MoldClient, resourceid: string) {
    return client.list<{ key: string; value: string }>("listTags", { resourceid }, "tag");
}

test("reads converge to the right answer through 503s, proxy 502s, 429s and dropped connections", async (t) => {
    const { client, sim, templateId, stop } = await start(8);
    try {
        const keys = ["a", "b", "c", "d", "e"];
        await client.callAsync("createTags", {
            resourcetype: "Template",
            resourceids: [templateId],
            tags: keys.map((key) => ({ key, value: `v-${key}` })),
        });
        const jobsBefore = await client.list("listAsyncJobs", {}, "asyncjobs");
        const eventsBefore = await client.list("listEvents", {}, "event");

        sim.setFaults({ serverErrorRate: 0.2, throttleRate: 0.1, dropRate: 0.15, commands: ["listTags", "listAsyncJobs", "listEvents"], seed: 11 });
        for (let i = 0; i < 8; i++) {
            // Page size 2: every list is three pages, each of which may meet a fault.
            const tags = await client.list<{ key: string; value: string }>("listTags", { resourceid: templateId }, "tag", 2);
            t.deepEqual(
                tags.map((x) => `${x.key}=${x.value}`).sort(),
                keys.map((k) => `${k}=v-${k}`),
            );
        }
        for (let i = 0; i < 4; i++) {
            t.deepEqual(await client.list("listAsyncJobs", {}, "asyncjobs"), jobsBefore);
            t.deepEqual(await client.list("listEvents", {}, "event"), eventsBefore);
        }
        const injected = sim.simulator.faults.injected;
        for (const kind of ["error503", "proxy502", "throttle", "dropBefore", "dropAfter"]) {
            t.true((injected[kind] ?? 0) > 0, `no ${kind} was injected: ${JSON.stringify(injected)}`);
        }
        const served = sim.requestCounts.listTags + sim.requestCounts.listAsyncJobs + sim.requestCounts.listEvents;
        t.true(served > 8 * 3 + 4 * 2 + 2, "faulty requests were retried");
    } finally {
        await stop();
    }
});

test("job polls converge through faults on queryAsyncJobResult while each submit is sent once", async (t) => {
    const { client, sim, templateId, stop } = await start(8);
    try {
        sim.setLatency({ createTags: 150 });
        sim.setFaults({ serverErrorRate: 0.25, throttleRate: 0.1, dropRate: 0.2, commands: ["queryAsyncJobResult"], seed: 5 });
        const keys = ["k1", "k2", "k3", "k4", "k5"];
        for (const key of keys) {
            const r = await client.callAsync("createTags", { resourcetype: "Template", resourceids: [templateId], tags: [{ key, value: "x" }] });
            t.deepEqual(r.result, { success: true });
            t.is(r.job.jobstatus, 1);
        }
        t.is(sim.requestCounts.createTags, keys.length);
        t.deepEqual((await tagsOn(client, templateId)).map((x) => x.key).sort(), keys);
        const injected = Object.values(sim.simulator.faults.injected).reduce((a, b) => a + b, 0);
        t.true(injected >= 3, `only ${injected} faults were injected`);
    } finally {
        await stop();
    }
});

test("a change answered 503 and 429 is sent again and carried out exactly once", async (t) => {
    const config = { serverErrorRate: 0.4, throttleRate: 0.4, commands: ["createTags"] };
    // A seed whose createTags meets at least one 503 and one 429 (and nothing else) before it gets through.
    const { seed, seq } = seedWhere(config, "createTags", (s) => {
        const before = s.slice(0, -1);
        return (
            s.at(-1) === "none" &&
            before.includes("error503") &&
            before.includes("throttle") &&
            before.every((f) => f === "error503" || f === "throttle") &&
            s.length <= 5
        );
    });
    const { client, sim, templateId, stop } = await start(5);
    try {
        sim.setFaults({ ...config, seed });
        const r = await client.callAsync("createTags", { resourcetype: "Template", resourceids: [templateId], tags: [{ key: "once", value: "1" }] });
        t.deepEqual(r.result, { success: true });
        t.is(sim.requestCounts.createTags, seq.length, `faults met: ${seq.join(", ")}`);
        t.is(client.requestCounts.createTags, seq.length);
        t.is(sim.simulator.faults.injected.error503, seq.filter((f) => f === "error503").length);
        t.is(sim.simulator.faults.injected.throttle, seq.filter((f) => f === "throttle").length);
        // No duplicates: one tag, one job.
        sim.setFaults({});
        t.deepEqual(
            (await tagsOn(client, templateId)).map((x) => `${x.key}=${x.value}`),
            ["once=1"],
        );
        const jobs = await client.list<{ cmd: string }>("listAsyncJobs", {}, "asyncjobs");
        t.is(jobs.filter((j) => j.cmd.endsWith("CreateTagsCmd")).length, 1);
    } finally {
        await stop();
    }
});

test("a change answered 503 until retries run out fails with Mold's 503 error, after maxRetries + 1 sends", async (t) => {
    const config = { serverErrorRate: 1, commands: ["createTags"] };
    const { seed } = seedWhere(config, "createTags", (s) => s.slice(0, 3).every((f) => f === "error503"));
    const { client, sim, templateId, stop } = await start(2);
    try {
        sim.setFaults({ ...config, seed });
        const e = await t.throwsAsync(() =>
            client.call("createTags", { resourcetype: "Template", resourceids: [templateId], tags: [{ key: "k", value: "v" }] }),
        );
        t.true(e instanceof MoldApiError, String(e));
        t.is((e as MoldApiError).httpStatus, 503);
        t.regex(e!.message, /maintenance mode/);
        t.is(sim.requestCounts.createTags, 3);
        sim.setFaults({});
        t.deepEqual(await tagsOn(client, templateId), []);
    } finally {
        await stop();
    }
});

for (const drop of ["dropBefore", "dropAfter"] as const) {
    test(`a change whose connection is cut (${drop}) is not sent again and raises MoldOutcomeUnknownError`, async (t) => {
        const config = { dropRate: 1, commands: ["createTags"] };
        const { seed } = seedWhere(config, "createTags", (s) => s[0] === drop);
        const { client, sim, templateId, stop } = await start(6);
        try {
            sim.setLatency({ createTags: 1 });
            sim.setFaults({ ...config, seed });
            const e = await t.throwsAsync(() =>
                client.callAsync("createTags", { resourcetype: "Template", resourceids: [templateId], tags: [{ key: "maybe", value: "1" }] }),
            );
            t.true(e instanceof MoldOutcomeUnknownError, String(e));
            t.regex(e!.message, /answer was lost .*may or may not have been carried out/);
            t.is(sim.requestCounts.createTags, 1);
            t.is(client.requestCounts.createTags, 1);
            t.is(client.requestCounts.queryAsyncJobResult ?? 0, 0);
            // The outcome really is unknown to the client: cut before, nothing happened; cut after, the tag exists.
            sim.setFaults({});
            // Past the createTags job's duration on the simulator's clock: a job submitted before the cut is done.
            await sim.advanceClock(sim.simulator.latency.of("createTags"));
            t.is((await tagsOn(client, templateId)).length, drop === "dropAfter" ? 1 : 0);
        } finally {
            await stop();
        }
    });
}

test("a change answered by a proxy's 502 page is not sent again and raises MoldOutcomeUnknownError", async (t) => {
    const config = { serverErrorRate: 1, commands: ["createTags"] };
    const { seed } = seedWhere(config, "createTags", (s) => s[0] === "proxy502");
    const { client, sim, templateId, stop } = await start(6);
    try {
        sim.setFaults({ ...config, seed });
        const e = await t.throwsAsync(() =>
            client.call("createTags", { resourcetype: "Template", resourceids: [templateId], tags: [{ key: "k", value: "v" }] }),
        );
        t.true(e instanceof MoldOutcomeUnknownError, String(e));
        t.regex(e!.message, /HTTP 502 from a proxy/);
        t.is(sim.requestCounts.createTags, 1);
    } finally {
        await stop();
    }
});

test("a proxy's 502 HTML page on a read that runs out of retries gives the status and the page's first bytes", async (t) => {
    const config = { serverErrorRate: 1, commands: ["listTags"] };
    const { seed } = seedWhere(config, "listTags", (s) => s[0] === "proxy502");
    const { client, sim, templateId, stop } = await start(0);
    try {
        sim.setFaults({ ...config, seed });
        const e = await t.throwsAsync(() => client.call("listTags", { resourceid: templateId }));
        t.true(e instanceof MoldTransportError, String(e));
        t.false(e instanceof MoldOutcomeUnknownError);
        t.is((e as MoldTransportError).httpStatus, 502);
        t.regex(e!.message, /^Mold listTags: HTTP 502 /);
        t.regex(e!.message, /text\/html/);
        t.regex(e!.message, /<html><head><title>502 Bad Gateway<\/title>/);
        t.notRegex(e!.message, /SyntaxError|Unexpected token|in JSON at position|is not valid JSON/);
        t.is(sim.requestCounts.listTags, 1);
    } finally {
        await stop();
    }
});

test("a failed job raises MoldJobError with Mold's errortext and the job id", async (t) => {
    const { client, sim, templateId, stop } = await start(2);
    try {
        sim.setFaults({ jobFailureRate: 1 });
        const e = await t.throwsAsync(() =>
            client.callAsync("createTags", { resourcetype: "Template", resourceids: [templateId], tags: [{ key: "k", value: "v" }] }),
        );
        t.true(e instanceof MoldJobError, String(e));
        const je = e as MoldJobError;
        t.is(je.errorcode, 530);
        t.is(je.errortext, "Job failed due to an injected fault while executing createTags");
        const failed = (await client.list<{ jobid: string; jobstatus: number; jobresult: any }>("listAsyncJobs", {}, "asyncjobs")).filter(
            (j) => j.jobstatus === 2,
        );
        t.is(failed.length, 1);
        t.is(je.jobId, failed[0].jobid);
        t.is(je.message, `Mold createTags job ${failed[0].jobid} failed (530): ${failed[0].jobresult.errortext}`);
        t.deepEqual(await tagsOn(client, templateId), []);
    } finally {
        await stop();
    }
});

test("waiting longer than the job timeout raises MoldJobTimeoutError; the job keeps running in Mold", async (t) => {
    const { client, sim, templateId, stop } = await start(2);
    try {
        sim.setLatency({ createTags: 5000 });
        const started = Date.now();
        const e = await t.throwsAsync(() =>
            client.callAsync("createTags", { resourcetype: "Template", resourceids: [templateId], tags: [{ key: "slow", value: "1" }] }, { timeoutMs: 400 }),
        );
        const took = Date.now() - started;
        t.true(e instanceof MoldJobTimeoutError, String(e));
        const te = e as MoldJobTimeoutError;
        t.is(te.timeoutMs, 400);
        t.true(took >= 400 && took < 2000, `gave up after ${took} ms`);
        const job = await client.call<{ jobstatus: number; jobid: string }>("queryAsyncJobResult", { jobid: te.jobId });
        t.is(job.jobid, te.jobId);
        t.is(job.jobstatus, 0);
        t.true(te.message.startsWith(`Mold createTags job ${te.jobId} did not finish within`), te.message);
    } finally {
        await stop();
    }
});
