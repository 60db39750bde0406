// Shared by the sim-ssh and sim-kubeadm tests: a simulator with a network, a registered client key, VMs
// deployed through the real API with a host key in their userdata and a port forward (openfirewall) to 22,
// and a bare ssh2 Client that runs steps in the exact wire format of provider/bootstrap/PROTOCOL.md.
import { ExecutionContext } from "ava";
import { Client } from "ssh2";
import { utils } from "ssh2";
import { stringify } from "yaml";
import {
    assignToLoadBalancerRule,
    associateIpAddress,
    createLoadBalancerRule,
    createNetwork,
    createPortForwardingRule,
    deployVirtualMachine,
    encodeUserData,
    registerSSHKeyPair,
} from "../../provider/client";
import { generateEd25519KeyPair } from "../../provider/ssh/host-keys";
import { formatStepCommand } from "../../simulator/ssh/command";
import { ServerOptions } from "../../simulator/server";
import { SEED_NETWORK_OFFERING } from "../../simulator/seed";
import { SimAndClient, withSimulator } from "../helpers/sim";

export interface KeyPair {
    private: string;
    public: string;
}

export const newKey = (): KeyPair => generateEd25519KeyPair();

/** The SSH wire blob of a public key (what a host key verifier receives). */
export function blobOf(publicKey: string): Buffer {
    const parsed = utils.parseKey(publicKey);
    if (parsed instanceof Error) throw parsed;
    return parsed.getPublicSSH();
}

export interface Node {
    vm: any;
    name: string;
    address: string;
    port: number;
    /** The host key put into the VM's userdata (absent with hostKey: false). */
    hostKey?: KeyPair;
}

export interface StepRun {
    exitCode?: number;
    stdout: string;
    stderr: string;
    /** The channel closed without an exit status. */
    dropped: boolean;
    /** Machine-readable `pulumi-mold: k=v` lines. */
    results: Record<string, string>;
    ms: number;
}

export interface ConnectOptions {
    key?: KeyPair;
    user?: string;
    /** Expected host key blob; default: the node's userdata key, or anything. */
    hostKey?: Buffer;
    password?: string;
}

export interface SshWorld extends SimAndClient {
    networkId: string;
    ipId: string;
    ip: string;
    clientKey: KeyPair;
    keyPairName: string;
    deploy(name: string, opts?: { hostKey?: boolean; firewall?: boolean; keypair?: boolean }): Promise<Node>;
    connect(node: Node, opts?: ConnectOptions): Promise<Client>;
    /** One step on a fresh connection, as the bootstrap client does. */
    run(node: Node, step: string, env?: Record<string, string>, opts?: ConnectOptions & { script?: string }): Promise<StepRun>;
    /** A load balancer on the world's public IP: publicPort → privatePort on the members. */
    loadBalancer(publicPort: number, privatePort: number, members: Node[]): Promise<void>;
    nodeState(node: Node): any;
}

export function scriptFor(step: string): string {
    return `#!/usr/bin/env bash\n# step: ${step}\nset -euo pipefail\necho "${step}"\n`;
}

let ports = 2200;

