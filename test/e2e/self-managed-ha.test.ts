// examples/self-managed-ha through the engine: three control-plane nodes behind the API load-balancer rule,
// two worker groups with labels and taints, Flannel, the Deployment on the cluster's provider. Then a no-op up,
// a worker group scaled up and down, a label changed in place, and destroy. What happened on each emulated
// node (steps, their order, exactly-once effects) and in Kubernetes (nodes, labels, taints) is checked
// through the simulator and through the cluster's own API with the kubeconfig output.
import test from "ava";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { parseKubeconfig } from "../../provider/resources/kubernetes-cluster-ops";
import { startSimulatorServer } from "../../simulator/server";
import { isSecret, SecretsCipher } from "../engine/secrets";
import { cleanEnv, mutatingSince, runEngine } from "../helpers/engine";

const EXAMPLE = path.resolve(__dirname, "../../../examples/self-managed-ha");
const plain = (v: unknown) => (isSecret(v) ? v.value : v);
const PREPARE = ["wait-boot", "swap-off", "kernel-modules", "sysctls", "containerd", "kube-packages"];

/** GET a path of the cluster's API with the kubeconfig's own CA and client certificate. */
function kubeGet(kubeconfig: string, p: string): Promise<any> {
    const kc = parseKubeconfig(kubeconfig);
    return new Promise((resolve, reject) => {
        const req = https.get(
            { host: kc.server.hostname, port: Number(kc.server.port), path: p, ca: kc.ca, cert: kc.cert, key: kc.key, agent: false, timeout: 5000 },
            (res) => {
                let body = "";
                res.on("data", (c) => (body += c));
                res.on("end", () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`${p}: HTTP ${res.statusCode} ${body}`))));
            },
        );
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", reject);
    });
}

/** Applied steps of a node, in order. */
const applied = (node: any) => node.history.filter((h: any) => h.outcome === "applied").map((h: any) => h.step);

