// The step protocol: one script per step of PROTOCOL.md, each shellcheck-clean and in the agreed form;
// the command line survives a real shell byte for byte; results are parsed from stdout.
import test from "ava";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import {
    outputTail,
    parseResults,
    STEP_TIMEOUT_MS,
    stepCommand,
    StepFailedError,
    StepName,
    STEPS,
    stepInput,
    stepScript,
} from "../../provider/bootstrap/steps";

const REPO = path.resolve(__dirname, "../../..");
const BOOTSTRAP = path.join(REPO, "provider/bootstrap");
import { scriptEnv } from "../../simulator/ssh/command";
const SHELLCHECK = "/usr/bin/shellcheck";

function protocolSteps(): string[] {
    const protocol = fs.readFileSync(path.join(BOOTSTRAP, "PROTOCOL.md"), "utf8");
    const table = protocol.slice(protocol.indexOf("## Steps"));
    return [...table.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
}

test("every step of PROTOCOL.md has a script, and every script is a step", (t) => {
    const documented = protocolSteps();
    t.true(documented.length >= 10, `steps found in PROTOCOL.md: ${documented.join(", ")}`);
    t.deepEqual([...STEPS], documented, "STEPS lists the protocol's steps in its order");
    const scripts = fs
        .readdirSync(path.join(BOOTSTRAP, "scripts"))
        .filter((f) => f.endsWith(".sh"))
        .map((f) => f.slice(0, -3))
        .sort();
    t.deepEqual(scripts, [...documented].sort());
    for (const step of STEPS) t.true(STEP_TIMEOUT_MS[step] >= 60_000, `${step} has a timeout`);
});

test("scripts start as the protocol says and print results as pulumi-mold: key=value", (t) => {
    for (const step of STEPS) {
        const lines = stepScript(step).split("\n");
        t.deepEqual(lines.slice(0, 3), ["#!/usr/bin/env bash", `# step: ${step}`, "set -euo pipefail"], step);
        // The body runs from one function on the last line, so bash has read it all before running it.
        t.is(lines.filter((l) => l !== "").pop(), 'main "$@"', step);
    }
    const resultKeys: Partial<Record<StepName, string[]>> = {
        "wait-boot": ["hostname"],
        "kube-packages": ["kubeadm-version"],
        "kubeadm-init": ["init"],
        cni: ["cni"],
        "join-info": ["join-command", "certificate-key"],
        "kubeadm-join": ["join"],
        "drain-node": ["drained"],
    };
    for (const [step, keys] of Object.entries(resultKeys) as [StepName, string[]][]) {
        for (const key of keys) t.regex(stepScript(step), new RegExp(`pulumi-mold: ${key}=`), `${step} prints ${key}`);
    }
    t.throws(() => stepScript("no-such-step" as StepName), { message: /unknown bootstrap step/ });
});

test("every script passes shellcheck", (t) => {
    if (!fs.existsSync(SHELLCHECK)) {
        if (process.env.CI) return t.fail(`${SHELLCHECK} is missing (Debian package shellcheck)`);
        t.log(`${SHELLCHECK} is missing: skipped`);
        return t.pass();
    }
    const files = STEPS.map((step) => path.join(BOOTSTRAP, "scripts", `${step}.sh`));
    // All severities, style included.
    const run = spawnSync(SHELLCHECK, ["--severity=style", "--shell=bash", ...files], { encoding: "utf8" });
    t.is(run.error, undefined);
    t.is(run.status, 0, run.stdout + run.stderr);
    // The shared functions, and each script as it travels (with them inlined): shellcheck-clean and parsed by bash.
    const lib = spawnSync(SHELLCHECK, ["--severity=style", "--shell=bash", path.join(BOOTSTRAP, "scripts", "lib", "common.sh")], { encoding: "utf8" });
    t.is(lib.status, 0, lib.stdout + lib.stderr);
    const dir = fs.mkdtempSync(path.join(require("os").tmpdir(), "steps-"));
    for (const step of STEPS) {
        const file = path.join(dir, `${step}.sh`);
        fs.writeFileSync(file, stepScript(step));
        t.false(/^# @include/m.test(stepScript(step)), `${step}: includes expanded`);
        const checked = spawnSync(SHELLCHECK, ["--severity=style", "--shell=bash", file], { encoding: "utf8" });
        t.is(checked.status, 0, `${step} as sent: ${checked.stdout}${checked.stderr}`);
        const parsed = spawnSync("bash", ["-n", file], { encoding: "utf8" });
        t.is(parsed.status, 0, `${file}: ${parsed.stderr}`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs stepCommand's line with `sudo -n env` replaced by `env`, feeding a script that dumps its env. */
function runCommandLine(command: string, stdin: string) {
    if (!command.startsWith("sudo -n env ")) throw new Error(`command does not start with sudo -n env: ${command}`);
    const line = command.replace(/^sudo -n env /, "env ");
    return spawnSync("bash", ["-c", line], { input: stdin, encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
}

test("stepCommand: sorted, single-quoted, and byte-exact through a real bash", (t) => {
    const env = {
        PM_ZETA: "last",
        PM_CERT_SANS: "api.example.com\n10.0.0.5\n",
        PM_QUOTES: `it's "quoted" 'twice' \\ back\\slash`,
        PM_SHELL: "$(touch /tmp/pm-should-not-exist) `id` $HOME ${PATH} ; | & > * ? [a] ~ !x",
        PM_EMPTY: "",
        PM_UNICODE: "노드 ✓ \t tab",
        PM_A1: "'",
    };
    const command = stepCommand("kubeadm-init", env);
    const names = [...command.matchAll(/ (PM_[A-Z0-9_]+)=/g)].map((m) => m[1]);
    t.deepEqual(names, Object.keys(env).sort());
    t.true(command.startsWith("sudo -n env PM_A1=''\\''' PM_CERT_SANS="), command);
    t.true(command.endsWith(" bash -s -- kubeadm-init"));
    // The script on stdin prints each variable NUL-terminated, and the step name it was given.
    const dump = `set -euo pipefail\nfor n in ${Object.keys(env).join(" ")}; do printf '%s=%s\\0' "$n" "\${!n}"; done\nprintf 'step=%s\\0' "$1"\n`;
    const run = runCommandLine(command, dump);
    t.is(run.status, 0, run.stderr);
    const seen = Object.fromEntries(
        run.stdout
            .split("\0")
            .filter((s) => s !== "")
            .map((s) => [s.slice(0, s.indexOf("=")), s.slice(s.indexOf("=") + 1)]),
    );
    t.deepEqual(seen, { ...env, step: "kubeadm-init" });
    t.false(fs.existsSync("/tmp/pm-should-not-exist"), "nothing in a value was executed");
});

test("stepCommand without variables, and refused names", (t) => {
    t.is(stepCommand("admin-kubeconfig", {}), "sudo -n env bash -s -- admin-kubeconfig");
    const run = runCommandLine(stepCommand("swap-off", {}), 'printf "%s" "$1"');
    t.is(run.stdout, "swap-off");
    for (const bad of ["PM_lower", "HOME", "PM_", "PM_A B", "PM_A;rm", "LD_PRELOAD"]) {
        t.throws(() => stepCommand("cni", { [bad]: "x" }), { message: /does not match/ }, bad);
    }
    t.throws(() => stepCommand("cni", { PM_NUL: "a\0b" }), { message: /NUL/ });
    t.throws(() => stepCommand("nope" as StepName, {}), { message: /unknown bootstrap step/ });
});

test("parseResults reads pulumi-mold lines only; the value runs to the end of the line", (t) => {
    const stdout = [
        "Reading package lists...",
        "pulumi-mold: join-command=kubeadm join 10.0.0.1:6443 --token abc.def --discovery-token-ca-cert-hash sha256:00ff",
        "pulumi-mold: certificate-key=0123abcd\r",
        "  pulumi-mold: indented=no",
        "pulumi-mold: empty=",
        "pulumi-mold: eq=a=b=c",
        "pulumi-mold: init=done",
        "pulumi-mold: init=already",
        "pulumi-mold no-colon=x",
    ].join("\n");
    t.deepEqual(parseResults(stdout), {
        "join-command": "kubeadm join 10.0.0.1:6443 --token abc.def --discovery-token-ca-cert-hash sha256:00ff",
        "certificate-key": "0123abcd",
        empty: "",
        eq: "a=b=c",
        init: "already",
    });
    t.deepEqual(parseResults(""), {});
});

test("StepFailedError: node, step, exit code and the output's tail, result values hidden", (t) => {
    const stdout = Array.from({ length: 40 }, (_, i) => `out ${i}`).join("\n") + "\npulumi-mold: certificate-key=secret\n";
    const stderr = "E: Unable to locate package kubeadm\n";
    const err = new StepFailedError("pm-cp-0", "kube-packages", 100, stdout, stderr);
    t.is(err.node, "pm-cp-0");
    t.is(err.step, "kube-packages");
    t.is(err.exitCode, 100);
    t.true(err.message.startsWith("pm-cp-0: step kube-packages failed with exit code 100: "), err.message);
    t.true(err.message.includes("E: Unable to locate package kubeadm"));
    t.true(err.message.includes("out 39"));
    t.false(err.message.includes("out 5\n"), "early lines are cut");
    t.false(err.message.includes("secret"));
    t.true(err.tail.split("\n").filter((l) => !/^std(out|err):$/.test(l)).length <= 20);
    t.is(outputTail("", ""), "");
    const onlyStderr = outputTail("", Array.from({ length: 30 }, (_, i) => `e${i}`).join("\n"));
    t.true(onlyStderr.includes("e29") && !onlyStderr.includes("e9\n"), onlyStderr);
});

test("join tokens and certificate keys never travel on the command line: they are exported in the script", (t) => {
    const env = {
        PM_JOIN_COMMAND: "kubeadm join 127.1.2.3:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:00",
        PM_CERTIFICATE_KEY: "it's-secret",
        PM_NODE_NAME: "n1",
        PM_CONTROL_PLANE: "1",
    };
    const command = stepCommand("kubeadm-join", env);
    t.false(command.includes("abcdef.0123456789abcdef"));
    t.false(command.includes("secret"));
    t.true(command.includes("PM_NODE_NAME='n1'"));
    const input = stepInput("kubeadm-join", env);
    const lines = input.split("\n");
    t.is(lines[1], "# step: kubeadm-join", "the step line stays where the emulator and readers look");
    t.true(lines.includes(`export PM_CERTIFICATE_KEY='it'\\''s-secret'`));
    // A real bash sees them as the script's environment.
    const probe = `${lines.slice(0, 4).join("\n")}\nprintf '%s|%s' "$PM_CERTIFICATE_KEY" "$PM_JOIN_COMMAND"\n`;
    const run = spawnSync("bash", ["-s"], { input: probe, encoding: "utf8" });
    t.is(run.stdout, `it's-secret|${env.PM_JOIN_COMMAND}`);
    t.throws(() => stepInput("kubeadm-join", { ...env, PM_CERTIFICATE_KEY: "a\nb" }), { message: /one line/ });
    // And the simulator reads them back the same way.
    t.deepEqual(scriptEnv(input), { PM_CERTIFICATE_KEY: "it's-secret", PM_JOIN_COMMAND: env.PM_JOIN_COMMAND });
});
