// A running cluster's kubeconfig works: the simulator serves a Kubernetes API on the cluster's loopback
// public IP with the cluster's own CA, requires the admin client certificate, follows the cluster's state
// (stop, start, delete, changes by another process on a shared state file) and survives a taken address.
import test, { ExecutionContext } from "ava";
import { ChildProcess, execFile, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    createKubernetesCluster,
    deleteKubernetesCluster,
    getKubernetesClusterConfig,
    KubernetesCluster,
    listKubernetesClusters,
    MoldClient,
    startKubernetesCluster,
    stopKubernetesCluster,
} from "../../provider/client";
import { assertLoopbackV4 } from "../../simulator/kube-api";
import { RunningSimulator, ServerOptions, startSimulatorServer } from "../../simulator/server";
import { generateClusterPki } from "../../simulator/x509";
import { Kubeconfig, kget, readKubeconfig } from "../helpers/kube-get";

async function kubeconfigOf(client: MoldClient, id: string): Promise<Kubeconfig> {
    return readKubeconfig((await getKubernetesClusterConfig(client, id)).configdata);
}

const refused = { code: "ECONNREFUSED" };

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
        try {
            const v = await fn();
            if (v !== undefined) return v;
        } catch (e) {
            last = e;
        }
        if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms (last error: ${last})`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

async function simulator(options: ServerOptions = {}) {
    const sim = await startSimulatorServer({ port: 0, ...options });
    const client = new MoldClient({ apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey });
    return { sim, client, stop: async () => (client.close(), await sim.stop()) };
}

async function newCluster(sim: RunningSimulator, client: MoldClient, name: string, size = 2): Promise<KubernetesCluster> {
    const inv = sim.inventory();
    const { cluster } = await createKubernetesCluster(client, {
        name,
        zoneid: inv.zones[0].id,
        kubernetesversionid: inv.kubernetesVersions.find((v: any) => v.semanticversion === "1.30.11").id,
        serviceofferingid: inv.serviceOfferings.find((o: any) => o.name === "2C-4GB").id,
        size,
    });
    return cluster;
}

test("a running cluster's kubeconfig reaches its API: health, version, discovery, nodes; only with the admin certificate", async (t) => {
    const { sim, client, stop } = await simulator();
    try {
        const cluster = await newCluster(sim, client, "web");
        t.is(cluster.state, "Running");
        const kc = await kubeconfigOf(client, cluster.id);
        t.is(kc.server.href, `https://${cluster.ipaddress}:6443/`);
        t.regex(kc.server.hostname, /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/);

        for (const p of ["/healthz", "/livez", "/readyz"]) t.deepEqual(await kget(kc, p).then((a) => [a.status, a.body]), [200, "ok"], p);
        const version = (await kget(kc, "/version")).json;
        t.like(version, { major: "1", minor: "30", gitVersion: "v1.30.11", platform: "linux/amd64" });

        t.like((await kget(kc, "/api")).json, { kind: "APIVersions", versions: ["v1"] });
        t.like((await kget(kc, "/apis")).json, { kind: "APIGroupList" });
        const nodes = (await kget(kc, "/api/v1/nodes")).json;
        t.is(nodes.kind, "NodeList");
        const vms = cluster.virtualmachines.filter((v) => !v.isetcdnode);
        t.deepEqual(nodes.items.map((n: any) => n.metadata.name).sort(), vms.map((v) => v.name.toLowerCase()).sort());
        const control = nodes.items.filter((n: any) => "node-role.kubernetes.io/control-plane" in n.metadata.labels);
        t.deepEqual(
            control.map((n: any) => n.metadata.name),
            vms.filter((v) => /-control-/.test(v.name)).map((v) => v.name.toLowerCase()),
        );
        t.is(control.length, 1);
        for (const n of nodes.items) {
            t.is(n.status.conditions.find((c: any) => c.type === "Ready").status, "True");
            t.is(n.status.nodeInfo.kubeletVersion, "v1.30.11");
        }
        const one = await kget(kc, `/api/v1/nodes/${nodes.items[0].metadata.name}`);
        t.is(one.json.metadata.uid, nodes.items[0].metadata.uid);

        const missing = await kget(kc, "/api/v1/namespaces/default/pods");
        t.is(missing.status, 404);
        t.like(missing.json, { kind: "Status", status: "Failure", reason: "NotFound", code: 404 });

        // Without the admin certificate, or with another cluster's, nothing is served.
        const other = generateClusterPki(kc.server.hostname);
        t.like(await kget(kc, "/healthz", { ca: kc.ca }), { status: 401, json: { kind: "Status", reason: "Unauthorized", code: 401 } });
        t.like(await kget(kc, "/api/v1/nodes", { ca: kc.ca, cert: other.client.cert, key: other.client.key }), { status: 401 });
        // A client that does not trust the cluster CA refuses the server.
        await t.throwsAsync(kget(kc, "/healthz", { ca: other.ca.cert, cert: kc.cert, key: kc.key }), {
            message: /unable to verify|self[- ]signed|unable to get/i,
        });

        t.like(sim.kubeApiEndpoints(), [{ clusterId: cluster.id, clusterName: "web", address: kc.server.hostname, port: 6443, status: "listening" }]);
        const admin = await fetch(sim.url.replace("/client/api", "/sim/kube-api"), { headers: { "x-simulator-key": sim.apiKey } });
        t.like(await admin.json(), [{ clusterId: cluster.id, status: "listening" }]);

        // Stopped: the endpoint is gone by the time the stop is reported done. Started: back, same CA.
        await stopKubernetesCluster(client, cluster.id);
        await t.throwsAsync(kget(kc, "/healthz"), refused);
        t.deepEqual(sim.kubeApiEndpoints(), []);
        await startKubernetesCluster(client, cluster.id);
        t.is((await kget(kc, "/healthz")).body, "ok");
        t.is((await kubeconfigOf(client, cluster.id)).ca, kc.ca, "the CA survives a restart of the cluster");

        await deleteKubernetesCluster(client, cluster.id);
        await t.throwsAsync(kget(kc, "/healthz"), refused);
        t.deepEqual(sim.kubeApiEndpoints(), []);
    } finally {
        await stop();
    }
});

