// `mold-simulator`: starts a local Mold and prints ONE JSON line with its endpoint and credentials.
import * as fs from "fs";
import * as path from "path";
import { parseArgs as parseArgv } from "util";
import { parseSignatureHash } from "./signature";
import { ADMIN_HEADER, adminHelpText } from "./admin-endpoints";
import { FaultConfig } from "./faults";
import { DEFAULT_MAX_BODY_BYTES } from "./http-guard";
import { LatencyProfileName } from "./latency";
import { watchParent } from "./parent-watch";
import { ServerOptions, startSimulatorServer } from "./server";
import { checkPublicIpPrefix } from "./simulator";
import { checkSshFaults } from "./ssh/faults";
import type { SshDropRule, SshFailRule, SshFaultConfig } from "./ssh/types";

/** STEP:before|after[:TIMES][@NODE] */
export function parseSshDrop(value: string): SshDropRule {
    const m = /^([a-z][a-z0-9-]*):(before|after)(?::(\d+))?(?:@(.+))?$/.exec(value);
    if (!m) throw new Error(`--ssh-drop takes STEP:before|after[:TIMES][@NODE], got '${value}'`);
    return { step: m[1], when: m[2] as "before" | "after", times: m[3] !== undefined ? Number(m[3]) : 1, ...(m[4] !== undefined ? { node: m[4] } : {}) };
}

/** STEP[:CODE][@NODE] */
export function parseSshFail(value: string): SshFailRule {
    const m = /^([a-z][a-z0-9-]*)(?::(\d+))?(?:@(.+))?$/.exec(value);
    if (!m) throw new Error(`--ssh-fail takes STEP[:CODE][@NODE], got '${value}'`);
    return { step: m[1], exitCode: m[2] !== undefined ? Number(m[2]) : 1, times: 1, ...(m[3] !== undefined ? { node: m[3] } : {}) };
}

/** Every option, for node:util parseArgs; USAGE documents each one (a test checks). */
export const OPTIONS = {
    port: { type: "string" },
    host: { type: "string" },
    state: { type: "string" },
    signature: { type: "string" },
    "api-key": { type: "string" },
    "secret-key": { type: "string" },
    latency: { type: "string" },
    "time-factor": { type: "string" },
    "fault-5xx": { type: "string" },
    "fault-429": { type: "string" },
    "fault-drop": { type: "string" },
    "fault-job-fail": { type: "string" },
    "fault-slow-job": { type: "string" },
    "fault-seed": { type: "string" },
    "request-log": { type: "string" },
    "public-ip-prefix": { type: "string" },
    "kube-api": { type: "string" },
    ssh: { type: "string" },
    console: { type: "string" },
    "ssh-step-latency": { type: "string" },
    "ssh-boot-delay": { type: "string" },
    "ssh-drop": { type: "string", multiple: true },
    "ssh-fail": { type: "string", multiple: true },
    "max-body-bytes": { type: "string" },
    help: { type: "boolean", short: "h" },
    version: { type: "boolean", short: "v" },
} as const;

export const USAGE = `Usage: mold-simulator [options]
  --port N               port to listen on (0 = any free port; default 0)
  --host ADDR            loopback address to listen on (default 127.0.0.1)
  --state FILE           keep the simulated cloud in FILE (shared by processes, kept across runs)
  --signature ALG        sha256 (ABLESTACK Mold, default) or sha1 (Apache CloudStack)
  --api-key KEY          API key to accept (default: generated, or the one in the state file)
  --secret-key KEY       secret key to accept
  --latency PROFILE      fast (default) or realistic async-job durations
  --time-factor F        multiply job durations by F (default 1)
  --fault-5xx RATE       fraction of requests answered 503/502 (0..1)
  --fault-429 RATE       fraction of requests throttled with 429
  --fault-drop RATE      fraction of connections cut without an answer
  --fault-job-fail RATE  fraction of async jobs that fail
  --fault-slow-job RATE  fraction of async jobs that take 5x longer
  --fault-seed N         seed for fault injection (default 1)
  --request-log FILE     append one JSON line per API request (time, command, status, duration)
  --public-ip-prefix P   hand out public IPs from P.x.y, P two octets inside 127.0.0.0/8 (default: kept in the
                         state, or 127.N with N random in 100..199 for a new state)
  --kube-api on|off      serve a minimal Kubernetes API on <public IP>:6443 per running cluster (default on)
  --ssh on|off           serve emulated SSH nodes on port forwards to port 22 that a firewall rule opens (default on)
  --console on|off      serve the read-only web console at /console (default on; no header needed)
  --ssh-step-latency MS  delay every bootstrap step by MS milliseconds
  --ssh-boot-delay MS    reset SSH connections for MS milliseconds after a VM started
  --ssh-drop RULE        cut the connection of a step: STEP:before|after[:TIMES][@NODE] (repeatable; TIMES
                         default 1, NODE a VM name or id)
  --ssh-fail RULE        make a step exit non-zero once without its effect: STEP[:CODE][@NODE] (repeatable;
                         CODE default 1)
  --max-body-bytes N     answer 413 to request bodies above N bytes (default ${DEFAULT_MAX_BODY_BYTES})
  -h, --help             show this text
  -v, --version          print the version

When ready, prints {"url":…,"apiKey":…,"secretKey":…,"signature":…,"console":…} on stdout ("console" is the
console's address, absent with --console off). Stops on SIGTERM/SIGINT, and
when its parent process goes away (e.g. \`npx mold-simulator\` stopped with SIGTERM).

Admin endpoints (not part of Mold; every one but GET /sim/ needs the header "${ADMIN_HEADER}: <API key>"):
${adminHelpText()}`;

