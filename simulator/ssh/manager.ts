// SSH endpoints of the simulated VMs, following the cloud's state like KubeApiManager does: for every
// Active port-forwarding rule that reaches port 22 of a Running VM, <public ip>:<public port> is listened
// on while an ingress firewall rule opens that port (without one, real Mold drops the traffic), or on a VPC
// address while the tier's ACL list lets port 22 in.
import * as net from "net";
import { assertLoopbackV4 } from "../loopback";
import { T } from "../model";
import { SerialRuns } from "../serial-runs";
import type { Simulator } from "../simulator";
import { ingressOpens } from "../records/routing";
import { SshFaults } from "./faults";
import { fingerprintOf, generateHostKey, hostKeyFromUserData, presentedHostKey } from "./keys";
import { createNodeServer, NodeServer } from "./node-server";
import { boot, nodesTable, StepBook } from "./node-state";
import { ensureNode, StepRunner } from "./runner";
import type { EmulatedNode, SshEndpoint, SshFaultConfig } from "./types";

export const SSH_PORT = 22;

export interface SshManagerOptions {
    /** Reconcile period in ms (default 500). */
    intervalMs?: number;
    faults?: SshFaultConfig;
    /** The steps the nodes run (simulator/kubeadm/steps.ts EMULATED_STEPS: the node's and the kubeadm ones). */
    steps: StepBook;
}

interface Wanted {
    vm: any;
    address: string;
    port: number;
    open: boolean;
}

interface Listener extends SshEndpoint {
    key: string;
    node?: NodeServer;
    identity: string;
    retryAt: number;
}

const iso = () => new Date().toISOString();

export class SshManager {
    readonly faults: SshFaults;
    private readonly runner: StepRunner;
    private readonly listeners = new Map<string, Listener>();
    /** SSH servers of VMs reached through another VM (jump host), on ephemeral 127.0.0.1 ports, by VM id. */
    private readonly internal = new Map<string, { node: NodeServer; port: number; identity: string }>();
    /** VM state as last seen and since when (epoch ms): a change to Running is a boot. */
    private readonly seen = new Map<string, { state: string; since: number }>();
    private readonly timer: NodeJS.Timeout;
    private readonly runs = new SerialRuns(
        () => this.reconcileOnce(),
        "ssh",
        () => this.stopped,
    );
    private stopped = false;

    constructor(
        private readonly sim: Simulator,
        options: SshManagerOptions,
    ) {
        this.faults = new SshFaults(options.faults);
        this.runner = new StepRunner(
            sim,
            this.faults,
            () => this.stopped,
            options.steps,
            (vmId) => this.afterStep(vmId),
        );
        this.timer = setInterval(() => void this.reconcile(), options.intervalMs ?? 500);
        this.timer.unref();
    }

    endpoints(): SshEndpoint[] {
        return [...this.listeners.values()].map(({ vmId, vmName, address, port, status, error, since, hostKeyFingerprint }) => ({
            vmId,
            vmName,
            address,
            port,
            status,
            ...(error !== undefined ? { error } : {}),
            since,
            ...(hostKeyFingerprint ? { hostKeyFingerprint } : {}),
        }));
    }

    /** One run at a time; calls made meanwhile share the next run. */
    reconcile(): Promise<void> {
        return this.runs.run();
    }

    async stop(): Promise<void> {
        this.stopped = true;
        clearInterval(this.timer);
        await this.runs.settled();
        await Promise.all([...this.listeners.values()].map((l) => this.close(l)));
        this.listeners.clear();
        await Promise.all([...this.internal.values()].map((i) => closeNode(i.node)));
        this.internal.clear();
    }

    private hostKeyOf(vm: any): string {
        const nodes = (this.sim.state.tables[T.emulatedNodes] ?? {}) as Record<string, EmulatedNode>;
        return presentedHostKey(vm, nodes[vm.id]);
    }

    /**
     * After a step: a node that now has another host key (rotate-host-key) serves it before the step answers, as
     * sshd does once reloaded, so the client's next connection already sees the new key.
     */
    private async afterStep(vmId: string): Promise<void> {
        const vm = (this.sim.state.tables[T.vms] ?? {})[vmId];
        if (!vm) return;
        const key = this.hostKeyOf(vm);
        const served = [...[...this.listeners.values()].filter((l) => l.vmId === vmId).map((l) => l.identity.split("|")[2]), this.internal.get(vmId)?.identity];
        if (served.some((k) => k !== undefined && k !== key)) await this.reconcile();
    }

    private serverOptions(vmId: string, hostKey: string) {
        return {
            sim: this.sim,
            runner: this.runner,
            vmId,
            hostKey,
            booting: () => {
                const since = this.seen.get(vmId)?.since ?? 0;
                return this.sim.clock.now() < since + this.faults.bootDelayMs;
            },
            forward: (destIP: string, destPort: number) => this.forward(vmId, destIP, destPort),
        };
    }

