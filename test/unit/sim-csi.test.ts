// The csi-install step against an emulated kubeadm cluster (simulator/kubeadm/csi.ts): what it records, what
// it refuses, and that no credential reaches a view or the step history.
import test from "ava";
import { zoneInternet } from "../../simulator/records/host";
import { inSshWorld, prepare } from "./sim-ssh-world";

const VERSION = "1.31.2";

test(
    "csi-install: driver, Secret and StorageClass recorded once, reruns already; refused without admin.conf, without internet and for an unpublished release; no credential in any view",
    inSshWorld(async (t, w) => {
        const cp = await w.deploy("cp-1");
        await w.loadBalancer(6443, 6443, [cp]);
        await prepare(t, w, cp, VERSION);
        const env = {
            PM_CSI_API_URL: w.sim.url,
            PM_CSI_API_KEY: w.sim.apiKey,
            PM_CSI_SECRET_KEY: w.sim.secretKey,
            PM_CSI_VERSION: "v3.0.0",
            PM_STORAGE_CLASS: "mold-disk",
            PM_DISK_OFFERING_ID: "offering-1",
            PM_DEFAULT: "1",
        };
        const before = await w.run(cp, "csi-install", env);
        t.not(before.exitCode, 0, "no cluster on the node yet");
        t.regex(before.stderr, /localhost:8080 was refused/);

        const init = await w.run(cp, "kubeadm-init", {
            PM_KUBERNETES_VERSION: VERSION,
            PM_NODE_NAME: "cp-1",
            PM_CONTROL_PLANE_ENDPOINT: `${w.ip}:6443`,
            PM_POD_CIDR: "10.244.0.0/16",
            PM_SERVICE_CIDR: "10.96.0.0/12",
            PM_CERT_SANS: "",
        });
        t.is(init.exitCode, 0, init.stderr);

        const offline = zoneInternet(w.sim.simulator, { zone: "zone1", internet: false });
        t.false(offline.internet);
        const noInternet = await w.run(cp, "csi-install", env);
        t.is(noInternet.exitCode, 6);
        t.regex(noInternet.stderr, /Could not resolve host: github.com/);
        zoneInternet(w.sim.simulator, { zone: "zone1", internet: true });

        const unpublished = await w.run(cp, "csi-install", { ...env, PM_CSI_VERSION: "v3.0.1" });
        t.is(unpublished.exitCode, 22, "v3.0.1 was never released");

        const first = await w.run(cp, "csi-install", env);
        t.is(first.exitCode, 0, first.stderr);
        t.deepEqual([first.results.csi, first.results["driver-version"], first.results["storage-class"]], ["done", "v3.0.0", "mold-disk"]);
        const again = await w.run(cp, "csi-install", env);
        t.is(again.results.csi, "already");

        const [cluster] = w.sim.kubeadmClusters() as any[];
        t.like(cluster.csi, { driverVersion: "v3.0.0", driverApplies: 1, secret: { name: "cloudstack-secret", keys: ["cloud-config"], writes: 1 } });
        t.truthy(cluster.csi.secret.account, "the key pair is one Mold knows");
        t.deepEqual(cluster.csi.storageClasses, [
            { name: "mold-disk", provisioner: "csi.cloudstack.apache.org", diskOfferingId: "offering-1", default: true, writes: 1 },
        ]);
        const views = JSON.stringify([w.sim.kubeadmClusters(), w.sim.emulatedNodes()]);
        t.false(views.includes(w.sim.secretKey), "no secret key in any view");
        t.false(views.includes("_csiSecretDigest"));
    }),
);
