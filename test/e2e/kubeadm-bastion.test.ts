// A self-managed cluster reached only through a bastion of the program's own: its nodes get no port forward
// (the cluster exposes no SSH), every step reaches them through the bastion at their private address, the
// bastion itself runs nothing, and a bastion presenting another host key than the pinned one is refused.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generateHostKey } from "../../provider/ssh/host-keys";
import { startSimulatorServer } from "../../simulator/server";
import { cleanEnv, programDir, runEngine } from "../helpers/engine";

const PROGRAM = programDir("kubeadm-bastion");

test("kubeadm through a bastion: no SSH forward to any node, steps through the bastion, a wrong bastion key refused", async (t) => {
    const sim = await startSimulatorServer({ port: 0, latencyProfile: "fast" });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeadm-bastion-"));
    t.teardown(async () => {
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });
    const hostKey = generateHostKey();
    const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
    const run = (command: string, ...config: string[]) =>
        runEngine(
            [
                command,
                PROGRAM,
                "--state",
                path.join(dir, "state.json"),
                "--secret",
                `bastionHostKey=${hostKey.privateKey}`,
                "--config",
                `bastionHostPublicKey=${hostKey.publicKey}`,
                ...config.flatMap((c) => ["--config", c]),
            ],
            env,
            300_000,
        );

    const up = await run("up");
    t.is(up.code, 0, up.stderr.slice(-3000));
    const names = up.result!.outputs.nodes.map((n: any) => n.name);
    t.is(names.length, 2);

    // Mold: the only forward to port 22 is the bastion's; no firewall opens anything but the bastion and the API.
    const inv = sim.inventory();
    const vmName = (id: string) => inv.vms.find((v: any) => v.id === id)?.name;
    const forwards = inv.portForwardingRules.filter((r: any) => Number(r.privateport) === 22).map((r: any) => vmName(r.virtualmachineid));
    t.deepEqual(forwards, ["bastion"]);
    t.deepEqual(
        inv.firewallRules.map((r: any) => Number(r.startport)).sort((a: number, b: number) => a - b),
        [2200, 6443],
    );

    // Every node bootstrapped (init once, join once); the bastion only forwarded.
    const nodes = sim.emulatedNodes();
    const bastion: any = nodes.find((n: any) => n.hostname === "bastion");
    t.truthy(bastion, "the bastion answered SSH");
    t.deepEqual(bastion.history, [], "no step ran on the bastion");
    for (const name of names) {
        const node: any = nodes.find((n: any) => n.hostname === name);
        t.truthy(node, name);
        t.is((node.counters["kubeadm-init"] ?? 0) + (node.counters["kubeadm-join"] ?? 0), 1, name);
    }
    const [cluster] = sim.kubeadmClusters();
    t.deepEqual(cluster.nodes.map((n: any) => n.name).sort(), [...names].sort());
    t.true(cluster.nodes.every((n: any) => n.ready));

    // Another key pinned for the bastion: refused before any node is touched.
    const historyBefore = sim.emulatedNodes().reduce((n: number, x: any) => n + x.history.length, 0);
    const wrong = await run("up", "workers=2", `pinnedBastionKey=${generateHostKey().publicKey}`);
    t.not(wrong.code, 0);
    t.regex(wrong.stderr, /host key/i);
    t.regex(wrong.stderr, /bastion/);
    t.is(
        sim.emulatedNodes().reduce((n: number, x: any) => n + x.history.length, 0),
        historyBefore,
        "no step ran",
    );

    // With the right key again: the second worker joins, then everything goes.
    // (stack config persists between runs, as with `pulumi config set`: the right key is set back explicitly)
    const fixed = await run("up", "workers=2", `pinnedBastionKey=${hostKey.publicKey}`);
    t.is(fixed.code, 0, fixed.stderr.slice(-3000));
    t.is(fixed.result!.outputs.nodes.length, 3);
    const down = await run("destroy", "workers=2");
    t.is(down.code, 0, down.stderr.slice(-3000));
    t.deepEqual(sim.inventory().portForwardingRules ?? [], []);
});
