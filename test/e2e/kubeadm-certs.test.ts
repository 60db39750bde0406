// Day 2 of a self-managed cluster through the engine (test/programs/kubeadm-certs): the host keys cloud-init
// installed (readable in Mold's user data) are rotated after the first pinned connection, and the control
// plane's certificates are renewed, one node at a time, during an up inside renewCertificatesBefore — the
// simulator's clock decides where "now" is.
import test, { ExecutionContext } from "ava";
import * as fs from "fs";
import { parse } from "yaml";
import { MoldClient } from "../../provider/client";
import { listVirtualMachines } from "../../provider/client/vm";
import { connect, HostKeyMismatchError, SshTarget } from "../../provider/ssh/connection";
import { hostKeyFingerprint } from "../../provider/ssh/host-keys";
import { programWorld } from "../helpers/program-world";
import { mutatingSince } from "../helpers/engine";
import { healthPoller } from "../helpers/health-poller";
import { kget, readKubeconfig } from "../helpers/kube-get";

const DAY = 86_400_000;

async function world(t: ExecutionContext) {
    return programWorld(t, "kubeadm-certs");
}

/** The host public key cloud-init was given in the VM's user data, as Mold returns it. */
async function userDataHostKey(client: MoldClient, vmId: string): Promise<string> {
    const [vm] = await listVirtualMachines(client, { id: vmId, userdata: true });
    const doc = parse(Buffer.from(String(vm.userdata), "base64").toString("utf8"));
    return String(doc.ssh_keys.ed25519_public);
}

const emulated = (sim: any, vmId: string) => sim.emulatedNodes().find((n: any) => n.vmId === vmId);
const counter = (sim: any, vmId: string, step: string) => emulated(sim, vmId)?.counters[step] ?? 0;

test("host keys: each node's key is rotated after create; the key from the user data is refused, the pinned new one works, also through the jump host", async (t) => {
    const { sim, run, client, output } = await world(t);
    await run("up");
    const cps = output("controlPlaneNodes");
    const workers = output("workerNodes");
    const privateKey = output("sshPrivateKey");
    t.is(cps.length, 1);
    t.is(workers.length, 1);
    for (const n of [...cps, ...workers]) {
        const original = await userDataHostKey(client, n.vmId);
        t.true(n.hostKeyRotated, n.name);
        t.falsy(n.hostPublicKeyNext, n.name);
        t.not(n.hostPublicKey, original, `${n.name}: the pinned key is not the one in Mold's user data`);
        t.is(n.hostKeyFingerprint, hostKeyFingerprint(n.hostPublicKey));
        t.is(emulated(sim, n.vmId).hostKeyRotations, 1, n.name);
    }
    const [cp] = cps;
    const target = (hostPublicKey: string): SshTarget => ({
        label: cp.name,
        host: cp.sshHost,
        port: cp.sshPort,
        username: "ubuntu",
        privateKey,
        hostPublicKey,
    });
    const endpoint = sim.sshEndpoints().find((e: any) => e.vmId === cp.vmId);
    t.is(endpoint?.hostKeyFingerprint, cp.hostKeyFingerprint, "the node presents the rotated key");
    // Pinned to the key from the user data (what anyone reading it could impersonate): refused.
    const old = await t.throwsAsync(connect(target(await userDataHostKey(client, cp.vmId)), { attempts: 2, initialDelayMs: 50 }));
    t.true(old instanceof HostKeyMismatchError, String(old));
    t.regex(old!.message, new RegExp(`${cp.name}: host key mismatch .* the server offered ${cp.hostKeyFingerprint.replace(/[+/]/g, "\\$&")}`));
    // Pinned to the new key: works, directly and as the jump host to the worker.
    const session = await connect(target(cp.hostPublicKey), { attempts: 2 });
    t.is((await session.exec("echo hello")).stdout, "hello\n");
    session.close();
    const [w] = workers;
    const viaJump = await connect(
        { label: w.name, host: w.sshHost, port: w.sshPort, username: "ubuntu", privateKey, hostPublicKey: w.hostPublicKey, via: target(cp.hostPublicKey) },
        { attempts: 2 },
    );
    t.is((await viaJump.exec("true")).code, 0);
    viaJump.close();
    const workerOld = await t.throwsAsync(
        connect(
            {
                label: w.name,
                host: w.sshHost,
                port: w.sshPort,
                username: "ubuntu",
                privateKey,
                hostPublicKey: await userDataHostKey(client, w.vmId),
                via: target(cp.hostPublicKey),
            },
            { attempts: 2, initialDelayMs: 50 },
        ),
    );
    t.true(workerOld instanceof HostKeyMismatchError, String(workerOld));

    // Another up has nothing to rotate, and its steps reach every node with the new keys.
    const again = await run("up", "workers=2");
    t.notRegex(again.stderr, /host key rotated to .*control-plane/);
    t.is(counter(sim, cp.vmId, "rotate-host-key"), 1);
    const grown = output("workerNodes");
    t.is(grown.length, 2);
    t.true(grown.every((n: any) => n.hostKeyRotated));
});

