// The simulator's console: served at /console without the admin header, read-only, off with console: false /
// --console off, named in the ready line; its view is the /sim data picked field by field (no secrets).
import test from "ava";
import { spawn } from "child_process";
import * as path from "path";
import { parseArgs } from "../../simulator/cli";
import { consoleView } from "../../simulator/console/view";
import { renderConsolePage } from "../../simulator/console/html";
import { startSimulatorServer } from "../../simulator/server";

const BIN = path.resolve(__dirname, "../../../bin/mold-simulator.js");

test("GET /console needs no header, has landmarks and captioned tables; POST is refused; the API keys never appear", async (t) => {
    const sim = await startSimulatorServer({ port: 0 });
    try {
        const page = await fetch(sim.consoleUrl!);
        t.is(page.status, 200);
        t.regex(page.headers.get("content-type") ?? "", /text\/html/);
        t.regex(page.headers.get("content-security-policy") ?? "", /default-src 'none'/);
        const html = await page.text();
        for (const landmark of ["<header>", "<nav aria-label=", "<main id="]) t.true(html.includes(landmark), landmark);
        t.true(html.includes("<caption>Zones</caption>"));
        t.true(html.includes('<th scope="col">'));
        t.false(/https?:\/\/(?!127\.)/.test(html), "no external address in the page");
        const data = await (await fetch(sim.consoleUrl + "/data.json")).text();
        t.true(JSON.parse(data).catalog.length > 0);
        const main = await (await fetch(sim.consoleUrl + "/main")).text();
        t.true(main.includes('aria-labelledby="clusters"'));
        for (const body of [html, data, main]) {
            t.false(body.includes(sim.apiKey));
            t.false(body.includes(sim.secretKey));
        }
        t.is((await fetch(sim.consoleUrl!, { method: "POST" })).status, 405);
        t.is((await fetch(sim.consoleUrl + "/nothing")).status, 404);
    } finally {
        await sim.stop();
    }
});

test("console: false turns the console off (404, no consoleUrl)", async (t) => {
    const sim = await startSimulatorServer({ port: 0, console: false });
    try {
        t.is(sim.consoleUrl, undefined);
        t.is((await fetch(`http://127.0.0.1:${sim.port}/console`)).status, 404);
    } finally {
        await sim.stop();
    }
});

test("--console on|off is parsed; anything else is refused", (t) => {
    t.is((parseArgs(["--console", "off"]) as any).console, false);
    t.is((parseArgs(["--console", "on"]) as any).console, true);
    t.is((parseArgs([]) as any).console, undefined);
    t.throws(() => parseArgs(["--console", "maybe"]), { message: "--console takes on or off, got 'maybe'" });
});

test("the ready line names the console's address, and --console off leaves it out", async (t) => {
    const readyLine = (args: string[]) =>
        new Promise<any>((resolve, reject) => {
            const child = spawn(process.execPath, [BIN, "--port", "0", ...args], { stdio: ["ignore", "pipe", "inherit"] });
            let out = "";
            const timer = setTimeout(() => (child.kill(), reject(new Error(`no ready line in 30 s: ${out}`))), 30_000);
            child.on("error", reject);
            child.stdout.on("data", (c: Buffer) => {
                out += c.toString();
                if (!out.includes("\n")) return;
                clearTimeout(timer);
                child.kill("SIGTERM");
                resolve(JSON.parse(out.split("\n")[0]));
            });
        });
    const on = await readyLine([]);
    t.regex(on.console, /^http:\/\/127\.0\.0\.1:\d+\/console$/);
    t.is(new URL(on.console).port, new URL(on.url).port);
    const off = await readyLine(["--console", "off"]);
    t.false("console" in off);
});

test("the view keeps secrets out and puts a public IP's rules on the cluster of its network", (t) => {
    const inventory = {
        zones: [{ id: "z", name: "zone1" }],
        networks: [{ id: "n", name: "net" }],
        publicIps: [{ id: "ip", ipaddress: "127.1.2.3", associatednetworkid: "n", state: "Allocated" }],
        loadBalancerRules: [{ id: "lb", name: "web", publicipid: "ip", publicip: "127.1.2.3", publicport: "80", privateport: "30080", state: "Active" }],
        vms: [{ id: "vm", name: "c-node", state: "Running", userdata: "U0VDUkVUUw==", nic: [{ ipaddress: "10.1.0.2" }] }],
        sshKeyPairs: [{ name: "k", privatekey: "-----BEGIN PRIVATE KEY-----" }],
        kubernetesClusters: [{ id: "c", name: "c", state: "Starting", networkid: "n", zoneid: "z", _nodes: [{ vmId: "vm", role: "worker" }] }],
        jobs: [{ jobid: "j", seq: 1, command: "createKubernetesCluster", jobstatus: 0 }],
    };
    const view = consoleView({ inventory, emulatedNodes: [], kubeadmClusters: [], now: 0 });
    const json = JSON.stringify(view);
    t.false(json.includes("U0VDUkVUUw=="));
    t.false(json.includes("PRIVATE KEY"));
    const lb = view.clusters[0].tabs.find((tab) => tab.caption.startsWith("Load balancer rules"))!;
    t.deepEqual(lb.rows, [["web", "127.1.2.3", "80", "30080", "", "", "Active"]]);
    t.deepEqual(view.clusters[0].tabs[0].rows, [["c-node", "worker", "Running", "10.1.0.2", ""]]);
    t.is(view.jobs.rows[0][1], "pending");
    const html = renderConsolePage(view);
    t.true(html.includes('data-state="Starting"'));
    const escaped = renderConsolePage({ ...view, clusters: [{ ...view.clusters[0], name: "<b>x</b>" }] });
    t.false(escaped.includes("<b>x</b>"));
});
