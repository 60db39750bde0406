// SSH endpoints of the simulated VMs, following the cloud's state like KubeApiManager does: for every
// Active port-forwarding rule that reaches port 22 of a Running VM, <public ip>:<public port> is listened
// on while an ingress firewall rule opens that port (without one, real Mold drops the traffic).
import * as net from "net";
import { assertLoopbackV4 } from "../kube-api";
import { T } from "../model";
import type { Simulator } from "../simulator";
import { firewallOpens } from "../kubeadm/routing";
import { SshFaults } from "./faults";
import { fingerprintOf, generateHostKey, hostKeyFromUserData } from "./keys";
import { createNodeServer, NodeServer } from "./node-server";
import { boot, nodesTable } from "./node-state";
import { ensureNode, StepRunner } from "./runner";
import type { EmulatedNode, SshEndpoint, SshFaultConfig } from "./types";

export const SSH_PORT = 22;

export interface SshManagerOptions {
    /** Reconcile period in ms (default 500). */
    intervalMs?: number;
    faults?: SshFaultConfig;
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
    /** VM state as last seen and since when (epoch ms): a change to Running is a boot. */
    private readonly seen = new Map<string, { state: string; since: number }>();
    private readonly timer: NodeJS.Timeout;
    private current?: Promise<void>;
    private queued?: Promise<void>;
    private stopped = false;

    constructor(
        private readonly sim: Simulator,
        options: SshManagerOptions = {},
    ) {
        this.faults = new SshFaults(options.faults);
        this.runner = new StepRunner(sim, this.faults, () => this.stopped);
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
        if (this.queued) return this.queued;
        const previous = this.current ?? Promise.resolve();
        const next: Promise<void> = previous.then(async () => {
            this.queued = undefined;
            this.current = next;
            try {
                if (!this.stopped) await this.reconcileOnce();
            } catch (e) {
                process.stderr.write(`mold-simulator: ssh reconcile: ${(e as Error).message}\n`);
            } finally {
                if (this.current === next) this.current = undefined;
            }
        });
        this.queued = next;
        return next;
    }

    async stop(): Promise<void> {
        this.stopped = true;
        clearInterval(this.timer);
        await this.current;
        await Promise.all([...this.listeners.values()].map((l) => this.close(l)));
        this.listeners.clear();
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
            if (!out.has(key)) out.set(key, { vm, address: r.ipaddress, port, open: firewallOpens(state, r.ipaddressid, port) });
        }
        return out;
    }

    /** Tracks boots and makes node records (with a host key when the userdata has none) for served VMs. */
    private syncNodes(served: Wanted[]): void {
        const now = Date.now();
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
            const hostKey = hostKeyFromUserData(w.vm._userdata) ?? nodes[w.vm.id]?._hostKey ?? "";
            identities.set(key, `${w.vm.id}|${w.open}|${hostKey}`);
        }
        for (const [key, l] of this.listeners) {
            if (identities.get(key) !== l.identity) {
                this.listeners.delete(key);
                await this.close(l);
            }
        }
        const now = Date.now();
        const opening: Promise<void>[] = [];
        for (const [key, w] of wanted) {
            const l = this.listeners.get(key);
            if (l && (l.status !== "error" || now < l.retryAt)) continue;
            const hostKey = hostKeyFromUserData(w.vm._userdata) ?? nodes[w.vm.id]?._hostKey ?? "";
            opening.push(this.open(key, w, hostKey, identities.get(key)!, l));
        }
        await Promise.all(opening);
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
        const node = createNodeServer({
            sim: this.sim,
            runner: this.runner,
            vmId,
            hostKey,
            booting: () => {
                const since = this.seen.get(vmId)?.since ?? 0;
                return Date.now() < since + this.faults.bootDelayMs;
            },
        });
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

    private async close(l: Listener): Promise<void> {
        const node = l.node;
        l.node = undefined;
        if (node) await closeNode(node);
    }
}

function closeNode(node: NodeServer): Promise<void> {
    return new Promise((resolve) => {
        node.server.close(() => resolve());
        for (const s of node.sockets) s.destroy();
    });
}
