// The step protocol (PROTOCOL.md): step names, their scripts, the exact command line, and the results.
import * as fs from "fs";
import * as path from "path";

export const STEPS = [
    "wait-boot",
    "swap-off",
    "kernel-modules",
    "sysctls",
    "containerd",
    "kube-packages",
    "kubeadm-init",
    "cni",
    "join-info",
    "kubeadm-join",
    "wait-ready",
    "node-metadata",
    "admin-kubeconfig",
    "drain-node",
    "reset-node",
    "etcd-snapshot",
    "etcd-member-remove",
    "node-health",
    "kubeadm-upgrade",
    "uncordon-node",
    "rotate-host-key",
    "certs-check",
    "certs-renew",
    "csi-install",
    "data-disks",
] as const;

export type StepName = (typeof STEPS)[number];

const MINUTE = 60_000;

/** Upper bounds for one run of a step; package installs and kubeadm init pull from the internet. */
export const STEP_TIMEOUT_MS: Record<StepName, number> = {
    "wait-boot": 10 * MINUTE,
    "swap-off": 5 * MINUTE,
    "kernel-modules": 5 * MINUTE,
    sysctls: 5 * MINUTE,
    containerd: 10 * MINUTE,
    "kube-packages": 10 * MINUTE,
    "kubeadm-init": 10 * MINUTE,
    cni: 5 * MINUTE,
    "join-info": 5 * MINUTE,
    "kubeadm-join": 10 * MINUTE,
    "wait-ready": 5 * MINUTE,
    "node-metadata": 5 * MINUTE,
    "admin-kubeconfig": 5 * MINUTE,
    "drain-node": 5 * MINUTE,
    "reset-node": 5 * MINUTE,
    "etcd-snapshot": 10 * MINUTE,
    "etcd-member-remove": 5 * MINUTE,
    "node-health": 2 * MINUTE,
    // kubeadm upgrade apply pulls the new images and restarts every static pod.
    "kubeadm-upgrade": 15 * MINUTE,
    "uncordon-node": 5 * MINUTE,
    "rotate-host-key": 5 * MINUTE,
    "certs-check": 5 * MINUTE,
    // Renewal restarts the static pods and waits for the API server to answer again.
    "certs-renew": 10 * MINUTE,
    // Downloads the driver's manifests; its images are pulled by the pods afterwards, not waited for.
    "csi-install": 10 * MINUTE,
    // Formatting a large disk (ext4's lazy init keeps it short) and waiting for udev to link new disks.
    "data-disks": 10 * MINUTE,
};

export function isStepName(name: string): name is StepName {
    return (STEPS as readonly string[]).includes(name);
}

/**
 * Where the scripts are: next to this file when run from source (ts-node), and in the package's
 * provider/bootstrap/scripts when compiled to <outDir>/provider/bootstrap/ (outDir one level below the root).
 */
function scriptDirectories(): string[] {
    return [path.resolve(__dirname, "scripts"), path.resolve(__dirname, "../../../provider/bootstrap/scripts")];
}

const scriptCache = new Map<StepName, string>();

export function stepScript(step: StepName): string {
    if (!isStepName(step)) throw new Error(`unknown bootstrap step ${JSON.stringify(step)}`);
    const cached = scriptCache.get(step);
    if (cached !== undefined) return cached;
    for (const directory of scriptDirectories()) {
        const file = path.join(directory, `${step}.sh`);
        if (fs.existsSync(file)) {
            const text = withIncludes(fs.readFileSync(file, "utf8"), directory);
            scriptCache.set(step, text);
            return text;
        }
    }
    throw new Error(`the script of bootstrap step ${step} is missing (looked in ${scriptDirectories().join(", ")})`);
}

/** Replaces `# @include <file>` lines with that file (shared functions), so a step travels as one script. */
function withIncludes(text: string, directory: string): string {
    return text.replace(/^# @include (\S+)$/gm, (_line, file: string) => {
        const included = fs.readFileSync(path.join(directory, file), "utf8");
        return included.replace(/^# shellcheck shell=bash\n/m, "").trimEnd();
    });
}

const ENV_NAME = /^PM_[A-Z0-9_]+$/;

/**
 * What goes to the step's stdin: its script with the secret variables of `env` as `export PM_X='…'` lines
 * right after the `# step:` line (one line each, so they cannot hold a newline).
 */
