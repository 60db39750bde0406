// The emulated node behind each VM's SSH endpoint and the node-local bootstrap steps: what each one
// changes, what it finds already done, and the failures a real Debian node would show.
import type { SimState } from "../state";
import { table } from "../state";
import { T } from "../model";
import type { EmulatedNode } from "./types";

export interface StepContext {
    state: SimState;
    vm: any;
    node: EmulatedNode;
    env: Record<string, string>;
    now: number;
    uuid(): string;
}

export interface StepResult {
    exitCode: number;
    stdout: string;
    stderr: string;
    /** Whether the step changed anything: applied versus already (ignored when it failed). */
    changed: boolean;
}

export type StepHandler = (ctx: StepContext) => StepResult;

/**
 * The steps an emulated node runs, and the `wait-ready` check (which polls until it has an answer). Given to the
 * SSH manager by its owner (server.ts), so the SSH emulation does not depend on the kubeadm one built on it.
 */
export interface StepBook {
    steps: Record<string, StepHandler>;
    /** wait-ready's answer now, or undefined to wait on (`timedOut`: the last call, which must answer). */
    waitReady(ctx: StepContext, timedOut: boolean): StepResult | undefined;
    /** Steps that may restart the node's kube-apiserver: it is down from before their latency until they answer. */
    apiServerRestarts?: {
        steps: readonly string[];
        /** Marks the node's API server restarting when this run restarts it (at most `durationMs` + grace); the mark's id. */
        start(ctx: StepContext, step: string, durationMs: number): string | undefined;
        end(state: StepContext["state"], vmId: string, id: string): void;
    };
}

export const ok = (stdout = "", changed = true): StepResult => ({ exitCode: 0, stdout, stderr: "", changed });
export const fail = (exitCode: number, stderr: string, stdout = ""): StepResult => ({
    exitCode,
    stdout,
    stderr: stderr.endsWith("\n") ? stderr : stderr + "\n",
    changed: false,
});
export const result = (key: string, value: string) => `pulumi-mold: ${key}=${value}\n`;

/** A step that only looks (waits, prints): "applied" the first time it succeeds on a node, "already" after. */
export const firstTime = (ctx: StepContext, step: string) => (ctx.node.counters[step] ?? 0) === 0;

export const K8S_MODULES = ["overlay", "br_netfilter"];
export const K8S_SYSCTLS: Record<string, string> = {
    "net.bridge.bridge-nf-call-iptables": "1",
    "net.bridge.bridge-nf-call-ip6tables": "1",
    "net.ipv4.ip_forward": "1",
};

/** The emulated pkgs.k8s.io: v1.24 to v1.35, any patch. */
export const MIN_MINOR = 24;
export const MAX_MINOR = 35;

export function nodesTable(state: SimState): Record<string, EmulatedNode> {
    return table<EmulatedNode>(state, T.emulatedNodes);
}

/** A fresh Debian cloud image: swap on (and in fstab), nothing Kubernetes installed. */
export function newNode(vm: any): EmulatedNode {
    return {
        vmId: vm.id,
        vmName: vm.name,
        hostname: String(vm.name).toLowerCase(),
        boots: 0,
        swap: { active: true, inFstab: true },
        modules: { loaded: [], persisted: [] },
        sysctls: { runtime: {}, persisted: {} },
        containerd: { installed: false, systemdCgroup: false, restarts: 0 },
        packages: { held: false, kubeletEnabled: false },
        kubeadm: { adminConf: false, kubeletConf: false },
        counters: {},
        users: [],
        history: [],
    };
}

/** A (re)boot: only what was persisted survives (fstab, modules-load.d, sysctl.d). */
export function boot(node: EmulatedNode, at: number): void {
    node.boots++;
    node._bootedAtMs = at;
    node.bootedAt = new Date(at).toISOString();
    if (node.boots === 1) return;
    node.swap.active = node.swap.inFstab;
    node.modules.loaded = [...node.modules.persisted];
    const bridge = node.modules.loaded.includes("br_netfilter");
    node.sysctls.runtime = Object.fromEntries(Object.entries(node.sysctls.persisted).filter(([k]) => bridge || !k.startsWith("net.bridge.")));
}

const waitBoot: StepHandler = (ctx) => ok(result("hostname", ctx.node.hostname), firstTime(ctx, "wait-boot"));

const swapOff: StepHandler = ({ node }) => {
    const changed = node.swap.active || node.swap.inFstab;
    node.swap = { active: false, inFstab: false };
    return ok("", changed);
};

const kernelModules: StepHandler = ({ node }) => {
    const before = JSON.stringify(node.modules);
    node.modules.loaded = [...new Set([...node.modules.loaded, ...K8S_MODULES])];
    node.modules.persisted = [...new Set([...node.modules.persisted, ...K8S_MODULES])];
    return ok("", JSON.stringify(node.modules) !== before);
};

const sysctls: StepHandler = ({ node }) => {
    const before = JSON.stringify(node.sysctls);
    node.sysctls.persisted = { ...node.sysctls.persisted, ...K8S_SYSCTLS };
    // `sysctl --system` cannot set the bridge keys before br_netfilter is loaded.
    if (!node.modules.loaded.includes("br_netfilter")) {
        return fail(
            255,
            "sysctl: cannot stat /proc/sys/net/bridge/bridge-nf-call-iptables: No such file or directory\nsysctl: cannot stat /proc/sys/net/bridge/bridge-nf-call-ip6tables: No such file or directory",
        );
    }
    node.sysctls.runtime = { ...node.sysctls.runtime, ...K8S_SYSCTLS };
    return ok("", JSON.stringify(node.sysctls) !== before);
};