test("a connection cut after the node switched keys, outlasting the retries: the pending key is recorded, and the next up confirms it without rotating twice", async (t) => {
    const { sim, run, exec, client, resource, stateFile } = await world(t);
    sim.setSshFaults({ drops: [{ step: "rotate-host-key", when: "after", times: 3 }] });
    const failed = await exec("up", "workers=0");
    t.not(failed.code, 0);
    t.regex(failed.stderr, /rotate-host-key|connection lost/);
    const recorded = resource("certs-control-plane");
    const [node] = recorded.nodes;
    t.truthy(node.hostPublicKeyNext, "the new public key was recorded before the switch");
    t.not(node.hostPublicKeyNext, node.hostPublicKey);
    t.is(node.hostPublicKey, await userDataHostKey(client, node.vmId), "still pinned to the old key until confirmed");
    const endpoint = sim.sshEndpoints().find((e: any) => e.vmId === node.vmId);
    t.is(endpoint?.hostKeyFingerprint, hostKeyFingerprint(node.hostPublicKeyNext), "the node already presents the new key");
    t.false(/PRIVATE KEY|PM_HOST_KEY=/.test(fs.readFileSync(stateFile, "utf8")), "no private host key in the state");
    t.false(/PRIVATE KEY|PM_HOST_KEY=/.test(failed.stdout + failed.stderr), "nor in the log");

    sim.setSshFaults({});
    const next = await run("up", "workers=0");
    t.regex(next.stderr, new RegExp(`${node.name}: host key rotation confirmed`));
    const [after] = resource("certs-control-plane").nodes;
    t.is(after.hostPublicKey, node.hostPublicKeyNext, "pinned to the key that was pending");
    t.falsy(after.hostPublicKeyNext);
    t.true(after.hostKeyRotated);
    t.is(emulated(sim, node.vmId).hostKeyRotations, 1, "rotated once");
});

test("a connection cut right after the node switched keys is resumed in the same up: the rerun connects with the pending key and finds the rotation done", async (t) => {
    const { sim, run, output } = await world(t);
    sim.setSshFaults({ drops: [{ step: "rotate-host-key", when: "after", times: 1 }] });
    const up = await run("up", "workers=0");
    t.regex(up.stderr, /connection lost during rotate-host-key, reconnecting/);
    const [cp] = output("controlPlaneNodes");
    t.true(cp.hostKeyRotated);
    t.falsy(cp.hostPublicKeyNext);
    const node = emulated(sim, cp.vmId);
    t.deepEqual(
        node.history.filter((h: any) => h.step === "rotate-host-key").map((h: any) => [h.outcome, h.drop ?? ""]),
        [
            ["applied", "after"],
            ["already", ""],
        ],
    );
    t.is(node.hostKeyRotations, 1);
    t.is(sim.sshEndpoints().find((e: any) => e.vmId === cp.vmId)?.hostKeyFingerprint, cp.hostKeyFingerprint);
});