test("kubeApi: false serves nothing; the kubeconfig still carries real certificates", async (t) => {
    const { sim, client, stop } = await simulator({ kubeApi: false });
    try {
        const cluster = await newCluster(sim, client, "quiet", 1);
        const kc = await kubeconfigOf(client, cluster.id);
        await t.throwsAsync(kget(kc, "/healthz"), refused);
        t.deepEqual(sim.kubeApiEndpoints(), []);
        t.regex(kc.ca, /^-----BEGIN CERTIFICATE-----\n/);
        t.regex(kc.key, /^-----BEGIN EC PRIVATE KEY-----\n/);
    } finally {
        await stop();
    }
});

test("never listens off loopback, even when the state names another address", async (t) => {
    for (const bad of ["10.1.1.5", "0.0.0.0", "::1", "127.0.0.256", "127.1.2", "localhost"])
        t.throws(() => assertLoopbackV4(bad), { message: /not inside 127\.0\.0\.0\/8/ }, bad);
    t.notThrows(() => assertLoopbackV4("127.150.3.4"));

    const { sim, client, stop } = await simulator();
    try {
        const cluster = await newCluster(sim, client, "elsewhere", 1);
        t.is(sim.kubeApiEndpoints()[0]?.status, "listening");
        // As if the API were reached through a shared network's node address.
        sim.simulator.state.tables.kubernetesClusters[cluster.id].endpoint = "https://10.1.1.5:6443/";
        await sim.reconcileKubeApi();
        t.like(sim.kubeApiEndpoints(), [{ address: "10.1.1.5", status: "refused" }]);
        t.regex(sim.kubeApiEndpoints()[0].error!, /not inside 127\.0\.0\.0\/8/);
    } finally {
        await stop();
    }
});

test("a restarted simulator serves its running clusters at once, with the CA the kubeconfig already trusts", async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mold-kapi-restart-"));
    const stateFile = path.join(dir, "state.json");
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const first = await simulator({ stateFile });
    const cluster = await newCluster(first.sim, first.client, "persistent", 1);
    const kc = await kubeconfigOf(first.client, cluster.id);
    await first.stop();
    await t.throwsAsync(kget(kc, "/healthz"), refused, "a stopped simulator serves nothing");
    const again = await simulator({ stateFile });
    try {
        t.like(again.sim.kubeApiEndpoints(), [{ clusterId: cluster.id, status: "listening" }], "before any request");
        t.is((await kget(kc, "/healthz")).body, "ok");
        t.deepEqual(await kubeconfigOf(again.client, cluster.id), kc);
    } finally {
        await again.stop();
    }
});

/** Runs kubectl with only the given kubeconfig; undefined when kubectl is not installed. */
function kubectl(kubeconfig: string, home: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string } | undefined> {
    return new Promise((resolve) => {
        const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, NO_PROXY: "*", no_proxy: "*" };
        execFile("kubectl", ["--kubeconfig", kubeconfig, "--request-timeout=10s", ...args], { env, timeout: 60_000 }, (e, stdout, stderr) => {
            if (e && (e as NodeJS.ErrnoException).code === "ENOENT") return resolve(undefined);
            resolve({ code: e ? Number(e.code ?? 1) : 0, stdout, stderr });
        });
    });
}

