// The simulator's clock: tests move the simulated time instead of sleeping; a frozen clock moves only when
// told to, so what a job or a download looks like at a given moment is deterministic.
import test from "ava";
import { SimClock } from "../../simulator/clock";
import { withSimulator } from "../helpers/sim";

test("a frozen clock moves only by advance; sleepers wake when their time comes, not before", async (t) => {
    const clock = new SimClock({ frozen: true, start: 1_000_000 });
    t.is(clock.now(), 1_000_000);
    const woke: string[] = [];
    void clock.sleep(100).then(() => woke.push("100"));
    void clock.sleep(300).then(() => woke.push("300"));
    await new Promise((r) => setImmediate(r));
    t.deepEqual(woke, []);
    t.is(clock.advance(99), 1_000_099);
    await new Promise((r) => setImmediate(r));
    t.deepEqual(woke, [], "99 ms is not 100");
    clock.advance(1);
    await new Promise((r) => setImmediate(r));
    t.deepEqual(woke, ["100"]);
    clock.advance(500);
    await new Promise((r) => setImmediate(r));
    t.deepEqual(woke, ["100", "300"]);
    t.throws(() => clock.advance(-1), { message: /forward only/ });
    t.throws(() => clock.advance(Number.NaN), { message: /forward only/ });
});

test("the default clock is the wall clock plus what was skipped; a sleep ends early when the clock is advanced", async (t) => {
    const clock = new SimClock();
    t.true(Math.abs(clock.now() - Date.now()) < 50);
    clock.advance(60_000);
    t.true(Math.abs(clock.now() - (Date.now() + 60_000)) < 50);
    const started = Date.now();
    const sleeping = clock.sleep(3_600_000);
    clock.advance(3_600_000);
    await sleeping;
    t.true(Date.now() - started < 1000, "an hour of simulated time passed without waiting for it");
});

test("a simulator without a clock given keeps the wall clock (demo, bench and CLI behave as before)", (t) => {
    const { Simulator } = require("../../simulator/simulator") as typeof import("../../simulator/simulator");
    const sim = new Simulator();
    t.true(Math.abs(sim.clock.now() - Date.now()) < 1000);
});

test("with a frozen clock a job is pending until its duration passed on the clock, then done (no sleep, no race)", async (t) => {
    const clock = new SimClock({ frozen: true });
    const { sim, client, stop } = await withSimulator({ clock, latencyProfile: "realistic", ssh: false, kubeApi: false });
    try {
        const templateId = sim.inventory().templates[0].id;
        const { jobid } = await client.call<{ jobid: string }>("createTags", {
            resourcetype: "Template",
            resourceids: templateId,
            "tags[0].key": "k",
            "tags[0].value": "v",
        });
        const status = async () => (await client.call<{ jobstatus: number }>("queryAsyncJobResult", { jobid })).jobstatus;
        const duration = sim.simulator.latency.of("createTags");
        t.is(duration, 300, "the realistic profile's createTags");
        t.is(await status(), 0);
        await sim.advanceClock(duration - 1);
        t.is(await status(), 0, "1 ms before its end the job still runs");
        t.deepEqual(sim.inventory().tags ?? [], []);
        await sim.advanceClock(1);
        t.is(await status(), 1);
        t.like(sim.inventory().tags[0], { key: "k", value: "v", resourceid: templateId });
    } finally {
        await stop();
    }
});

test("with a frozen clock a new Kubernetes version's ISO is Creating until its download time passed on the clock", async (t) => {
    const clock = new SimClock({ frozen: true });
    const { sim, client, stop } = await withSimulator({ clock, latencyProfile: "realistic", ssh: false, kubeApi: false });
    try {
        const { kubernetessupportedversion: v } = await client.call<any>("addKubernetesSupportedVersion", {
            semanticversion: "1.34.0",
            url: "http://x/iso",
            mincpunumber: 2,
            minmemory: 2048,
        });
        t.is(v.isostate, "Creating");
        const iso = async () => (await client.call<any>("listKubernetesSupportedVersions", { id: v.id })).kubernetessupportedversion[0].isostate;
        const download = sim.simulator.latency.of("registerIso");
        await sim.advanceClock(download - 1);
        t.is(await iso(), "Creating");
        await sim.advanceClock(1);
        t.is(await iso(), "Ready");
    } finally {
        await stop();
    }
});

test("POST /sim/clock advances the time of a simulator in another process's hands; GET /sim/clock reads it", async (t) => {
    const clock = new SimClock({ frozen: true, start: 5_000 });
    const { sim, stop } = await withSimulator({ clock, ssh: false, kubeApi: false });
    try {
        const base = sim.url.replace(/\/client\/api$/, "");
        const headers = { "x-simulator-key": sim.apiKey, "content-type": "application/json" };
        const posted = await fetch(`${base}/sim/clock`, { method: "POST", headers, body: JSON.stringify({ advanceMs: 250 }) });
        t.is(posted.status, 200);
        t.deepEqual(await posted.json(), { now: 5_250 });
        t.deepEqual(await (await fetch(`${base}/sim/clock`, { headers })).json(), { now: 5_250 });
        const bad = await fetch(`${base}/sim/clock`, { method: "POST", headers, body: JSON.stringify({ advanceMs: -5 }) });
        t.is(bad.status, 400);
        t.regex(((await bad.json()) as { error: string }).error, /forward only/);
        t.is(clock.now(), 5_250);
    } finally {
        await stop();
    }
});
