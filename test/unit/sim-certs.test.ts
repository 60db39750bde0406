// The emulation of the day-2 steps: rotate-host-key (the node presents the new key from its very next connection,
// established connections go on, the old key is gone) and certs-check / certs-renew against the simulator's
// clock (leaf certificates a year, the CA ten; renewal moves them a year past the simulated now, the API serves the
// new certificate, the old admin certificate works until its own simulated expiry, then 401).
import test, { ExecutionContext } from "ava";
import { X509Certificate } from "crypto";
import * as https from "https";
import { stepInput } from "../../provider/bootstrap/steps";
import { connect, HostKeyMismatchError, SshTarget } from "../../provider/ssh/connection";
import { hostKeyFingerprint } from "../../provider/ssh/host-keys";
import { Kubeconfig, kget, readKubeconfig } from "../helpers/kube-get";
import { blobOf, inSshWorld, newKey, Node, prepare, SshWorld } from "./sim-ssh-world";

const DAY = 86_400_000;
const VERSION = "1.31.2";

/** rotate-host-key as the provider sends it: the private key only inside the script. */
function rotation(w: SshWorld, node: Node, key: { private: string; public: string }, opts: { hostKey?: Buffer } = {}) {
    const publicKey = key.public.trim().split(/\s+/).slice(0, 2).join(" ");
    const env = { PM_HOST_KEY: Buffer.from(key.private).toString("base64"), PM_HOST_PUBLIC_KEY: publicKey };
    return w.run(node, "rotate-host-key", { PM_HOST_PUBLIC_KEY: publicKey }, { ...opts, script: stepInput("rotate-host-key", env) });
}

test(
    "rotate-host-key: the next connection sees the new key, an open one goes on, the old key is refused; a rerun is already; a mismatched pair changes nothing",
    inSshWorld(async (t, w) => {
        const node = await w.deploy("n-1");
        const open = await w.connect(node);
        const fresh = newKey();
        const r = await rotation(w, node, fresh);
        t.is(r.exitCode, 0, r.stderr);
        t.is(r.results.rotated, "done");
        t.is(w.nodeState(node)!.hostKeyRotations, 1);
        t.false(JSON.stringify(w.nodeState(node)).includes("PRIVATE KEY"), "the private key is not in the node's view");
        // No reconcile in between: the step answered only once the node served the new key.
        const next = await w.connect(node, { hostKey: blobOf(fresh.public) });
        next.end();
        await t.throwsAsync(w.connect(node, { hostKey: blobOf(node.hostKey!.public) }), undefined, "the cloud-init key is no longer presented");
        const still = await new Promise<number | null>((resolve, reject) =>
            open.exec("true", (err, stream) => {
                if (err) return reject(err);
                stream.on("exit", (code: number | null) => resolve(code));
                stream.resume();
            }),
        );
        t.is(still, 0, "the connection open during the reload goes on");
        open.end();

        const again = await rotation(w, node, fresh, { hostKey: blobOf(fresh.public) });
        t.is(again.results.rotated, "already");
        const [a, b] = [newKey(), newKey()];
        const bad = await rotation(w, node, { private: a.private, public: b.public }, { hostKey: blobOf(fresh.public) });
        t.is(bad.exitCode, 1);
        t.regex(bad.stderr, /not the private half/);
        t.is(w.nodeState(node)!.hostKeyRotations, 1);
    }),
);

test(
    "the provider's connection accepts exactly {pinned, pending}, tells which one the node presented, and refuses a key in neither naming both",
    inSshWorld(async (t, w) => {
        const node = await w.deploy("n-1");
        const line = (k: { public: string }) => k.public.trim().split(/\s+/).slice(0, 2).join(" ");
        const [other, another] = [newKey(), newKey()];
        const target = (hostPublicKey: string, hostPublicKeyNext?: string): SshTarget => ({
            label: "n-1",
            host: node.address,
            port: node.port,
            username: "debian",
            privateKey: w.clientKey.private,
            hostPublicKey,
            ...(hostPublicKeyNext ? { hostPublicKeyNext } : {}),
        });
        for (const [pinned, pending] of [
            [line(node.hostKey!), line(other)],
            [line(other), line(node.hostKey!)],
        ]) {
            const session = await connect(target(pinned, pending), { attempts: 1 });
            t.is(session.hostPublicKey, line(node.hostKey!));
            t.is((await session.exec("true")).code, 0);
            session.close();
        }
        const err = await t.throwsAsync(connect(target(line(other), line(another)), { attempts: 3, initialDelayMs: 10 }));
        t.true(err instanceof HostKeyMismatchError, String(err));
        t.true(err!.message.includes(`expected ${hostKeyFingerprint(line(other))} or ${hostKeyFingerprint(line(another))}`), err!.message);
        t.true(err!.message.includes(`offered ${hostKeyFingerprint(line(node.hostKey!))}`), err!.message);
    }),
);