export async function sshWorld(options: ServerOptions = {}): Promise<SshWorld> {
    const base = await withSimulator(options);
    const inv = base.sim.inventory();
    const zoneid = inv.zones[0].id;
    const templateid = inv.templates.find((t: any) => t.ispublic).id;
    const serviceofferingid = inv.serviceOfferings.find((o: any) => !o.iscustomized).id;
    const networkofferingid = inv.networkOfferings.find((o: any) => o.name === SEED_NETWORK_OFFERING).id;
    const network = await createNetwork(base.client, { name: "nodes", zoneid, networkofferingid });
    const ip = await associateIpAddress(base.client, { networkid: network.id });
    const clientKey = newKey();
    const keyPairName = "bootstrap";
    await registerSSHKeyPair(base.client, keyPairName, clientKey.public);

    const w: SshWorld = {
        ...base,
        networkId: network.id,
        ipId: ip.id,
        ip: ip.ipaddress,
        clientKey,
        keyPairName,
        async deploy(name, opts = {}) {
            const hostKey = opts.hostKey === false ? undefined : newKey();
            const userdata = hostKey
                ? "#cloud-config\n" + stringify({ ssh_keys: { ed25519_private: hostKey.private, ed25519_public: hostKey.public } })
                : "#cloud-config\npackages: [curl]\n";
            const vm = await deployVirtualMachine(base.client, {
                zoneid,
                templateid,
                serviceofferingid,
                networkids: [network.id],
                name,
                ...(opts.keypair === false ? {} : { keypair: keyPairName }),
                userdata: encodeUserData(userdata),
            });
            const port = ++ports;
            await createPortForwardingRule(base.client, {
                ipaddressid: ip.id,
                protocol: "tcp",
                publicport: port,
                privateport: 22,
                virtualmachineid: vm.id,
                openfirewall: opts.firewall !== false,
            });
            await base.sim.reconcileSsh();
            return { vm, name, address: ip.ipaddress, port, hostKey };
        },
        connect(node, opts = {}) {
            const expected = opts.hostKey ?? (node.hostKey ? blobOf(node.hostKey.public) : undefined);
            return new Promise((resolve, reject) => {
                const conn = new Client();
                conn.on("ready", () => resolve(conn));
                conn.on("error", reject);
                conn.connect({
                    host: node.address,
                    port: node.port,
                    username: opts.user ?? "debian",
                    ...(opts.password !== undefined ? { password: opts.password } : { privateKey: (opts.key ?? clientKey).private }),
                    hostVerifier: (key: Buffer) => !expected || key.equals(expected),
                    readyTimeout: 5000,
                });
            });
        },
        async run(node, step, env = {}, opts = {}) {
            const started = Date.now();
            const conn = await w.connect(node, opts);
            try {
                return await new Promise<StepRun>((resolve, reject) => {
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
                    conn.on("close", done);
                    conn.on("error", () => done());
                    conn.exec(formatStepCommand(step, env), (err, stream) => {
                        if (err) return reject(err);
                        stream.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
                        stream.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
                        stream.on("exit", (code: number | null) => {
                            if (typeof code === "number") exitCode = code;
                        });
                        stream.on("close", done);
                        stream.end(opts.script ?? scriptFor(step));
                    });
                });
            } finally {
                conn.end();
            }
        },
        async loadBalancer(publicPort, privatePort, members) {
            const rule = await createLoadBalancerRule(base.client, {
                name: `lb-${publicPort}`,
                publicipid: ip.id,
                publicport: publicPort,
                privateport: privatePort,
                algorithm: "roundrobin",
            });
            await assignToLoadBalancerRule(base.client, rule.id, { virtualmachineids: members.map((m) => m.vm.id) });
            await base.sim.reconcileKubeApi();
        },
        nodeState: (node) => base.sim.emulatedNodes().find((n) => n.vmId === node.vm.id),
    };
    return w;
}

/** Runs a test body against a fresh world and always stops it. */
export function inSshWorld(body: (t: ExecutionContext, w: SshWorld) => Promise<void>, options: ServerOptions = {}) {
    return async (t: ExecutionContext) => {
        const w = await sshWorld(options);
        try {
            await body(t, w);
        } finally {
            await w.stop();
        }
    };
}

/** The node-local steps every node runs first, in protocol order. */
export const NODE_PREP = ["wait-boot", "swap-off", "kernel-modules", "sysctls", "containerd", "kube-packages"];

export async function prepare(t: ExecutionContext, w: SshWorld, node: Node, version = "1.31.2"): Promise<void> {
    for (const step of NODE_PREP) {
        const r = await w.run(node, step, step === "kube-packages" ? { PM_KUBERNETES_VERSION: version } : {});
        t.is(r.exitCode, 0, `${node.name} ${step}: ${r.stderr}`);
    }
}
