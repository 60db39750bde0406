// The simulator for a bench, in this process or as a child process (bin/mold-simulator.js): in reality the
// emulated nodes are other machines, so a child keeps their SSH server side and emulated kubeadm off the event
// loop that runs pulumi-mold, and its CPU seconds are counted apart (/proc/<pid>/stat).
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ADMIN_HEADER } from "../../simulator/admin-endpoints";
import { startSimulatorServer } from "../../simulator/server";
import type { SshFaultConfig } from "../../simulator/ssh/types";

export type SimMode = "in-process" | "child";

export interface BenchSimulator {
    mode: SimMode;
    url: string;
    apiKey: string;
    secretKey: string;
    inventory(): Promise<Record<string, any[]>>;
    /** API requests served so far (every command). */
    requests(): Promise<number>;
    /** CPU ms the simulator's own process used so far; undefined in process (it shares the bench's). */
    cpuMs(): number | undefined;
    setLatency(overrides: Record<string, number>, timeFactor: number): Promise<void>;
    setSshFaults(config: SshFaultConfig): Promise<void>;
    stop(): Promise<void>;
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

export async function startBenchSimulator(mode: SimMode): Promise<BenchSimulator> {
    if (mode === "in-process") {
        const sim = await startSimulatorServer({ port: 0, latencyProfile: "fast" });
        return {
            mode,
            url: sim.url,
            apiKey: sim.apiKey,
            secretKey: sim.secretKey,
            inventory: async () => sim.inventory(),
            requests: async () => sum(sim.requestCounts),
            cpuMs: () => undefined,
            setLatency: async (o, f) => sim.setLatency(o, f),
            setSshFaults: async (c) => sim.setSshFaults(c),
            stop: () => sim.stop(),
        };
    }
    return startChild();
}

/** dist/test/bench → the repository's bin/mold-simulator.js. */
const CLI = path.resolve(__dirname, "../../../bin/mold-simulator.js");

async function startChild(): Promise<BenchSimulator> {
    const child = spawn(process.execPath, [CLI, "--port", "0", "--latency", "fast", "--console", "off"], { stdio: ["ignore", "pipe", "pipe"] });
    child.on("error", () => undefined);
    child.stderr?.on("data", (d: Buffer) => process.stderr.write(`[simulator] ${d}`));
    const ready = await firstLine(child, 30_000).catch((e) => {
        child.kill("SIGKILL");
        throw e;
    });
    const { url, apiKey, secretKey } = JSON.parse(ready) as { url: string; apiKey: string; secretKey: string };
    const base = url.replace(/\/client\/api\/?$/, "");
    const admin = async (p: string, body?: unknown) => {
        const res = await fetch(`${base}${p}`, {
            method: body === undefined ? "GET" : "POST",
            headers: { [ADMIN_HEADER]: apiKey, "content-type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        if (!res.ok) throw new Error(`simulator ${p}: ${res.status} ${text}`);
        return JSON.parse(text);
    };
    return {
        mode: "child",
        url,
        apiKey,
        secretKey,
        inventory: () => admin("/sim/inventory"),
        requests: async () => sum(await admin("/sim/requests")),
        cpuMs: () => processCpuMs(child.pid),
        setLatency: async (overrides, timeFactor) => void (await admin("/sim/latency", { overrides, timeFactor })),
        setSshFaults: async (config) => void (await admin("/sim/ssh", config)),
        stop: () => stopChild(child),
    };
}

function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
        let text = "";
        const timer = setTimeout(() => reject(new Error(`the simulator did not start within ${timeoutMs} ms`)), timeoutMs);
        child.stdout?.on("data", (d: Buffer) => {
            text += d.toString("utf8");
            const nl = text.indexOf("\n");
            if (nl >= 0) {
                clearTimeout(timer);
                resolve(text.slice(0, nl));
            }
        });
        child.once("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`the simulator exited (${code}) before it was ready`));
        });
    });
}

function stopChild(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
        const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
        child.once("exit", () => {
            clearTimeout(kill);
            resolve();
        });
        child.kill("SIGTERM");
    });
}

/** User + system CPU ms of a process from /proc (Linux; clock ticks of 10 ms); undefined elsewhere. */
export function processCpuMs(pid: number | undefined): number | undefined {
    if (pid === undefined) return undefined;
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        // The fields after the command name (which may hold spaces) in parentheses: utime and stime are 14th and 15th.
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
        return undefined;
    }
}