test("self-managed-ha: up, no-op up, scale a worker group up and down, change labels, destroy", async (t) => {
    const sim = await startSimulatorServer({ port: 0, latencyProfile: "fast" });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "self-managed-"));
    const stateFile = path.join(dir, "state.json");
    const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
    const run = async (command: string, ...config: string[]) => {
        const r = await runEngine([command, EXAMPLE, "--state", stateFile, ...config.flatMap((c) => ["--config", c])], env, 300_000);
        t.is(r.code, 0, `${command} ${config.join(" ")} failed:\n${r.stderr.slice(-4000)}`);
        return r.result!;
    };
    const inv = () => sim.inventory();
    const nodesByName = () => new Map<string, any>(sim.emulatedNodes().map((n: any) => [n.hostname, n]));
    try {
        const up = await run("up");
        t.is(up.outputs.kubeconfig, "[secret]");
        t.regex(up.outputs.endpoint, /^https:\/\/127\.\d+\.\d+\.\d+:6443$/);
        const names: string[] = up.outputs.nodes;
        t.is(names.length, 6, names.join(", "));
        t.is(names.filter((n) => n.endsWith("(control-plane)")).length, 3);
        t.is(names.filter((n) => n.endsWith("(general)")).length, 2);
        t.is(names.filter((n) => n.endsWith("(batch)")).length, 1);

        // Every node went through the preparation in order; exactly one kubeadm init, every other node joined once.
        const emulated = nodesByName();
        const nodeNames = names.map((n) => n.split(" ")[0]);
        let inits = 0;
        for (const name of nodeNames) {
            const node = emulated.get(name);
            t.truthy(node, `no emulated node ${name}`);
            const steps = applied(node);
            t.deepEqual(steps.slice(0, PREPARE.length), PREPARE, `${name}: ${steps.join(" → ")}`);
            t.false(node.swap.active || node.swap.inFstab, `${name}: swap off now and after reboot`);
            t.deepEqual([...node.modules.persisted].sort(), ["br_netfilter", "overlay"]);
            t.is(node.sysctls.persisted["net.ipv4.ip_forward"], "1");
            t.is(node.sysctls.persisted["net.bridge.bridge-nf-call-iptables"], "1");
            t.true(node.containerd.systemdCgroup);
            t.is(node.packages.kubelet, "1.32.5");
            t.true(node.packages.held);
            inits += node.counters["kubeadm-init"] ?? 0;
            t.is((node.counters["kubeadm-init"] ?? 0) + (node.counters["kubeadm-join"] ?? 0), 1, `${name} became a member exactly once`);
        }
        t.is(inits, 1);

        // Kubernetes, through the kubeconfig output: six Ready nodes with their labels and taints; Flannel.
        const state = new SecretsCipher(stateFile).open(JSON.parse(fs.readFileSync(stateFile, "utf8"))) as any;
        const kubeconfig = plain(state.outputs.kubeconfig) as string;
        const raw = fs.readFileSync(stateFile, "utf8");
        t.false(raw.includes("BEGIN RSA PRIVATE KEY") || raw.includes("client-key-data"), "no private key or kubeconfig in plaintext");
        const kube = await kubeGet(kubeconfig, "/api/v1/nodes");
        t.deepEqual(kube.items.map((n: any) => n.metadata.name).sort(), [...nodeNames].sort());
        for (const n of kube.items) t.is(n.status.conditions.find((c: any) => c.type === "Ready").status, "True", n.metadata.name);
        const general = kube.items.filter((n: any) => n.metadata.labels["node.example.com/pool"] === "general");
        t.is(general.length, 2);
        t.true(general.every((n: any) => n.metadata.labels.tier === "web"));
        const batch = kube.items.find((n: any) => n.metadata.labels["node.example.com/pool"] === "batch");
        t.deepEqual(batch.spec.taints, [{ key: "dedicated", value: "batch", effect: "NoSchedule" }]);
        const [cluster] = sim.kubeadmClusters();
        t.is(cluster.cni?.name, "flannel");

        // Mold: the API rule balances the three control-plane VMs; the cluster is registered as ExternalManaged.
        const cpVmIds = kube.items
            .filter((n: any) => "node-role.kubernetes.io/control-plane" in n.metadata.labels)
            .map((n: any) => emulated.get(n.metadata.name).vmId)
            .sort();
        t.is(cpVmIds.length, 3);
        const apiRule = inv().loadBalancerRules.find((r: any) => Number(r.publicport) === 6443);
        t.deepEqual(apiRule._members.map((m: any) => m.vmid).sort(), cpVmIds);
        const registered = inv().kubernetesClusters.find((c: any) => c.clustertype === "ExternalManaged");
        t.truthy(registered);
        t.is(up.outputs.moldClusterId, registered.id);
        t.is(registered._vmIds?.length ?? registered.virtualmachines?.length, 6);

        // The Deployment uses the cluster's provider, whose kubeconfig is the cluster's.
        const provider = state.resources.find((r: any) => r.type === "pulumi:providers:kubernetes");
        t.is(plain(provider.inputs.kubeconfig), kubeconfig);
        const deployment = state.resources.find((r: any) => r.type === "kubernetes:apps/v1:Deployment");
        t.is(deployment.provider, `${provider.urn}::${provider.id}`);

        // No-op up: nothing changes in Mold or on any node.
        const historyBefore = sim.emulatedNodes().reduce((n: number, x: any) => n + x.history.length, 0);
        let before = { ...sim.requestCounts };
        const noop = await run("up");
        t.is(noop.steps.create + noop.steps.update + noop.steps.replace + noop.steps.delete, 0, JSON.stringify(noop.steps));
        t.deepEqual(mutatingSince(before, sim.requestCounts), {});
        t.is(
            sim.emulatedNodes().reduce((n: number, x: any) => n + x.history.length, 0),
            historyBefore,
            "no SSH step ran",
        );

        // Refresh, then up: the API rule's members belong to the control-plane group, so nothing wants to change
        // (a rule that claimed them would now remove them and take the API down).
        t.is((await runEngine(["refresh", EXAMPLE, "--state", stateFile], env, 300_000)).code, 0);
        before = { ...sim.requestCounts };
        const afterRefresh = await run("up");
        t.is(
            afterRefresh.steps.create + afterRefresh.steps.update + afterRefresh.steps.replace + afterRefresh.steps.delete,
            0,
            JSON.stringify(afterRefresh.steps),
        );
        t.deepEqual(mutatingSince(before, sim.requestCounts), {});
        t.is(inv().loadBalancerRules.find((r: any) => Number(r.publicport) === 6443)._members.length, 3);

        // Scale general 2 → 3: one new VM joins; nothing else is touched.
        const up3 = await run("up", "generalCount=3");
        t.is(up3.outputs.nodes.filter((n: string) => n.endsWith("(general)")).length, 3);
        const newName = up3.outputs.nodes.map((n: string) => n.split(" ")[0]).find((n: string) => !nodeNames.includes(n));
        t.truthy(newName);
        t.is(nodesByName().get(newName).counters["kubeadm-join"], 1);
        t.is((await kubeGet(kubeconfig, "/api/v1/nodes")).items.length, 7);

        // Scale general 3 → 1: the two newest are drained and deleted from Kubernetes, then their VMs destroyed.
        const up1 = await run("up", "generalCount=1");
        const generalNow = up1.outputs.nodes.filter((n: string) => n.endsWith("(general)")).map((n: string) => n.split(" ")[0]);
        t.is(generalNow.length, 1);
        const kubeNow = await kubeGet(kubeconfig, "/api/v1/nodes");
        t.deepEqual(kubeNow.items.map((n: any) => n.metadata.name).sort(), up1.outputs.nodes.map((n: string) => n.split(" ")[0]).sort());
        const gone = nodeNames.filter((n) => n.includes("-general-") && !generalNow.includes(n)).concat(newName);
        for (const name of gone.filter((n) => !generalNow.includes(n))) {
            const vm = inv().vms.find((v: any) => v.name === name);
            t.true(!vm || vm.state === "Expunged" || vm.state === "Destroyed", `${name}'s VM is gone`);
        }
        t.is(inv().kubernetesClusters.find((c: any) => c.id === registered.id)._vmIds?.length, 5, "3 control-plane + 1 general + 1 batch");

        // A label changes in place: no VM is created or destroyed.
        before = { ...sim.requestCounts };
        await run("up", "generalCount=1", "generalTier=api");
        const mutating = mutatingSince(before, sim.requestCounts);
        t.falsy(mutating.deployVirtualMachine);
        t.falsy(mutating.destroyVirtualMachine);
        const relabelled = (await kubeGet(kubeconfig, "/api/v1/nodes")).items.filter((n: any) => n.metadata.labels["node.example.com/pool"] === "general");
        t.deepEqual(
            relabelled.map((n: any) => n.metadata.labels.tier),
            ["api"],
        );

        // Destroy: nothing of the cluster is left in Mold.
        await run("destroy", "generalCount=1", "generalTier=api");
        const after = inv();
        t.deepEqual(
            (after.vms ?? []).filter((v: any) => v.state !== "Expunged" && v.state !== "Destroyed"),
            [],
        );
        t.deepEqual(after.portForwardingRules ?? [], []);
        t.deepEqual(after.loadBalancerRules ?? [], []);
        t.deepEqual(
            (after.kubernetesClusters ?? []).filter((c: any) => c.state !== "Destroyed"),
            [],
        );
    } finally {
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
