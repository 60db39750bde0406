// ServiceLoadBalancer through the engine: examples/quickstart publishes nginx's NodePort with it; scaling the
// workers 2 → 4 → 3 changes only the rule's members (assigned/removed by difference), never the rule; a no-op up
// changes nothing; destroy leaves nothing it made.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { startSimulatorServer } from "../../simulator/server";
import { isSecret, SecretsCipher } from "../engine/secrets";
import { cleanEnv, mutatingSince, runEngine } from "../helpers/engine";

const EXAMPLE = path.resolve(__dirname, "../../../examples/quickstart");
const RULE = "quickstart-web-80";

test("quickstart: workers 2 → 4 → 3, the rule's members follow in place; no-op up; destroy leaves nothing", async (t) => {
    const sim = await startSimulatorServer({ port: 0, latencyProfile: "fast" });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slb-quickstart-"));
    const stateFile = path.join(dir, "state.json");
    const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
    t.teardown(async () => {
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });
    const run = async (command: string, size: number) => {
        // webPort explicitly: the engine keeps a run's --config in the stack's config, as `pulumi config set` would.
        const r = await runEngine([command, EXAMPLE, "--state", stateFile, "--config", `size=${size}`, "--config", "webPort=80"], env, 300_000);
        t.is(r.code, 0, `${command} size=${size} failed:\n${r.stderr.slice(-4000)}`);
        if (r.code !== 0) throw new Error(`${command} failed`);
        return r.result!;
    };
    const inv = () => sim.inventory();
    const rule = () => inv().loadBalancerRules.find((r: any) => r.name === RULE);
    const members = () =>
        rule()
            ._members.map((m: any) => m.vmid)
            .sort();
    const workers = () => {
        const [cluster] = inv().kubernetesClusters;
        return cluster._nodes
            .filter((n: any) => n.role === "worker")
            .map((n: any) => n.vmId)
            .sort();
    };
    const state = () => new SecretsCipher(stateFile).open(JSON.parse(fs.readFileSync(stateFile, "utf8"))) as any;
    const ruleInState = () => state().resources.find((r: any) => r.type.endsWith("mold:LoadBalancerRule") && r.urn.endsWith(`::${RULE}`));
    const plain = (v: unknown) => JSON.parse(JSON.stringify(isSecret(v) ? v.value : v));

    await run("up", 2);
    const ruleId = rule().id;
    t.is(ruleInState().id, ruleId);
    t.is(workers().length, 2);
    t.deepEqual(members(), workers());
    t.deepEqual(plain(state().outputs.webMembers), workers());
    // The port is opened by its own FirewallRule (appCidr), not by the rule's openFirewall.
    const ip = inv().publicIps.find((p: any) => p.id === rule().publicipid);
    t.deepEqual(
        inv()
            .firewallRules.filter((f: any) => f.ipaddressid === ip.id && Number(f.startport) === 80)
            .map((f: any) => f.cidrlist),
        ["0.0.0.0/0"],
    );

    // A port Mold's Kubernetes service owns on the cluster's IP (2222 upwards: node SSH) is refused as for any rule.
    let before = { ...sim.requestCounts };
    const refused = await runEngine(["preview", EXAMPLE, "--state", stateFile, "--config", "size=2", "--config", "webPort=2222"], env, 120_000);
    t.not(refused.code, 0);
    t.regex(
        refused.stderr,
        /quickstart-web-2222: check: invalid inputs: mold:(LoadBalancerRule: publicPort|FirewallRule: startPort): port 2222 on \S+ collide with 2222-\d+, which Mold's Kubernetes service manages for cluster 'quickstart'/,
    );
    t.deepEqual(mutatingSince(before, sim.requestCounts), {});

    for (const size of [4, 3]) {
        const before = { ...sim.requestCounts };
        const up = await run("up", size);
        t.is(workers().length, size, `${size} workers in Mold`);
        t.deepEqual(members(), workers(), `members follow the workers at size ${size}`);
        t.is(rule().id, ruleId, "the same rule in Mold");
        t.is(ruleInState().id, ruleId, "the same rule in the state");
        t.is(up.steps.replace, 0);
        const calls = mutatingSince(before, sim.requestCounts);
        t.falsy(calls.createLoadBalancerRule, `no rule created at size ${size}`);
        t.falsy(calls.deleteLoadBalancerRule, `no rule deleted at size ${size}`);
        t.falsy(calls.createFirewallRule);
        t.falsy(calls.deleteFirewallRule);
        // Only the difference moves: the 2 new workers assigned in one call on the way up.
        if (size === 4) t.is(calls.assignToLoadBalancerRule, 1, JSON.stringify(calls));
        if (size === 3) t.falsy(calls.assignToLoadBalancerRule, JSON.stringify(calls));
        // Mold scales down by draining the node, then destroying and expunging its VM; the expunge takes the VM out
        // of every rule (mold-api-kubernetes.md, scaling down), so the rule's update has nothing left to remove.
        if (size === 3) t.falsy(calls.removeFromLoadBalancerRule, JSON.stringify(calls));
        t.deepEqual(plain(state().outputs.webMembers), workers());
    }

    before = { ...sim.requestCounts };
    const noop = await run("up", 3);
    t.is(noop.steps.update + noop.steps.create + noop.steps.replace + noop.steps.delete, 0);
    t.deepEqual(mutatingSince(before, sim.requestCounts), {});

    await run("destroy", 3);
    const left = inv();
    t.deepEqual(left.loadBalancerRules, []);
    t.deepEqual(left.firewallRules, []);
    t.deepEqual(left.vms, []);
    t.deepEqual(
        left.publicIps.filter((p: any) => p.state !== "Free"),
        [],
    );
});

test("quickstart: a NodePort outside 30000–32767 is refused by preview, naming the property, with no state-changing call", async (t) => {
    const sim = await startSimulatorServer({ port: 0, latencyProfile: "fast" });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slb-refused-"));
    const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
    t.teardown(async () => {
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });
    const before = { ...sim.requestCounts };
    const r = await runEngine(["preview", EXAMPLE, "--state", path.join(dir, "state.json"), "--config", "nodePort=8080"], env, 120_000);
    t.not(r.code, 0);
    t.regex(r.stderr, /mold:ServiceLoadBalancer quickstart-web: ports\[0\]\.nodePort: must be a NodePort from 30000 to 32767 \(got 8080\)/);
    t.deepEqual(mutatingSince(before, sim.requestCounts), {});
    t.deepEqual(sim.inventory().loadBalancerRules ?? [], []);
});
