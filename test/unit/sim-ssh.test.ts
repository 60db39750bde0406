// Emulated SSH nodes: reachable only through a port forward to 22 that a firewall rule opens, presenting
// the host key from the VM's userdata, letting in only the VM's key pair, running bootstrap steps in the
// protocol's wire format against an emulated node, with injected latency, boot delay and drops.
import test from "ava";
import * as net from "net";
import { deleteFirewallRule, listFirewallRules, createFirewallRule, stopVirtualMachine, startVirtualMachine } from "../../provider/client";
import { blobOf, inSshWorld, newKey, prepare } from "./sim-ssh-world";

/** Resolves to the error code a plain TCP connect ends with, or "connected". */
function tcpProbe(host: string, port: number): Promise<string> {
    return new Promise((resolve) => {
        const s = net.connect({ host, port });
        s.on("connect", () => {
            // A reset arrives right after the accept during a boot delay: wait a moment for it.
            s.once("data", () => undefined);
            setTimeout(() => {
                const alive = !s.destroyed;
                s.destroy();
                resolve(alive ? "connected" : "reset");
            }, 150);
        });
        s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNRESET" ? "reset" : (e.code ?? "error")));
    });
}

test(
    "the host key from the userdata is presented: a verifier pinned to it connects, one pinned to another key fails; without one a generated key stays stable",
    inSshWorld(async (t, w) => {
        const node = await w.deploy("cp-1");
        const conn = await w.connect(node);
        conn.end();
        await t.throwsAsync(w.connect(node, { hostKey: blobOf(newKey().public) }), { message: /verification failed/i });
        const ep = w.sim.sshEndpoints().find((e) => e.vmId === node.vm.id)!;
        t.like(ep, { address: w.ip, port: node.port, status: "listening" });

        const bare = await w.deploy("bare-1", { hostKey: false });
        const seen: Buffer[] = [];
        for (let i = 0; i < 2; i++) {
            const c = await new Promise<any>((resolve, reject) => {
                const { Client } = require("ssh2");
                const client = new Client();
                client.on("ready", () => resolve(client)).on("error", reject);
                client.connect({
                    host: bare.address,
                    port: bare.port,
                    username: "root",
                    privateKey: w.clientKey.private,
                    hostVerifier: (k: Buffer) => (seen.push(k), true),
                });
            });
            c.end();
        }
        t.is(seen.length, 2);
        t.true(seen[0].equals(seen[1]), "the generated host key is kept");
        t.false(seen[0].equals(blobOf(node.hostKey!.public)));
    }),
);

test(
    "only the VM's key pair logs in (signature checked); other keys and passwords are refused; the user name is recorded",
    inSshWorld(async (t, w) => {
        const node = await w.deploy("cp-1");
        await t.throwsAsync(w.connect(node, { key: newKey() }), { message: /authentication methods failed/i });
        await t.throwsAsync(w.connect(node, { password: "hunter2" }), { message: /authentication methods failed/i });
        const other = await w.deploy("no-key", { keypair: false });
        await t.throwsAsync(w.connect(other), { message: /authentication methods failed/i }, "a VM without key pairs lets nobody in");

        const r = await w.run(node, "wait-boot", {}, { user: "ubuntu" });
        t.is(r.exitCode, 0);
        t.is(r.results.hostname, "cp-1");
        t.deepEqual(w.nodeState(node).users, ["ubuntu"]);
        t.like(w.nodeState(node).history[0], { step: "wait-boot", outcome: "applied", user: "ubuntu", exitCode: 0 });
    }),
);

