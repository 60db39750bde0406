// Shapes of the emulated SSH nodes' state (table emulatedNodes, keyed by VM id) and of the SSH fault
// configuration. Plain JSON, so they live in the simulator's state and survive a shared state file.

/**
 * applied: the step changed the node (or cluster); already: it found its work done and changed nothing;
 * failed: it exited non-zero; dropped: the connection was cut before the step did anything.
 */
export type StepOutcome = "applied" | "already" | "failed" | "dropped";

export interface StepHistoryEntry {
    /** The simulator-wide sequence number: orders steps across nodes too. */
    seq: number;
    step: string;
    outcome: StepOutcome;
    /** ISO time the step finished. */
    at: string;
    /** The SSH user name the client logged in with. */
    user: string;
    /** Absent for dropped connections (no exit status was sent). */
    exitCode?: number;
    /** Set when an injected drop cut the connection: "after" means the outcome happened, then the cut. */
    drop?: "before" | "after";
    /** First line of the error of a failed step. */
    error?: string;
}

/** An etcd snapshot file on a node, with what the cluster's etcd held when it was taken. */
export interface EtcdSnapshotFile {
    path: string;
    /** RFC 3339, seconds. */
    takenAt: string;
    /** The store's revision (the simulator's sequence number stands in for it). */
    revision: number;
    clusterId: string;
    /** The member list at that time. */
    members: string[];
}

export interface EmulatedNode {
    vmId: string;
    vmName: string;
    /** Host name the node reports (the VM name, lower case). */
    hostname: string;
    /** When the simulator last saw the VM start (ISO). */
    bootedAt?: string;
    boots: number;
    swap: { active: boolean; inFstab: boolean };
    modules: { loaded: string[]; persisted: string[] };
    /** Runtime values and what /etc/sysctl.d/k8s.conf holds. */
    sysctls: { runtime: Record<string, string>; persisted: Record<string, string> };
    /** `registry`: the mirror in /etc/containerd/certs.d (password and CA as SHA-256 digests only). */
    containerd: {
        installed: boolean;
        systemdCgroup: boolean;
        restarts: number;
        registry?: { mirror: string; username?: string; passwordSha256?: string; caCertSha256?: string };
    };
    packages: { kubelet?: string; kubeadm?: string; kubectl?: string; held: boolean; kubeletEnabled: boolean };
    /** /etc/kubernetes on the node: admin.conf exists on control-plane nodes, kubelet.conf on every joined node. */
    kubeadm: { clusterId?: string; role?: "control-plane" | "worker"; nodeName?: string; adminConf: boolean; kubeletConf: boolean };
    /** The kubelet service, once a test stopped or started it (POST /sim/nodes/<vm>/kubelet); running when absent. */
    kubelet?: { running: boolean; since: string };
    /** Times each step's effect was applied (a step re-run that found its work done does not count). */
    counters: Record<string, number>;
    /** User names that logged in, in first-seen order. */
    users: string[];
    history: StepHistoryEntry[];
    /** etcd snapshot files in /var/lib/pulumi-mold/etcd (step etcd-snapshot), oldest first. */
    etcdSnapshots?: EtcdSnapshotFile[];
    /** Host key generated for a VM whose userdata carries none (OpenSSH private key). */
    _hostKey?: string;
    /** Times rotate-host-key installed a new host key. */
    hostKeyRotations?: number;
    /** The host key rotate-host-key installed (OpenSSH private key): presented instead of the userdata's. */
    _rotatedHostKey?: string;
    /**
     * The userdata that key replaced: userdata changed afterwards (a VM given another key out of band, as a
     * reinstall would) presents the new userdata's key again.
     */
    _rotatedOverUserData?: string;
    /** /etc/fstab lines the data-disks step wrote (by filesystem UUID). */
    fstab?: { uuid: string; path: string; fstype: string }[];
    /** Data disks mounted (data-disks.ts); a disk's content lives on its volume. */
    mounts?: { path: string; volumeId: string; uuid: string }[];
    /** Paths steps wrote under on the root disk (no data disk mounted there then). */
    rootFiles?: string[];
    /** Epoch ms of the observed start, for the boot delay. */
    _bootedAtMs?: number;
}

export interface SshDropRule {
    step: string;
    /** VM name or id; any node when absent. */
    node?: string;
    /** before: cut before the step does anything; after: the step's effect is applied, then the cut. */
    when: "before" | "after";
    /** How many times the rule fires (default 1). */
    times?: number;
}

export interface SshFailRule {
    step: string;
    /** VM name or id; any node when absent. */
    node?: string;
    /** The step's exit status (1..255, default 1). */
    exitCode?: number;
    /** What the step writes to stderr (default: a line naming the injected failure). */
    stderr?: string;
    /** How many times the rule fires (default 1). */
    times?: number;
}

export interface SshFaultConfig {
    /** Added to every step, ms (default 0). */
    stepLatencyMs?: number;
    /** Per-step latency in ms, replacing stepLatencyMs for that step. */
    stepLatency?: Record<string, number>;
    /** For this long after a VM started, connections to its SSH endpoint are reset (ms, default 0). */
    bootDelayMs?: number;
    drops?: SshDropRule[];
    /** Steps that exit non-zero without applying their effect (after a few lines of stdout). */
    fails?: SshFailRule[];
}

export interface SshEndpoint {
    vmId: string;
    vmName: string;
    address: string;
    port: number;
    /** listening; closed (no firewall rule opens the port: connections refused); error (retried); refused (not loopback). */
    status: "listening" | "closed" | "error" | "refused";
    error?: string;
    since: string;
    /** SHA256 fingerprint of the host key presented, OpenSSH style (SHA256:base64). */
    hostKeyFingerprint?: string;
}
