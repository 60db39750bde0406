// The simulator's protocol layer against Mold's documented behaviour: signing modes, 401 cases,
// envelopes, parameter binding errors, paging rules, XML fallback and persistence.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { computeSignature, formatExpires, SignatureAlgorithm } from "../../provider/client/signing";
import { MoldClient } from "../../provider/client";
import { associateIpAddress, createNetwork } from "../../provider/client";
import { SEED_NETWORK_OFFERING } from "../../simulator/seed";
import { startSimulatorServer, RunningSimulator } from "../../simulator/server";

interface Raw {
    status: number;
    body: string;
    json?: any;
    contentType: string;
}

/** Signs and sends a request by hand, so the test controls every wire detail. */
async function rawCall(
    sim: RunningSimulator,
    params: Record<string, string>,
    opts: { method?: "GET" | "POST"; algorithm?: SignatureAlgorithm; secret?: string; sign?: boolean; encodeNames?: boolean } = {},
): Promise<Raw> {
    const all: Record<string, string> = { apiKey: sim.apiKey, ...params };
    if (opts.sign !== false) all.signature = computeSignature(all, opts.secret ?? sim.secretKey, opts.algorithm ?? (sim.signature as SignatureAlgorithm));
    const encode = (s: string) => encodeURIComponent(s);
    const query = Object.entries(all)
        .map(([k, v]) => `${opts.encodeNames === false ? k : encode(k)}=${encode(v)}`)
        .join("&");
    const method = opts.method ?? "GET";
    const res = await fetch(method === "GET" ? `${sim.url}?${query}` : sim.url, {
        method,
        headers: method === "POST" ? { "content-type": "application/x-www-form-urlencoded" } : {},
        body: method === "POST" ? query : undefined,
    });
    const body = await res.text();
    let json: any;
    try {
        json = JSON.parse(body);
    } catch {
        json = undefined;
    }
    return { status: res.status, body, json, contentType: res.headers.get("content-type") ?? "" };
}

async function withSim<T>(fn: (sim: RunningSimulator) => Promise<T>, opts: Parameters<typeof startSimulatorServer>[0] = {}): Promise<T> {
    const sim = await startSimulatorServer({ port: 0, ...opts });
    try {
        return await fn(sim);
    } finally {
        await sim.stop();
    }
}

const future = () => formatExpires(new Date(Date.now() + 5 * 60_000));

test("a correctly signed GET gets a JSON list envelope; an empty list is {}", (t) =>
    withSim(async (sim) => {
        const r = await rawCall(sim, { command: "listTags", response: "json" });
        t.is(r.status, 200);
        t.regex(r.contentType, /^application\/json/);
        t.deepEqual(r.json, { listtagsresponse: {} });
    }));

test("without response=json Mold answers XML", (t) =>
    withSim(async (sim) => {
        const r = await rawCall(sim, { command: "listTags" });
        t.is(r.status, 200);
        t.regex(r.contentType, /^text\/xml/);
        t.regex(r.body, /^<\?xml version="1.0" encoding="UTF-8"\?><listtagsresponse>/);
    }));

test("unknown command with an API key is 401 under errorresponse, without cserrorcode", (t) =>
    withSim(async (sim) => {
        const r = await rawCall(sim, { command: "login", response: "json" });
        t.is(r.status, 401);
        t.deepEqual(r.json, {
            errorresponse: { uuidList: [], errorcode: 401, errortext: "unable to verify user credentials and/or request signature" },
        });
    }));

