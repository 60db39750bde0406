// The SSH side of a node group: prepares nodes, makes the first control-plane node the cluster, joins the
// others and keeps labels and taints, all through the idempotent steps of provider/bootstrap/PROTOCOL.md.
// One runner (one SSH connection) per node, reused across its steps.
import { NodeRunner } from "../bootstrap/runner";
import type { StepName } from "../bootstrap/steps";
import type { ConnectPolicy, SshTarget } from "../ssh/connection";
import { SshConnectError, SshConnectionLostError } from "../ssh/errors";
import { containerdEnv, initEnv, Registry } from "./registry";
import { Bastion, isEmptyChange, MetadataChange, metadataEnv, NodeRecord } from "./plan";
import { dataDisksEnv, NodeDisk } from "./data-disks-plan";

/** How to reach a node: what the node group records for each of its nodes, and all workers need of the control plane. */
export type Reachable = Pick<NodeRecord, "name" | "sshHost" | "sshPort" | "hostPublicKey" | "hostPublicKeyNext"> & { access?: NodeRecord["access"] };

export interface Access {
    username: string;
    privateKey: string;
    log: (message: string) => void;
    /** Reaching a fresh VM: it may still be booting. */
    connect?: ConnectPolicy;
    /** Control-plane nodes that nodes with access "control-plane" are reached through (the first one). */
    jumpHosts?: readonly Reachable[];
    /** The jump host of nodes with access "bastion". */
    bastion?: Bastion;
    /** A private registry mirror (containerd and kubeadm's imageRepository): registry.ts. */
    registry?: Registry;
}

export interface ClusterSpec {
    kubernetesVersion: string;
    controlPlaneEndpoint: string;
    podCidr: string;
    serviceCidr: string;
    cni: string;
    certSans: string[];
}

/**
 * Admin steps run on control-plane nodes that are up already: a few quick attempts, not a boot's worth, so an
 * unreachable control plane (a cluster going away) fails in seconds and the next candidate is tried.
 */
export const ADMIN_CONNECT: ConnectPolicy = { attempts: 4, initialDelayMs: 500, maxDelayMs: 2000 };

const PREPARE: StepName[] = ["wait-boot", "swap-off", "kernel-modules", "sysctls", "containerd", "kube-packages"];

export class Fleet {
    private readonly runners = new Map<string, NodeRunner>();
    constructor(private readonly access: Access) {}

    runner(node: Reachable, policy?: ConnectPolicy): NodeRunner {
        // Per connect policy too: a node reached as a fresh VM (a boot's worth of attempts) is a different runner
        // from the same node used for admin steps (a few quick attempts, then the next control-plane node).
        // And per accepted host keys: a rotated node is a new runner, pinned to its new key.
        const key = `${node.name}@${node.sshHost}:${node.sshPort}/${policy?.attempts ?? "default"}/${node.hostPublicKey}/${node.hostPublicKeyNext ?? ""}`;
        let r = this.runners.get(key);
        if (!r) {
            const target = this.target(node);
            r = new NodeRunner(target, { connect: { log: this.access.log, ...(policy ?? this.access.connect) }, log: this.access.log });
            this.runners.set(key, r);
        }
        return r;
    }

    /** How to reach `node`: directly (port-forward), through a control-plane node, or through the bastion. */
    private target(node: Reachable): SshTarget {
        const direct: SshTarget = {
            label: node.name,
            host: node.sshHost,
            port: node.sshPort,
            username: this.access.username,
            privateKey: this.access.privateKey,
            hostPublicKey: node.hostPublicKey,
            ...(node.hostPublicKeyNext ? { hostPublicKeyNext: node.hostPublicKeyNext } : {}),
        };
        if (node.access === "control-plane") {
            const jump = (this.access.jumpHosts ?? []).find((j) => j.name !== node.name && j.access !== "control-plane");
            if (!jump) throw new Error(`${node.name}: no control-plane node to reach it through`);
            return { ...direct, via: this.target(jump) };
        }
        if (node.access === "bastion") {
            const b = this.access.bastion;
            if (!b) throw new Error(`${node.name}: reached through a bastion, but the group has no bastion`);
            const bastion: SshTarget = {
                label: `bastion ${b.host}`,
                host: b.host,
                port: b.port ?? 22,
                username: b.username ?? this.access.username,
                privateKey: this.access.privateKey,
                hostPublicKey: b.hostPublicKey,
            };
            return { ...direct, via: bastion };
        }
        return direct;
    }

