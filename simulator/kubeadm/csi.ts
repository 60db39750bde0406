// The csi-install step against an emulated kubeadm cluster: the Apache CloudStack CSI driver from the emulated
// release downloads, the Secret with its Mold credentials and the StorageClass, recorded on the cluster so tests
// can assert them. The Secret's content is kept only as a digest (an internal field): no value reaches a
// view, a log or a step's output.
import { createHash } from "crypto";
import { zoneOffline } from "../records/host";
import { controlPlaneClusterOf, KubeadmCluster } from "./cluster";
import { fail, ok, result, StepHandler } from "../ssh/node-state";

/** Releases the emulated github.com serves (the driver's published tags this project was checked against). */
export const CSI_RELEASES = ["v3.0.0"];
const PROVISIONER = "csi.cloudstack.apache.org";
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export interface EmulatedCsi {
    driverVersion: string;
    /** Release assets applied, in order. */
    manifests: string[];
    provisioner: string;
    /** Times the driver's manifests were applied. */
    driverApplies: number;
    secret: {
        namespace: string;
        name: string;
        keys: string[];
        apiUrl: string;
        /** The Mold account the key pair belongs to, or "" when Mold would refuse it. */
        account: string;
        writes: number;
    };
    storageClasses: EmulatedStorageClass[];
}

export interface EmulatedStorageClass {
    name: string;
    provisioner: string;
    diskOfferingId: string;
    default: boolean;
    /** Times it was created or changed. */
    writes: number;
}

type WithCsi = KubeadmCluster & { csi?: EmulatedCsi; _csiSecretDigest?: string };

export const csiInstall: StepHandler = (ctx) => {
    const found = controlPlaneClusterOf(ctx.state, ctx.node);
    if (!found) return fail(1, "The connection to the server localhost:8080 was refused - did you specify the right host or port?");
    const cluster = found as WithCsi;
    const env = ctx.env;
    for (const name of ["PM_CSI_API_URL", "PM_CSI_API_KEY", "PM_CSI_SECRET_KEY", "PM_CSI_VERSION", "PM_STORAGE_CLASS", "PM_DISK_OFFERING_ID"]) {
        if (!env[name]) return fail(1, `bash: line 1: ${name}: ${name} is required`);
    }
    const version = env.PM_CSI_VERSION;
    if (!/^v\d+\.\d+\.\d+$/.test(version)) return fail(1, `error: PM_CSI_VERSION must be vX.Y.Z, got '${version}'`);
    const scName = env.PM_STORAGE_CLASS;
    if (!DNS_SUBDOMAIN.test(scName)) return fail(1, `error: PM_STORAGE_CLASS must be a DNS subdomain name, got '${scName}'`);

    let changed = false;
    const log: string[] = [];
    // The driver: downloaded and applied unless the CSIDriver carries the version already.
    if (cluster.csi?.driverVersion !== version) {
        // The release assets come from github.com: a zone without internet cannot fetch them.
        if (zoneOffline(ctx, ctx.vm.zoneid)) return fail(6, "curl: (6) Could not resolve host: github.com");
        if (!CSI_RELEASES.includes(version)) return fail(22, "curl: (22) The requested URL returned error: 404");
        const applies = (cluster.csi?.driverApplies ?? 0) + 1;
        cluster.csi = {
            ...(cluster.csi ?? emptyCsi()),
            driverVersion: version,
            manifests: ["snapshot-crds.yaml", "manifest.yaml"],
            provisioner: PROVISIONER,
            driverApplies: applies,
        };
        log.push(`csidriver.storage.k8s.io/${PROVISIONER} serverside-applied`);
        changed = true;
    }
    const csi = cluster.csi!;
    // The Secret: written when its content differs.
    const content = `[Global]\napi-url = ${env.PM_CSI_API_URL}\napi-key = ${env.PM_CSI_API_KEY}\nsecret-key = ${env.PM_CSI_SECRET_KEY}\n`;
    const digest = createHash("sha256").update(content).digest("hex");
    if (cluster._csiSecretDigest !== digest) {
        cluster._csiSecretDigest = digest;
        const account = ctx.state.accounts.find((a) => a.apiKey === env.PM_CSI_API_KEY && a.secretKey === env.PM_CSI_SECRET_KEY);
        csi.secret = {
            namespace: "kube-system",
            name: "cloudstack-secret",
            keys: ["cloud-config"],
            apiUrl: env.PM_CSI_API_URL,
            account: account?.name ?? "",
            writes: csi.secret.writes + 1,
        };
        log.push("secret kube-system/cloudstack-secret written");
        changed = true;
    }
    // The StorageClass: parameters are immutable, so another offering means deleting and creating it again.
    const isDefault = env.PM_DEFAULT === "1";
    const sc = csi.storageClasses.find((s) => s.name === scName);
    if (!sc || sc.diskOfferingId !== env.PM_DISK_OFFERING_ID || sc.default !== isDefault) {
        const next = { name: scName, provisioner: PROVISIONER, diskOfferingId: env.PM_DISK_OFFERING_ID, default: isDefault, writes: (sc?.writes ?? 0) + 1 };
        csi.storageClasses = [...csi.storageClasses.filter((s) => s !== sc), next];
        log.push(`storageclass ${scName}: disk offering ${env.PM_DISK_OFFERING_ID}, default ${isDefault}`);
        changed = true;
    }
    // The class made before under another name: deleted when it is the driver's.
    const old = env.PM_REMOVE_STORAGE_CLASS;
    if (old && old !== scName && csi.storageClasses.some((s) => s.name === old && s.provisioner === PROVISIONER)) {
        csi.storageClasses = csi.storageClasses.filter((s) => s.name !== old);
        log.push(`storageclass ${old} deleted`);
        changed = true;
    }
    const out = [...log, result("driver-version", version).trimEnd(), result("storage-class", scName).trimEnd(), result("csi", changed ? "done" : "already")];
    return ok(out.join("\n"), changed);
};

function emptyCsi(): EmulatedCsi {
    return {
        driverVersion: "",
        manifests: [],
        provisioner: PROVISIONER,
        driverApplies: 0,
        secret: { namespace: "kube-system", name: "cloudstack-secret", keys: [], apiUrl: "", account: "", writes: 0 },
        storageClasses: [],
    };
}