test(
    "anything but the protocol's command is not found (exit 127); a script whose step line disagrees fails; quoting with newlines and quotes is parsed",
    inSshWorld(async (t, w) => {
        const node = await w.deploy("cp-1");
        const conn = await w.connect(node);
        const exec = (cmd: string) =>
            new Promise<{ code?: number; stderr: string }>((resolve, reject) => {
                conn.exec(cmd, (err, stream) => {
                    if (err) return reject(err);
                    let stderr = "";
                    let code: number | undefined;
                    stream.stderr.on("data", (d: Buffer) => (stderr += d));
                    stream.on("exit", (c: number) => (code = c));
                    stream.on("close", () => resolve({ code, stderr }));
                    stream.resume();
                    stream.end();
                });
            });
        t.like(await exec("uname -a"), { code: 127, stderr: "bash: uname: command not found\n" });
        t.like(await exec("sudo -n bash -s -- swap-off"), { code: 127 }, "no env part: not the protocol");
        t.like(await exec("true"), { code: 0 });
        conn.end();

        const mismatch = await w.run(node, "swap-off", {}, { script: "#!/usr/bin/env bash\n# step: sysctls\nset -euo pipefail\n" });
        t.is(mismatch.exitCode, 2);
        t.regex(mismatch.stderr, /for step 'sysctls'/);
        t.true(w.nodeState(node).swap.active, "nothing done");

        // A value with a quote and newlines survives the wire format: the labels reach node-metadata's parser.
        const r = await w.run(node, "node-metadata", { PM_NODE: "x'y", PM_LABELS: "a=1\nb=it's" });
        t.is(r.exitCode, 1, "not a control-plane node: kubectl has no server");
        t.regex(r.stderr, /localhost:8080 was refused/);
    }),
);

test(
    "without a firewall rule opening the port the endpoint is closed (refused); a firewall rule opens it; deleting it closes it again",
    inSshWorld(async (t, w) => {
        const node = await w.deploy("cp-1", { firewall: false });
        t.like(
            w.sim.sshEndpoints().find((e) => e.vmId === node.vm.id),
            { status: "closed" },
        );
        t.is(await tcpProbe(w.ip, node.port), "ECONNREFUSED");
        const fw = await createFirewallRule(w.client, { ipaddressid: w.ipId, protocol: "tcp", startport: node.port, cidrlist: ["10.0.0.0/8"] });
        await w.sim.reconcileSsh();
        t.like(
            w.sim.sshEndpoints().find((e) => e.vmId === node.vm.id),
            { status: "listening" },
        );
        t.is((await w.run(node, "swap-off")).exitCode, 0);
        await deleteFirewallRule(w.client, fw.id);
        t.deepEqual(await listFirewallRules(w.client, { ipaddressid: w.ipId }), []);
        await w.sim.reconcileSsh();
        t.is(await tcpProbe(w.ip, node.port), "ECONNREFUSED");
    }),
);

test(
    "a stopped VM is not served; after a start the boot delay resets connections, then SSH answers; a reboot keeps only what was persisted",
    inSshWorld(
        async (t, w) => {
            const node = await w.deploy("cp-1");
            // Deployed just now: still booting.
            t.is(await tcpProbe(w.ip, node.port), "reset");
            await t.throwsAsync(w.connect(node));
            await w.sim.advanceClock(4100);
            await prepare(t, w, node);
            t.deepEqual(w.nodeState(node).modules.loaded, ["overlay", "br_netfilter"]);

            await stopVirtualMachine(w.client, node.vm.id);
            t.is(await tcpProbe(w.ip, node.port), "ECONNREFUSED");
            await startVirtualMachine(w.client, node.vm.id);
            t.is(await tcpProbe(w.ip, node.port), "reset");
            // Half the boot delay later on the simulator's clock: still booting; past it: SSH answers.
            await w.sim.advanceClock(2000);
            t.is(await tcpProbe(w.ip, node.port), "reset");
            await w.sim.advanceClock(2100);
            t.is(await tcpProbe(w.ip, node.port), "connected");
            const s = w.nodeState(node);
            t.is(s.boots, 2);
            t.false(s.swap.active, "swap stays off: fstab was edited");
            t.deepEqual(s.modules.loaded, ["overlay", "br_netfilter"], "modules come back from modules-load.d");
            t.is(s.sysctls.runtime["net.ipv4.ip_forward"], "1");
        },
        { sshFaults: { bootDelayMs: 4000 } },
    ),
);