test("a bad signature, an unknown key and an expired request all get the same 401 under <cmd>response", (t) =>
    withSim(async (sim) => {
        const expected = {
            listtagsresponse: { uuidList: [], errorcode: 401, errortext: "unable to verify user credentials and/or request signature" },
        };
        const badSig = await rawCall(sim, { command: "listTags", response: "json" }, { secret: "nope" });
        t.is(badSig.status, 401);
        t.deepEqual(badSig.json, expected);
        const unknownKey = await rawCall(sim, { command: "listTags", response: "json", apiKey: "someone-else" });
        t.deepEqual(unknownKey.json, expected);
        const expired = await rawCall(sim, {
            command: "listTags",
            response: "json",
            signatureversion: "3",
            expires: formatExpires(new Date(Date.now() - 1000)),
        });
        t.deepEqual(expired.json, expected);
        const noExpires = await rawCall(sim, { command: "listTags", response: "json", signatureversion: "3" });
        t.deepEqual(noExpires.json, expected);
        const unsigned = await rawCall(sim, { command: "listTags", response: "json" }, { sign: false });
        t.deepEqual(unsigned.json, expected);
        // Without signatureversion, expires is not checked.
        const ignored = await rawCall(sim, { command: "listTags", response: "json", expires: "garbage" });
        t.is(ignored.status, 200);
    }));

test("expires is accepted in the forms real clients send", (t) =>
    withSim(async (sim) => {
        const inFuture = new Date(Date.now() + 60_000).toISOString();
        for (const expires of [future(), inFuture.replace(/\.\d{3}Z$/, "Z"), inFuture.replace(/Z$/, "+00:00")]) {
            const r = await rawCall(sim, { command: "listTags", response: "json", signatureversion: "3", expires });
            t.is(r.status, 200, expires);
        }
    }));

test("SHA-1 mode accepts HMAC-SHA1 and refuses HMAC-SHA256; the default Mold mode is the reverse", async (t) => {
    await withSim(
        async (sim) => {
            t.is(sim.signature, "sha1");
            t.is((await rawCall(sim, { command: "listTags", response: "json" }, { algorithm: "sha1" })).status, 200);
            t.is((await rawCall(sim, { command: "listTags", response: "json" }, { algorithm: "sha256" })).status, 401);
        },
        { signature: "sha1" },
    );
    await withSim(async (sim) => {
        t.is(sim.signature, "sha256");
        t.is((await rawCall(sim, { command: "listTags", response: "json" }, { algorithm: "sha256" })).status, 200);
        t.is((await rawCall(sim, { command: "listTags", response: "json" }, { algorithm: "sha1" })).status, 401);
    });
});

test("POST form bodies carry the signature; bracketed names are signed decoded, sent raw or encoded", (t) =>
    withSim(async (sim) => {
        const templateId = sim.inventory().templates[0].id;
        for (const [i, encodeNames] of [true, false].entries()) {
            const r = await rawCall(
                sim,
                {
                    command: "createTags",
                    response: "json",
                    resourcetype: "Template",
                    resourceids: templateId,
                    "tags[0].key": `k${i}`,
                    "tags[0].value": "v w~x*y",
                },
                { method: "POST", encodeNames },
            );
            t.is(r.status, 200, r.body);
            t.truthy(r.json.createtagsresponse.jobid);
        }
    }));

test("binding errors: missing parameter 431/9999, malformed map 430, bad number 431/4350", (t) =>
    withSim(async (sim) => {
        const missing = await rawCall(sim, { command: "createTags", response: "json", resourceids: "x" });
        t.is(missing.status, 431);
        t.deepEqual(missing.json, {
            createtagsresponse: {
                uuidList: [],
                errorcode: 431,
                cserrorcode: 9999,
                errortext: "Unable to execute API command createtags due to missing parameter resourcetype",
            },
        });
        const malformed = await rawCall(sim, { command: "createTags", response: "json", "tags[x].key": "a" });
        t.is(malformed.status, 430);
        t.regex(malformed.json.createtagsresponse.errortext, /^Unable to decode parameter tags\[x\]\.key; if specifying an object array/);
        const badNumber = await rawCall(sim, { command: "listTags", response: "json", page: "one", pagesize: "10" });
        t.is(badNumber.status, 431);
        t.is(badNumber.json.listtagsresponse.errortext, "Unable to execute API command listtags due to invalid value one for parameter page");
        t.is(badNumber.json.listtagsresponse.cserrorcode, 4350);
    }));

