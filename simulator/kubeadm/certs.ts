// Certificate lifetimes of the emulated kubeadm clusters: each control-plane node's leaf certificates (kubeadm:
// one year; the CA ten), `certs-check` against the simulator's clock and `certs-renew` (kubeadm certs renew all).
//
// Two clocks, kept honest: the dates here (notAfter) are the simulated ones, so a test that moves the simulator's
// clock sees certificates come due and renewals push them a year past the simulated now. The X.509 certificates
// the API endpoint serves and the admin kubeconfig carries are issued at min(simulated now, wall clock), because
// real TLS clients check validity against the wall clock. The API server refuses an admin client certificate
// whose simulated notAfter has passed (401, as a kube-apiserver does for an expired client certificate); a
// renewal issues a new one and the old one stays accepted until its own notAfter, as in a real cluster.
import { X509Certificate } from "crypto";
import { issueClientCertificate } from "../x509";
import { fail, ok, result, StepContext, StepHandler } from "../ssh/node-state";
import { controlPlaneClusterOf, KubeadmCluster } from "./cluster";
import { issueApiServerCertificate } from "./pki";

const DAY = 24 * 3600_000;
export const LEAF_VALIDITY_MS = 365 * DAY;
export const CA_VALIDITY_MS = 10 * 365 * DAY;

/** A control-plane node's leaf certificates (apiserver, etcd, front-proxy, admin.conf…): renewed together. */
export interface NodeCertificates {
    /** Simulated time (ISO). */
    notAfter: string;
    renewals: number;
    renewedAt?: string;
}

/** An admin client certificate handed out, by SHA-256 fingerprint (as node's tls prints it), with its simulated notAfter. */
export interface IssuedClientCertificate {
    fingerprint256: string;
    notAfter: number;
}

/** What this module keeps on a cluster record (optional: clusters made before it have none). */
export interface ClusterCertificates {
    certificates?: Record<string, NodeCertificates>;
    _adminCertificates?: IssuedClientCertificate[];
}

type Cluster = KubeadmCluster & ClusterCertificates;

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

/** When the node's leaf certificates expire (simulated ms): a year after it joined, or after its last renewal. */
export function leafExpiry(cluster: Cluster, nodeName: string): number {
    const recorded = cluster.certificates?.[nodeName]?.notAfter;
    if (recorded) return Date.parse(recorded);
    const joined = cluster.nodes.find((n) => n.name === nodeName)?.joinedAt ?? cluster.createdAt;
    return Date.parse(joined) + LEAF_VALIDITY_MS;
}

export function caExpiry(cluster: Cluster): number {
    return Date.parse(cluster.createdAt) + CA_VALIDITY_MS;
}

/** The admin client certificates handed out so far; the first is the one kubeadm init made. */
function adminCertificates(cluster: Cluster): IssuedClientCertificate[] {
    return cluster._adminCertificates ?? [{ fingerprint256: fingerprint(cluster._pki.admin.cert), notAfter: Date.parse(cluster.createdAt) + LEAF_VALIDITY_MS }];
}

/** Whether a client certificate (by fingerprint) is one of the cluster's admin certificates past its simulated notAfter. */
export function clientCertificateExpired(cluster: Cluster, fingerprint256: string | undefined, now: number): boolean {
    if (!fingerprint256) return false;
    const issued = adminCertificates(cluster).find((c) => c.fingerprint256 === fingerprint256);
    return !!issued && issued.notAfter <= now;
}

function expiryLines(ctx: StepContext, cluster: Cluster, name: string): string {
    return result("now", iso(ctx.now)) + result("expires", iso(leafExpiry(cluster, name))) + result("ca-expires", iso(caExpiry(cluster)));
}

function controlPlane(ctx: StepContext): { cluster: Cluster; name: string } | undefined {
    const cluster = controlPlaneClusterOf(ctx.state, ctx.node) as Cluster | undefined;
    const name = ctx.node.kubeadm.nodeName;
    return cluster && name ? { cluster, name } : undefined;
}

const NOT_CONTROL_PLANE = "error: /etc/kubernetes/pki/ca.crt is missing: this node is not a kubeadm control-plane node";

export const certsCheck: StepHandler = (ctx) => {
    const cp = controlPlane(ctx);
    if (!cp) return fail(1, NOT_CONTROL_PLANE);
    return ok(expiryLines(ctx, cp.cluster, cp.name), false);
};

export const certsRenew: StepHandler = (ctx) => {
    const within = ctx.env.PM_RENEW_WITHIN_SECONDS ?? "";
    if (!/^\d+$/.test(within)) return fail(1, `error: PM_RENEW_WITHIN_SECONDS must be a whole number, got '${within}'`);
    const cp = controlPlane(ctx);
    if (!cp) return fail(1, NOT_CONTROL_PLANE);
    const { cluster, name } = cp;
    if (leafExpiry(cluster, name) > ctx.now + Number(within) * 1000) return ok(result("renewed", "already") + expiryLines(ctx, cluster, name), false);
    // X.509 dates by the wall clock (see the top of this file); the simulated notAfter is recorded beside them.
    const issuedAt = Math.min(ctx.now, Date.now());
    const admins = adminCertificates(cluster);
    const pki = cluster._pki;
    cluster._pki = { ...pki, server: issueApiServerCertificate(pki.ca, pki.server.sans, issuedAt), admin: issueClientCertificate(pki.ca, issuedAt) };
    cluster._adminCertificates = [...admins, { fingerprint256: fingerprint(cluster._pki.admin.cert), notAfter: ctx.now + LEAF_VALIDITY_MS }];
    const before = cluster.certificates?.[name];
    cluster.certificates = {
        ...(cluster.certificates ?? {}),
        [name]: { notAfter: iso(ctx.now + LEAF_VALIDITY_MS), renewals: (before?.renewals ?? 0) + 1, renewedAt: iso(ctx.now) },
    };
    const log = [
        "[renew] Reading configuration from the cluster...",
        "certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself renewed",
        "certificate for serving the Kubernetes API renewed",
        "Done renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.",
    ];
    return ok(log.join("\n") + "\n" + result("renewed", "done") + expiryLines(ctx, cluster, name));
};