test(
    "injected latency delays a step by at least its amount; a per-step override replaces the default",
    inSshWorld(async (t, w) => {
        const node = await w.deploy("cp-1");
        w.sim.setSshFaults({ stepLatencyMs: 50, stepLatency: { "swap-off": 700 } });
        const slow = await w.run(node, "swap-off");
        t.is(slow.exitCode, 0);
        t.true(slow.ms >= 700, `swap-off took ${slow.ms} ms`);
        // Which latency applies is judged on the simulator's clock, not by comparing wall-clock durations: with an
        // hour as the default, the step whose override is 0 answers at once, the others wait for the clock.
        const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<"pending">((r) => setTimeout(() => r("pending"), ms))]);
        w.sim.setSshFaults({ stepLatencyMs: 3_600_000, stepLatency: { "swap-off": 0 } });
        const overridden = await within(w.run(node, "swap-off"), 20_000);
        t.not(overridden, "pending", "the override (0) replaced the hour-long default");
        const waiting = w.run(node, "wait-boot");
        t.is(await within(waiting, 300), "pending", "the default (an hour) applies to the other steps");
        for (let i = 0; i < 100 && (await within(waiting, 50)) === "pending"; i++) await w.sim.advanceClock(3_600_000);
        t.is((await waiting).exitCode, 0, "it answers once the clock passed the hour");
        w.sim.setSshFaults({});
        t.not(await within(w.run(node, "swap-off"), 20_000), "pending", "without latency it answers at once");
        t.throws(() => w.sim.setSshFaults({ stepLatencyMs: -1 }), { message: /non-negative/ });
    }),
);

test(
    "injected latency is simulated time: an hour-long step ends as soon as the simulator's clock is advanced past it",
    inSshWorld(async (t, w) => {
        const node = await w.deploy("cp-1");
        w.sim.setSshFaults({ stepLatency: { "swap-off": 3_600_000 } });
        const before = w.sim.simulator.clock.now();
        let finished = false;
        const running = w.run(node, "swap-off").finally(() => (finished = true));
        // The step sleeps on the simulator's clock from when its request arrives: move the clock on until it is done.
        const deadline = Date.now() + 30_000;
        while (!finished && Date.now() < deadline) {
            await w.sim.advanceClock(3_600_000);
            await new Promise((r) => setImmediate(r));
            await Promise.race([running, new Promise((r) => setTimeout(r, 50))]);
        }
        t.true(finished, "the step ended within 30 s of wall-clock time");
        if (!finished) return;
        const slow = await running;
        t.is(slow.exitCode, 0);
        t.true(slow.ms < 30_000, `took ${slow.ms} ms of wall-clock time`);
        t.true(w.sim.simulator.clock.now() - before >= 3_600_000, "at least an hour of simulated time passed");
        t.is(w.nodeState(node)!.counters["swap-off"], 1);
    }),
);

test(
    "a drop after a step leaves its effect applied with no exit status; the re-run records already; a drop before does nothing",
    inSshWorld(async (t, w) => {
        const node = await w.deploy("cp-1");
        w.sim.setSshFaults({
            drops: [
                { step: "containerd", when: "after", node: "cp-1" },
                { step: "swap-off", when: "before", times: 1 },
            ],
        });
        const cut = await w.run(node, "containerd");
        t.true(cut.dropped, "no exit status");
        t.like(w.nodeState(node).containerd, { installed: true, systemdCgroup: true, restarts: 1 });
        const again = await w.run(node, "containerd");
        t.is(again.exitCode, 0);
        t.is(w.nodeState(node).containerd.restarts, 1, "not restarted again");

        const before = await w.run(node, "swap-off");
        t.true(before.dropped);
        t.true(w.nodeState(node).swap.active, "nothing done before the cut");
        t.is((await w.run(node, "swap-off")).exitCode, 0);
        const h = w.nodeState(node).history.map((e: any) => [e.step, e.outcome, e.drop]);
        t.deepEqual(h, [
            ["containerd", "applied", "after"],
            ["containerd", "already", undefined],
            ["swap-off", "dropped", "before"],
            ["swap-off", "applied", undefined],
        ]);
        t.is(w.nodeState(node).counters.containerd, 1);
        t.deepEqual(
            w.sim.sshFaults().fired.map((f) => [f.step, f.when, f.node]),
            [
                ["containerd", "after", "cp-1"],
                ["swap-off", "before", "cp-1"],
            ],
        );
        t.is(
            w.sim.sshFaults().faults.drops!.every((d) => d.times === 0),
            true,
            "each fired once",
        );
    }),
);

