// Image pulls of the emulated nodes: the registry mirror the containerd step configures (certs.d hosts.toml
// with auth and CA), and kubeadm init pulling the control-plane images — from registry.k8s.io, which a zone
// without internet access (POST /sim/zone-internet) cannot reach, or from `imageRepository` on the mirror.
import { createHash } from "crypto";
import { zoneOffline } from "../records/host";
import { clustersTable } from "./cluster";
import { fail, kubeadmReadiness, StepContext, StepHandler } from "../ssh/node-state";

/** What /etc/containerd/certs.d holds on an emulated node (the password and CA only as digests). */
export interface ContainerdRegistry {
    mirror: string;
    username?: string;
    passwordSha256?: string;
    caCertSha256?: string;
}

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const MIRROR = /^(https?):\/\/([A-Za-z0-9.-]+(?::\d{1,5})?)(\/[A-Za-z0-9._/-]*)?$/;

/** The registry configuration the containerd step's env asks for; undefined without PM_REGISTRY_MIRROR. */
function wantedRegistry(env: Record<string, string>): ContainerdRegistry | string | undefined {
    const mirror = env.PM_REGISTRY_MIRROR;
    if (!mirror) return undefined;
    if (!MIRROR.test(mirror)) return `error: PM_REGISTRY_MIRROR must be http(s)://host[:port][/path], got '${mirror}'`;
    const ca = env.PM_REGISTRY_CA_CERT ? Buffer.from(env.PM_REGISTRY_CA_CERT, "base64").toString("utf8") : "";
    if (env.PM_REGISTRY_CA_CERT && !ca.includes("-----BEGIN CERTIFICATE-----")) return "error: PM_REGISTRY_CA_CERT is not a base64-encoded PEM certificate";
    return {
        mirror,
        ...(env.PM_REGISTRY_USERNAME ? { username: env.PM_REGISTRY_USERNAME } : {}),
        ...(env.PM_REGISTRY_PASSWORD ? { passwordSha256: sha(env.PM_REGISTRY_PASSWORD) } : {}),
        ...(ca ? { caCertSha256: sha(ca) } : {}),
    };
}

/** The containerd step, plus its hosts.toml: containerd restarts when the registry configuration changed. */
export function withRegistryMirror(containerd: StepHandler): StepHandler {
    return (ctx) => {
        const want = wantedRegistry(ctx.env);
        if (typeof want === "string") return fail(1, want);
        const r = containerd(ctx);
        if (r.exitCode !== 0) return r;
        const c = ctx.node.containerd;
        if (JSON.stringify(c.registry ?? null) === JSON.stringify(want ?? null)) return r;
        if (want) c.registry = want;
        else delete c.registry;
        if (!r.changed) c.restarts++;
        return { ...r, changed: true };
    };
}

/** host[:port] of an image reference's registry (`registry.k8s.io/kube-apiserver` → `registry.k8s.io`). */
const registryHost = (repository: string) => repository.split("/")[0];

/** kubeadm init's image pull error for the first image, as its preflight prints it. */
function pullFailure(repository: string, version: string): ReturnType<StepHandler> {
    const image = `${repository}/kube-apiserver:v${version}`;
    const host = registryHost(repository);
    const path = repository.slice(host.length);
    return fail(
        1,
        [
            "error execution phase preflight: [preflight] Some fatal errors occurred:",
            `\t[ERROR ImagePull]: failed to pull image ${image}: output: time="2026-01-01T00:00:00Z" level=fatal msg="pulling image: rpc error: code = Unknown desc = failed to pull and unpack image \\"${image}\\": failed to resolve reference \\"${image}\\": failed to do request: Head \\"https://${host}/v2${path}/kube-apiserver/manifests/v${version}\\": dial tcp: lookup ${host.replace(/:\d+$/, "")}: i/o timeout"`,
            ", error: exit status 1",
            "[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`",
            "To see the stack trace of this error execute with --v=5 or higher",
        ].join("\n"),
        "[preflight] Running pre-flight checks\n[preflight] Pulling images required for setting up a Kubernetes cluster\n",
    );
}

/** Whether the node can pull from `repository`: with internet anything; without, only its configured mirror. */
function canPull(ctx: StepContext, repository: string): boolean {
    if (!zoneOffline(ctx, ctx.vm.zoneid)) return true;
    const mirror = ctx.node.containerd.registry?.mirror;
    return !!mirror && registryHost(mirror.replace(/^https?:\/\//, "")) === registryHost(repository);
}

/** kubeadm init with the image pulls of its preflight; the cluster records the image repository it was made with. */
export function withImagePulls(init: StepHandler): StepHandler {
    return (ctx) => {
        const repository = ctx.env.PM_IMAGE_REPOSITORY || "registry.k8s.io";
        if (!ctx.node.kubeadm.adminConf && !kubeadmReadiness(ctx.node, "init") && !canPull(ctx, repository)) {
            return pullFailure(repository, ctx.env.PM_KUBERNETES_VERSION ?? "");
        }
        const r = init(ctx);
        const cluster = ctx.node.kubeadm.clusterId ? clustersTable(ctx.state)[ctx.node.kubeadm.clusterId] : undefined;
        if (r.exitCode === 0 && r.changed && cluster) cluster.imageRepository = repository;
        return r;
    };
}