function serverCertificate(kc: Kubeconfig): Promise<X509Certificate> {
    return new Promise((resolve, reject) => {
        const req = https.get(
            { host: kc.server.hostname, port: Number(kc.server.port), path: "/healthz", agent: false, ca: kc.ca, cert: kc.cert, key: kc.key },
            (res) => {
                const der = (res.socket as import("tls").TLSSocket).getPeerCertificate().raw;
                res.resume();
                resolve(new X509Certificate(der));
            },
        );
        req.on("error", reject);
    });
}

async function controlPlane(t: ExecutionContext, w: SshWorld): Promise<Node> {
    const cp = await w.deploy("cp-1");
    await w.loadBalancer(6443, 6443, [cp]);
    await prepare(t, w, cp, VERSION);
    const init = await w.run(cp, "kubeadm-init", {
        PM_KUBERNETES_VERSION: VERSION,
        PM_NODE_NAME: "cp-1",
        PM_CONTROL_PLANE_ENDPOINT: `${w.ip}:6443`,
        PM_POD_CIDR: "10.244.0.0/16",
        PM_SERVICE_CIDR: "10.96.0.0/12",
        PM_CERT_SANS: "",
    });
    t.is(init.exitCode, 0, init.stderr);
    await w.sim.reconcileKubeApi();
    return cp;
}

test(
    "certs-check and certs-renew by the simulator's clock: a year for leaves, ten for the CA; renewal only inside the window, a year on, new serving and admin certificates valid by the wall clock",
    inSshWorld(async (t, w) => {
        const cp = await controlPlane(t, w);
        const worker = await w.deploy("worker-1");
        const check = await w.run(cp, "certs-check");
        t.is(check.exitCode, 0, check.stderr);
        const now = Date.parse(check.results.now);
        t.true(Math.abs(Date.parse(check.results.expires) - (now + 365 * DAY)) < DAY, check.stdout);
        t.true(Math.abs(Date.parse(check.results["ca-expires"]) - (now + 3650 * DAY)) < DAY, check.stdout);
        const onWorker = await w.run(worker, "certs-check");
        t.is(onWorker.exitCode, 1);
        t.regex(onWorker.stderr, /not a kubeadm control-plane node/);

        const kc1 = readKubeconfig((await w.run(cp, "admin-kubeconfig")).stdout);
        const served1 = await serverCertificate(kc1);
        const early = await w.run(cp, "certs-renew", { PM_RENEW_WITHIN_SECONDS: String(30 * 86400) });
        t.is(early.results.renewed, "already", "a year left: nothing to do");
        t.is(early.results.expires, check.results.expires);

        const simNow = await w.sim.advanceClock(350 * DAY);
        const due = await w.run(cp, "certs-check");
        t.true(Date.parse(due.results.expires) - Date.parse(due.results.now) < 16 * DAY, due.stdout);
        const renew = await w.run(cp, "certs-renew", { PM_RENEW_WITHIN_SECONDS: String(30 * 86400) });
        t.is(renew.exitCode, 0, renew.stderr);
        t.is(renew.results.renewed, "done");
        t.true(Math.abs(Date.parse(renew.results.expires) - (simNow + 365 * DAY)) < DAY, renew.stdout);
        t.is(w.nodeState(cp)!.counters["certs-renew"], 1);
        const rerun = await w.run(cp, "certs-renew", { PM_RENEW_WITHIN_SECONDS: String(30 * 86400) });
        t.is(rerun.results.renewed, "already");
        t.is(w.nodeState(cp)!.counters["certs-renew"], 1);

        await w.sim.reconcileKubeApi();
        const kc2 = readKubeconfig((await w.run(cp, "admin-kubeconfig")).stdout);
        t.not(kc2.cert, kc1.cert, "admin.conf carries a new client certificate");
        const served2 = await serverCertificate(kc2);
        t.not(served2.fingerprint256, served1.fingerprint256, "the API serves the renewed certificate");
        t.is(served2.subjectAltName, served1.subjectAltName, "with the same names");
        for (const cert of [served2, new X509Certificate(kc2.cert)]) {
            t.true(Date.parse(cert.validFrom) <= Date.now() && Date.parse(cert.validTo) > Date.now(), "valid by the wall clock for real TLS clients");
        }
        t.is((await kget(kc1, "/healthz")).status, 200, "the old admin certificate until its own expiry");
        await w.sim.advanceClock(20 * DAY);
        t.is((await kget(kc1, "/healthz")).status, 401, "expired by the simulator's clock");
        t.is((await kget(kc2, "/healthz")).body, "ok");
        const view = w.sim.kubeadmClusters()[0] as any;
        t.like(view.certificates["cp-1"], { renewals: 1 });
        t.false("_adminCertificates" in view);
    }),
);