const containerd: StepHandler = ({ node }) => {
    const c = node.containerd;
    if (c.installed && c.systemdCgroup) return ok("", false);
    // Installed or not, the config file changes: containerd restarts once.
    node.containerd = { installed: true, systemdCgroup: true, restarts: c.restarts + 1 };
    return ok("", true);
};

const kubePackages: StepHandler = ({ node, env }) => {
    const version = env.PM_KUBERNETES_VERSION ?? "";
    const m = /^1\.(\d+)\.(\d+)$/.exec(version);
    if (!m || Number(m[1]) < MIN_MINOR || Number(m[1]) > MAX_MINOR) {
        return fail(
            100,
            `E: Version '${version}-1.1' for 'kubelet' was not found\nE: Version '${version}-1.1' for 'kubeadm' was not found\nE: Version '${version}-1.1' for 'kubectl' was not found`,
        );
    }
    // PM_PACKAGES: an upgrade moves kubeadm first, then kubelet and kubectl.
    const names = (env.PM_PACKAGES ?? "kubelet kubeadm kubectl").split(/\s+/).filter(Boolean);
    const unknown = names.find((n) => n !== "kubelet" && n !== "kubeadm" && n !== "kubectl");
    if (unknown) return fail(1, `error: PM_PACKAGES may list kubelet, kubeadm and kubectl only, got '${unknown}'`);
    const p = node.packages;
    const changed = names.some((n) => p[n as "kubelet"] !== version) || !p.held || !p.kubeletEnabled;
    node.packages = { ...p, ...Object.fromEntries(names.map((n) => [n, version])), held: true, kubeletEnabled: true };
    return ok(result("kubeadm-version", `v${node.packages.kubeadm}`), changed);
};

export const NODE_STEPS: Record<string, StepHandler> = {
    "wait-boot": waitBoot,
    "swap-off": swapOff,
    "kernel-modules": kernelModules,
    sysctls,
    containerd,
    "kube-packages": kubePackages,
};

/** kubeadm's preflight errors for this node; [] when it would pass. */
export function preflightErrors(node: EmulatedNode): string[] {
    const errors: string[] = [];
    if (node.swap.active) errors.push("[ERROR Swap]: running with swap on is not supported. Please disable swap");
    if (!node.containerd.installed) {
        errors.push(
            `[ERROR CRI]: container runtime is not running: output: time="${new Date().toISOString()}" level=fatal msg="validate service connection: validate CRI v1 runtime API for endpoint \\"unix:///var/run/containerd/containerd.sock\\": rpc error: code = Unavailable desc = connection error: desc = \\"transport: Error while dialing: dial unix /var/run/containerd/containerd.sock: connect: no such file or directory\\""`,
        );
    }
    if (!node.modules.loaded.includes("br_netfilter")) {
        errors.push("[ERROR FileContent--proc-sys-net-bridge-bridge-nf-call-iptables]: /proc/sys/net/bridge/bridge-nf-call-iptables does not exist");
    } else if (node.sysctls.runtime["net.bridge.bridge-nf-call-iptables"] !== "1") {
        errors.push("[ERROR FileContent--proc-sys-net-bridge-bridge-nf-call-iptables]: /proc/sys/net/bridge/bridge-nf-call-iptables contents are not set to 1");
    }
    if (node.sysctls.runtime["net.ipv4.ip_forward"] !== "1")
        errors.push("[ERROR FileContent--proc-sys-net-ipv4-ip_forward]: /proc/sys/net/ipv4/ip_forward contents are not set to 1");
    if (!node.modules.loaded.includes("overlay")) errors.push("[ERROR SystemVerification]: missing required kernel module: overlay");
    if (!node.packages.kubelet) errors.push("[ERROR FileExisting-kubelet]: kubelet not found in system path");
    return errors;
}

/** The failure kubeadm init/join prints for failed preflight checks. */
export function preflightFailure(errors: string[]): StepResult {
    return fail(
        1,
        [
            "error execution phase preflight: [preflight] Some fatal errors occurred:",
            ...errors.map((e) => `\t${e}`),
            "[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`",
            "To see the stack trace of this error execute with --v=5 or higher",
        ].join("\n"),
        "[preflight] Running pre-flight checks\n",
    );
}

/** Before any kubeadm step: the binary must be there, then preflight, then a kubelet that can start. */
export function kubeadmReadiness(node: EmulatedNode, phase: "init" | "join"): StepResult | undefined {
    if (!node.packages.kubeadm) return fail(127, "bash: line 12: kubeadm: command not found");
    const errors = preflightErrors(node);
    if (errors.length) return preflightFailure(errors);
    if (!node.containerd.systemdCgroup) {
        // kubelet (systemd cgroup driver) and containerd (cgroupfs) disagree: the kubelet never becomes healthy.
        const phaseName = phase === "init" ? "wait-control-plane" : "kubelet-start";
        return fail(
            1,
            `[kubelet-check] The kubelet is not healthy after 4m0.000s\nerror execution phase ${phaseName}: timed out waiting for the condition\nTo see the stack trace of this error execute with --v=5 or higher`,
        );
    }
    return undefined;
}
