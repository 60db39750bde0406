// PKI of an emulated kubeadm cluster, shaped like kubeadm's: a CA, an API server certificate whose SANs
// carry the control-plane endpoint and the requested extra SANs, an admin client certificate, and the
// admin.conf kubeconfig built from them.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate } from "crypto";
import { isIPv4 } from "net";
import { stringify } from "yaml";
import { CA_NAME, certificatePem, ClusterPki, createCertificateAuthority, issueClientCertificate, KeyPairPem } from "../x509";

const HOUR = 3600_000;
const DAY = 24 * HOUR;

export const APISERVER_DNS_NAMES = ["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"];

/** The first address of the service CIDR: the `kubernetes` Service's cluster IP, a SAN kubeadm always adds. */
export function firstServiceIp(serviceCidr: string): string | undefined {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(serviceCidr);
    if (!m) return undefined;
    const n = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
    const prefix = Number(m[5]);
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    const first = ((n & mask) + 1) >>> 0;
    return [first >>> 24, (first >>> 16) & 255, (first >>> 8) & 255, first & 255].join(".");
}

export function issueApiServerCertificate(ca: KeyPairPem, hosts: string[], now = Date.now()): KeyPairPem & { sans: string[] } {
    const caKey = createPrivateKey(ca.key);
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const unique = [...new Set(hosts.filter((h) => h !== ""))];
    const ips = unique.filter((h) => isIPv4(h));
    const dnsNames = [...new Set([...APISERVER_DNS_NAMES, ...unique.filter((h) => !isIPv4(h) && !h.includes(":"))])];
    const cert = certificatePem({
        subject: { commonName: "kube-apiserver" },
        issuer: { name: CA_NAME, key: caKey, publicKey: createPublicKey(caKey) },
        publicKey,
        notBefore: now - HOUR,
        notAfter: now + 365 * DAY,
        keyUsage: ["digitalSignature", "keyEncipherment"],
        extKeyUsage: ["serverAuth"],
        dnsNames,
        ipAddresses: ips,
    });
    return { cert, key: privateKey.export({ type: "sec1", format: "pem" }) as string, sans: [...dnsNames, ...ips] };
}

export interface KubeadmPki {
    ca: KeyPairPem;
    server: KeyPairPem & { sans: string[] };
    admin: KeyPairPem;
}

export function createKubeadmPki(sanHosts: string[], now = Date.now()): KubeadmPki {
    const ca = createCertificateAuthority(now);
    return { ca, server: issueApiServerCertificate(ca, sanHosts, now), admin: issueClientCertificate(ca, now) };
}

/** kubeadm's --discovery-token-ca-cert-hash: sha256 of the CA's SubjectPublicKeyInfo (DER), hex. */
export function caCertHash(caPem: string): string {
    const spki = new X509Certificate(caPem).publicKey.export({ type: "spki", format: "der" });
    return "sha256:" + createHash("sha256").update(spki).digest("hex");
}

/** /etc/kubernetes/admin.conf. */
export function adminKubeconfig(endpoint: string, pki: KubeadmPki): string {
    const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
    return stringify({
        apiVersion: "v1",
        clusters: [{ cluster: { "certificate-authority-data": b64(pki.ca.cert), server: `https://${endpoint}` }, name: "kubernetes" }],
        contexts: [{ context: { cluster: "kubernetes", user: "kubernetes-admin" }, name: "kubernetes-admin@kubernetes" }],
        "current-context": "kubernetes-admin@kubernetes",
        kind: "Config",
        preferences: {},
        users: [{ name: "kubernetes-admin", user: { "client-certificate-data": b64(pki.admin.cert), "client-key-data": b64(pki.admin.key) } }],
    });
}

/** The shape the Kubernetes API server of simulator/kube-api.ts needs (CA, server pair, client pair). */
export function asClusterPki(pki: KubeadmPki, ip: string): ClusterPki {
    return { ca: pki.ca, server: { ...pki.server, ip }, client: pki.admin };
}
