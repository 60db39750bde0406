// Real X.509 v3 certificates for the simulated Kubernetes API endpoints, built with a small DER encoder
// and node's crypto only: clients (node's tls, client-go, Python's ssl) verify them like kubeadm's, so a
// kubeconfig from the simulator works with unmodified Kubernetes tooling. No openssl binary, no npm package.
import { createHash, generateKeyPairSync, KeyObject, createPrivateKey, createPublicKey, randomBytes, sign } from "crypto";
import { isIPv4 } from "net";

// ---- DER (X.690) ----

function derLength(n: number): Buffer {
    if (n < 0x80) return Buffer.from([n]);
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Buffer): Buffer {
    return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

export const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const octets = (b: Buffer) => tlv(0x04, b);
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, "utf8"));
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));
/** [n] EXPLICIT (constructed context-specific). */
const explicit = (n: number, inner: Buffer) => tlv(0xa0 | n, inner);
const bitString = (bytes: Buffer, unusedBits = 0) => tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]));

/** A non-negative INTEGER from big-endian bytes, minimal as DER requires. */
function uint(bytes: Buffer): Buffer {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    const trimmed = bytes.subarray(i);
    return tlv(0x02, trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export function oid(dotted: string): Buffer {
    const parts = dotted.split(".").map(Number);
    const out = [40 * parts[0] + parts[1]];
    for (const p of parts.slice(2)) {
        const chunk = [p & 0x7f];
        for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
        out.push(...chunk);
    }
    return tlv(0x06, Buffer.from(out));
}

/** UTCTime until 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function time(ms: number): Buffer {
    const iso = new Date(ms).toISOString(); // 2026-01-02T03:04:05.678Z
    const digits = iso.slice(0, 19).replace(/[-T:]/g, "") + "Z"; // 20260102030405Z
    const year = new Date(ms).getUTCFullYear();
    return year < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), "ascii")) : tlv(0x18, Buffer.from(digits, "ascii"));
}

/** A BIT STRING of named bits (bit 0 = most significant), trailing zero bits dropped as DER requires. */
function namedBits(bits: number[]): Buffer {
    const last = Math.max(...bits);
    const bytes = Buffer.alloc(Math.floor(last / 8) + 1);
    for (const b of bits) bytes[Math.floor(b / 8)] |= 0x80 >> (b % 8);
    return bitString(bytes, 7 - (last % 8));
}

// ---- X.509 (RFC 5280) ----

const OID = {
    ecdsaWithSha256: "1.2.840.10045.4.3.2",
    commonName: "2.5.4.3",
    organization: "2.5.4.10",
    subjectKeyIdentifier: "2.5.29.14",
    keyUsage: "2.5.29.15",
    subjectAltName: "2.5.29.17",
    basicConstraints: "2.5.29.19",
    authorityKeyIdentifier: "2.5.29.35",
    extKeyUsage: "2.5.29.37",
    serverAuth: "1.3.6.1.5.5.7.3.1",
    clientAuth: "1.3.6.1.5.5.7.3.2",
};

export const KEY_USAGE = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

export interface DistinguishedName {
    /** Each becomes its own RDN, in this order (Kubernetes reads O as groups, CN as the user). */
    organization?: string[];
    commonName: string;
}

export interface CertificateSpec {
    subject: DistinguishedName;
    /** The signer; omitted for a self-signed certificate. */
    issuer?: { name: DistinguishedName; key: KeyObject; publicKey: KeyObject };
    /** The certified key (public or private; its public half is used). */
    publicKey: KeyObject;
    /** Only for self-signed: the private key that signs. */
    signingKey?: KeyObject;
    notBefore: number;
    notAfter: number;
    ca?: boolean;
    keyUsage: (keyof typeof KEY_USAGE)[];
    extKeyUsage?: ("serverAuth" | "clientAuth")[];
    dnsNames?: string[];
    ipAddresses?: string[];
}

function name(dn: DistinguishedName): Buffer {
    const rdn = (type: string, value: string) => set(seq(oid(type), utf8(value)));
    return seq(...(dn.organization ?? []).map((o) => rdn(OID.organization, o)), rdn(OID.commonName, dn.commonName));
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
function keyId(publicKey: KeyObject): Buffer {
    const spki = publicKey.export({ type: "spki", format: "der" });
    // SEQUENCE { AlgorithmIdentifier, BIT STRING }: the BIT STRING is the last TLV; skip its tag, length, unused-bits byte.
    const bits = lastTlvContent(spki).subarray(1);
    return createHash("sha1").update(bits).digest();
}

/** Content of the last element of a DER SEQUENCE. */
function lastTlvContent(der: Buffer): Buffer {
    const { start: seqStart } = header(der, 0);
    let pos = seqStart;
    let content: Buffer = Buffer.alloc(0);
    while (pos < der.length) {
        const { start, length } = header(der, pos);
        content = der.subarray(start, start + length);
        pos = start + length;
    }
    return content;
}

function header(der: Buffer, pos: number): { start: number; length: number } {
    const first = der[pos + 1];
    if (first < 0x80) return { start: pos + 2, length: first };
    const n = first & 0x7f;
    let length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + der[pos + 2 + i];
    return { start: pos + 2 + n, length };
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
    return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

function ipBytes(ip: string): Buffer {
    if (!isIPv4(ip)) throw new Error(`only IPv4 subjectAltName addresses are supported, got '${ip}'`);
    return Buffer.from(ip.split(".").map(Number));
}

/** Builds and signs one certificate (ECDSA with SHA-256); returns DER. */
export function createCertificateDer(spec: CertificateSpec): Buffer {
    const publicKey = spec.publicKey.type === "private" ? createPublicKey(spec.publicKey) : spec.publicKey;
    const signer = spec.issuer?.key ?? spec.signingKey;
    if (!signer) throw new Error("a self-signed certificate needs signingKey");
    const issuerName = spec.issuer?.name ?? spec.subject;
    const issuerPublic = spec.issuer?.publicKey ?? publicKey;
    const serial = randomBytes(16);
    serial[0] = (serial[0] & 0x7f) | 0x40; // positive, non-zero leading byte, 16 bytes (RFC 5280: ≤ 20)

    const exts = [
        extension(OID.basicConstraints, true, spec.ca ? seq(bool(true)) : seq()),
        extension(OID.keyUsage, true, namedBits(spec.keyUsage.map((k) => KEY_USAGE[k]))),
        extension(OID.subjectKeyIdentifier, false, octets(keyId(publicKey))),
        // keyIdentifier is [0] IMPLICIT OCTET STRING.
        extension(OID.authorityKeyIdentifier, false, seq(tlv(0x80, keyId(issuerPublic)))),
    ];
    if (spec.extKeyUsage?.length) exts.push(extension(OID.extKeyUsage, false, seq(...spec.extKeyUsage.map((u) => oid(OID[u])))));
    const altNames = [
        ...(spec.dnsNames ?? []).map((d) => tlv(0x82, Buffer.from(d, "ascii"))), // dNSName [2] IA5String
        ...(spec.ipAddresses ?? []).map((ip) => tlv(0x87, ipBytes(ip))), // iPAddress [7] OCTET STRING
    ];
    if (altNames.length) exts.push(extension(OID.subjectAltName, false, seq(...altNames)));

    const algorithm = seq(oid(OID.ecdsaWithSha256)); // parameters absent for ECDSA (RFC 5758)
    const tbs = seq(
        explicit(0, uint(Buffer.from([2]))), // v3
        uint(serial),
        algorithm,
        name(issuerName),
        seq(time(spec.notBefore), time(spec.notAfter)),
        name(spec.subject),
        publicKey.export({ type: "spki", format: "der" }),
        explicit(3, seq(...exts)),
    );
    const signature = sign("sha256", tbs, signer); // DER Ecdsa-Sig-Value, as X.509 wants
    return seq(tbs, algorithm, bitString(signature));
}

export function toPem(der: Buffer, label: string): string {
    return `-----BEGIN ${label}-----\n${der
        .toString("base64")
        .match(/.{1,64}/g)!
        .join("\n")}\n-----END ${label}-----\n`;
}

export const certificatePem = (spec: CertificateSpec) => toPem(createCertificateDer(spec), "CERTIFICATE");

export interface KeyPairPem {
    cert: string;
    /** SEC1 "EC PRIVATE KEY", what kubeadm writes for ECDSA keys. */
    key: string;
}

/** Everything one simulated cluster's API server and its admin need; PEM strings, so it fits in JSON state. */
export interface ClusterPki {
    ca: KeyPairPem;
    server: KeyPairPem & { ip: string };
    client: KeyPairPem;
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;

function newKeyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
    return generateKeyPairSync("ec", { namedCurve: "prime256v1" });
}

const keyPem = (k: KeyObject) => k.export({ type: "sec1", format: "pem" }) as string;

export const CA_NAME: DistinguishedName = { commonName: "kubernetes" };

/** A leaf signed by `ca`; kubeadm's shapes: apiserver (serverAuth, SANs) and admin (clientAuth, O=system:masters). */
function issue(ca: KeyPairPem, leaf: Omit<CertificateSpec, "issuer" | "publicKey" | "notBefore" | "notAfter" | "keyUsage">, now: number): KeyPairPem {
    const caKey = createPrivateKey(ca.key);
    const { privateKey, publicKey } = newKeyPair();
    const cert = certificatePem({
        ...leaf,
        issuer: { name: CA_NAME, key: caKey, publicKey: createPublicKey(caKey) },
        publicKey,
        // An hour back tolerates clock skew between the processes sharing a state file.
        notBefore: now - HOUR,
        notAfter: now + 365 * DAY,
        keyUsage: ["digitalSignature"],
    });
    return { cert, key: keyPem(privateKey) };
}

export function issueServerCertificate(ca: KeyPairPem, ip: string, now = Date.now()): KeyPairPem & { ip: string } {
    const pair = issue(
        ca,
        {
            subject: { commonName: "kube-apiserver" },
            extKeyUsage: ["serverAuth"],
            dnsNames: ["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"],
            // Only IPv4 SANs are encoded; an IPv6 address (possible for an external LB) gets the DNS names only.
            ipAddresses: isIPv4(ip) ? [ip] : [],
        },
        now,
    );
    return { ...pair, ip };
}

export function issueClientCertificate(ca: KeyPairPem, now = Date.now()): KeyPairPem {
    return issue(ca, { subject: { organization: ["system:masters"], commonName: "kubernetes-admin" }, extKeyUsage: ["clientAuth"] }, now);
}

export function createCertificateAuthority(now = Date.now()): KeyPairPem {
    const { privateKey, publicKey } = newKeyPair();
    const cert = certificatePem({
        subject: CA_NAME,
        publicKey,
        signingKey: privateKey,
        notBefore: now - HOUR,
        notAfter: now + 10 * 365 * DAY,
        ca: true,
        keyUsage: ["digitalSignature", "keyCertSign", "cRLSign"],
    });
    return { cert, key: keyPem(privateKey) };
}

/** A new CA with a server certificate for `ip` and an admin client certificate. */
export function generateClusterPki(ip: string, now = Date.now()): ClusterPki {
    const ca = createCertificateAuthority(now);
    return { ca, server: issueServerCertificate(ca, ip, now), client: issueClientCertificate(ca, now) };
}
