// examples/quickstart through the engine (no Pulumi CLI): preview touches nothing, up makes a Running cluster
// whose kubeconfig reaches the @pulumi/kubernetes Provider (recorded without its plugin, as are the Deployment
// and Service), a second up changes nothing, destroy leaves nothing. And `npm run demo` / `-- --destroy`.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MoldClient } from "../../provider/client";
import { getKubernetesClusterConfig } from "../../provider/client/kubernetes";
import { startSimulatorServer } from "../../simulator/server";
import { isSecret, SecretsCipher } from "../engine/secrets";
import { cleanEnv, mutatingSince, NodeRun, runEngine, runNode } from "../helpers/engine";

const EXAMPLE = path.resolve(__dirname, "../../../examples/quickstart");
const DEMO = path.resolve(__dirname, "../demo/index.js");
const K8S_PROVIDER = "pulumi:providers:kubernetes";

const plain = (v: unknown) => (isSecret(v) ? v.value : v);

test("quickstart: preview, up (kubeconfig reaches the Kubernetes provider), no-op up, destroy", async (t) => {
    const sim = await startSimulatorServer({ port: 0, latencyProfile: "fast" });
    const client = new MoldClient({ apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "quickstart-"));
    const stateFile = path.join(dir, "state.json");
    const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
    const run = async (command: string) => {
        const r = await runEngine([command, EXAMPLE, "--state", stateFile], env);
        t.is(r.code, 0, `${command} failed:\n${r.stderr}`);
        return r.result!;
    };
    const inv = () => sim.inventory();
    try {
        // Preview: the kubeconfig is unknown, so is the provider; nothing is asked of Mold that changes it.
        let before = { ...sim.requestCounts };
        const preview = await run("preview");
        t.is(preview.steps.create, 10); // 9 resources and the ServiceLoadBalancer component
        t.deepEqual(mutatingSince(before, sim.requestCounts), {});
        t.deepEqual(inv().kubernetesClusters ?? [], []);

        const up = await run("up");
        t.deepEqual(up.steps, { create: 10, update: 0, replace: 0, delete: 0, same: 0 });
        t.is(up.outputs.kubeconfig, "[secret]");
        t.is(up.outputs.clusterState, "Running");
        const [cluster] = inv().kubernetesClusters;
        t.is(cluster.state, "Running");
        t.is(cluster.size, 2);
        t.is(up.outputs.clusterId, cluster.id);

        // The state: the Kubernetes Provider got exactly Mold's kubeconfig, stored encrypted.
        const raw = JSON.parse(fs.readFileSync(stateFile, "utf8"));
        const rawProvider = raw.resources.find((r: any) => r.type === K8S_PROVIDER);
        t.truthy(rawProvider.inputs.kubeconfig.ciphertext, "the kubeconfig is encrypted in the state");
        t.false(JSON.stringify(raw).includes("BEGIN CERTIFICATE") || JSON.stringify(raw).includes("client-key-data"));
        const state = new SecretsCipher(stateFile).open(raw) as any;
        const provider = state.resources.find((r: any) => r.type === K8S_PROVIDER);
        t.true(provider.recordedWithoutPlugin);
        t.true(isSecret(provider.inputs.kubeconfig), "the provider's kubeconfig input is a secret");
        const fromMold = await getKubernetesClusterConfig(client, cluster.id);
        t.is(plain(provider.inputs.kubeconfig), fromMold.configdata);
        t.is(plain(provider.inputs.clusterIdentifier), cluster.id);
        const clusterUrn = state.resources.find((r: any) => r.type.endsWith("mold:KubernetesCluster")).urn;
        t.true(provider.dependencies.includes(clusterUrn), "the provider depends on the cluster");
        for (const type of ["kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service"]) {
            const r = state.resources.find((x: any) => x.type === type);
            t.truthy(r, type);
            t.true(r.recordedWithoutPlugin, `${type} is recorded without its plugin`);
            t.is(r.provider, `${provider.urn}::${provider.id}`, `${type} uses the cluster's provider`);
        }

        // Mold: the application behind the cluster's IP, the API entry point on a second IP, Mold's own rules kept.
        const ips = inv().publicIps.filter((ip: any) => ip.associatednetworkid === cluster.networkid && ip.state === "Allocated");
        const clusterIp = ips.find((ip: any) => ip.issourcenat);
        const apiIp = ips.find((ip: any) => !ip.issourcenat);
        t.truthy(clusterIp);
        t.truthy(apiIp);
        const workers = cluster._nodes
            .filter((n: any) => n.role === "worker")
            .map((n: any) => n.vmId)
            .sort();
        const controls = cluster._nodes
            .filter((n: any) => n.role === "control")
            .map((n: any) => n.vmId)
            .sort();
        const lb = (name: string) => inv().loadBalancerRules.find((r: any) => r.name === name);
        const members = (name: string) =>
            lb(name)
                ._members.map((m: any) => m.vmid)
                .sort();
        t.is(lb("quickstart-web-80").publicipid, clusterIp.id);
        t.is(Number(lb("quickstart-web-80").privateport), 30080);
        t.deepEqual(members("quickstart-web-80"), workers);
        t.deepEqual(JSON.parse(JSON.stringify(plain(up.outputs.webMembers))), workers, "the ServiceLoadBalancer's memberVmIds output");
        t.falsy(lb("quickstart-web-80").openFirewall, "the port is opened by a FirewallRule, not openFirewall");
        t.is(lb("quickstart-api").publicipid, apiIp.id);
        t.deepEqual(members("quickstart-api"), controls);
        const fw = inv().firewallRules;
        t.true(fw.some((r: any) => r.ipaddressid === apiIp.id && Number(r.startport) === 6443 && r.cidrlist === "10.0.0.0/8"));
        t.true(fw.some((r: any) => r.ipaddressid === clusterIp.id && Number(r.startport) === 80));
        t.is(fw.find((r: any) => r.id === cluster._rules.apiFirewallId)?.cidrlist, "0.0.0.0/0", "Mold's own 6443 rule is untouched");
        t.truthy(lb("api-lb"), "Mold's api-lb is untouched");

        before = { ...sim.requestCounts };
        const noop = await run("up");
        t.deepEqual(noop.steps, { create: 0, update: 0, replace: 0, delete: 0, same: 10 });
        t.deepEqual(mutatingSince(before, sim.requestCounts), {});

        const destroyed = await run("destroy");
        t.is(destroyed.steps.delete, 10);
        const left = inv();
        t.deepEqual(left.kubernetesClusters ?? [], []);
        t.deepEqual(left.vms, []);
        t.deepEqual(left.networks, []);
        t.deepEqual(left.firewallRules, []);
        t.deepEqual(left.loadBalancerRules, []);
        t.deepEqual(left.portForwardingRules, []);
        t.deepEqual(
            left.publicIps.filter((ip: any) => ip.state !== "Free"),
            [],
        );
        t.deepEqual(sim.kubeApiEndpoints(), []);
    } finally {
        client.close();
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

function runDemo(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<NodeRun> {
    return runNode(DEMO, args, env, timeoutMs);
}

test("npm run demo: outputs with the kubeconfig redacted, the simulator's holdings; --destroy cleans up", async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mold-demo-"));
    // MOLD_DEMO_ENGINE=1: the engine emulation even where a pulumi CLI is installed; the demo's own folder.
    const env = cleanEnv({ MOLD_DEMO_DIR: dir, MOLD_DEMO_ENGINE: "1" });
    try {
        const up = await runDemo([], env);
        t.is(up.code, 0, up.stdout + up.stderr);
        t.true(up.ms < 60_000, `the demo took ${up.ms} ms`);
        const out = up.stdout;
        t.regex(out, /^pulumi CLI not found on PATH: running examples\/quickstart through the repository's engine emulation/m);
        t.regex(out, /^ {2}kubeconfig: \[redacted\]$/m);
        t.regex(out, /^ {2}clusterState: Running$/m);
        t.regex(out, /^ {2}endpoint: https:\/\/127\.\d+\.\d+\.\d+:6443\/$/m);
        const kubeconfig = fs.readFileSync(path.join(dir, "kubeconfig"), "utf8");
        t.regex(kubeconfig, /client-certificate-data/);
        t.false(out.includes("certificate-data") || out.includes("client-key") || up.stderr.includes("client-key-data"), "no kubeconfig content printed");
        t.regex(out, /Recorded without their plugin/);
        t.regex(out, /^ {2}pulumi:providers:kubernetes quickstart-k8s$/m);
        t.regex(out, /^ {2}kubernetes:apps\/v1:Deployment nginx$/m);
        t.regex(out, /^ {2}kubernetes:core\/v1:Service nginx$/m);
        t.regex(out, /^ {2}cluster quickstart: Running, Kubernetes 1\.32\.5, 1 control \+ 2 workers/m);
        t.is((out.match(/^ {4}node \S+ \(worker\): Running/gm) ?? []).length, 2);
        t.regex(out, /firewall tcp 6443 from 0\.0\.0\.0\/0 {2}\[Mold's Kubernetes service\]/);
        t.regex(out, /firewall tcp 6443 from 10\.0\.0\.0\/8 {2}\[pulumi-mold\]/);
        t.regex(out, /load balancer quickstart-web-80: 80 → 30080 on \S+, \S+ {2}\[pulumi-mold\]/);
        t.true(fs.existsSync(path.join(dir, "simulator.json")));

        const down = await runDemo(["--destroy"], env);
        t.is(down.code, 0, down.stdout + down.stderr);
        t.regex(down.stdout, /no Kubernetes clusters/);
        t.regex(down.stdout, /totals: 0 clusters, 0 VMs, 0 networks, 0 public IPs in use, 0 firewall \/ 0 load-balancer \/ 0 port-forwarding rules/);
        t.false(fs.existsSync(dir), "the demo's folder is gone");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