    /**
     * A connection from VM `fromVmId` to destIP:destPort on its guest networks (the client uses it as a jump
     * host): only SSH (22) of a Running VM sharing a network with it answers; nothing else is reachable.
     */
    private async forward(fromVmId: string, destIP: string, destPort: number): Promise<net.Socket | undefined> {
        if (destPort !== SSH_PORT || this.stopped) return undefined;
        const vms = this.sim.refreshState().tables[T.vms] ?? {};
        const from = vms[fromVmId];
        if (!from) return undefined;
        const networks = new Set((from.nic ?? []).map((n: any) => n.networkid));
        const target = (Object.values(vms) as any[]).find(
            (vm) => vm.id !== fromVmId && vm.state === "Running" && (vm.nic ?? []).some((n: any) => networks.has(n.networkid) && n.ipaddress === destIP),
        );
        if (!target) return undefined;
        const port = await this.internalServer(target);
        if (port === undefined) return undefined;
        const socket = net.connect(port, "127.0.0.1");
        socket.on("error", () => socket.destroy());
        return socket;
    }

    private async internalServer(vm: any): Promise<number | undefined> {
        this.syncNodes([{ vm, address: "", port: 0, open: true }]);
        const hostKey = this.hostKeyOf(vm);
        const existing = this.internal.get(vm.id);
        if (existing && existing.identity === hostKey) return existing.port;
        if (existing) {
            this.internal.delete(vm.id);
            await closeNode(existing.node, true);
        }
        const node = createNodeServer(this.serverOptions(vm.id, hostKey));
        node.server.on("error", () => undefined);
        const port = await new Promise<number | undefined>((resolve) => {
            node.server.once("error", () => resolve(undefined));
            node.server.listen(0, "127.0.0.1", () => resolve((node.server.address() as net.AddressInfo).port));
        });
        if (port === undefined) return undefined;
        node.server.unref();
        const raced = this.internal.get(vm.id);
        if (raced) {
            // Another forward made one meanwhile: use it.
            await closeNode(node);
            return raced.port;
        }
        this.internal.set(vm.id, { node, port, identity: hostKey });
        return port;
    }

    /** Internal servers of VMs that stopped, went away or changed host key are closed. */
    private async pruneInternal(): Promise<void> {
        const vms = this.sim.state.tables[T.vms] ?? {};
        for (const [id, i] of this.internal) {
            const vm = vms[id];
            if (!vm || vm.state !== "Running" || this.hostKeyOf(vm) !== i.identity) {
                this.internal.delete(id);
                // A new host key alone (sshd reloaded) leaves established connections alone.
                await closeNode(i.node, !!vm && vm.state === "Running");
            }
        }
    }

    /** Port-forward rules to port 22 of Running VMs: what should be served, and whether a firewall opens it. */
    private wanted(): Map<string, Wanted> {
        const state = this.sim.state;
        const vms = state.tables[T.vms] ?? {};
        const out = new Map<string, Wanted>();
        for (const r of Object.values(state.tables[T.portForwardingRules] ?? {}) as any[]) {
            const vm = vms[r.virtualmachineid];
            const start = Number(r.privateport);
            const end = Number(r.privateendport ?? r.privateport);
            if (r.state !== "Active" || r.protocol !== "tcp" || !vm || vm.state !== "Running" || SSH_PORT < start || SSH_PORT > end) continue;
            const port = Number(r.publicport) + (SSH_PORT - start);
            const key = `${r.ipaddress}:${port}`;
            if (!out.has(key)) out.set(key, { vm, address: r.ipaddress, port, open: ingressOpens(state, r, port, SSH_PORT) });
        }
        return out;
    }

