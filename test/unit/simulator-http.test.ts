// The simulator as an HTTP server answers like the servlet container in front of Mold: oversized request
// lines and headers get 414/431 (not a closed socket), only GET and POST are served (405 + Allow), bodies are
// bounded (413), and it keeps answering while 300 idle keep-alive sockets are open.
import test from "ava";
import * as net from "net";
import { ADMIN_ENDPOINTS, ADMIN_HEADER } from "../../simulator/admin-endpoints";
import { DEFAULT_MAX_BODY_BYTES, MAX_REQUEST_HEAD_BYTES, PARSER_MAX_HEADER_BYTES } from "../../simulator/http-guard";
import { RunningSimulator } from "../../simulator/server";
import { withSimulator } from "../helpers/sim";

interface RawResponse {
    status: number;
    headers: Record<string, string>;
    body: string;
}

function dechunk(raw: string): string {
    let out = "";
    for (let at = 0; ;) {
        const eol = raw.indexOf("\r\n", at);
        const size = parseInt(raw.slice(at, eol), 16);
        if (!size) return out;
        out += raw.slice(eol + 2, eol + 2 + size);
        at = eol + 2 + size + 2;
    }
}

/** Sends bytes on a fresh socket and parses the answer; rejects when the socket closes without one. */
function rawExchange(port: number, chunks: (string | Buffer)[], timeoutMs = 10_000): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
        const socket = net.connect(port, "127.0.0.1");
        let data = Buffer.alloc(0);
        const timer = setTimeout(() => {
            socket.destroy();
            reject(new Error(`no complete answer within ${timeoutMs} ms; got: ${JSON.stringify(data.toString("latin1").slice(0, 300))}`));
        }, timeoutMs);
        const tryParse = (final: boolean) => {
            const text = data.toString("latin1");
            const end = text.indexOf("\r\n\r\n");
            if (end < 0) {
                if (final) {
                    clearTimeout(timer);
                    reject(new Error(`socket closed without an HTTP answer (got ${JSON.stringify(text.slice(0, 200))})`));
                }
                return;
            }
            const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
            const headers: Record<string, string> = {};
            for (const l of lines) {
                const i = l.indexOf(":");
                headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
            }
            const length = headers["content-length"] !== undefined ? Number(headers["content-length"]) : undefined;
            const raw = text.slice(end + 4);
            const chunked = headers["transfer-encoding"] === "chunked";
            const complete = length !== undefined ? raw.length >= length : chunked ? raw.endsWith("0\r\n\r\n") : final;
            if (complete) {
                clearTimeout(timer);
                socket.destroy();
                const body = length !== undefined ? raw.slice(0, length) : chunked ? dechunk(raw) : raw;
                resolve({ status: Number(statusLine.split(" ")[1]), headers, body });
            }
        };
        socket.on("data", (c: Buffer) => {
            data = Buffer.concat([data, c]);
            tryParse(false);
        });
        socket.on("error", () => tryParse(true));
        socket.on("close", () => tryParse(true));
        socket.on("connect", () => {
            for (const c of chunks) socket.write(c);
        });
    });
}

async function stillServes(t: any, sim: RunningSimulator, client: any): Promise<void> {
    t.deepEqual(await client.call("listTags"), {}, "the simulator still answers API calls");
}

