// examples/network-basics through the engine, as a user would run it: up, a no-op up, an in-place edit
// of every resource, a replacing edit, refresh after out-of-band changes, destroy.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MoldClient } from "../../provider/client";
import { updateNetwork } from "../../provider/client/network";
import { stopVirtualMachine } from "../../provider/client/vm";
import { startSimulatorServer } from "../../simulator/server";
import { cleanEnv, mutatingSince, runEngine } from "../helpers/engine";

const EXAMPLE = path.resolve(__dirname, "../../../examples/network-basics");
const OWNER = "pulumi-mold:managed-by";

test("network-basics: up, no-op up, in-place edits, replace, refresh after drift, destroy", async (t) => {
    const sim = await startSimulatorServer({ port: 0 });
    const client = new MoldClient({ apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "network-basics-"));
    const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
    const run = async (command: string, ...config: string[]) => {
        const r = await runEngine([command, EXAMPLE, "--state", path.join(dir, "state.json"), ...config.flatMap((c) => ["--config", c])], env);
        t.is(r.code, 0, `${command} failed:\n${r.stderr}`);
        return r.result!;
    };
    const inv = () => sim.inventory();
    try {
        const up = await run("up");
        t.deepEqual(up.steps, { create: 12, update: 0, replace: 0, delete: 0, same: 0 });
        t.is(up.outputs.privateKey, "[secret]");
        t.regex(up.outputs.publicIp, /^127\.\d+\.\d+\.\d+$/);
        const lb = () => inv().loadBalancerRules[0];
        t.is(inv().vms.filter((v: any) => v.state === "Running").length, 2);
        const memberCount = () => lb()._members.length;
        t.is(memberCount(), 2);
        t.is(inv().portForwardingRules.length, 2);
        const owned = inv().tags.filter((x: any) => x.key === OWNER).length;
        t.is(owned, 11, "every taggable object carries the ownership tag (key pairs cannot be tagged)");

        const before = { ...sim.requestCounts };
        const noop = await run("up");
        t.deepEqual(noop.steps, { create: 0, update: 0, replace: 0, delete: 0, same: 12 });
        t.deepEqual(mutatingSince(before, sim.requestCounts), {});

        const edited = await run(
            "up",
            "networkName=web-net-2",
            "networkDisplayText=web tier 2",
            "networkDomain=web2.internal",
            "revision=2",
            "vmOffering=4C-8GB",
            "vmDisplayPrefix=front",
            "lbName=web-lb-2",
            "lbAlgorithm=leastconn",
            "singleMember=true",
            "stickiness=SourceBased",
        );
        t.deepEqual(edited.steps, { create: 0, update: 11, replace: 0, delete: 0, same: 1 });
        const net = inv().networks[0];
        t.is(net.name, "web-net-2");
        t.is(net.displaytext, "web tier 2");
        t.is(net.networkdomain, "web2.internal");
        t.true(inv().vms.every((v: any) => v.serviceofferingname === "4C-8GB" && v.state === "Running"));
        t.deepEqual(
            inv()
                .vms.map((v: any) => v.displayname)
                .sort(),
            ["front-1", "front-2"],
        );
        t.is(lb().name, "web-lb-2");
        t.is(lb().algorithm, "leastconn");
        t.is(memberCount(), 1, "members changed in place");
        const revisions = inv().tags.filter((x: any) => x.key === "revision");
        t.is(revisions.length, 11);
        t.true(revisions.every((x: any) => x.value === "2"));

        // Stack config persists between runs, as with `pulumi config set`.
        const replaced = await run("up", "httpsCidr=192.0.2.0/24");
        // Same ports on the same IP: Mold would refuse the new rule next to the old one, so it goes first.
        t.deepEqual(replaced.steps, { create: 0, update: 0, replace: 1, delete: 0, same: 11 });
        t.true(inv().firewallRules.some((r: any) => r.startport === 443 && r.cidrlist === "192.0.2.0/24"));
        t.false(inv().firewallRules.some((r: any) => r.startport === 443 && r.cidrlist === "0.0.0.0/0"));

        // Behind Pulumi's back: a VM stopped and the network renamed. Refresh sees it, up puts it back.
        const web1 = inv().vms.find((v: any) => v.name === "web-1");
        await stopVirtualMachine(client, web1.id);
        await updateNetwork(client, net.id, { name: "renamed-outside" });
        const refreshed = await run("refresh");
        t.is(refreshed.steps.update, 2, "the VM and the network changed");
        const restored = await run("up");
        t.is(restored.steps.update >= 2, true);
        t.is(inv().networks[0].name, "web-net-2", "the program's name is back");
        t.is(inv().vms.find((v: any) => v.id === web1.id).state, "Running");

        const destroyed = await run("destroy");
        t.is(destroyed.steps.delete, 12);
        const left = inv();
        t.deepEqual(left.networks, []);
        t.deepEqual(left.vms, []);
        t.deepEqual(left.firewallRules, []);
        t.deepEqual(left.portForwardingRules, []);
        t.deepEqual(left.loadBalancerRules, []);
        t.deepEqual(left.sshKeyPairs ?? [], []);
        t.deepEqual(
            left.publicIps.filter((ip: any) => ip.state !== "Free"),
            [],
        );
    } finally {
        client.close();
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