    close(): void {
        for (const r of this.runners.values()) r.close();
        this.runners.clear();
    }

    /** Closes the runners of `name` (its host key changed: connections pinned to the old one are done with). */
    forget(name: string): void {
        for (const [key, r] of this.runners) {
            if (key.startsWith(`${name}@`)) {
                r.close();
                this.runners.delete(key);
            }
        }
    }

    /**
     * Data disks (formatted once, mounted: before containerd and kubeadm write under their mount paths), swap,
     * modules, sysctls, containerd and the pinned packages (each a no-op when already done). Returns the
     * data-disks step's results ({} without disks).
     */
    async prepare(node: Reachable, version: string, disks: readonly NodeDisk[] = []): Promise<Record<string, string>> {
        const r = this.runner(node);
        const env: Partial<Record<StepName, Record<string, string>>> = {
            "kube-packages": { PM_KUBERNETES_VERSION: version },
            containerd: containerdEnv(this.access.registry),
        };
        let mounted: Record<string, string> = {};
        for (const step of PREPARE) {
            await r.run(step, env[step] ?? {});
            if (step === "wait-boot" && disks.length) {
                mounted = (await r.run("data-disks", dataDisksEnv(disks))).results;
                this.access.log(`${node.name}: data disks ${disks.map((d) => d.mountPath).join(", ")} mounted (${mounted["data-disks"] ?? "done"})`);
            }
        }
        return mounted;
    }

    /**
     * A registry changed on an existing group: the containerd step runs again on every ready node with the new
     * configuration (containerd restarts only where a file changed; running containers keep going). kubeadm's
     * imageRepository stays what init recorded in the cluster.
     */
    async reapplyRegistry(nodes: readonly NodeRecord[], registry: Registry | undefined): Promise<void> {
        for (const n of nodes.filter((x) => x.status === "ready")) {
            await this.runner(n).run("containerd", containerdEnv(registry));
            this.access.log(`${n.name}: containerd registry configuration ${registry ? `set to ${registry.mirror}` : "removed"}`);
        }
    }

    /** kubeadm init on the first control-plane node (skipped by the step when already initialised), then the CNI. */
    async initialise(node: Reachable, spec: ClusterSpec): Promise<void> {
        const r = this.runner(node);
        const { results } = await r.run("kubeadm-init", {
            PM_KUBERNETES_VERSION: spec.kubernetesVersion,
            PM_NODE_NAME: node.name,
            PM_CONTROL_PLANE_ENDPOINT: spec.controlPlaneEndpoint,
            PM_POD_CIDR: spec.podCidr,
            PM_SERVICE_CIDR: spec.serviceCidr,
            PM_CERT_SANS: spec.certSans.join("\n"),
            ...initEnv(this.access.registry),
        });
        this.access.log(`${node.name}: kubeadm init ${results.init === "already" ? "had already run" : "done"}`);
        await r.run("cni", { PM_CNI: spec.cni, PM_POD_CIDR: spec.podCidr });
    }

    /** A fresh join command (and, for control-plane joins, a fresh certificate key) from a control-plane node. */
    async joinInfo(admin: Reachable, controlPlane: boolean): Promise<{ joinCommand: string; certificateKey: string }> {
        const { results } = await this.runner(admin, ADMIN_CONNECT).run("join-info", { PM_WITH_CERTIFICATE_KEY: controlPlane ? "1" : "0" });
        if (!results["join-command"]) throw new Error(`${admin.name}: join-info printed no join command`);
        if (controlPlane && !results["certificate-key"]) throw new Error(`${admin.name}: join-info printed no certificate key`);
        return { joinCommand: results["join-command"], certificateKey: results["certificate-key"] ?? "" };
    }

    async join(node: Reachable, info: { joinCommand: string; certificateKey: string }, controlPlane: boolean): Promise<void> {
        const env: Record<string, string> = { PM_JOIN_COMMAND: info.joinCommand, PM_CONTROL_PLANE: controlPlane ? "1" : "0", PM_NODE_NAME: node.name };
        if (controlPlane) env.PM_CERTIFICATE_KEY = info.certificateKey;
        const { results } = await this.runner(node).run("kubeadm-join", env);
        this.access.log(`${node.name}: kubeadm join ${results.join === "already" ? "had already run" : "done"}`);
    }

