// An emulated node as SSH jump host (direct-tcpip, ssh2 Client.forwardOut): from it, SSH of a Running VM on
// one of its networks answers at <private ip>:22 with THAT VM's host key and runs steps there; other ports,
// addresses outside its networks, VMs on other networks and stopped VMs are refused; a drop on a step of
// the jumped-to node cuts only the forwarded connection, not the jump host's.
import test from "ava";
import { Client, ClientChannel } from "ssh2";
import { stringify } from "yaml";
import { createNetwork, deployVirtualMachine, encodeUserData, stopVirtualMachine } from "../../provider/client";
import { formatStepCommand } from "../../simulator/ssh/command";
import { SEED_NETWORK_OFFERING } from "../../simulator/seed";
import { blobOf, inSshWorld, KeyPair, newKey, scriptFor, SshWorld, StepRun } from "./sim-ssh-world";

interface Inner {
    vm: any;
    name: string;
    ip: string;
    hostKey: KeyPair;
}

/** A VM with a host key in its userdata and no port forward: only reachable from inside its network. */
async function deployInner(w: SshWorld, name: string, networkId = w.networkId): Promise<Inner> {
    const inv = w.sim.inventory();
    const hostKey = newKey();
    const vm = await deployVirtualMachine(w.client, {
        zoneid: inv.zones[0].id,
        templateid: inv.templates.find((t: any) => t.ispublic).id,
        serviceofferingid: inv.serviceOfferings.find((o: any) => !o.iscustomized).id,
        networkids: [networkId],
        name,
        keypair: w.keyPairName,
        userdata: encodeUserData("#cloud-config\n" + stringify({ ssh_keys: { ed25519_private: hostKey.private, ed25519_public: hostKey.public } })),
    });
    const ip = vm.nic?.find((n: any) => n.networkid === networkId)?.ipaddress;
    if (!ip) throw new Error(`${name} has no address on ${networkId}`);
    return { vm, name, ip, hostKey };
}

function forwardOut(conn: Client, host: string, port: number): Promise<ClientChannel> {
    return new Promise((resolve, reject) => conn.forwardOut("127.0.0.1", 0, host, port, (err, ch) => (err ? reject(err) : resolve(ch))));
}

/** An SSH session to host:port through `jump`; `presented` receives the host key the far end showed. */
async function connectVia(w: SshWorld, jump: Client, host: string, port: number, presented: Buffer[] = []): Promise<Client> {
    const sock = await forwardOut(jump, host, port);
    return new Promise((resolve, reject) => {
        const c = new Client();
        c.on("ready", () => resolve(c));
        c.on("error", reject);
        c.connect({ sock, username: "ubuntu", privateKey: w.clientKey.private, hostVerifier: (k: Buffer) => (presented.push(k), true), readyTimeout: 5000 });
    });
}

/** One step on an open connection, in the protocol's wire format. */
function exec(conn: Client, step: string, env: Record<string, string> = {}): Promise<StepRun> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
        let stdout = "";
        let stderr = "";
        let exitCode: number | undefined;
        let settled = false;
        const done = () => {
            if (settled) return;
            settled = true;
            const results: Record<string, string> = {};
            for (const m of stdout.matchAll(/^pulumi-mold: ([^=\n]+)=(.*)$/gm)) results[m[1]] = m[2];
            resolve({ exitCode, stdout, stderr, dropped: exitCode === undefined, results, ms: Date.now() - started });
        };
        conn.once("close", done);
        conn.exec(formatStepCommand(step, env), (err, stream) => {
            if (err) return reject(err);
            stream.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
            stream.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
            stream.on("exit", (code: number | null) => {
                if (typeof code === "number") exitCode = code;
            });
            stream.on("close", done);
            stream.end(scriptFor(step));
        });
    });
}

const closed = (c: Client) => new Promise<void>((resolve) => c.once("close", () => resolve()));

test(
    "through a node's SSH, a VM on its network answers at <private ip>:22 with its own host key and runs steps on itself",
    inSshWorld(async (t, w) => {
        const jumpNode = await w.deploy("cp-1");
        const inner = await deployInner(w, "worker-1");
        t.false(
            w.sim.sshEndpoints().some((e) => e.vmId === inner.vm.id),
            "no public endpoint for the inner VM",
        );
        const jump = await w.connect(jumpNode);
        try {
            const presented: Buffer[] = [];
            const c = await connectVia(w, jump, inner.ip, 22, presented);
            t.is(presented.length, 1);
            t.true(presented[0].equals(blobOf(inner.hostKey.public)), "the inner VM's host key");
            t.false(presented[0].equals(blobOf(jumpNode.hostKey!.public)), "not the jump host's");
            const boot = await exec(c, "wait-boot");
            t.is(boot.exitCode, 0, boot.stderr);
            t.is(boot.results.hostname, "worker-1");
            const swap = await exec(c, "swap-off");
            t.is(swap.exitCode, 0, swap.stderr);
            c.end();

            const innerState = w.sim.emulatedNodes().find((n) => n.vmId === inner.vm.id)!;
            t.deepEqual(
                innerState.history.map((h) => [h.step, h.outcome, h.user]),
                [
                    ["wait-boot", "applied", "ubuntu"],
                    ["swap-off", "applied", "ubuntu"],
                ],
            );
            t.like(innerState.swap, { active: false, inFstab: false });
            t.deepEqual(w.nodeState(jumpNode)?.history ?? [], [], "nothing ran on the jump host");
            t.true(w.nodeState(jumpNode)?.swap.active ?? true);

            // Another key than the VM's key pair is refused at the inner VM too.
            const sock = await forwardOut(jump, inner.ip, 22);
            await t.throwsAsync(
                new Promise((resolve, reject) => {
                    const c2 = new Client();
                    c2.on("ready", () => resolve(c2)).on("error", reject);
                    c2.connect({ sock, username: "ubuntu", privateKey: newKey().private, readyTimeout: 5000 });
                }),
                { message: /authentication methods failed/i },
            );
        } finally {
            jump.end();
        }
    }),
);