test(
    "preconditions: kubeadm-init before the node is prepared fails with kubeadm's preflight text; unknown package versions fail like apt; sysctls need br_netfilter",
    inSshWorld(async (t, w) => {
        const node = await w.deploy("cp-1");
        const sys = await w.run(node, "sysctls");
        t.is(sys.exitCode, 255);
        t.regex(sys.stderr, /cannot stat \/proc\/sys\/net\/bridge/);
        const pkgs = await w.run(node, "kube-packages", { PM_KUBERNETES_VERSION: "1.20.1" });
        t.is(pkgs.exitCode, 100);
        t.regex(pkgs.stderr, /^E: Version '1\.20\.1-1\.1' for 'kubelet' was not found/);
        t.is((await w.run(node, "kube-packages", { PM_KUBERNETES_VERSION: "1.35.7" })).results["kubeadm-version"], "v1.35.7");
        const init = await w.run(node, "kubeadm-init", {
            PM_KUBERNETES_VERSION: "1.35.7",
            PM_NODE_NAME: "cp-1",
            PM_CONTROL_PLANE_ENDPOINT: `${w.ip}:6443`,
            PM_POD_CIDR: "10.244.0.0/16",
            PM_SERVICE_CIDR: "10.96.0.0/12",
            PM_CERT_SANS: "",
        });
        t.is(init.exitCode, 1);
        t.regex(init.stderr, /\[ERROR Swap\]: running with swap on is not supported/);
        t.regex(init.stderr, /\[ERROR CRI\]/);
        t.deepEqual(w.sim.kubeadmClusters(), []);
        t.deepEqual(
            w.nodeState(node).history.map((e: any) => e.outcome),
            ["failed", "failed", "applied", "failed"],
        );
    }),
);

test(
    "admin API: POST/GET /sim/ssh need the key and validate; GET /sim/nodes lists node state",
    inSshWorld(async (t, w) => {
        const node = await w.deploy("cp-1");
        await w.run(node, "swap-off");
        const base = w.sim.url.replace(/\/client\/api$/, "");
        const key = { "x-simulator-key": w.sim.apiKey };
        t.is((await fetch(`${base}/sim/ssh`)).status, 401);
        const bad = await fetch(`${base}/sim/ssh`, { method: "POST", headers: key, body: JSON.stringify({ drops: [{ step: "cni", when: "later" }] }) });
        t.is(bad.status, 400);
        const set = await fetch(`${base}/sim/ssh`, {
            method: "POST",
            headers: key,
            body: JSON.stringify({ bootDelayMs: 5, drops: [{ step: "cni", when: "after", times: 2 }] }),
        });
        t.is(set.status, 200);
        const got: any = await (await fetch(`${base}/sim/ssh`, { headers: key })).json();
        t.like(got.faults, { bootDelayMs: 5, drops: [{ step: "cni", when: "after", times: 2 }] });
        t.like(got.endpoints[0], { vmName: "cp-1", status: "listening" });
        const nodes: any = await (await fetch(`${base}/sim/nodes`, { headers: key })).json();
        t.like(nodes[0], { vmName: "cp-1", swap: { active: false, inFstab: false }, history: [{ step: "swap-off", outcome: "applied" }] });
        t.false("_hostKey" in nodes[0]);
    }),
);

test("CLI: --ssh, --ssh-step-latency, --ssh-boot-delay and repeatable --ssh-drop become the server's SSH options", (t) => {
    const { parseArgs } = require("../../simulator/cli") as typeof import("../../simulator/cli");
    const opts = parseArgs([
        "--ssh",
        "off",
        "--ssh-step-latency",
        "25",
        "--ssh-boot-delay",
        "100",
        "--ssh-drop",
        "kubeadm-join:after:2@worker-1",
        "--ssh-drop",
        "cni:before",
    ]);
    t.true(opts !== "help");
    if (opts === "help" || opts === "version") return;
    t.false(opts.ssh);
    t.deepEqual(opts.sshFaults, {
        stepLatencyMs: 25,
        stepLatency: {},
        bootDelayMs: 100,
        drops: [
            { step: "kubeadm-join", when: "after", times: 2, node: "worker-1" },
            { step: "cni", when: "before", times: 1 },
        ],
        fails: [],
    });
    t.throws(() => parseArgs(["--ssh-drop", "cni:during"]), { message: /STEP:before\|after/ });
    t.throws(() => parseArgs(["--ssh-boot-delay", "-5"]), { message: /milliseconds/ });
});

