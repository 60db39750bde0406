// A kubeconfig's endpoint and credentials, and a GET against a Kubernetes API with them: the tests of the
// simulator's Kubernetes APIs (CloudManaged clusters and emulated kubeadm clusters) share these.
import * as https from "https";
import { parse } from "yaml";

export interface Kubeconfig {
    server: URL;
    ca: string;
    cert: string;
    key: string;
    /** The names kubeconfig gives its cluster and user (kubeadm writes "kubernetes" / "kubernetes-admin"). */
    clusterName: string;
    userName: string;
}

export function readKubeconfig(text: string): Kubeconfig {
    const doc = parse(text);
    const b64 = (s: string) => Buffer.from(s, "base64").toString("utf8");
    const user = doc.users.find((u: { name: string }) => u.name === doc.contexts[0].context.user);
    return {
        server: new URL(doc.clusters[0].cluster.server),
        ca: b64(doc.clusters[0].cluster["certificate-authority-data"]),
        cert: b64(user.user["client-certificate-data"]),
        key: b64(user.user["client-key-data"]),
        clusterName: doc.clusters[0].name,
        userName: user.name,
    };
}

export interface Answer {
    status: number;
    body: string;
    json?: any;
}

/** GET with node's https, trusting only what `tls` says; no agent, so no connection outlives the call. */
export function kget(kc: Kubeconfig, p: string, tls: Partial<Pick<Kubeconfig, "ca" | "cert" | "key">> = kc): Promise<Answer> {
    return new Promise((resolve, reject) => {
        const req = https.get(
            { host: kc.server.hostname, port: Number(kc.server.port), path: p, agent: false, ca: tls.ca, cert: tls.cert, key: tls.key },
            (res) => {
                let body = "";
                res.on("data", (c) => (body += c));
                res.on("end", () => {
                    let json: any;
                    try {
                        json = JSON.parse(body);
                    } catch {
                        json = undefined;
                    }
                    resolve({ status: res.statusCode ?? 0, body, json });
                });
            },
        );
        req.on("error", reject);
        req.setTimeout(5000, () => req.destroy(new Error("timeout")));
    });
}
