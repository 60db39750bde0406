// The simulator's certificates are real: node's X.509 parser reads them, the chain verifies, and a mutual
// TLS handshake with them succeeds only for a client that trusts the cluster CA.
import test from "ava";
import { createPrivateKey, createPublicKey, X509Certificate } from "crypto";
import * as https from "https";
import { AddressInfo } from "net";
import { createCertificateDer, generateClusterPki, oid, seq, tlv } from "../../simulator/x509";

test("DER primitives: lengths, OIDs", (t) => {
    t.deepEqual(tlv(0x04, Buffer.alloc(3)), Buffer.from([0x04, 3, 0, 0, 0]));
    t.deepEqual(tlv(0x04, Buffer.alloc(200)).subarray(0, 3), Buffer.from([0x04, 0x81, 200]));
    t.deepEqual(tlv(0x04, Buffer.alloc(300)).subarray(0, 4), Buffer.from([0x04, 0x82, 0x01, 0x2c]));
    // 1.2.840.10045.4.3.2 = 06 08 2A 86 48 CE 3D 04 03 02 (RFC 5758)
    t.is(oid("1.2.840.10045.4.3.2").toString("hex"), "06082a8648ce3d040302");
    t.is(seq().toString("hex"), "3000");
});

test("cluster PKI: CA, server and client certificates parse and chain", (t) => {
    const now = Date.now();
    const pki = generateClusterPki("127.123.4.5", now);
    const ca = new X509Certificate(pki.ca.cert);
    const server = new X509Certificate(pki.server.cert);
    const client = new X509Certificate(pki.client.cert);

    t.true(ca.ca);
    t.is(ca.subject, "CN=kubernetes");
    t.true(ca.checkIssued(ca));
    t.true(ca.verify(ca.publicKey));
    t.true(ca.checkPrivateKey(createPrivateKey(pki.ca.key)));

    t.false(server.ca);
    t.true(server.checkIssued(ca));
    t.true(server.verify(ca.publicKey));
    t.false(server.verify(client.publicKey), "a signature check against another key fails");
    t.true(server.checkPrivateKey(createPrivateKey(pki.server.key)));
    t.is(server.checkIP("127.123.4.5"), "127.123.4.5");
    t.is(server.checkIP("127.123.4.6"), undefined);
    t.is(server.checkHost("kubernetes.default"), "kubernetes.default");
    t.regex(server.subjectAltName!, /IP Address:127\.123\.4\.5/);
    t.regex(server.subjectAltName!, /DNS:kubernetes\b/);
    t.is(server.issuer, "CN=kubernetes");
    t.deepEqual(server.keyUsage, ["1.3.6.1.5.5.7.3.1"]);

    t.true(client.checkIssued(ca));
    t.true(client.verify(ca.publicKey));
    t.is(client.subject, "O=system:masters\nCN=kubernetes-admin");
    t.deepEqual(client.keyUsage, ["1.3.6.1.5.5.7.3.2"]);
    t.true(client.checkPrivateKey(createPrivateKey(pki.client.key)));

    for (const cert of [ca, server, client]) {
        const from = Date.parse(cert.validFrom);
        const to = Date.parse(cert.validTo);
        t.true(from <= now && from > now - 2 * 3600_000, `validFrom ${cert.validFrom}`);
        t.true(to > now + 300 * 86400_000, `validTo ${cert.validTo}`);
        t.regex(cert.serialNumber, /^[0-9A-F]{32}$/);
    }
    t.not(server.serialNumber, client.serialNumber);
    t.regex(pki.server.key, /^-----BEGIN EC PRIVATE KEY-----/);
});

test("validity after 2049 is encoded as GeneralizedTime", (t) => {
    const key = createPrivateKey(generateClusterPki("127.0.0.2").ca.key);
    const notAfter = Date.UTC(2060, 0, 2, 3, 4, 5);
    const der = createCertificateDer({
        subject: { commonName: "far" },
        publicKey: createPublicKey(key),
        signingKey: key,
        notBefore: Date.UTC(2020, 0, 1),
        notAfter,
        keyUsage: ["digitalSignature"],
    });
    const cert = new X509Certificate(der);
    t.is(Date.parse(cert.validTo), notAfter);
    t.true(der.includes(Buffer.from("20600102030405Z")));
    t.true(cert.verify(cert.publicKey));
});

/** An mTLS server on 127.0.0.1 with the generated server certificate (SAN IP 127.0.0.1). */
async function mtlsServer(t: any) {
    const pki = generateClusterPki("127.0.0.1");
    const server = https.createServer(
        { key: pki.server.key, cert: pki.server.cert, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: true },
        (req, res) => {
            const peer = (req.socket as any).getPeerCertificate();
            res.end(`hello ${peer.subject.CN} of ${peer.subject.O}`);
        },
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    t.teardown(() => new Promise<void>((r) => server.close(() => r())));
    return { pki, port: (server.address() as AddressInfo).port };
}

function get(options: https.RequestOptions): Promise<string> {
    return new Promise((resolve, reject) => {
        const req = https.get({ host: "127.0.0.1", path: "/", agent: false, ...options }, (res) => {
            let body = "";
            res.on("data", (c) => (body += c));
            res.on("end", () => resolve(body));
        });
        req.on("error", reject);
        req.setTimeout(5000, () => req.destroy(new Error("timeout")));
    });
}

test("TLS round trip: server cert verified against the CA, client cert required and verified", async (t) => {
    const { pki, port } = await mtlsServer(t);
    t.is(await get({ port, ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key }), "hello kubernetes-admin of system:masters");
    // Hostname verification is by the IP SAN: connecting to the same server under another name fails.
    await t.throwsAsync(get({ port, ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key, servername: "example.invalid" }), {
        message: /does not match|altnames/i,
    });
});

test("TLS round trip fails without trusting the CA, without a client cert, or with a foreign client cert", async (t) => {
    const { pki, port } = await mtlsServer(t);
    const other = generateClusterPki("127.0.0.1");
    await t.throwsAsync(get({ port, cert: pki.client.cert, key: pki.client.key }), { message: /self[- ]signed|unable to (get|verify)/i });
    await t.throwsAsync(get({ port, ca: other.ca.cert, cert: pki.client.cert, key: pki.client.key }), { message: /unable to (get|verify)|self[- ]signed/i });
    await t.throwsAsync(get({ port, ca: pki.ca.cert }));
    await t.throwsAsync(get({ port, ca: pki.ca.cert, cert: other.client.cert, key: other.client.key }));
});