test("certificates: outside the window nothing renews; inside it an up renews one control-plane node at a time, certificatesExpireAt moves a year on and the kubeconfig follows", async (t) => {
    const { sim, run, output } = await world(t);
    await run("up", "controlPlaneCount=3", "workers=0", "renewBefore=30d");
    const cps = output("controlPlaneNodes");
    t.is(cps.length, 3);
    const first = output("certificatesExpireAt");
    const created = Date.parse(sim.kubeadmClusters()[0].createdAt);
    t.true(Math.abs(Date.parse(first) - (created + 365 * DAY)) < 2 * DAY, `${first}: a year after kubeadm init`);
    for (const n of cps) t.truthy(n.certificatesExpireAt, n.name);
    const kc1 = output("kubeconfig");

    // 300 days on: 65 days left, outside the 30-day window.
    await sim.advanceClock(300 * DAY);
    await run("refresh", "controlPlaneCount=3", "workers=0", "renewBefore=30d");
    const quiet = await run("up", "controlPlaneCount=3", "workers=0", "renewBefore=30d");
    for (const n of cps) t.is(counter(sim, n.vmId, "certs-renew"), 0, `${n.name} renewed outside the window`);
    t.is(output("certificatesExpireAt"), first);
    t.is(quiet.result!.steps.update, 0, "no update outside the window");

    // 50 more: 15 days left. A refresh reads the nodes' clock; the up renews.
    await sim.advanceClock(50 * DAY);
    const refreshed = await run("refresh", "controlPlaneCount=3", "workers=0", "renewBefore=30d");
    t.regex(refreshed.stderr, /certificatesCheckedAt/);
    // Each renewal restarts the node's API server (1.5 s here): /healthz through the endpoint answers throughout
    // because the node leaves the API load balancer meanwhile.
    sim.setSshFaults({ stepLatency: { "certs-renew": 1500 } });
    const poller = healthPoller(t, kc1);
    const up = await run("up", "controlPlaneCount=3", "workers=0", "renewBefore=30d");
    const health = await poller.stop();
    sim.setSshFaults({});
    t.true(health.polls > 60, `${health.polls} polls`);
    t.deepEqual(health.failures, [], "the API answered /healthz during the renewals");
    for (const n of cps) t.regex(up.stderr, new RegExp(`${n.name}: out of the API load balancer while its API server restarts`));
    const simNow = await sim.advanceClock(0);
    const renewedUntil = Date.parse(output("certificatesExpireAt"));
    t.true(Math.abs(renewedUntil - (simNow + 365 * DAY)) < 2 * DAY, `${output("certificatesExpireAt")}: a year after the simulated now`);
    for (const n of cps) t.is(counter(sim, n.vmId, "certs-renew"), 1, `${n.name} renewed once`);
    // One node at a time: each renewal is followed by the API check with that node's credentials before the next starts.
    const events = cps
        .flatMap((n: any) =>
            emulated(sim, n.vmId)
                .history.filter((h: any) => h.step === "certs-renew" || h.step === "admin-kubeconfig")
                .map((h: any) => ({ seq: h.seq, what: `${h.step === "certs-renew" ? "renew" : "kubeconfig"}:${n.name}`, outcome: h.outcome })),
        )
        .sort((a: any, b: any) => a.seq - b.seq);
    const renews = events.filter((e: any) => e.what.startsWith("renew:"));
    t.is(renews.length, 3);
    for (let i = 0; i < renews.length; i++) {
        const node = renews[i].what.slice("renew:".length);
        const next = renews[i + 1]?.seq ?? Infinity;
        t.true(
            events.some((e: any) => e.what === `kubeconfig:${node}` && e.seq > renews[i].seq && e.seq < next),
            `${node}: API checked before the next renewal: ${events.map((e: any) => e.what).join(", ")}`,
        );
    }
    t.regex(up.stderr, /certificates expire at .* within renewCertificatesBefore \(30d\): renewing/);

    const kc2 = output("kubeconfig");
    t.not(kc2, kc1, "the kubeconfig output follows the renewed admin certificate");
    t.not(readKubeconfig(kc2).cert, readKubeconfig(kc1).cert);
    t.is((await kget(readKubeconfig(kc2), "/healthz")).body, "ok");
    t.is((await kget(readKubeconfig(kc1), "/healthz")).status, 200, "the old admin certificate is valid until its own expiry");
    // Past the old certificate's expiry (by the simulator's clock) it is refused; the renewed one works.
    await sim.advanceClock(20 * DAY);
    t.is((await kget(readKubeconfig(kc1), "/healthz")).status, 401);
    t.is((await kget(readKubeconfig(kc2), "/healthz")).body, "ok");

    // Renewed: the next up has nothing to do.
    await run("up", "controlPlaneCount=3", "workers=0", "renewBefore=30d");
    for (const n of cps) t.is(counter(sim, n.vmId, "certs-renew"), 1, `${n.name} not renewed again`);
});

test("renewCertificatesBefore out of range is refused at preview naming the property, with no state-changing call", async (t) => {
    const { sim, exec } = await world(t);
    const before = { ...sim.requestCounts };
    const preview = await exec("preview", "renewBefore=12h");
    t.not(preview.code, 0);
    t.regex(preview.stderr, /renewCertificatesBefore must be from 1 day to 365 days/);
    t.deepEqual(mutatingSince(before, sim.requestCounts), {});
});
