// LoadBalancerRule through the real dynamic-provider host: each step a separate engine process sharing
// one state file, against one simulator. In-place edits must make exactly the Mold calls they need.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MoldClient } from "../../provider/client";
import { removeFromLoadBalancerRule } from "../../provider/client/loadbalancer";
import { startSimulatorServer } from "../../simulator/server";
import { cleanEnv, mutatingSince, programDir, runEngine } from "../helpers/engine";

const PROGRAM = programDir("load-balancer");

/** A simulator, a state file and an `up`-style runner whose credentials come from the environment. */
async function stage(settings?: Record<string, boolean>) {
    const sim = await startSimulatorServer({ port: 0, settings });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-lb-"));
    const state = path.join(dir, "state.json");
    const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
    const client = new MoldClient({ apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey });
    const engine = (...args: string[]) => runEngine([args[0], PROGRAM, "--state", state, ...args.slice(1)], env);
    const stop = async () => {
        client.close();
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    };
    return { sim, state, client, engine, stop };
}

const lbRules = (sim: any) => sim.inventory().loadBalancerRules as any[];
const membersOf = (rule: any) => rule._members.map((m: any) => m.vmid).sort();

test("up → no-op → rename + algorithm → member out and back → stickiness → replace → refresh drift → destroy", async (t) => {
    const { sim, client, engine, stop } = await stage();
    const run = async (...args: string[]) => {
        const r = await engine(...args);
        t.is(r.code, 0, `engine ${args.join(" ")} failed:\n${r.stderr}`);
        return r.result!;
    };
    try {
        const first = await run("up");
        t.deepEqual(first.steps, { create: 5, update: 0, replace: 0, delete: 0, same: 0 });
        const vmIds: string[] = first.outputs.vmIds;
        t.deepEqual(first.outputs.memberIds, vmIds, "web-1 by name and web-2 by id, resolved in order");
        t.is(first.outputs.ruleState, "Active", "assigning the members took the rule out of Add");
        t.is(first.outputs.healthCheckPolicyId, "", "no health check: an empty string, never undefined");
        t.regex(first.outputs.publicIp, /^127\.\d+\.\d+\.\d+$/);
        let [rule] = lbRules(sim);
        t.is(rule.id, first.outputs.ruleId);
        t.deepEqual(membersOf(rule), [...vmIds].sort());
        const fw = sim.inventory().firewallRules.find((f: any) => f.id === rule._relatedFirewallId);
        t.truthy(fw, "openFirewall (default true) made Mold open the public port");
        t.is(fw.startport, 80);
        const [sticky] = sim.inventory().lbStickinessPolicies;
        t.is(sticky.id, first.outputs.stickinessPolicyId);
        t.deepEqual([sticky.methodname, sticky.params], ["LbCookie", { "cookie-name": "SRV", nocache: "" }]);
        const tags = sim.inventory().tags.filter((x: any) => x.resourceid === rule.id && x.resourcetype === "LoadBalancer");
        t.deepEqual(tags.map((x: any) => `${x.key}=${x.value}`).sort(), ["app=web", "pulumi-mold:managed-by=pulumi-mold"]);

        let before = { ...sim.requestCounts };
        const second = await run("up");
        t.deepEqual(second.steps, { create: 0, update: 0, replace: 0, delete: 0, same: 5 });
        t.deepEqual(mutatingSince(before, sim.requestCounts), {}, "a no-op up changes nothing in Mold");

        before = { ...sim.requestCounts };
        const renamed = await run("up", "--config", "lbName=web-renamed", "--config", "algorithm=leastconn");
        t.deepEqual(renamed.steps, { create: 0, update: 1, replace: 0, delete: 0, same: 4 });
        t.deepEqual(mutatingSince(before, sim.requestCounts), { updateLoadBalancerRule: 1 }, "members and policies untouched");
        [rule] = lbRules(sim);
        t.deepEqual([rule.id, rule.name, rule.algorithm], [first.outputs.ruleId, "web-renamed", "leastconn"]);

        before = { ...sim.requestCounts };
        const fewer = await run("up", "--config", "members=web-1");
        t.is(fewer.steps.update, 1);
        t.deepEqual(mutatingSince(before, sim.requestCounts), { removeFromLoadBalancerRule: 1 });
        t.deepEqual(membersOf(lbRules(sim)[0]), [vmIds[0]]);
        t.deepEqual(fewer.outputs.memberIds, [vmIds[0]]);

        before = { ...sim.requestCounts };
        const back = await run("up", "--config", "members=web-1,web-2");
        t.is(back.steps.update, 1);
        t.deepEqual(mutatingSince(before, sim.requestCounts), { assignToLoadBalancerRule: 1 }, "only web-2 is assigned");
        t.deepEqual(membersOf(lbRules(sim)[0]), [...vmIds].sort());

        before = { ...sim.requestCounts };
        const source = await run("up", "--config", "stickiness=source");
        t.is(source.steps.update, 1);
        t.deepEqual(mutatingSince(before, sim.requestCounts), { deleteLBStickinessPolicy: 1, createLBStickinessPolicy: 1 });
        const policies = sim.inventory().lbStickinessPolicies;
        t.deepEqual(
            policies.map((p: any) => [p.id, p.methodname, p.params]),
            [[source.outputs.stickinessPolicyId, "SourceBased", { expire: "30m" }]],
        );

        // A new public port: a new rule (with members and policy) before the old one goes, with its firewall rule.
        const moved = await run("up", "--config", "publicPort=8088");
        t.deepEqual(moved.steps, { create: 0, update: 0, replace: 1, delete: 1, same: 4 });
        t.not(moved.outputs.ruleId, first.outputs.ruleId);
        [rule] = lbRules(sim);
        t.is(lbRules(sim).length, 1);
        t.deepEqual([rule.id, rule.publicport, rule.name, rule.algorithm], [moved.outputs.ruleId, "8088", "web-renamed", "leastconn"]);
        t.deepEqual(membersOf(rule), [...vmIds].sort());
        t.deepEqual(
            sim.inventory().lbStickinessPolicies.map((p: any) => p._lbruleid),
            [rule.id],
        );
        t.deepEqual(
            sim.inventory().firewallRules.map((f: any) => [f.id, f.startport]),
            [[rule._relatedFirewallId, 8088]],
            "the old rule's firewall rule went with it",
        );

        // Same IP and port, new private port: Mold would refuse the new rule next to the old one, so the
        // old one goes first.
        const repointed = await run("up", "--config", "privatePort=9090");
        // Delete-before-replace is one replace step for the engine (no separate delete after the create).
        t.deepEqual(repointed.steps, { create: 0, update: 0, replace: 1, delete: 0, same: 4 });
        [rule] = lbRules(sim);
        t.is(lbRules(sim).length, 1);
        t.deepEqual([rule.id, rule.publicport, rule.privateport], [repointed.outputs.ruleId, "8088", "9090"]);
        t.deepEqual(membersOf(rule), [...vmIds].sort());

        // A member removed behind Pulumi's back: refresh records it, the next up assigns it again.
        await removeFromLoadBalancerRule(client, rule.id, { virtualmachineids: [vmIds[1]] });
        await run("refresh");
        before = { ...sim.requestCounts };
        const restored = await run("up");
        t.is(restored.steps.update, 1);
        t.deepEqual(mutatingSince(before, sim.requestCounts), { assignToLoadBalancerRule: 1 });
        t.deepEqual(membersOf(lbRules(sim)[0]), [...vmIds].sort());
        t.deepEqual(restored.outputs.memberIds, vmIds);

        const destroyed = await run("destroy");
        t.deepEqual(destroyed.steps, { create: 0, update: 0, replace: 0, delete: 5, same: 0 });
        const inv = sim.inventory();
        t.deepEqual(inv.loadBalancerRules, []);
        t.deepEqual(inv.firewallRules, [], "no linked firewall rule left");
        t.deepEqual(inv.lbStickinessPolicies, []);
    } finally {
        await stop();
    }
});