    async waitReady(admin: Reachable, names: string[], timeoutSeconds: number): Promise<void> {
        if (!names.length) return;
        await this.runner(admin, ADMIN_CONNECT).run(
            "wait-ready",
            { PM_NODES: names.join("\n"), PM_TIMEOUT_SECONDS: String(timeoutSeconds) },
            { timeoutMs: (timeoutSeconds + 60) * 1000 },
        );
    }

    /** One change for every node named, in one step (converge keeps a step to METADATA_NODES_PER_STEP names). */
    async setMetadata(admin: Reachable, names: readonly string[], change: MetadataChange): Promise<void> {
        if (isEmptyChange(change) || !names.length) return;
        await this.runner(admin, ADMIN_CONNECT).run("node-metadata", metadataEnv(names, change));
    }

    async adminKubeconfig(admin: Reachable): Promise<string> {
        const { stdout } = await this.runner(admin, ADMIN_CONNECT).run("admin-kubeconfig");
        if (!/^apiVersion:|\nclusters:/m.test(stdout)) throw new Error(`${admin.name}: admin-kubeconfig printed no kubeconfig`);
        return stdout;
    }

    /**
     * Drains the node and deletes it from Kubernetes (mode "drain-delete"), drains it only ("drain": a
     * control-plane node must keep its Node object until its reset), or deletes it only ("delete": its VM is
     * gone). True when the node was there.
     */
    async drain(admin: Reachable, name: string, timeoutSeconds: number, mode: "drain-delete" | "drain" | "delete" = "drain-delete"): Promise<boolean> {
        const env = {
            PM_NODE: name,
            PM_TIMEOUT_SECONDS: String(timeoutSeconds),
            PM_DELETE: mode === "drain" ? "0" : "1",
            PM_SKIP_DRAIN: mode === "delete" ? "1" : "0",
        };
        const { results } = await this.runner(admin, ADMIN_CONNECT).run("drain-node", env, { timeoutMs: (timeoutSeconds + 60) * 1000 });
        return results.drained !== "absent";
    }

    /**
     * kubeadm reset on a leaving node. For a control-plane node it must succeed (it removes the node's etcd
     * member; a member left behind costs the quorum), for a worker it is best effort (its VM goes next).
     * Returns the step's etcd-member result (removed, left or none), undefined when a best-effort reset failed.
     */
    async reset(node: Reachable, required = false, memberLeftOk = false): Promise<string | undefined> {
        try {
            const { results, stderr } = await this.runner(node, { attempts: 3, initialDelayMs: 300 }).run("reset-node");
            // The step reports what became of the node's etcd member (PROTOCOL.md); kubeadm's warning is context.
            // memberLeftOk: the caller removes a member left behind itself (etcd-care.ts).
            if (required && !memberLeftOk && results["etcd-member"] === "left") {
                throw new Error(`${node.name}: kubeadm reset left its etcd member in the cluster: ${stderr.trim().split("\n").pop()}`);
            }
            return results["etcd-member"];
        } catch (e) {
            if (required) throw e;
            this.access.log(`${node.name}: kubeadm reset failed (${(e as Error).message}); its VM is destroyed anyway`);
            return undefined;
        }
    }

    /** Every node's Ready condition and the cluster's clock, read on a control-plane node (node-health). */
    async nodeHealth(admin: Reachable): Promise<string> {
        return (await this.runner(admin, ADMIN_CONNECT).run("node-health")).stdout;
    }

    /**
     * Runs `fn` against the first control-plane node that can be reached: every member can serve admin steps,
     * and one being replaced or down must not block the others.
     */
    async withAdmin<T>(candidates: readonly Reachable[], fn: (admin: Reachable) => Promise<T>): Promise<T> {
        if (!candidates.length) throw new Error("no control-plane node to run admin steps on");
        let last: unknown;
        for (const admin of candidates) {
            try {
                return await fn(admin);
            } catch (e) {
                last = e;
                // Only "cannot reach it" moves on to the next node; a failing step is the answer.
                if (!(e instanceof SshConnectError || e instanceof SshConnectionLostError)) throw e;
                this.access.log(`${admin.name} unreachable (${(e as Error).message}); trying the next control-plane node`);
            }
        }
        throw last;
    }
}
