// Transport behaviour of the client that needs a hand-made server: TLS trust options, the concurrency
// limit, non-JSON answers, redacted logging and the GET/POST split.
import test from "ava";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { MoldClient, MoldLogEntry, MoldTransportError } from "../../provider/client";

type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;

async function serve(handler: Handler, tls?: { key: string; cert: string }): Promise<{ url: string; close(): Promise<void> }> {
    const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => handler(req, body, res));
    };
    const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    return {
        url: `${tls ? "https" : "http"}://127.0.0.1:${port}/client/api`,
        close: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}

const ok = (res: http.ServerResponse, command: string, payload: unknown = {}) => {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ [`${command.toLowerCase()}response`]: payload }));
};

const creds = { apiKey: "k", secretKey: "s" };

test("HTTPS: an unknown CA is refused, a CA bundle file is trusted, insecure must be asked for explicitly", async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mold-tls-"));
    const key = path.join(dir, "key.pem");
    const cert = path.join(dir, "cert.pem");
    execFileSync(
        "openssl",
        [
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            key,
            "-out",
            cert,
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        { stdio: "ignore" },
    );
    const server = await serve((_req, _body, res) => ok(res, "listZones"), { key: fs.readFileSync(key, "utf8"), cert: fs.readFileSync(cert, "utf8") });
    const clients: MoldClient[] = [];
    const make = (extra: object) => {
        const c = new MoldClient({ apiUrl: server.url, ...creds, maxRetries: 0, ...extra });
        clients.push(c);
        return c;
    };
    try {
        const refused = await t.throwsAsync(() => make({}).call("listZones"), { instanceOf: MoldTransportError });
        t.regex(refused!.message, /self-signed|certificate/i);
        t.deepEqual(await make({ caFile: cert }).call("listZones"), {});
        t.deepEqual(await make({ insecure: true }).call("listZones"), {});
    } finally {
        clients.forEach((c) => c.close());
        await server.close();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("no more than maxConcurrency requests are in flight per endpoint", async (t) => {
    let inFlight = 0;
    let peak = 0;
    const server = await serve((_req, _body, res) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        setTimeout(() => {
            inFlight--;
            ok(res, "listZones");
        }, 30);
    });
    const client = new MoldClient({ apiUrl: server.url, ...creds, maxConcurrency: 3 });
    try {
        await Promise.all(Array.from({ length: 12 }, () => client.call("listZones")));
        t.is(peak, 3);
    } finally {
        client.close();
        await server.close();
    }
});

test("a request that waited behind the endpoint's limit is signed when it is sent: its expiry counts from then", async (t) => {
    // 2,000 creates queue behind 8 slots; a signature made when a request was queued could expire before it is sent.
    const seen: { at: number; expires: number }[] = [];
    const server = await serve((req, _body, res) => {
        const expires = new URL(req.url ?? "", "http://x").searchParams.get("expires") ?? "";
        seen.push({ at: Date.now(), expires: Date.parse(expires.replace(/\+0000$/, "Z")) });
        setTimeout(() => ok(res, "listZones"), 2_500);
    });
    const client = new MoldClient({ apiUrl: server.url, ...creds, maxConcurrency: 1 });
    try {
        await Promise.all([client.call("listZones"), client.call("listZones")]);
        t.is(seen.length, 2);
        // Expiry is 10 minutes after signing, to the second: the second request waited 2.5 s in the queue.
        for (const s of seen) t.true(s.expires - s.at > 10 * 60_000 - 1_500, `expires ${s.expires - s.at} ms after it arrived`);
    } finally {
        client.close();
        await server.close();
    }
});

test("an HTML login page answered 200 is an error with the status and the first bytes, not a parse trace", async (t) => {
    const server = await serve((_req, _body, res) => {
        res.writeHead(200, { "content-type": "text/html" }).end("<!DOCTYPE html><html><head><title>Sign in - Proxy</title></head><body>login</body></html>");
    });
    const client = new MoldClient({ apiUrl: server.url, ...creds, maxRetries: 0 });
    try {
        const e = await t.throwsAsync(() => client.call("listZones"), { instanceOf: MoldTransportError });
        t.is(
            e!.message,
            "Mold listZones: HTTP 200 answer is not JSON (content-type 'text/html'): <!DOCTYPE html><html><head><title>Sign in - Proxy</title></head><body>login</body></html>",
        );
        t.is((e as MoldTransportError).httpStatus, 200);
        t.notRegex(e!.message, /Unexpected token|JSON\.parse/);
    } finally {
        client.close();
        await server.close();
    }
});

test("reads go by GET, changes by POST with the signature in the form body; the log never shows secrets", async (t) => {
    const seen: { method: string; query: string; body: string }[] = [];
    const server = await serve((req, body, res) => {
        const url = new URL(req.url!, "http://x");
        seen.push({ method: req.method!, query: url.search, body });
        const params = new URLSearchParams(req.method === "GET" ? url.search : body);
        ok(res, params.get("command")!, { success: true });
    });
    const entries: MoldLogEntry[] = [];
    const client = new MoldClient({ apiUrl: server.url, apiKey: "the-api-key", secretKey: "the-secret-key", logger: (e) => entries.push(e) });
    try {
        await client.call("listVirtualMachines", { name: "a b" });
        await client.call("registerSSHKeyPair", { name: "k", publickey: "ssh-ed25519 AAAA" });
        await client.call("deployVirtualMachine", { userdata: "c2VjcmV0", name: "vm" });
        await client.call("createKubernetesCluster", { dockerregistrypassword: "hunter2", name: "c" });
    } finally {
        client.close();
        await server.close();
    }
    t.deepEqual(
        seen.map((s) => s.method),
        ["GET", "POST", "POST", "POST"],
    );
    t.regex(seen[0].query, /signature=/);
    t.is(seen[1].query, "");
    t.regex(seen[1].body, /signature=/);
    t.regex(seen[1].body, /signatureversion=3/);
    t.regex(seen[1].body, /expires=/);
    const logged = JSON.stringify(entries);
    t.is(entries.length, 4);
    for (const secret of ["the-api-key", "the-secret-key", "c2VjcmV0", "hunter2"]) t.false(logged.includes(secret), secret);
    t.false(/"signature"/.test(logged));
    t.is(entries[0].params.name, "a b");
    t.is(entries[2].params.userdata, "[redacted]");
});
