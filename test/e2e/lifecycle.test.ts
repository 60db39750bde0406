// Issue 3's proof: a program with dependent resources through the real dynamic-provider host, each
// step a separate engine process sharing one state file, against one simulator.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MoldClient } from "../../provider/client";
import { deleteFirewallRule } from "../../provider/client/firewall";
import { startSimulatorServer } from "../../simulator/server";
import { cleanEnv, mutatingSince, programDir, runEngine, stackConfigArgs } from "../helpers/engine";

const PROGRAM = programDir("dependent");

test("up → no-op up → update → replace → out-of-band delete + refresh → up → destroy", async (t) => {
    const sim = await startSimulatorServer({ port: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-life-"));
    const state = path.join(dir, "state.json");
    const client = new MoldClient({ apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey });
    // Credentials only through stack config: this proves configure() reaches the hooks.
    const env = cleanEnv();
    const base = stackConfigArgs(state, sim);
    const run = async (...args: string[]) => {
        const r = await runEngine([...args, ...base], env);
        t.is(r.code, 0, `engine ${args.join(" ")} failed:\n${r.stderr}`);
        return r.result!;
    };
    try {
        const first = await run("up", PROGRAM);
        t.deepEqual(first.steps, { create: 3, update: 0, replace: 0, delete: 0, same: 0 });
        t.regex(first.outputs.address, /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/, "a loopback address from the simulator's pool");
        const inv1 = sim.inventory();
        t.is(inv1.networks.length, 1);
        t.is(inv1.networks[0].name, "app-net");
        t.is(inv1.firewallRules.filter((r: any) => r.id === first.outputs.ruleId).length, 1);

        // The same program again: every step "same" and not one state-changing API call.
        const before = { ...sim.requestCounts };
        const second = await run("up", PROGRAM);
        t.deepEqual(second.steps, { create: 0, update: 0, replace: 0, delete: 0, same: 3 });
        t.deepEqual(mutatingSince(before, sim.requestCounts), {});
        t.deepEqual(second.outputs, first.outputs);

        // An input Mold changes in place: the network is renamed, nothing else moves.
        const third = await run("up", PROGRAM, "--config", "networkName=renamed-net", "--config", "team=infra");
        t.deepEqual(third.steps, { create: 0, update: 1, replace: 0, delete: 0, same: 2 });
        const net = sim.inventory().networks[0];
        t.is(net.name, "renamed-net");
        t.is(net.id, first.outputs.networkId);
        const netTags = sim.inventory().tags.filter((x: any) => x.resourceid === net.id);
        t.deepEqual(netTags.map((x: any) => `${x.key}=${x.value}`).sort(), ["pulumi-mold:managed-by=pulumi-mold", "team=infra"]);

        // An input Mold cannot change: the rule is replaced (create before delete).
        const fourth = await run("up", PROGRAM, "--config", "sshPort=2222");
        t.deepEqual(fourth.steps, { create: 0, update: 0, replace: 1, delete: 1, same: 2 });
        t.not(fourth.outputs.ruleId, first.outputs.ruleId);
        const rules = sim.inventory().firewallRules.filter((r: any) => r.ipaddressid !== undefined && r.startport !== 6443);
        t.deepEqual(
            rules.map((r: any) => [r.id, r.startport]),
            [[fourth.outputs.ruleId, 2222]],
        );

        // Deleted behind Pulumi's back: refresh drops it from state, the next up re-creates it.
        await deleteFirewallRule(client, fourth.outputs.ruleId);
        const refreshed = await run("refresh", PROGRAM);
        t.is(refreshed.steps.delete, 1);
        t.is(refreshed.steps.same, 2);
        const stateAfterRefresh = JSON.parse(fs.readFileSync(state, "utf8"));
        t.false(stateAfterRefresh.resources.some((r: any) => r.id === fourth.outputs.ruleId));
        const fifth = await run("up", PROGRAM);
        t.deepEqual(fifth.steps, { create: 1, update: 0, replace: 0, delete: 0, same: 2 });
        t.is(sim.inventory().firewallRules.filter((r: any) => r.id === fifth.outputs.ruleId).length, 1);

        // Dropped from the program: deleted, the rest untouched.
        const dropped = await run("up", PROGRAM, "--config", "withRule=false");
        t.deepEqual(dropped.steps, { create: 0, update: 0, replace: 0, delete: 1, same: 2 });
        t.deepEqual(sim.inventory().firewallRules, []);
        t.is(dropped.outputs.ruleId, undefined);
        const back = await run("up", PROGRAM, "--config", "withRule=true");
        t.deepEqual(back.steps, { create: 1, update: 0, replace: 0, delete: 0, same: 2 });

        // Secrets never reach the state file in plaintext, and __provider holds no credentials.
        const text = fs.readFileSync(state, "utf8");
        t.false(text.includes(sim.secretKey));
        for (const r of JSON.parse(text).resources) {
            if (r.outputs.__provider) t.false(String(r.outputs.__provider).includes(sim.apiKey));
        }

        const destroyed = await run("destroy", PROGRAM);
        t.deepEqual(destroyed.steps, { create: 0, update: 0, replace: 0, delete: 3, same: 0 });
        const inv = sim.inventory();
        t.deepEqual(inv.networks, []);
        t.deepEqual(inv.firewallRules, []);
        t.deepEqual(
            inv.publicIps.filter((ip: any) => ip.state !== "Free"),
            [],
        );
    } finally {
        client.close();
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("preview plans the creates without calling create: zero state-changing API calls", async (t) => {
    const sim = await startSimulatorServer({ port: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-preview-"));
    try {
        const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
        const before = { ...sim.requestCounts };
        const r = await runEngine(["preview", PROGRAM, "--state", path.join(dir, "s.json")], env);
        t.is(r.code, 0, r.stderr);
        t.deepEqual(r.result!.steps, { create: 3, update: 0, replace: 0, delete: 0, same: 0 });
        t.deepEqual(mutatingSince(before, sim.requestCounts), {});
        t.deepEqual(sim.inventory().networks ?? [], []);
    } finally {
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("invalid inputs are refused at check, naming the property, with zero API calls", async (t) => {
    const sim = await startSimulatorServer({ port: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-check-"));
    try {
        const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
        const r = await runEngine(["up", PROGRAM, "--state", path.join(dir, "s.json"), "--config", "sshPort=70000", "--config", "adminCidr=10.0.0.0/33"], env);
        t.is(r.code, 1);
        t.regex(r.stderr, /mold:FirewallRule: startPort must be a port number between 1 and 65535, got 70000/);
        t.regex(r.stderr, /mold:FirewallRule: cidrList\[0\] is not a valid IPv4 CIDR: '10\.0\.0\.0\/33'/);
        // The network and IP before it may exist (their check passed); the rule never reached Mold.
        t.is(sim.requestCounts.createFirewallRule ?? 0, 0);
    } finally {
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("a create that fails after the object exists is recorded with its id and repaired by the next up", async (t) => {
    const sim = await startSimulatorServer({ port: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-partial-"));
    const state = path.join(dir, "s.json");
    try {
        const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
        // Every createTags is throttled: the network is created but its tags cannot be set.
        sim.setFaults({ throttleRate: 1, commands: ["createTags"] });
        const failed = await runEngine(["up", PROGRAM, "--state", state], env);
        t.is(failed.code, 1);
        t.regex(failed.stderr, /created [0-9a-f-]+ but could not finish/);
        const recorded = JSON.parse(fs.readFileSync(state, "utf8")).resources.find((r: any) => r.type.endsWith(":Network"));
        t.truthy(recorded, "the network is in the state, not leaked");
        t.is(recorded.id, sim.inventory().networks[0].id);
        t.true(recorded.initErrors.length > 0);

        sim.setFaults({});
        const repaired = await runEngine(["up", PROGRAM, "--state", state], env);
        t.is(repaired.code, 0, repaired.stderr);
        t.is(repaired.result!.steps.update, 1, "the partially created network is updated (repaired)");
        t.is(sim.inventory().networks.length, 1, "no duplicate network");
        const tags = sim
            .inventory()
            .tags.filter((x: any) => x.resourceid === recorded.id)
            .map((x: any) => x.key)
            .sort();
        t.deepEqual(tags, ["pulumi-mold:managed-by", "team"]);
        const destroyed = await runEngine(["destroy", PROGRAM, "--state", state], env);
        t.is(destroyed.code, 0, destroyed.stderr);
        t.deepEqual(sim.inventory().networks, []);
    } finally {
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
