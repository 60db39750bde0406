// `mold-simulator` as users run it: one JSON line when ready, it serves, and it stops on SIGTERM.
import test from "ava";
import { spawn } from "child_process";
import * as path from "path";
import { MoldClient } from "../../provider/client";
import { parseArgs } from "../../simulator/cli";

// dist/test/unit → repository root.
const BIN = path.resolve(__dirname, "../../../bin/mold-simulator.js");

test("mold-simulator --port 0 prints one JSON line, serves signed requests and stops on SIGTERM", async (t) => {
    const child = spawn(process.execPath, [BIN, "--port", "0", "--signature", "sha1"], { stdio: ["ignore", "pipe", "pipe"] });
    try {
        const line = await new Promise<string>((resolve, reject) => {
            let out = "";
            const timer = setTimeout(() => reject(new Error(`no JSON line within 20 s; stdout so far: ${out}`)), 20_000);
            child.stdout.on("data", (c: Buffer) => {
                out += c.toString();
                const nl = out.indexOf("\n");
                if (nl >= 0) {
                    clearTimeout(timer);
                    resolve(out.slice(0, nl));
                }
            });
            child.on("error", reject);
            child.on("exit", (code) => reject(new Error(`exited early with ${code}`)));
        });
        const info = JSON.parse(line);
        t.deepEqual(Object.keys(info), ["url", "apiKey", "secretKey", "signature"]);
        t.regex(info.url, /^http:\/\/127\.0\.0\.1:\d+\/client\/api$/);
        t.is(info.signature, "sha1");
        const client = new MoldClient({ apiUrl: info.url, apiKey: info.apiKey, secretKey: info.secretKey, signature: "sha1" });
        try {
            t.deepEqual(await client.call("listTags"), {});
        } finally {
            client.close();
        }
        const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
        child.kill("SIGTERM");
        t.is(await exit, 0);
    } finally {
        if (child.exitCode === null) child.kill("SIGKILL");
    }
});

test("CLI options are validated with clear messages", (t) => {
    t.throws(() => parseArgs(["--port", "70000"]), { message: "--port takes 0..65535, got '70000'" });
    t.throws(() => parseArgs(["--fault-5xx", "2"]), { message: "--fault-5xx takes a rate between 0 and 1, got '2'" });
    t.throws(() => parseArgs(["--latency", "slow"]), { message: "--latency takes fast or realistic, got 'slow'" });
    t.throws(() => parseArgs(["--bogus", "1"]), { message: "unknown option --bogus" });
    t.throws(() => parseArgs(["--signature", "md5"]), { message: /Unknown signature algorithm 'md5'/ });
    for (const bad of ["10.0", "127", "127.256", "127.1.2", "127.x", "127.-1"]) {
        t.throws(() => parseArgs(["--public-ip-prefix", bad]), { message: `--public-ip-prefix takes two octets inside 127.0.0.0/8 (e.g. 127.100), got '${bad}'` });
    }
    t.is((parseArgs(["--public-ip-prefix", "127.150"]) as any).publicIpPrefix, "127.150");
    t.throws(() => parseArgs(["--kube-api", "maybe"]), { message: "--kube-api takes on or off, got 'maybe'" });
    t.is((parseArgs(["--kube-api", "off"]) as any).kubeApi, false);
    const ok = parseArgs(["--port", "0", "--fault-429", "0.1", "--latency", "realistic", "--time-factor", "0.01"]);
    t.deepEqual(ok, { port: 0, latencyProfile: "realistic", timeFactor: 0.01, faults: { throttleRate: 0.1 } });
});