export function stepInput(step: StepName, env: Record<string, string>): string {
    const script = stepScript(step);
    const secrets = Object.keys(env)
        .filter((name) => SECRET_ENV.has(name))
        .sort();
    if (!secrets.length) return script;
    for (const name of secrets) {
        if (/[\n\r\0]/.test(env[name])) throw new Error(`step ${step}: ${name} must be one line`);
    }
    const preamble = secrets.map((name) => `export ${name}=${shellQuote(env[name])}`).join("\n");
    return script.replace(/^(# step: \S+)$/m, `$1\n${preamble}`);
}

/** A value as one single-quoted shell word: `'` is written `'\''`. */
export function shellQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Variables that must not be on a command line: sudo logs command lines (auth.log, the journal) and `ps`
 * shows them. They travel in the script on stdin instead (see stepInput).
 */
export const SECRET_ENV: ReadonlySet<string> = new Set([
    "PM_JOIN_COMMAND",
    "PM_CERTIFICATE_KEY",
    "PM_HOST_KEY",
    "PM_REGISTRY_PASSWORD",
    "PM_REGISTRY_CA_CERT",
    // The CSI driver's Mold endpoint and key pair (csi-install).
    "PM_CSI_API_URL",
    "PM_CSI_API_KEY",
    "PM_CSI_SECRET_KEY",
]);

/** `sudo -n env PM_A='…' PM_B='…' bash -s -- <step>`, variables sorted by name (secret ones left out). */
export function stepCommand(step: StepName, env: Record<string, string>): string {
    if (!isStepName(step)) throw new Error(`unknown bootstrap step ${JSON.stringify(step)}`);
    const names = Object.keys(env)
        .filter((name) => !SECRET_ENV.has(name))
        .sort();
    for (const name of names) {
        if (!ENV_NAME.test(name)) throw new Error(`step ${step}: environment name ${JSON.stringify(name)} does not match ${ENV_NAME}`);
        if (typeof env[name] !== "string") throw new Error(`step ${step}: ${name} must be a string`);
        // A NUL cannot travel in an argv string: fail here rather than have it cut on the node.
        if (env[name].includes("\0")) throw new Error(`step ${step}: ${name} contains a NUL character`);
    }
    const assignments = names.map((name) => `${name}=${shellQuote(env[name])}`);
    return ["sudo", "-n", "env", ...assignments, "bash", "-s", "--", step].join(" ");
}

const RESULT_LINE = /^pulumi-mold: ([^=\r\n]+)=(.*?)\r?$/;

/** `pulumi-mold: key=value` lines of a step's stdout; a later line for the same key wins. */
export function parseResults(stdout: string): Record<string, string> {
    const results: Record<string, string> = {};
    for (const line of stdout.split("\n")) {
        const match = RESULT_LINE.exec(line);
        if (match) results[match[1].trim()] = match[2];
    }
    return results;
}

/** How many output lines a failed step's report carries. */
export const FAILURE_TAIL_LINES = 20;

export class StepFailedError extends Error {
    readonly node: string;
    readonly step: StepName;
    readonly exitCode: number | null;
    /** The last lines of stderr then stdout. */
    readonly tail: string;

    constructor(node: string, step: StepName, exitCode: number | null, stdout: string, stderr: string, signal?: string) {
        const tail = outputTail(stdout, stderr);
        const status = exitCode === null ? `signal ${signal ?? "unknown"}` : `exit code ${exitCode}`;
        super(`${node}: step ${step} failed with ${status}: ${tail || "(no output)"}`);
        this.name = "StepFailedError";
        this.node = node;
        this.step = step;
        this.exitCode = exitCode;
        this.tail = tail;
    }
}

/**
 * The last FAILURE_TAIL_LINES lines: stderr's (where errors go) first, then stdout's, each labelled.
 * Result values are left out: they may be join tokens or certificate keys.
 */
export function outputTail(stdout: string, stderr: string, lines = FAILURE_TAIL_LINES): string {
    const lastLines = (text: string) => {
        const trimmed = text.replace(/\s+$/, "");
        return trimmed === "" ? [] : trimmed.split("\n").map((line) => line.replace(/^(pulumi-mold: [^=]+=).+$/, "$1(hidden)"));
    };
    const err = lastLines(stderr);
    const out = lastLines(stdout);
    // Share the budget, giving stderr whatever stdout does not need.
    const outBudget = Math.min(out.length, Math.max(lines - err.length, Math.floor(lines / 2)));
    const errBudget = Math.min(err.length, lines - outBudget);
    const parts: string[] = [];
    if (errBudget > 0) parts.push(`stderr:\n${err.slice(-errBudget).join("\n")}`);
    if (outBudget > 0) parts.push(`stdout:\n${out.slice(-outBudget).join("\n")}`);
    return parts.join("\n");
}
