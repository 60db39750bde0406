// `mold-simulator`: starts a local Mold and prints ONE JSON line with its endpoint and credentials.
import { parseSignatureAlgorithm } from "../provider/client/signing";
import { FaultConfig } from "./faults";
import { LatencyProfileName } from "./latency";
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

const USAGE = `Usage: mold-simulator [options]
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
  --ssh-step-latency MS  delay every bootstrap step by MS milliseconds
  --ssh-boot-delay MS    reset SSH connections for MS milliseconds after a VM started
  --ssh-drop RULE        cut the connection of a step: STEP:before|after[:TIMES][@NODE] (repeatable; TIMES
                         default 1, NODE a VM name or id)
  --ssh-fail RULE        make a step exit non-zero once without its effect: STEP[:CODE][@NODE] (repeatable;
                         CODE default 1)
  --help                 show this text

When ready, prints {"url":…,"apiKey":…,"secretKey":…,"signature":…} on stdout. Stops on SIGTERM/SIGINT.`;

export function parseArgs(argv: string[]): ServerOptions | "help" {
    const opts: ServerOptions = {};
    const faults: FaultConfig = {};
    const ssh: SshFaultConfig = {};
    const ms = (flag: string, v: string) => {
        const n = Number(v);
        if (!(n >= 0) || !Number.isFinite(n)) throw new Error(`${flag} takes a number of milliseconds, got '${v}'`);
        return n;
    };
    const rate = (flag: string, v: string) => {
        const n = Number(v);
        if (!(n >= 0 && n <= 1)) throw new Error(`${flag} takes a rate between 0 and 1, got '${v}'`);
        return n;
    };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        if (flag === "--help" || flag === "-h") return "help";
        const value = argv[++i];
        if (value === undefined) throw new Error(`${flag} needs a value`);
        switch (flag) {
            case "--port":
                opts.port = Number(value);
                if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error(`--port takes 0..65535, got '${value}'`);
                break;
            case "--host":
                opts.host = value;
                break;
            case "--state":
                opts.stateFile = value;
                break;
            case "--signature":
                opts.signature = parseSignatureAlgorithm(value);
                break;
            case "--api-key":
                opts.apiKey = value;
                break;
            case "--secret-key":
                opts.secretKey = value;
                break;
            case "--latency":
                if (value !== "fast" && value !== "realistic") throw new Error(`--latency takes fast or realistic, got '${value}'`);
                opts.latencyProfile = value as LatencyProfileName;
                break;
            case "--time-factor":
                opts.timeFactor = Number(value);
                if (!(opts.timeFactor > 0)) throw new Error(`--time-factor takes a positive number, got '${value}'`);
                break;
            case "--fault-5xx":
                faults.serverErrorRate = rate(flag, value);
                break;
            case "--fault-429":
                faults.throttleRate = rate(flag, value);
                break;
            case "--fault-drop":
                faults.dropRate = rate(flag, value);
                break;
            case "--fault-job-fail":
                faults.jobFailureRate = rate(flag, value);
                break;
            case "--fault-slow-job":
                faults.slowJobRate = rate(flag, value);
                break;
            case "--fault-seed":
                faults.seed = Number(value);
                break;
            case "--request-log":
                opts.requestLog = value;
                break;
            case "--public-ip-prefix":
                try {
                    opts.publicIpPrefix = checkPublicIpPrefix(value);
                } catch {
                    throw new Error(`--public-ip-prefix takes two octets inside 127.0.0.0/8 (e.g. 127.100), got '${value}'`);
                }
                break;
            case "--kube-api":
                if (value !== "on" && value !== "off") throw new Error(`--kube-api takes on or off, got '${value}'`);
                opts.kubeApi = value === "on";
                break;
            case "--ssh":
                if (value !== "on" && value !== "off") throw new Error(`--ssh takes on or off, got '${value}'`);
                opts.ssh = value === "on";
                break;
            case "--ssh-step-latency":
                ssh.stepLatencyMs = ms(flag, value);
                break;
            case "--ssh-boot-delay":
                ssh.bootDelayMs = ms(flag, value);
                break;
            case "--ssh-drop":
                ssh.drops = [...(ssh.drops ?? []), parseSshDrop(value)];
                break;
            case "--ssh-fail":
                ssh.fails = [...(ssh.fails ?? []), parseSshFail(value)];
                break;
            default:
                throw new Error(`unknown option ${flag}`);
        }
    }
    opts.faults = faults;
    if (Object.keys(ssh).length) opts.sshFaults = checkSshFaults(ssh);
    return opts;
}

export async function main(argv: string[]): Promise<void> {
    let opts: ServerOptions | "help";
    try {
        opts = parseArgs(argv);
    } catch (e) {
        process.stderr.write(`mold-simulator: ${(e as Error).message}\n\n${USAGE}\n`);
        process.exit(2);
    }
    if (opts === "help") {
        process.stdout.write(USAGE + "\n");
        return;
    }
    const sim = await startSimulatorServer(opts);
    process.stdout.write(JSON.stringify({ url: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey, signature: sim.signature }) + "\n");
    let stopping = false;
    const stop = () => {
        if (stopping) return;
        stopping = true;
        sim.stop().then(() => process.exit(0));
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
}