test(
    "port 23, an address outside the node's networks, a VM on another network and a stopped VM are refused",
    inSshWorld(async (t, w) => {
        const jumpNode = await w.deploy("cp-1");
        const inner = await deployInner(w, "worker-1");
        const inv = w.sim.inventory();
        const offering = inv.networkOfferings.find((o: any) => o.name === SEED_NETWORK_OFFERING).id;
        const other = await createNetwork(w.client, {
            name: "elsewhere",
            zoneid: inv.zones[0].id,
            networkofferingid: offering,
            gateway: "10.77.0.1",
            netmask: "255.255.255.0",
        });
        const stranger = await deployInner(w, "stranger-1", other.id);
        const onFirst = (w.sim.inventory().vms as any[]).flatMap((vm) =>
            (vm.nic ?? []).filter((n: any) => n.networkid === w.networkId).map((n: any) => n.ipaddress),
        );
        t.false(onFirst.includes(stranger.ip), `${stranger.ip} is not an address on the jump host's network`);
        const jump = await w.connect(jumpNode);
        try {
            await t.throwsAsync(forwardOut(jump, inner.ip, 23), undefined, "only SSH is reachable");
            await t.throwsAsync(forwardOut(jump, "10.250.250.250", 22), undefined, "nothing at that address");
            await t.throwsAsync(forwardOut(jump, stranger.ip, 22), undefined, "a VM on another network");
            // The refusals did not break the jump connection: a VM on the network still answers.
            const ok = await connectVia(w, jump, inner.ip, 22);
            t.is((await exec(ok, "wait-boot")).exitCode, 0);
            ok.end();

            await stopVirtualMachine(w.client, inner.vm.id);
            await t.throwsAsync(forwardOut(jump, inner.ip, 22), undefined, "a stopped VM");
            t.is((await exec(jump, "wait-boot")).results.hostname, "cp-1", "the jump host itself still runs steps");
        } finally {
            jump.end();
        }
        t.is(
            w.sim.emulatedNodes().find((n) => n.vmId === stranger.vm.id),
            undefined,
            "the other network's VM was never reached",
        );
    }),
);

test(
    "a drop on a step of the jumped-to node cuts only the forwarded connection; the jump host's connection goes on",
    inSshWorld(async (t, w) => {
        const jumpNode = await w.deploy("cp-1");
        const inner = await deployInner(w, "worker-1");
        w.sim.setSshFaults({
            drops: [
                { step: "swap-off", node: "worker-1", when: "before", times: 1 },
                { step: "containerd", node: "worker-1", when: "after", times: 1 },
            ],
        });
        const jump = await w.connect(jumpNode);
        let jumpClosed = false;
        jump.on("close", () => (jumpClosed = true));
        try {
            const c = await connectVia(w, jump, inner.ip, 22);
            const gone = closed(c);
            const cut = await exec(c, "swap-off");
            t.true(cut.dropped, "no exit status: the forwarded connection was cut");
            await gone;
            t.false(jumpClosed, "the jump host's connection is still open");
            // The jump host's connection still runs steps and forwards.
            const own = await exec(jump, "swap-off");
            t.is(own.exitCode, 0, "the drop rule is for worker-1 only");
            const again = await connectVia(w, jump, inner.ip, 22);
            const after = await exec(again, "containerd");
            t.true(after.dropped, "drop after the effect");
            const third = await connectVia(w, jump, inner.ip, 22);
            t.is((await exec(third, "containerd")).exitCode, 0);
            t.is((await exec(third, "swap-off")).exitCode, 0);
            third.end();
            t.false(jumpClosed);
        } finally {
            jump.end();
        }
        const innerState = w.sim.emulatedNodes().find((n) => n.vmId === inner.vm.id)!;
        t.deepEqual(
            innerState.history.map((h) => [h.step, h.outcome, h.drop]),
            [
                ["swap-off", "dropped", "before"],
                ["containerd", "applied", "after"],
                ["containerd", "already", undefined],
                ["swap-off", "applied", undefined],
            ],
        );
        t.is(innerState.containerd.restarts, 1);
        t.deepEqual(
            w.nodeState(jumpNode).history.map((h: any) => [h.step, h.outcome]),
            [["swap-off", "applied"]],
        );
        t.deepEqual(
            w.sim.sshFaults().fired.map((f) => [f.step, f.node, f.when]),
            [
                ["swap-off", "worker-1", "before"],
                ["containerd", "worker-1", "after"],
            ],
        );
    }),
);
