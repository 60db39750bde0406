// The server side of request signing (ApiServer.verifyRequest, mold-api-core.md §4.1), written apart from
// the client's provider/client/signing.ts on purpose: if both sides shared one implementation, a bug in it
// would sign and verify alike and every test would pass. The published vectors (§4.4) judge both.
import { createHmac, timingSafeEqual } from "crypto";

/** HmacSHA256 (Mold) or HmacSHA1 (Apache CloudStack). */
export type SignatureHash = "sha256" | "sha1";

/** Bytes java.net.URLEncoder leaves as they are: A-Z a-z 0-9 . - * _ (everything else is %XX). */
function keptByUrlEncoder(byte: number): boolean {
    return (
        (byte >= 0x41 && byte <= 0x5a) ||
        (byte >= 0x61 && byte <= 0x7a) ||
        (byte >= 0x30 && byte <= 0x39) ||
        byte === 0x2e ||
        byte === 0x2d ||
        byte === 0x2a ||
        byte === 0x5f
    );
}

/** Step 3: URLEncoder.encode(value, "UTF-8") with "+" (a space) then replaced by "%20". */
export function serverEncodeValue(value: string): string {
    let out = "";
    for (const byte of Buffer.from(value, "utf8")) {
        if (keptByUrlEncoder(byte)) out += String.fromCharCode(byte);
        else if (byte === 0x20) out += "%20";
        else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
    }
    return out;
}

/**
 * Steps 1-5: every parameter but `signature` (any case), names as sent sorted by UTF-16 code units (Java's
 * String.compareTo, case-sensitive), `name=encoded value` joined by "&", the whole string lower-cased.
 */
export function stringToSign(params: Record<string, string>): string {
    const names = Object.keys(params).filter((n) => n.toLowerCase() !== "signature");
    names.sort((a, b) => {
        for (let i = 0; i < Math.min(a.length, b.length); i++) {
            const d = a.charCodeAt(i) - b.charCodeAt(i);
            if (d !== 0) return d;
        }
        return a.length - b.length;
    });
    const pairs: string[] = [];
    for (const n of names) pairs.push(`${n}=${serverEncodeValue(params[n])}`);
    return pairs.join("&").toLowerCase();
}

/** Steps 6-7: the HMAC of the string to sign, keyed with the secret key, in standard padded Base64. */
export function expectedSignature(params: Record<string, string>, secretKey: string, hash: SignatureHash): string {
    const mac = createHmac(hash === "sha1" ? "sha1" : "sha256", Buffer.from(secretKey, "utf8"));
    mac.update(Buffer.from(stringToSign(params), "utf8"));
    return mac.digest().toString("base64");
}

/** Step 8: the given signature equals the expected one, compared in constant time (ConstantTimeComparator). */
export function verifySignature(params: Record<string, string>, given: string, secretKey: string, hash: SignatureHash): boolean {
    const want = Buffer.from(expectedSignature(params, secretKey, hash), "utf8");
    const got = Buffer.from(given, "utf8");
    if (want.length !== got.length) return false;
    return timingSafeEqual(want, got);
}

/** The simulator's --signature option: sha256 or sha1, also written HmacSHA256, hmac-sha1, SHA-256…; "" is the default. */
export function parseSignatureHash(value: string): SignatureHash | undefined {
    if (value === "") return undefined;
    const v = value
        .trim()
        .toLowerCase()
        .replace(/^hmac-?/, "")
        .replace(/-/g, "");
    if (v === "sha256" || v === "sha1") return v;
    throw new Error(`Unknown signature algorithm '${value}': use "sha256" (ABLESTACK Mold) or "sha1" (Apache CloudStack)`);
}