test("health checks: the virtual router's refusal is reported with Mold's text, the rule recorded and repaired", async (t) => {
    const { sim, state, engine, stop } = await stage();
    try {
        const failed = await engine("up", "--config", "healthCheck=true");
        t.is(failed.code, 1);
        t.regex(failed.stderr, /mold:LoadBalancerRule create: created [0-9a-f-]+ but could not finish: healthCheckPolicy of load balancer rule 'web'/);
        t.regex(
            failed.stderr,
            /Mold refused it: Failed to create HealthCheck policy: Validation Failed \(HealthCheck Policy is not supported by LB Provider for the LB rule:[0-9a-f-]+\)/,
        );
        t.regex(failed.stderr, /virtual router\) has no health-check support/);
        const recorded = JSON.parse(fs.readFileSync(state, "utf8")).resources.find((r: any) => r.type.endsWith(":LoadBalancerRule"));
        t.is(recorded.id, lbRules(sim)[0].id, "the rule is in the state, not leaked");
        t.is(lbRules(sim)[0]._members.length, 2, "members were assigned before the policy was refused");

        const repaired = await engine("up", "--config", "healthCheck=false");
        t.is(repaired.code, 0, repaired.stderr);
        t.is(repaired.result!.steps.update, 1);
        t.is(lbRules(sim).length, 1, "no second rule");
        t.is(repaired.result!.outputs.healthCheckPolicyId, "");
        t.is((await engine("destroy")).code, 0);
        t.deepEqual(lbRules(sim), []);
    } finally {
        await stop();
    }
});

test("health checks where the LB provider supports them: created, changed and removed in place", async (t) => {
    const { sim, engine, stop } = await stage({ "sim.lb.healthcheck.supported": true });
    const run = async (...args: string[]) => {
        const r = await engine(...args);
        t.is(r.code, 0, `engine ${args.join(" ")} failed:\n${r.stderr}`);
        return r.result!;
    };
    try {
        const created = await run("up", "--config", "healthCheck=true");
        let [policy] = sim.inventory().lbHealthCheckPolicies;
        t.is(policy.id, created.outputs.healthCheckPolicyId);
        t.deepEqual([policy.pingpath, policy.healthcheckinterval, policy.responsetime], ["/healthz", 10, 3]);

        const before = { ...sim.requestCounts };
        const changed = await run("up", "--config", "healthInterval=20");
        t.deepEqual(mutatingSince(before, sim.requestCounts), { deleteLBHealthCheckPolicy: 1, createLBHealthCheckPolicy: 1 });
        [policy] = sim.inventory().lbHealthCheckPolicies;
        t.is(sim.inventory().lbHealthCheckPolicies.length, 1);
        t.deepEqual([policy.id, policy.healthcheckinterval], [changed.outputs.healthCheckPolicyId, 20]);
        t.not(changed.outputs.healthCheckPolicyId, created.outputs.healthCheckPolicyId);

        const removed = await run("up", "--config", "healthCheck=false");
        t.is(removed.outputs.healthCheckPolicyId, "");
        t.deepEqual(sim.inventory().lbHealthCheckPolicies, []);
        const again = await run("up");
        t.deepEqual(again.steps.update, 0, "a removed policy leaves no lingering diff");
        await run("destroy");
    } finally {
        await stop();
    }
});