    /** Tracks boots and makes node records (with a host key when the userdata has none) for served VMs. */
    private syncNodes(served: Wanted[]): void {
        const now = this.sim.clock.now();
        const vms = this.sim.state.tables[T.vms] ?? {};
        const booted: string[] = [];
        for (const vm of Object.values(vms) as any[]) {
            const last = this.seen.get(vm.id);
            if (!last) {
                // First sight: a VM already running started when Mold last changed it.
                const since = vm.state === "Running" ? Date.parse(String(vm.lastupdated ?? "").replace(/\+0000$/, "Z")) || now : now;
                this.seen.set(vm.id, { state: vm.state, since });
            } else if (last.state !== vm.state) {
                this.seen.set(vm.id, { state: vm.state, since: now });
                if (vm.state === "Running") booted.push(vm.id);
            }
        }
        for (const id of this.seen.keys()) if (!vms[id]) this.seen.delete(id);
        const nodes = (this.sim.state.tables[T.emulatedNodes] ?? {}) as Record<string, EmulatedNode>;
        const needsNode = (vm: any) => !nodes[vm.id] || (!nodes[vm.id]._hostKey && !hostKeyFromUserData(vm._userdata));
        const rebooted = booted.filter((id) => nodes[id]);
        if (rebooted.length === 0 && !served.some((w) => needsNode(w.vm))) return;
        this.sim.transaction(() => {
            const fresh = this.sim.state.tables[T.vms] ?? {};
            for (const id of rebooted) {
                const node = nodesTable(this.sim.state)[id];
                if (node) boot(node, this.seen.get(id)?.since ?? now);
            }
            for (const w of served) {
                const vm = fresh[w.vm.id];
                if (!vm) continue;
                const existed = !!nodesTable(this.sim.state)[vm.id];
                const node = ensureNode(this.sim, vm);
                if (!existed) boot(node, this.seen.get(vm.id)?.since ?? now);
                if (!node._hostKey && !hostKeyFromUserData(vm._userdata)) node._hostKey = generateHostKey();
            }
        });
    }

    private async reconcileOnce(): Promise<void> {
        this.sim.refreshState();
        const wanted = this.wanted();
        this.syncNodes([...wanted.values()]);
        const nodes = (this.sim.state.tables[T.emulatedNodes] ?? {}) as Record<string, EmulatedNode>;
        const identities = new Map<string, string>();
        for (const [key, w] of wanted) {
            const hostKey = presentedHostKey(w.vm, nodes[w.vm.id]);
            identities.set(key, `${w.vm.id}|${w.open}|${hostKey}`);
        }
        for (const [key, l] of this.listeners) {
            const identity = identities.get(key);
            if (identity !== l.identity) {
                this.listeners.delete(key);
                // Only the host key changed (sshd reloaded): established connections go on, new ones get the new key.
                const reloaded = identity !== undefined && identity.split("|").slice(0, 2).join("|") === l.identity.split("|").slice(0, 2).join("|");
                await this.close(l, reloaded);
            }
        }
        const now = Date.now();
        const opening: Promise<void>[] = [];
        for (const [key, w] of wanted) {
            const l = this.listeners.get(key);
            if (l && (l.status !== "error" || now < l.retryAt)) continue;
            const hostKey = presentedHostKey(w.vm, nodes[w.vm.id]);
            opening.push(this.open(key, w, hostKey, identities.get(key)!, l));
        }
        await Promise.all(opening);
        await this.pruneInternal();
    }

    private async open(key: string, w: Wanted, hostKey: string, identity: string, previous?: Listener): Promise<void> {
        const l: Listener = previous ?? {
            key,
            vmId: w.vm.id,
            vmName: w.vm.name,
            address: w.address,
            port: w.port,
            status: "error",
            since: iso(),
            identity,
            retryAt: 0,
            hostKeyFingerprint: fingerprintOf(hostKey),
        };
        this.listeners.set(key, l);
        const setStatus = (status: Listener["status"], error?: string) => {
            if (l.status !== status || l.error !== error) l.since = iso();
            l.status = status;
            l.error = error;
        };
        try {
            assertLoopbackV4(w.address);
        } catch (e) {
            return setStatus("refused", (e as Error).message);
        }
        if (!w.open) return setStatus("closed", `no ingress firewall rule on ${w.address} opens tcp/${w.port}`);
        const vmId = w.vm.id;
        const node = createNodeServer(this.serverOptions(vmId, hostKey));
        try {
            await new Promise<void>((resolve, reject) => {
                node.server.once("error", reject);
                node.server.listen(w.port, w.address, () => {
                    node.server.off("error", reject);
                    resolve();
                });
            });
        } catch (e) {
            const err = e as NodeJS.ErrnoException;
            l.retryAt = Date.now() + 400;
            return setStatus("error", `${err.code ?? "error"}: cannot listen on ${w.address}:${w.port}: ${err.message}`);
        }
        node.server.unref();
        node.server.on("error", (e) => setStatus("error", e.message));
        if (this.stopped || this.listeners.get(key) !== l) {
            await closeNode(node);
            return;
        }
        l.node = node;
        setStatus("listening");
    }

    private async close(l: Listener, keepConnections = false): Promise<void> {
        const node = l.node;
        l.node = undefined;
        if (node) await closeNode(node, keepConnections);
    }
}

/** Stops listening; open connections are cut unless `keepConnections` (a reload: they finish on their own). */
function closeNode(node: NodeServer, keepConnections = false): Promise<void> {
    return new Promise((resolve) => {
        if (keepConnections) {
            // server.close() calls back only once every connection ended: the port is free at once.
            node.server.close();
            return resolve();
        }
        node.server.close(() => resolve());
        for (const s of node.sockets) s.destroy();
    });
}
