// HTTP-level rules of the simulator's front, modelled on the servlet container Mold runs in (Jetty):
// an oversized request line answers 414 and oversized headers 431 (never a silently closed socket), only
// GET and POST are served (405 with Allow otherwise), and request bodies are bounded (413).
import type * as http from "http";

/** Jetty's default requestHeaderSize: the request line and the headers together. */
export const MAX_REQUEST_HEAD_BYTES = 8192;
/**
 * Node's own parser limit (http.createServer maxHeaderSize). Set well above MAX_REQUEST_HEAD_BYTES so the
 * exact 414/431 decision is made on a parsed request; beyond it Node reports a clientError (see below).
 */
export const PARSER_MAX_HEADER_BYTES = 64 * 1024;
/**
 * Request bodies above this answer 413. Mold's largest legitimate request is a POST with user data
 * (vm.userdata.max.length is at most 1 MiB of base64, form-encoded a bit more): 4 MiB leaves room for it.
 */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Methods ApiServlet implements (doGet, doPost). */
export const ALLOWED_METHODS = ["GET", "POST"] as const;

const REASONS: Record<number, string> = {
    400: "Bad Request",
    405: "Method Not Allowed",
    408: "Request Timeout",
    413: "Payload Too Large",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
};

/** 414 when the request line alone exceeds the head limit, 431 when line and headers together do. */
export function oversizedHeadStatus(
    req: Pick<http.IncomingMessage, "method" | "url" | "httpVersion" | "rawHeaders">,
    limit = MAX_REQUEST_HEAD_BYTES,
): 414 | 431 | undefined {
    const line = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`.length;
    if (line > limit) return 414;
    let total = line;
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) total += req.rawHeaders[i].length + 2 + req.rawHeaders[i + 1].length + 2;
    return total > limit ? 431 : undefined;
}

/** 405 for anything but GET and POST (HEAD and OPTIONS included: see README, "The Mold simulator"). */
export function methodAllowed(method: string | undefined): boolean {
    return (ALLOWED_METHODS as readonly string[]).includes(method ?? "");
}

/**
 * Per connection: whether the current request line is still open, and its length so far. Node's parser
 * reports one "header overflow" for both an endless request line and endless headers; this tells them apart.
 */
export class RequestLineTracker {
    private open = true;
    private bytes = 0;

    /** Every received chunk, after Node's parser has seen it. */
    seen(chunk: Buffer): void {
        if (!this.open) return;
        if (chunk.indexOf(10) < 0) this.bytes += chunk.length;
        else this.open = false;
    }

    /** A response finished: the next bytes on the connection start a new request. */
    rearm(): void {
        this.open = true;
        this.bytes = 0;
    }

    /** For an overflow found while parsing `packet` (not yet passed to seen()): 414 when it lies in the request line. */
    overflowStatus(packet: Buffer | undefined, limit: number): 414 | 431 {
        if (!this.open) return 431;
        const eol = packet ? packet.indexOf(10) : -1;
        const line = this.bytes + (eol < 0 ? (packet?.length ?? 0) : eol);
        return eol < 0 || line > limit ? 414 : 431;
    }
}

/** The status for a request Node's parser refused before a request object existed (the 'clientError' event). */
export function clientErrorStatus(err: NodeJS.ErrnoException & { rawPacket?: Buffer }, line: RequestLineTracker | undefined): number {
    switch (err.code) {
        case "HPE_HEADER_OVERFLOW":
            return line ? line.overflowStatus(err.rawPacket, PARSER_MAX_HEADER_BYTES) : 431;
        case "ERR_HTTP_REQUEST_TIMEOUT":
            return 408;
        case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
            return 413;
        default:
            return 400;
    }
}

/** A complete HTTP/1.1 answer that closes the connection, for writing to a raw socket. */
export function rawClosingResponse(status: number, text = REASONS[status] ?? "Error"): string {
    const body = `${status} ${text}\n`;
    return `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** Answers a plain-text status on a parsed request and closes the connection afterwards. */
export function refuse(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
    res.shouldKeepAlive = false;
    res.writeHead(status, { "content-type": "text/plain; charset=UTF-8", connection: "close", ...headers }).end(`${status} ${text}\n`);
}

export function reason(status: number): string {
    return REASONS[status] ?? "Error";
}

/**
 * Collects a request body up to `limit` bytes. Calls `done(body)`, or `tooLarge()` once (and stops
 * collecting) when the declared or received length exceeds the limit.
 */
export function collectBody(req: http.IncomingMessage, limit: number, done: (body: Buffer) => void, tooLarge: () => void): void {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (c: Buffer) => {
        if (over) return;
        size += c.length;
        if (size > limit) {
            over = true;
            chunks.length = 0;
            tooLarge();
            return;
        }
        chunks.push(c);
    });
    req.on("end", () => {
        if (!over) done(Buffer.concat(chunks));
    });
}
