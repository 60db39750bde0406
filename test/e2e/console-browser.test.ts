// The simulator's web console in a real browser (Debian's chromium, driven by playwright-core): during a quickstart
// up the page shows the cluster go Starting → Running and its load-balancer rules appear, without a reload, and
// nothing is fetched from outside the simulator. Saves a screenshot under dist/test-artifacts/.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chromium } from "playwright-core";
import { startSimulatorServer } from "../../simulator/server";
import { cleanEnv, runEngine } from "../helpers/engine";

const EXAMPLE = path.resolve(__dirname, "../../../examples/quickstart");
const ARTIFACTS = path.resolve(__dirname, "../../test-artifacts");
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const DEADLINE_MS = 120_000;

const present = fs.existsSync(CHROMIUM);
// Missing locally: skipped with the reason in its title. Under CI=true a missing browser is a failure.
const browserTest = present || process.env.CI === "true" ? test : test.skip;
const title = present
    ? "console: a quickstart up seen live in Chromium (Starting → Running, LB rules appear), screenshot saved"
    : process.env.CI === "true"
      ? `console in Chromium — no chromium at ${CHROMIUM}, required under CI=true`
      : `console in Chromium — SKIPPED: no chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;

browserTest(title, async (t) => {
    if (!present) return t.fail(`chromium is missing at ${CHROMIUM}: .ci/run installs Debian's chromium (CI=true needs it)`);
    // Realistic job durations, scaled down: the cluster stays Starting for a few seconds, long enough to be seen.
    const sim = await startSimulatorServer({ port: 0, latencyProfile: "realistic", timeFactor: 0.02 });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "console-"));
    try {
        t.truthy(sim.consoleUrl);
        const origin = new URL(sim.consoleUrl!).origin;
        const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
        const foreign: string[] = [];
        page.on("request", (r) => {
            if (!r.url().startsWith(origin + "/")) foreign.push(r.url());
        });
        await page.goto(sim.consoleUrl!);
        t.is(await page.title(), "Mold simulator console");
        t.is(await page.locator("article.cluster").count(), 0, "no cluster before the up");
        t.is(await page.getByRole("main").count(), 1);
        t.is(await page.getByRole("navigation").count(), 1);

        const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
        const up = runEngine(["up", EXAMPLE, "--state", path.join(dir, "state.json")], env, DEADLINE_MS);
        let upFailed = false;
        void up.then((r) => (upFailed = r.code !== 0));

        // Poll the page's DOM (the page itself polls the simulator every second) until the cluster is Running with
        // its LB rules shown, recording every state the page showed.
        const seen: string[] = [];
        const deadline = Date.now() + DEADLINE_MS;
        let lbRows = 0;
        for (;;) {
            const snap = await page.evaluate(() => {
                // Runs in the page (this file is compiled without the DOM's types).
                const c = (globalThis as any).document.querySelector("article.cluster");
                const lb: any = Array.from<any>(c?.querySelectorAll("table") ?? []).find((tb) => tb.caption?.textContent?.startsWith("Load balancer rules"));
                return { state: c?.getAttribute("data-state") ?? null, lbRows: lb ? lb.tBodies[0].rows.length : 0 };
            });
            if (snap.state && seen[seen.length - 1] !== snap.state) seen.push(snap.state);
            lbRows = snap.lbRows;
            if (snap.state === "Running" && lbRows >= 2) break;
            if (Date.now() > deadline) return t.fail(`the console did not show a Running cluster with 2 LB rules in time; states seen: ${seen.join(" → ")}`);
            if (upFailed) break;
            await new Promise((r) => setTimeout(r, 100));
        }
        const run = await up;
        t.is(run.code, 0, `up failed:\n${run.stderr}`);
        // Mold's states while a cluster is being created are Created and Starting (KubernetesCluster.State).
        const creating = seen.findIndex((s) => s === "Created" || s === "Starting");
        t.true(creating >= 0, `the page showed the cluster being created (states seen: ${seen.join(" → ")})`);
        t.is(seen[seen.length - 1], "Running");
        t.true(creating < seen.indexOf("Running"), `states seen: ${seen.join(" → ")}`);
        t.true(lbRows >= 2, `the quickstart's LB rules (api, web; Mold's own API rule too) are shown on the cluster: ${lbRows}`);
        // After the up the page catches up with what Mold holds: every LB rule of the cluster's network, all Active.
        const expected = sim.inventory().loadBalancerRules.length;
        await page.waitForFunction(
            (n) => {
                const doc = (globalThis as any).document;
                const lb: any = Array.from<any>(doc.querySelectorAll("article.cluster table")).find((tb) =>
                    tb.caption?.textContent?.startsWith("Load balancer rules"),
                );
                const rows = Array.from<any>(lb?.tBodies[0].rows ?? []);
                return (
                    /Live: updated/.test(doc.getElementById("live-status")?.textContent ?? "") &&
                    rows.length === n &&
                    rows.every((r) => /Active/.test(r.textContent))
                );
            },
            expected,
            { timeout: 10_000 },
        );

        // The page agrees with the simulator's inventory.
        const [cluster] = sim.inventory().kubernetesClusters;
        const heading = page.getByRole("heading", { level: 3, name: `${cluster.name} Running`, exact: true });
        t.is(await heading.count(), 1, `one heading names the cluster ${cluster.name} and its state`);
        const lbPorts =
            (await page.locator("article.cluster table", { hasText: "Load balancer rules" }).innerText()).match(/\b(80|6443)\b/g) ?? ([] as string[]);
        t.true(lbPorts.includes("80") && lbPorts.includes("6443"), "the LB rules on ports 80 and 6443 are listed");
        t.true((await page.locator(`section[aria-labelledby="jobs"] table tbody tr`).count()) > 0, "async jobs are listed");
        // Every table is captioned and has column headers.
        const uncaptioned = await page.evaluate(
            () => Array.from<any>((globalThis as any).document.querySelectorAll("table")).filter((tb) => !tb.caption || !tb.tHead?.querySelector("th")).length,
        );
        t.is(uncaptioned, 0);
        t.deepEqual(foreign, [], "the page loads nothing from outside the simulator");

        fs.mkdirSync(ARTIFACTS, { recursive: true });
        const shot = path.join(ARTIFACTS, "console.png");
        await page.screenshot({ path: shot, fullPage: true });
        t.true(fs.statSync(shot).size > 10_000);
        t.log(`screenshot: ${shot}`);
    } finally {
        await browser.close();
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