test("paging rules: page and pagesize go together, pagesize is capped, pages slice the rows", (t) =>
    withSim(async (sim) => {
        const onlyPageSize = await rawCall(sim, { command: "listEvents", response: "json", pagesize: "10" });
        t.is(onlyPageSize.status, 431);
        t.is(onlyPageSize.json.listeventsresponse.errortext, '"page" parameter is required when "pagesize" is specified');
        const onlyPage = await rawCall(sim, { command: "listEvents", response: "json", page: "1" });
        t.is(onlyPage.json.listeventsresponse.errortext, '"pagesize" parameter is required when "page" is specified');
        const tooBig = await rawCall(sim, { command: "listEvents", response: "json", page: "1", pagesize: "501" });
        t.is(tooBig.json.listeventsresponse.errortext, "Page size can't exceed max allowed page size value: 500");
        const unlimitedWithPage = await rawCall(sim, { command: "listEvents", response: "json", page: "1", pagesize: "-1" });
        t.is(unlimitedWithPage.json.listeventsresponse.errortext, "Can't specify page parameter when pagesize is -1 (Unlimited)");

        // Make 7 tags, then read them 3 per page through the client's pager.
        const client = new MoldClient({ apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey });
        try {
            const templateId = sim.inventory().templates[0].id;
            await client.callAsync<any>("createTags", {
                resourcetype: "Template",
                resourceids: [templateId],
                tags: Array.from({ length: 7 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
            });
            const page2 = await client.call<any>("listTags", { page: 2, pagesize: 3 });
            t.is(page2.count, 7);
            t.deepEqual(
                page2.tag.map((x: any) => x.key),
                ["k3", "k4", "k5"],
            );
            const all = await client.list("listTags", {}, "tag", 3);
            t.deepEqual(
                all.map((x: any) => x.key),
                ["k0", "k1", "k2", "k3", "k4", "k5", "k6"],
            );
        } finally {
            client.close();
        }
    }));

test("a state file keeps the cloud across simulator processes and restarts", async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mold-sim-"));
    const stateFile = path.join(dir, "state.json");
    try {
        const first = await startSimulatorServer({ port: 0, stateFile });
        const second = await startSimulatorServer({ port: 0, stateFile });
        const a = new MoldClient({ apiUrl: first.url, apiKey: first.apiKey, secretKey: first.secretKey });
        const b = new MoldClient({ apiUrl: second.url, apiKey: second.apiKey, secretKey: second.secretKey });
        try {
            t.is(first.apiKey, second.apiKey, "both processes serve the account from the state file");
            const templateId = first.inventory().templates[0].id;
            t.is(second.inventory().templates[0].id, templateId, "one catalog, seeded once");
            // Concurrent writes through both servers: none may be lost.
            await Promise.all(
                Array.from({ length: 6 }, (_, i) =>
                    (i % 2 ? a : b).callAsync("createTags", { resourcetype: "Template", resourceids: [templateId], tags: [{ key: `c${i}`, value: "x" }] }),
                ),
            );
            t.is((await a.list("listTags", {}, "tag")).length, 6);
            t.is((await b.list("listTags", {}, "tag")).length, 6);
        } finally {
            a.close();
            b.close();
            await first.stop();
            await second.stop();
        }
        const restarted = await startSimulatorServer({ port: 0, stateFile });
        try {
            t.is(restarted.inventory().tags.length, 6);
        } finally {
            await restarted.stop();
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("the simulator refuses to listen anywhere but loopback and to hand out non-loopback public IPs", async (t) => {
    await t.throwsAsync(() => startSimulatorServer({ port: 0, host: "0.0.0.0" }), { message: /only listens on loopback/ });
    await t.throwsAsync(() => startSimulatorServer({ port: 0, publicIpPrefix: "203.0" }), { message: /inside 127\.0\.0\.0\/8/ });
});

test("public IPs: a distinct random 127.1xx prefix per new state, kept in the state file, pinned by the option", async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mold-prefix-"));
    const stateFile = path.join(dir, "state.json");
    const prefixOf = (ip: string) => ip.split(".").slice(0, 2).join(".");
    const firstIp = async (sim: RunningSimulator) => {
        const client = new MoldClient({ apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey });
        try {
            const inv = sim.inventory();
            const offering = inv.networkOfferings.find((o: any) => o.name === SEED_NETWORK_OFFERING).id;
            const net = await createNetwork(client, { name: `n-${Date.now()}`, zoneid: inv.zones[0].id, networkofferingid: offering });
            return (await associateIpAddress(client, { networkid: net.id })).ipaddress;
        } finally {
            client.close();
        }
    };
    const a = await startSimulatorServer({ port: 0, kubeApi: false });
    const b = await startSimulatorServer({ port: 0, kubeApi: false });
    const pinned = await startSimulatorServer({ port: 0, kubeApi: false, publicIpPrefix: "127.42" });
    const persisted = await startSimulatorServer({ port: 0, kubeApi: false, stateFile });
    try {
        const [ipA, ipB, ipPinned, ipPersisted] = [await firstIp(a), await firstIp(b), await firstIp(pinned), await firstIp(persisted)];
        for (const ip of [ipA, ipB, ipPersisted]) t.regex(ip, /^127\.1\d\d\.\d{1,3}\.\d{1,3}$/, "inside 127.100.0.0-127.199.255.255");
        t.not(prefixOf(ipA), prefixOf(ipB), "simulators side by side hand out different addresses");
        t.regex(ipPinned, /^127\.42\.\d{1,3}\.\d{1,3}$/);
        t.is(JSON.parse(fs.readFileSync(stateFile, "utf8")).publicIpPrefix, prefixOf(ipPersisted));
        await persisted.stop();
        const restarted = await startSimulatorServer({ port: 0, kubeApi: false, stateFile });
        try {
            t.is(prefixOf(await firstIp(restarted)), prefixOf(ipPersisted), "a restarted simulator keeps its range");
        } finally {
            await restarted.stop();
        }
    } finally {
        await Promise.all([a.stop(), b.stop(), pinned.stop(), persisted.stop().catch(() => undefined)]);
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("a state file from before public IP prefixes were kept goes on with 127.100", async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mold-legacy-"));
    const stateFile = path.join(dir, "state.json");
    try {
        const first = await startSimulatorServer({ port: 0, kubeApi: false, stateFile });
        await first.stop();
        const state = JSON.parse(fs.readFileSync(stateFile, "utf8"));
        delete state.publicIpPrefix;
        fs.writeFileSync(stateFile, JSON.stringify(state));
        const again = await startSimulatorServer({ port: 0, kubeApi: false, stateFile });
        await again.stop();
        t.is(again.simulator.publicIpPrefix, "127.100");
        t.is(JSON.parse(fs.readFileSync(stateFile, "utf8")).publicIpPrefix, "127.100");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("the request log has one line per API request without secrets", async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mold-log-"));
    const log = path.join(dir, "requests.jsonl");
    const sim = await startSimulatorServer({ port: 0, requestLog: log });
    const client = new MoldClient({ apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey });
    try {
        await client.call("listTags");
        await client.call("listEvents");
    } finally {
        client.close();
        await sim.stop();
    }
    const lines = fs
        .readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
    t.deepEqual(
        lines.map((l) => [l.command, l.status]),
        [
            ["listTags", 200],
            ["listEvents", 200],
        ],
    );
    t.true(lines.every((l) => typeof l.durationMs === "number" && typeof l.time === "string"));
    const text = fs.readFileSync(log, "utf8");
    t.false(text.includes(sim.secretKey));
    t.false(text.includes(sim.apiKey));
    t.false(/signature/i.test(text));
    fs.rmSync(dir, { recursive: true, force: true });
});
