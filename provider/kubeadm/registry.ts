// A private registry mirror for clusters without internet access: containerd pulls every image through it
// (certs.d hosts.toml with the credentials and CA), kubeadm init takes it as imageRepository. The password and
// the CA travel as secret exports in the step script (bootstrap/steps.ts SECRET_ENV), never on a command line.
import type { Validator } from "../runtime/validate";

export interface Registry {
    mirror: string;
    username?: string;
    password?: string;
    caCert?: string;
}

/** http(s)://host[:port][/path]: what containerd's hosts.toml and kubeadm's imageRepository can both use. */
const MIRROR_URL = /^(https?):\/\/([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*)(:(\d{1,5}))?(\/[A-Za-z0-9._-]+)*\/?$/;

/** Whether `url` is a mirror URL (scheme http or https, a host, an optional port and path; nothing else). */
export function isMirrorUrl(url: string): boolean {
    const m = MIRROR_URL.exec(url);
    if (!m) return false;
    return m[7] === undefined || (Number(m[7]) >= 1 && Number(m[7]) <= 65535);
}

/** kubeadm's imageRepository for a mirror: the URL without its scheme and trailing slash. */
export function imageRepository(mirror: string): string {
    return mirror.replace(/^https?:\/\//, "").replace(/\/+$/, "");
}

/** Check rules of `registry` (NodeGroup; KubeadmCluster passes it to every group). */
export function checkRegistry(v: Validator, registry: unknown): void {
    if (!v.known(registry) || registry === undefined || registry === null) return;
    if (typeof registry !== "object" || Array.isArray(registry)) return v.fail("registry", "must be an object {mirror, username?, password?, caCert?}");
    const r = registry as Record<string, unknown>;
    v.string("registry.mirror", r.mirror, { required: true, maxLength: 2048 });
    if (typeof r.mirror === "string" && v.known(r.mirror) && r.mirror.trim() !== "" && !isMirrorUrl(r.mirror)) {
        v.fail("registry.mirror", `must be a URL http(s)://host[:port][/path], got '${r.mirror}'`);
    }
    v.string("registry.username", r.username, { maxLength: 255 });
    v.string("registry.password", r.password, { maxLength: 4096, text: true });
    if (v.known(r.username) && v.known(r.password) && (r.username === undefined) !== (r.password === undefined)) {
        v.fail(r.username === undefined ? "registry.username" : "registry.password", "must be given together with registry.username and registry.password");
    }
    if (typeof r.password === "string" && /[\n\r\0]/.test(r.password)) v.fail("registry.password", "must be one line");
    v.string("registry.caCert", r.caCert, { maxLength: 65536, text: true });
    if (typeof r.caCert === "string" && v.known(r.caCert) && !/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(r.caCert)) {
        v.fail("registry.caCert", "must be a PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)");
    }
}

/** The containerd step's env (PROTOCOL.md); the CA goes base64-encoded so it travels as one line. */
export function containerdEnv(registry: Registry | undefined): Record<string, string> {
    if (!registry) return {};
    return {
        PM_REGISTRY_MIRROR: registry.mirror,
        ...(registry.username ? { PM_REGISTRY_USERNAME: registry.username } : {}),
        ...(registry.password ? { PM_REGISTRY_PASSWORD: registry.password } : {}),
        ...(registry.caCert ? { PM_REGISTRY_CA_CERT: Buffer.from(registry.caCert, "utf8").toString("base64") } : {}),
    };
}

/** kubeadm-init's extra env with a mirror. */
export function initEnv(registry: Registry | undefined): Record<string, string> {
    return registry ? { PM_IMAGE_REPOSITORY: imageRepository(registry.mirror) } : {};
}
