// Request signing exactly as CloudStack's ApiServer.verifyRequest rebuilds it:
// every parameter but `signature`, names sorted case-sensitively (UTF-16 order),
// values encoded like java.net.URLEncoder with "+" turned into "%20", the whole
// string lower-cased, HMAC (SHA-256 for Mold, SHA-1 for Apache CloudStack), Base64.
import { createHmac, timingSafeEqual } from "crypto";

export type SignatureAlgorithm = "sha256" | "sha1";

/** java.net.URLEncoder.encode(value, "UTF-8") followed by replace("+", "%20"). */
export function javaUrlEncode(value: string): string {
    // encodeURIComponent leaves A-Z a-z 0-9 - _ . ! ~ * ' ( ) unescaped; Java keeps only . - * _.
    return encodeURIComponent(value).replace(/[!'()~]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Java's String.compareTo: UTF-16 code unit order, which is what JS `<` does on strings. */
function compareJava(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

/** The lower-cased string the server signs. `params` holds decoded names and values as sent. */
export function canonicalString(params: Record<string, string>): string {
    return Object.keys(params)
        .filter((name) => name.toLowerCase() !== "signature")
        .sort(compareJava)
        .map((name) => `${name}=${javaUrlEncode(params[name])}`)
        .join("&")
        .toLowerCase();
}

export function computeSignature(params: Record<string, string>, secretKey: string, algorithm: SignatureAlgorithm): string {
    return createHmac(algorithm, secretKey).update(canonicalString(params), "utf8").digest("base64");
}

/** Constant-time comparison, as the server's ConstantTimeComparator. */
export function signatureMatches(expected: string, given: string): boolean {
    const a = Buffer.from(expected, "utf8");
    const b = Buffer.from(given, "utf8");
    return a.length === b.length && timingSafeEqual(a, b);
}

/** `expires` in the form csclient, cs and cloudmonkey send: 2026-11-22T11:31:39+0000. */
export function formatExpires(date: Date): string {
    return date.toISOString().replace(/\.\d{3}Z$/, "+0000");
}

export function parseSignatureAlgorithm(value: string | undefined): SignatureAlgorithm | undefined {
    if (value === undefined || value === "") return undefined;
    const v = value
        .trim()
        .toLowerCase()
        .replace(/^hmac-?/, "")
        .replace(/-/g, "");
    if (v === "sha256") return "sha256";
    if (v === "sha1") return "sha1";
    throw new Error(`Unknown signature algorithm '${value}': use "sha256" (ABLESTACK Mold) or "sha1" (Apache CloudStack)`);
}
