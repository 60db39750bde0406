// The consumer program (../platform-consumer) run against a local Mold simulator through pulumi-mold/testing:
// the Pulumi CLI through the Automation API if `pulumi` is on PATH, else pulumi-mold's built-in runner. No
// cloud, no credentials. Asserts what Mold holds after up, and that destroy leaves nothing.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runProgram, startSimulator } from "pulumi-mold/testing";

// dist/test → the package → its sibling; PLATFORM_CONSUMER_DIR points elsewhere (e.g. a copy in CI).
const consumer = path.resolve(process.env.PLATFORM_CONSUMER_DIR ?? path.join(__dirname, "..", "..", "..", "platform-consumer"));

test("the consumer's stack: up creates the network, a Running managed cluster on it, ingress rules to the allowed CIDRs; destroy removes all", async () => {
    assert.ok(
        fs.existsSync(path.join(consumer, "node_modules", "platform-package")),
        `${consumer} is not installed: run \`npm run build\` here, then \`npm install\` in ${consumer}`,
    );
    const mold = await startSimulator();
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-consumer-"));
    try {
        const run = { dir: consumer, simulator: mold, stateDir, stack: "ci", config: { allowedCidrs: "10.1.0.0/16,10.2.0.0/16" } };
        const up = await runProgram({ ...run, command: "up" });
        const inv = mold.sim.inventory();

        const nets = inv.networks.filter((n: any) => n.name === "shop-net");
        assert.equal(nets.length, 1, "one network");
        const clusters = inv.kubernetesClusters.filter((c: any) => c.state !== "Destroyed");
        assert.deepEqual(
            clusters.map((c: any) => [c.name, c.state, c.networkid]),
            [["shop", "Running", nets[0].id]],
            "a Running managed cluster on the package's network",
        );
        const ingressIp = inv.publicIps.find((ip: any) => ip.ipaddress === new URL(String((up.outputs.ingressUrls as string[])[0])).hostname);
        assert.ok(ingressIp, `the ingress address ${up.outputs.ingressUrls} is a public IP in Mold`);
        const lbs = inv.loadBalancerRules.filter((r: any) => r.publicipid === ingressIp.id);
        assert.deepEqual(
            lbs.map((r: any) => [r.name, r.publicport, r.privateport]),
            [["shop-web", "80", "30080"]],
        );
        const fws = inv.firewallRules.filter((r: any) => r.ipaddressid === ingressIp.id);
        assert.deepEqual(
            fws.map((r: any) => [Number(r.startport), r.cidrlist]),
            [[80, "10.1.0.0/16,10.2.0.0/16"]],
        );
        assert.equal((up.outputs.workerIds as string[]).length, 2);
        assert.equal(up.outputs.kubeconfig, "[secret]");

        const again = await runProgram({ ...run, command: "preview" });
        assert.deepEqual({ ...again.steps, same: 0 }, { create: 0, update: 0, replace: 0, delete: 0, same: 0 }, "no changes");

        const down = await runProgram({ ...run, command: "destroy" });
        assert.equal(down.steps.delete, up.steps.create);
        const after = mold.sim.inventory();
        assert.deepEqual(
            (after.networks ?? []).filter((n: any) => n.name === "shop-net"),
            [],
        );
        assert.deepEqual(
            (after.kubernetesClusters ?? []).filter((c: any) => c.state !== "Destroyed"),
            [],
        );
        assert.deepEqual(after.loadBalancerRules ?? [], []);
    } finally {
        await mold.stop();
        fs.rmSync(stateDir, { recursive: true, force: true });
    }
});
