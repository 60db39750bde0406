// PortForwardingRule and EgressFirewallRule through the real dynamic-provider host: each step a
// separate engine process sharing one state file, against one simulator.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MoldClient } from "../../provider/client";
import { deletePortForwardingRule } from "../../provider/client/portforward";
import { deployVirtualMachine, destroyVirtualMachine } from "../../provider/client/vm";
import { normalizeCidr } from "../../provider/net/cidr";
import { startSimulatorServer } from "../../simulator/server";
import { cleanEnv, mutatingSince, programDir, runEngine, stackConfigArgs } from "../helpers/engine";

const PROGRAM = programDir("forwarding");

test("forwarding: up → no-op → tags in place → private port in place → replacements → refresh without drift → out-of-band delete → removal and destroy leave no rules", async (t) => {
    const sim = await startSimulatorServer({ port: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-fwd-"));
    const state = path.join(dir, "state.json");
    const client = new MoldClient({ apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey });
    const env = cleanEnv();
    const base = stackConfigArgs(state, sim);
    const config: string[] = [];
    const run = async (command: string, ...extra: string[]) => {
        const r = await runEngine([command, PROGRAM, ...base, ...config, ...extra], env);
        t.is(r.code, 0, `engine ${command} ${extra.join(" ")} failed:\n${r.stderr}`);
        return r.result!;
    };
    const set = (key: string, value: string) => {
        const i = config.findIndex((c) => c.startsWith(`${key}=`));
        if (i >= 0) config.splice(i, 1);
        config.push("--config", `${key}=${value}`);
    };
    const inv = () => sim.inventory();
    const ingress = () => inv().firewallRules.filter((r: any) => r.traffictype === "Ingress");
    const egress = () => inv().firewallRules.filter((r: any) => r.traffictype === "Egress");
    const tagsOf = (id: string) =>
        inv()
            .tags.filter((x: any) => x.resourceid === id)
            .map((x: any) => `${x.key}=${x.value}`)
            .sort();
    try {
        // The network, IP and egress rule; the VM needs the network, so the forwarding rule comes next.
        const first = await run("up");
        t.deepEqual(first.steps, { create: 3, update: 0, replace: 0, delete: 0, same: 0 });
        const cidr: string = first.outputs.networkCidr;
        t.deepEqual(
            egress().map((r: any) => [r.id, r.cidrlist, r.startport]),
            [[first.outputs.egressId, cidr, 443]],
            "Mold stored the network's CIDR for 0.0.0.0/0",
        );
        t.deepEqual(first.outputs.egressCidrs, ["0.0.0.0/0"], "the declared spelling stays");

        const inventory = inv();
        const vm = await deployVirtualMachine(client, {
            zoneid: inventory.zones[0].id,
            templateid: inventory.templates.find((x: any) => x.ispublic).id,
            serviceofferingid: inventory.serviceOfferings.find((o: any) => !o.iscustomized).id,
            networkids: [first.outputs.networkId],
            name: "web-1",
        });
        // The VM implemented the network (Allocated → Implemented): Mold's own lifecycle, not an output of the
        // Network, so refresh finds nothing changed.
        t.deepEqual((await run("refresh")).steps, { create: 0, update: 0, replace: 0, delete: 0, same: 3 });
        set("vmId", vm.id);
        const second = await run("up");
        t.deepEqual(second.steps, { create: 1, update: 0, replace: 0, delete: 0, same: 3 });
        const pf1 = second.outputs.forwardId;
        t.like(
            inv().portForwardingRules.find((r: any) => r.id === pf1),
            { publicport: "2222", privateport: "22", virtualmachineid: vm.id, state: "Active" },
        );
        t.is(second.outputs.forwardGuestIp, vm.nic[0].ipaddress);
        t.deepEqual(
            ingress().map((r: any) => [r.startport, r.cidrlist]),
            [[2222, "0.0.0.0/0"]],
            "openFirewall: the linked ingress rule",
        );
        t.deepEqual(tagsOf(pf1), ["pulumi-mold:managed-by=pulumi-mold", "team=platform"]);

        // The same program again: every step "same" and not one state-changing API call.
        let before = { ...sim.requestCounts };
        const noop = await run("up");
        t.deepEqual(noop.steps, { create: 0, update: 0, replace: 0, delete: 0, same: 4 });
        t.deepEqual(mutatingSince(before, sim.requestCounts), {});

        // The source spelled with host bits inside the network's CIDR: the same rule, nothing to do.
        set("egressCidr", `${cidr.split("/")[0].replace(/\.0$/, ".7")}/${cidr.split("/")[1]}`);
        before = { ...sim.requestCounts };
        t.deepEqual((await run("up")).steps, { create: 0, update: 0, replace: 0, delete: 0, same: 4 });
        t.deepEqual(mutatingSince(before, sim.requestCounts), {});

        // Tags change in place on both rules.
        set("team", "infra");
        const tagged = await run("up");
        t.deepEqual(tagged.steps, { create: 0, update: 2, replace: 0, delete: 0, same: 2 });
        t.is(tagged.outputs.forwardId, pf1);
        t.deepEqual(tagsOf(pf1), ["pulumi-mold:managed-by=pulumi-mold", "team=infra"]);
        t.deepEqual(tagsOf(first.outputs.egressId), ["pulumi-mold:managed-by=pulumi-mold", "team=infra"]);

        // The private port changes in place (updatePortForwardingRule).
        set("privatePort", "2022");
        const moved = await run("up");
        t.deepEqual(moved.steps, { create: 0, update: 1, replace: 0, delete: 0, same: 3 });
        t.like(
            inv().portForwardingRules.find((r: any) => r.id === pf1),
            { privateport: "2022", privateendport: "2022" },
        );

        // The public port and the egress port replace their rules; the old linked ingress rule goes too.
        set("publicPort", "2223");
        set("egressPort", "8443");
        const replaced = await run("up");
        t.deepEqual(replaced.steps, { create: 0, update: 0, replace: 2, delete: 2, same: 2 });
        const pf2 = replaced.outputs.forwardId;
        t.not(pf2, pf1);
        t.deepEqual(
            inv().portForwardingRules.map((r: any) => [r.id, r.publicport, r.privateport]),
            [[pf2, "2223", "2022"]],
        );
        t.deepEqual(
            ingress().map((r: any) => [r.startport, r.cidrlist]),
            [[2223, "0.0.0.0/0"]],
        );
        // The simulator keeps the host bits as sent; Mold writes the network address: the same rule either way.
        t.deepEqual(
            egress().map((r: any) => [r.id, r.startport, normalizeCidr(r.cidrlist)]),
            [[replaced.outputs.egressId, 8443, cidr]],
        );
        t.deepEqual(tagsOf(pf2), ["pulumi-mold:managed-by=pulumi-mold", "team=infra"]);

        // Refresh after Mold normalised the source CIDR: no drift anywhere.
        const refreshed = await run("refresh");
        t.deepEqual(refreshed.steps, { create: 0, update: 0, replace: 0, delete: 0, same: 4 });
        before = { ...sim.requestCounts };
        t.deepEqual((await run("up")).steps.same, 4);
        t.deepEqual(mutatingSince(before, sim.requestCounts), {});

        // Deleted behind Pulumi's back (its linked rule with it): refresh drops it, the next up re-creates it.
        await deletePortForwardingRule(client, pf2);
        t.deepEqual(ingress(), []);
        const gone = await run("refresh");
        t.deepEqual(gone.steps, { create: 0, update: 0, replace: 0, delete: 1, same: 3 });
        const back = await run("up");
        t.deepEqual(back.steps, { create: 1, update: 0, replace: 0, delete: 0, same: 3 });
        const pf3 = back.outputs.forwardId;
        t.deepEqual(
            inv().portForwardingRules.map((r: any) => r.id),
            [pf3],
        );
        t.deepEqual(
            ingress().map((r: any) => r.startport),
            [2223],
        );

        // Dropped from the program: the engine deletes it through the hook, and Mold its linked rule.
        set("withForwarding", "false");
        const dropped = await run("up");
        t.deepEqual(dropped.steps, { create: 0, update: 0, replace: 0, delete: 1, same: 3 });
        t.deepEqual(inv().portForwardingRules, []);
        t.deepEqual(ingress(), [], "the openFirewall rule went with it");

        // The VM is the test's; once it is gone the network can go, and destroy leaves nothing.
        await destroyVirtualMachine(client, vm.id, true);
        const destroyed = await run("destroy");
        t.deepEqual(destroyed.steps, { create: 0, update: 0, replace: 0, delete: 3, same: 0 });
        t.deepEqual(inv().firewallRules, []);
        t.deepEqual(inv().portForwardingRules, []);
        t.deepEqual(inv().networks, []);
        t.deepEqual(
            inv().publicIps.filter((ip: any) => ip.state !== "Free"),
            [],
        );
    } finally {
        client.close();
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("forwarding: a forwarding rule whose tagging fails is recorded with its id; deleting it removes its linked firewall rule too", async (t) => {
    const sim = await startSimulatorServer({ port: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-fwd-partial-"));
    const state = path.join(dir, "s.json");
    const client = new MoldClient({ apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey });
    try {
        const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
        const first = await runEngine(["up", PROGRAM, "--state", state], env);
        t.is(first.code, 0, first.stderr);
        const inventory = sim.inventory();
        const vm = await deployVirtualMachine(client, {
            zoneid: inventory.zones[0].id,
            templateid: inventory.templates.find((x: any) => x.ispublic).id,
            serviceofferingid: inventory.serviceOfferings.find((o: any) => !o.iscustomized).id,
            networkids: [first.result!.outputs.networkId],
        });
        // Only the new forwarding rule's tags are set in this run: every createTags is refused.
        sim.setFaults({ throttleRate: 1, commands: ["createTags"] });
        const failed = await runEngine(["up", PROGRAM, "--state", state, "--config", `vmId=${vm.id}`], env);
        sim.setFaults({});
        t.is(failed.code, 1);
        t.regex(failed.stderr, /mold:PortForwardingRule create: created [0-9a-f-]+ but could not finish/);
        const rule = sim.inventory().portForwardingRules[0];
        const recorded = JSON.parse(fs.readFileSync(state, "utf8")).resources.find((r: any) => r.type.endsWith(":PortForwardingRule"));
        t.is(recorded.id, rule.id, "in the state, not leaked");
        t.is(sim.inventory().firewallRules.filter((r: any) => r.traffictype === "Ingress").length, 1);

        // Dropped from the program: the engine deletes it though it never got its ownership tag (its
        // create was incomplete), and Mold removes the linked firewall rule with it.
        const dropped = await runEngine(["up", PROGRAM, "--state", state, "--config", `vmId=${vm.id}`, "--config", "withForwarding=false"], env);
        t.is(dropped.code, 0, dropped.stderr);
        t.is(dropped.result!.steps.delete, 1);
        t.deepEqual(sim.inventory().portForwardingRules, []);
        t.deepEqual(
            sim.inventory().firewallRules.filter((r: any) => r.traffictype === "Ingress"),
            [],
            "nothing leaked",
        );
        await destroyVirtualMachine(client, vm.id, true);
        const again = await runEngine(["destroy", PROGRAM, "--state", state], env);
        t.is(again.code, 0, again.stderr);
        t.deepEqual(sim.inventory().networks, []);
    } finally {
        client.close();
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