test("a request line over the head limit answers 414, headers over it 431; the server keeps serving", async (t) => {
    const env = await withSimulator({ kubeApi: false, ssh: false });
    try {
        const port = env.sim.port;
        const longQuery = "x".repeat(MAX_REQUEST_HEAD_BYTES + 10);
        const r414 = await rawExchange(port, [`GET /client/api?command=listZones&pad=${longQuery} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`]);
        t.is(r414.status, 414);
        t.is(r414.headers.connection, "close");
        const r431 = await rawExchange(port, [
            `GET /client/api?command=listZones HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ${"y".repeat(MAX_REQUEST_HEAD_BYTES)}\r\n\r\n`,
        ]);
        t.is(r431.status, 431);
        // Several headers that only together exceed the limit.
        const many = Array.from({ length: 20 }, (_, i) => `X-Pad-${i}: ${"z".repeat(500)}\r\n`).join("");
        t.is((await rawExchange(port, [`GET /client/api HTTP/1.1\r\nHost: 127.0.0.1\r\n${many}\r\n`])).status, 431);
        // Just under the limit is served normally (an unsigned request: Mold's 401).
        const fits = await rawExchange(port, [
            `GET /client/api?command=listZones&response=json&pad=${"x".repeat(7000)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
        ]);
        t.is(fits.status, 401);
        await stillServes(t, env.sim, env.client);
    } finally {
        await env.stop();
    }
});

test("heads beyond Node's own parser limit also get a status (clientError path), not a closed socket", async (t) => {
    const env = await withSimulator({ kubeApi: false, ssh: false });
    try {
        const port = env.sim.port;
        const huge = "x".repeat(PARSER_MAX_HEADER_BYTES + 1000);
        const line = await rawExchange(port, [`GET /client/api?pad=${huge} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`]);
        t.is(line.status, 414);
        // The same line arriving in several writes.
        const pieces = await rawExchange(port, [
            `GET /client/api?pad=${"x".repeat(30_000)}`,
            "x".repeat(30_000),
            `${"x".repeat(30_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
        ]);
        t.is(pieces.status, 414);
        const header = await rawExchange(port, [`GET /client/api HTTP/1.1\r\nHost: 127.0.0.1\r\n`, `X-Pad: ${huge}\r\n\r\n`]);
        t.is(header.status, 431);
        const garbage = await rawExchange(port, ["NOT AN HTTP REQUEST\r\n\r\n"]);
        t.is(garbage.status, 400);
        await stillServes(t, env.sim, env.client);
    } finally {
        await env.stop();
    }
});

test("only GET and POST are served: other methods, HEAD and OPTIONS included, answer 405 with Allow", async (t) => {
    const env = await withSimulator({ kubeApi: false, ssh: false });
    try {
        for (const method of ["PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]) {
            for (const path of ["/client/api?command=listZones&response=json", "/sim/inventory"]) {
                const r = await rawExchange(env.sim.port, [`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n`]);
                t.is(r.status, 405, `${method} ${path}`);
                t.is(r.headers.allow, "GET, POST", `${method} ${path}: Allow header`);
            }
        }
        await stillServes(t, env.sim, env.client);
    } finally {
        await env.stop();
    }
});

test("request bodies over the limit answer 413, declared or streamed", async (t) => {
    const env = await withSimulator({ kubeApi: false, ssh: false });
    const small = await withSimulator({ kubeApi: false, ssh: false, maxBodyBytes: 1024 });
    try {
        // Declared: refused from the headers alone, before any body byte.
        const declared = await rawExchange(env.sim.port, [
            `POST /client/api HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${DEFAULT_MAX_BODY_BYTES + 1}\r\n\r\n`,
        ]);
        t.is(declared.status, 413);
        t.is(declared.headers.connection, "close");
        // Streamed (chunked, no length): refused once the bytes received exceed the limit.
        const chunk = "a=" + "b".repeat(2000);
        const streamed = await rawExchange(small.sim.port, [
            `POST /client/api HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n`,
            `${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
        ]);
        t.is(streamed.status, 413);
        // A body under the limit is read as the form it is (an unsigned one: Mold's 401 under errorresponse).
        const ok = await rawExchange(small.sim.port, [
            `POST /client/api HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 35\r\nConnection: close\r\n\r\ncommand=listZonesX&response=json&a=`,
        ]);
        t.is(ok.status, 401);
        t.deepEqual(Object.keys(JSON.parse(ok.body)), ["errorresponse"]);
        await stillServes(t, env.sim, env.client);
        await stillServes(t, small.sim, small.client);
    } finally {
        await env.stop();
        await small.stop();
    }
});

test("keeps answering API calls while 300 idle keep-alive sockets are open", async (t) => {
    const env = await withSimulator({ kubeApi: false, ssh: false });
    const sockets: net.Socket[] = [];
    try {
        const deadline = Date.now() + 30_000;
        await Promise.all(
            Array.from(
                { length: 300 },
                () =>
                    new Promise<void>((resolve, reject) => {
                        const s = net.connect(env.sim.port, "127.0.0.1", () => resolve());
                        s.setKeepAlive(true);
                        s.on("error", reject);
                        sockets.push(s);
                    }),
            ),
        );
        t.true(Date.now() < deadline, "300 sockets opened within 30 s");
        // Half of them also sent a partial request head and went quiet.
        sockets.slice(0, 150).forEach((s) => s.write("GET /client/api?command=listZones HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
        const started = Date.now();
        for (let i = 0; i < 5; i++) await stillServes(t, env.sim, env.client);
        const zones = await env.client.call<any>("listZones");
        t.is(zones.count, 1);
        t.true(Date.now() - started < 15_000, `API calls answered within 15 s with 300 idle sockets (took ${Date.now() - started} ms)`);
        t.true(
            sockets.every((s) => !s.destroyed),
            "the idle sockets were not dropped to make room",
        );
    } finally {
        for (const s of sockets) s.destroy();
        await env.stop();
    }
});

test("GET /sim/ lists the admin endpoints and the header they need, without the header", async (t) => {
    const env = await withSimulator({ kubeApi: false, ssh: false });
    try {
        const base = env.sim.url.replace(/\/client\/api$/, "");
        const index = await fetch(`${base}/sim/`);
        t.is(index.status, 200);
        const body: any = await index.json();
        t.is(body.header, `${ADMIN_HEADER}: <API key>`);
        t.deepEqual(
            body.endpoints.map((e: any) => `${e.method} ${e.path}`),
            ADMIN_ENDPOINTS.map((e) => `${e.method} ${e.path}`),
        );
        // Every listed endpoint exists: with the header it answers (not 404), without it 401 naming the header.
        for (const e of ADMIN_ENDPOINTS.filter((e) => e.path !== "/sim/")) {
            const withKey = await fetch(`${base}${e.path}`, {
                method: e.method,
                headers: { [ADMIN_HEADER]: env.sim.apiKey },
                body: e.method === "POST" ? "{}" : undefined,
            });
            t.not(withKey.status, 404, `${e.method} ${e.path}`);
            await withKey.arrayBuffer();
            const without = await fetch(`${base}${e.path}`, { method: e.method, body: e.method === "POST" ? "{}" : undefined });
            t.is(without.status, 401, `${e.method} ${e.path} without the header`);
            t.regex(((await without.json()) as any).error, new RegExp(ADMIN_HEADER));
        }
    } finally {
        await env.stop();
    }
});