/** A node:util parseArgs error, reworded to name the option as the user typed it. */
function argError(e: any): Error {
    const msg = String(e?.message ?? e);
    const option = /'(-{1,2}[^' ]+)/.exec(msg)?.[1];
    if (e?.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return new Error(`unknown option ${option ?? msg}`);
    if (e?.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL")
        return new Error(`unexpected argument ${/'([^']*)'/.exec(msg)?.[1] ?? msg}: options take the form --name value`);
    if (e?.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
        if (/argument missing/.test(msg)) return new Error(`${option} needs a value`);
        if (/ambiguous/.test(msg)) return new Error(`${option} needs a value (for a value starting with '-', write ${option}=VALUE)`);
        return new Error(`${option ?? "option"}: ${msg}`);
    }
    return e instanceof Error ? e : new Error(msg);
}

export function parseArgs(argv: string[]): ServerOptions | "help" | "version" {
    let values: Record<string, string | boolean | string[] | undefined>;
    // A negative number after an option is its value (so `--port -1` is refused as a port, not as "ambiguous").
    const args = argv.flatMap((a, i) =>
        /^-\d/.test(a) && /^--[a-z0-9-]+$/.test(argv[i - 1] ?? "")
            ? []
            : /^--[a-z0-9-]+$/.test(a) && /^-\d/.test(argv[i + 1] ?? "")
              ? [`${a}=${argv[i + 1]}`]
              : [a],
    );
    try {
        values = parseArgv({ args, options: OPTIONS, strict: true, allowPositionals: false }).values as typeof values;
    } catch (e) {
        throw argError(e);
    }
    if (values.help) return "help";
    if (values.version) return "version";
    const opts: ServerOptions = {};
    const faults: FaultConfig = {};
    const ssh: SshFaultConfig = {};
    const str = (name: string) => values[name] as string | undefined;
    const ms = (flag: string, v: string) => {
        const n = Number(v);
        if (v.trim() === "" || !(n >= 0) || !Number.isFinite(n)) throw new Error(`${flag} takes a number of milliseconds, got '${v}'`);
        return n;
    };
    const rate = (flag: string, v: string) => {
        const n = Number(v);
        if (v.trim() === "" || !(n >= 0 && n <= 1)) throw new Error(`${flag} takes a rate between 0 and 1, got '${v}'`);
        return n;
    };
    const integer = (flag: string, v: string, min: number, max: number) => {
        const n = Number(v);
        if (!/^\s*-?\d+\s*$/.test(v) || n < min || n > max) throw new Error(`${flag} takes ${min}..${max}, got '${v}'`);
        return n;
    };
    const whole = (flag: string, v: string, min: number) => {
        if (!/^\s*\d+\s*$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v)))
            throw new Error(`${flag} takes a whole number >= ${min}, got '${v}'`);
        return Number(v);
    };
    const onOff = (flag: string, v: string) => {
        if (v !== "on" && v !== "off") throw new Error(`${flag} takes on or off, got '${v}'`);
        return v === "on";
    };
    let v: string | undefined;
    if ((v = str("port")) !== undefined) opts.port = integer("--port", v, 0, 65535);
    if ((v = str("host")) !== undefined) opts.host = v;
    if ((v = str("state")) !== undefined) opts.stateFile = v;
    if ((v = str("signature")) !== undefined) opts.signature = parseSignatureHash(v);
    if ((v = str("api-key")) !== undefined) opts.apiKey = v;
    if ((v = str("secret-key")) !== undefined) opts.secretKey = v;
    if ((v = str("latency")) !== undefined) {
        if (v !== "fast" && v !== "realistic") throw new Error(`--latency takes fast or realistic, got '${v}'`);
        opts.latencyProfile = v as LatencyProfileName;
    }
    if ((v = str("time-factor")) !== undefined) {
        opts.timeFactor = Number(v);
        if (!(opts.timeFactor > 0) || !Number.isFinite(opts.timeFactor)) throw new Error(`--time-factor takes a positive number, got '${v}'`);
    }
    if ((v = str("fault-5xx")) !== undefined) faults.serverErrorRate = rate("--fault-5xx", v);
    if ((v = str("fault-429")) !== undefined) faults.throttleRate = rate("--fault-429", v);
    if ((v = str("fault-drop")) !== undefined) faults.dropRate = rate("--fault-drop", v);
    if ((v = str("fault-job-fail")) !== undefined) faults.jobFailureRate = rate("--fault-job-fail", v);
    if ((v = str("fault-slow-job")) !== undefined) faults.slowJobRate = rate("--fault-slow-job", v);
    if ((v = str("fault-seed")) !== undefined) faults.seed = whole("--fault-seed", v, 0);
    if ((v = str("request-log")) !== undefined) opts.requestLog = v;
    if ((v = str("public-ip-prefix")) !== undefined) {
        try {
            opts.publicIpPrefix = checkPublicIpPrefix(v);
        } catch {
            throw new Error(`--public-ip-prefix takes two octets inside 127.0.0.0/8 (e.g. 127.100), got '${v}'`);
        }
    }
    if ((v = str("kube-api")) !== undefined) opts.kubeApi = onOff("--kube-api", v);
    if ((v = str("ssh")) !== undefined) opts.ssh = onOff("--ssh", v);
    if ((v = str("console")) !== undefined) opts.console = onOff("--console", v);
    if ((v = str("ssh-step-latency")) !== undefined) ssh.stepLatencyMs = ms("--ssh-step-latency", v);
    if ((v = str("ssh-boot-delay")) !== undefined) ssh.bootDelayMs = ms("--ssh-boot-delay", v);
    for (const d of (values["ssh-drop"] as string[] | undefined) ?? []) ssh.drops = [...(ssh.drops ?? []), parseSshDrop(d)];
    for (const f of (values["ssh-fail"] as string[] | undefined) ?? []) ssh.fails = [...(ssh.fails ?? []), parseSshFail(f)];
    if ((v = str("max-body-bytes")) !== undefined) opts.maxBodyBytes = whole("--max-body-bytes", v, 1);
    opts.faults = faults;
    if (Object.keys(ssh).length) opts.sshFaults = checkSshFaults(ssh);
    return opts;
}

/** The package's version, from the package.json next to dist/ (in the repository and in the published package). */
export function packageVersion(): string {
    return JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")).version;
}

export async function main(argv: string[]): Promise<void> {
    let opts: ServerOptions | "help" | "version";
    try {
        opts = parseArgs(argv);
    } catch (e) {
        process.stderr.write(`mold-simulator: ${(e as Error).message}\n(mold-simulator --help lists the options)\n`);
        process.exit(2);
    }
    if (opts === "help") {
        process.stdout.write(USAGE + "\n");
        return;
    }
    if (opts === "version") {
        process.stdout.write(`mold-simulator ${packageVersion()}\n`);
        return;
    }
    const sim = await startSimulatorServer(opts);
    process.stdout.write(
        JSON.stringify({ url: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey, signature: sim.signature, console: sim.consoleUrl }) + "\n",
    );
    let stopping = false;
    const stop = () => {
        if (stopping) return;
        stopping = true;
        sim.stop().then(() => process.exit(0));
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    // `npx mold-simulator` stopped with SIGTERM may not pass the signal on (npm exec runs us under a shell):
    // when the parent goes away we are re-parented, and stop as if signalled.
    watchParent(stop);
}