test(
    "an injected failure exits with its code and stderr after some stdout, applies nothing, is recorded failed, and only on its node and for its times",
    inSshWorld(async (t, w) => {
        const a = await w.deploy("cp-1");
        const b = await w.deploy("cp-2");
        const stderr =
            "E: Failed to fetch https://pkgs.k8s.io/core:/stable:/v1.31/deb/Packages  503  Service Unavailable\nE: Some index files failed to download.";
        w.sim.setSshFaults({
            fails: [
                { step: "kube-packages", node: "CP-1", exitCode: 100, stderr, times: 2 },
                { step: "swap-off", node: b.vm.id },
            ],
        });
        const env = { PM_KUBERNETES_VERSION: "1.31.2" };

        const other = await w.run(b, "kube-packages", env);
        t.is(other.exitCode, 0, "another node's step is not affected");
        t.is(w.nodeState(b).packages.kubeadm, "1.31.2");

        for (let i = 0; i < 2; i++) {
            const r = await w.run(a, "kube-packages", env);
            t.false(r.dropped);
            t.is(r.exitCode, 100);
            t.is(r.stderr, stderr + "\n");
            t.true(r.stdout.split("\n").filter((l) => l !== "").length >= 2, `some stdout first: ${JSON.stringify(r.stdout)}`);
            t.deepEqual(r.results, {}, "no result lines");
        }
        t.like(w.nodeState(a).packages, { held: false, kubeletEnabled: false });
        t.is(w.nodeState(a).packages.kubeadm, undefined, "nothing installed");
        const ok = await w.run(a, "kube-packages", env);
        t.is(ok.exitCode, 0, "times used up: the step runs");
        t.is(ok.results["kubeadm-version"], "v1.31.2");
        t.deepEqual(
            w.nodeState(a).history.map((h: any) => [h.step, h.outcome, h.exitCode, h.error]),
            [
                ["kube-packages", "failed", 100, "E: Failed to fetch https://pkgs.k8s.io/core:/stable:/v1.31/deb/Packages  503  Service Unavailable"],
                ["kube-packages", "failed", 100, "E: Failed to fetch https://pkgs.k8s.io/core:/stable:/v1.31/deb/Packages  503  Service Unavailable"],
                ["kube-packages", "applied", 0, undefined],
            ],
        );
        t.is(w.nodeState(a).counters["kube-packages"], 1);

        // Default exit code 1 and a stderr naming the step; matched by VM id; once.
        const swap = await w.run(b, "swap-off");
        t.is(swap.exitCode, 1);
        t.regex(swap.stderr, /swap-off/);
        t.true(w.nodeState(b).swap.active, "swap still on");
        t.is((await w.run(b, "swap-off")).exitCode, 0);
        t.false(w.nodeState(b).swap.active);
        t.deepEqual(
            w.sim.sshFaults().faults.fails!.map((f) => f.times),
            [0, 0],
        );
        t.deepEqual(w.sim.sshFaults().fired, [], "failures are not drops");

        for (const bad of [
            { step: "" },
            { step: "cni", exitCode: 0 },
            { step: "cni", exitCode: 256 },
            { step: "cni", exitCode: 1.5 },
            { step: "cni", times: -1 },
            { step: "cni", stderr: 5 },
        ]) {
            t.throws(() => w.sim.setSshFaults({ fails: [bad as any] }), { message: /^fails\[0\]/ }, JSON.stringify(bad));
        }
    }),
);

test("CLI: repeatable --ssh-fail STEP[:CODE][@NODE] becomes failure rules", (t) => {
    const { parseArgs } = require("../../simulator/cli") as typeof import("../../simulator/cli");
    const opts = parseArgs(["--ssh-fail", "kube-packages:100@small-workers-1", "--ssh-fail", "cni"]);
    t.true(opts !== "help");
    if (opts === "help" || opts === "version") return;
    t.deepEqual(opts.sshFaults?.fails, [
        { step: "kube-packages", exitCode: 100, times: 1, node: "small-workers-1" },
        { step: "cni", exitCode: 1, times: 1 },
    ]);
    t.throws(() => parseArgs(["--ssh-fail", "cni:x"]), { message: /STEP\[:CODE\]\[@NODE\]/ });
    t.throws(() => parseArgs(["--ssh-fail", "cni:0"]), { message: /exitCode/ });
});