test("kubectl (when installed) accepts the kubeconfig: server version, nodes with status and roles", async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mold-kubectl-"));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const { sim, client, stop } = await simulator();
    try {
        const cluster = await newCluster(sim, client, "kubectl", 1);
        const file = path.join(dir, "config");
        fs.writeFileSync(file, (await getKubernetesClusterConfig(client, cluster.id)).configdata);
        const version = await kubectl(file, dir, ["version", "-o", "json"]);
        if (!version) return void t.log("SKIPPED: kubectl is not installed");
        t.is(version.code, 0, version.stderr);
        t.like(JSON.parse(version.stdout).serverVersion, { gitVersion: "v1.30.11", platform: "linux/amd64" });
        const nodes = await kubectl(file, dir, ["get", "nodes", "--no-headers"]);
        t.is(nodes!.code, 0, nodes!.stderr);
        const rows = nodes!.stdout
            .trim()
            .split("\n")
            .map((l) => l.split(/\s+/));
        t.deepEqual(rows.map((r) => [r[1], r[2], r[4]]).sort(), [
            ["Ready", "<none>", "v1.30.11"],
            ["Ready", "control-plane", "v1.30.11"],
        ]);
    } finally {
        await stop();
    }
});

/** A simulator in another process on the same state file (the compiled server next to this test). */
async function otherProcess(t: ExecutionContext, stateFile: string): Promise<{ child: ChildProcess; url: string; apiKey: string; secretKey: string }> {
    const server = path.resolve(__dirname, "../../simulator/server.js");
    const script = `require(${JSON.stringify(server)}).startSimulatorServer({ port: 0, stateFile: ${JSON.stringify(stateFile)} })
        .then((s) => process.stdout.write(JSON.stringify({ url: s.url, apiKey: s.apiKey, secretKey: s.secretKey }) + "\\n"));`;
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    t.teardown(() => void (child.exitCode === null && child.kill("SIGKILL")));
    let err = "";
    child.stderr!.on("data", (c) => (err += c));
    const line = await new Promise<string>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`no JSON line within 20 s: ${out} ${err}`)), 20_000);
        child.stdout!.on("data", (c: Buffer) => {
            out += c;
            if (out.includes("\n")) {
                clearTimeout(timer);
                resolve(out.slice(0, out.indexOf("\n")));
            }
        });
        child.on("exit", (code) => reject(new Error(`exited with ${code}: ${err}`)));
    });
    return { child, ...JSON.parse(line) };
}

test("processes sharing a state file: one serves, the other reports EADDRINUSE, takes over, and follows changes made elsewhere", async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mold-kapi-"));
    const stateFile = path.join(dir, "state.json");
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
    const first = await simulator({ stateFile });
    let firstStopped = false;
    t.teardown(() => (firstStopped ? undefined : first.stop()));
    const cluster = await newCluster(first.sim, first.client, "shared");
    const kc = await kubeconfigOf(first.client, cluster.id);
    t.is((await kget(kc, "/healthz")).body, "ok");

    const other = await otherProcess(t, stateFile);
    const otherClient = new MoldClient({ apiUrl: other.url, apiKey: other.apiKey, secretKey: other.secretKey });
    t.teardown(() => otherClient.close());
    const otherEndpoints = async () => {
        const r = await fetch(other.url.replace("/client/api", "/sim/kube-api"), { headers: { "x-simulator-key": other.apiKey } });
        return (await r.json()) as any[];
    };
    // The second process sees the running cluster, cannot bind its address, says so, and keeps serving the API.
    const busy = await eventually("EADDRINUSE reported", async () =>
        (await otherEndpoints())[0]?.status === "error" ? (await otherEndpoints())[0] : undefined,
    );
    t.regex(busy.error, /EADDRINUSE/);
    t.is(busy.address, kc.server.hostname);
    t.is((await listKubernetesClusters(otherClient, { id: cluster.id }))[0].state, "Running");
    t.is((await kget(kc, "/healthz")).body, "ok", "still served by the first process");

    // The first process goes away: the second takes the address over, with the same CA from the state.
    await first.stop();
    firstStopped = true;
    t.is(await eventually("takeover", async () => (await kget(kc, "/healthz")).body), "ok");
    t.like(await otherEndpoints(), [{ status: "listening" }]);

    // A third simulator (no endpoints of its own) stops the cluster; the second process follows within its timer.
    const third = await simulator({ stateFile, kubeApi: false });
    try {
        await stopKubernetesCluster(third.client, cluster.id);
        await eventually("endpoint closed", () =>
            kget(kc, "/healthz").then(
                () => undefined,
                (e) => (e.code === "ECONNREFUSED" ? true : undefined),
            ),
        );
        t.deepEqual(await otherEndpoints(), []);
        await startKubernetesCluster(third.client, cluster.id);
        t.is(await eventually("endpoint back", async () => (await kget(kc, "/version")).json.gitVersion), "v1.30.11");
    } finally {
        await third.stop();
    }
    other.child.kill("SIGTERM");
});
