// PersistentVolumeClaims on Mold disks through the engine: Mold's own CSI driver on a CKS cluster
// (enableCsi), and the self-managed install on a KubeadmCluster (csi).
import test from "ava";
import { mutatingSince } from "../helpers/engine";
import { programWorld } from "../helpers/program-world";

test("KubernetesCluster enableCsi: sent as enablecsi, Mold's csienabled in the outputs; a change replaces the cluster", async (t) => {
    t.timeout(300_000);
    const w = await programWorld(t, "csi-cks");
    const first = await w.run("up");
    const clusters = () => w.sim.inventory().kubernetesClusters ?? [];
    t.is(clusters().length, 1);
    t.true(clusters()[0].csienabled, "Mold recorded enablecsi");
    t.is(w.output("csiEnabled"), true);
    t.is(w.output("storageClassName"), "", "CKS makes no StorageClass");
    t.truthy(first.result);

    // Unchanged: not one state-changing call.
    let before = { ...w.sim.requestCounts };
    await w.run("up");
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), {});

    // Mold cannot switch the driver later: off means a new cluster without it.
    before = { ...w.sim.requestCounts };
    const off = await w.run("up", "csi=false");
    t.is(off.result!.steps.replace, 1, "enableCsi replaces the cluster");
    t.deepEqual(
        clusters()
            .filter((c: any) => c.state !== "Destroyed")
            .map((c: any) => c.csienabled),
        [false],
    );
    t.is(w.output("csiEnabled"), false);
    t.is(mutatingSince(before, w.sim.requestCounts).createKubernetesCluster, 1);
});

const DEDICATED_KEY = "csi-dedicated-key-7";
const DEDICATED_SECRET = "csi-dedicated-s3cret-99";

test("KubeadmCluster csi: driver, Secret and StorageClass installed by csi-install; credentials never in the state or the engine's output; reruns are idempotent", async (t) => {
    t.timeout(600_000);
    const w = await programWorld(t, "csi-kubeadm");
    const csiOf = async () => {
        const clusters = await w.admin.get("/sim/kubeadm-clusters");
        t.is(clusters.length, 1);
        return clusters[0];
    };
    const installs = async () => {
        const nodes = await w.admin.get("/sim/nodes");
        return nodes.flatMap((n: any) => n.history.filter((h: any) => h.step === "csi-install").map((h: any) => h.outcome));
    };
    const custom = (w.sim.inventory().diskOfferings as any[]).find((o: any) => o.name === "Custom");
    const logs: string[] = [];
    const up = async (config: string[] = [], secrets: string[] = []) => {
        const r = await w.runWith("up", { config, secrets });
        logs.push(r.stdout, r.stderr);
        return r;
    };

    // ---- create: the provider's own key pair goes into the cluster's Secret; the connection drops right after
    // the step did its work, and the rerun finds everything in place ----
    w.sim.setSshFaults({ drops: [{ step: "csi-install", when: "after", times: 1 }] });
    await up();
    let c = await csiOf();
    t.is(c.csi.driverVersion, "v3.0.0");
    t.deepEqual(c.csi.manifests, ["snapshot-crds.yaml", "manifest.yaml"]);
    t.deepEqual([c.csi.secret.namespace, c.csi.secret.name, c.csi.secret.keys], ["kube-system", "cloudstack-secret", ["cloud-config"]]);
    t.is(c.csi.secret.apiUrl, w.sim.url, "the driver talks to the provider's Mold endpoint");
    t.truthy(c.csi.secret.account, "the provider's own key pair: Mold knows it");
    t.deepEqual(c.csi.storageClasses, [{ name: "mold-disk", provisioner: "csi.cloudstack.apache.org", diskOfferingId: custom.id, default: false, writes: 1 }]);
    t.false(JSON.stringify(c).includes(w.sim.secretKey), "the admin view holds no credential");
    t.is(w.output("storageClassName"), "mold-disk");
    t.deepEqual(await installs(), ["applied", "already"]);
    t.deepEqual([c.csi.driverApplies, c.csi.secret.writes], [1, 1], "nothing done twice across the dropped connection");

    // ---- unchanged: not one state-changing call, the step not run ----
    const before = { ...w.sim.requestCounts };
    await up();
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), {});
    t.deepEqual(await installs(), ["applied", "already"]);

    // ---- another change to the group: the step runs again and finds everything in place ----
    await up(["tier=b"]);
    t.deepEqual(await installs(), ["applied", "already", "already"]);
    c = await csiOf();
    t.deepEqual([c.csi.driverApplies, c.csi.secret.writes, c.csi.storageClasses[0].writes], [1, 1, 1]);

    // ---- the same offering named by its id: the step finds the class as it is ----
    await up(["tier=b", `diskOffering=${custom.id}`]);
    t.deepEqual(await installs(), ["applied", "already", "already", "already"]);
    t.is((await csiOf()).csi.storageClasses[0].writes, 1);

    // ---- a dedicated key pair and the default-class flag ----
    await up(["tier=b", "default=true", "storageClass=fast"], [`apiKey=${DEDICATED_KEY}`, `secretKey=${DEDICATED_SECRET}`]);
    c = await csiOf();
    t.is(c.csi.secret.writes, 2, "the Secret was rewritten with the dedicated key pair");
    t.is(c.csi.secret.account, "", "the dedicated pair is not the provider's (the simulator's only account does not know it)");
    t.deepEqual(
        c.csi.storageClasses.map((s: any) => [s.name, s.default]),
        [["fast", true]],
        "the renamed class replaced the old one",
    );
    t.is(c.csi.driverApplies, 1, "the driver was not applied again");
    t.is(w.output("storageClassName"), "fast");

    // ---- the secrets appear nowhere in plain text ----
    const raw = (await import("fs")).readFileSync(w.stateFile, "utf8");
    for (const secret of [w.sim.secretKey, DEDICATED_SECRET, DEDICATED_KEY]) {
        t.false(raw.includes(secret), "not in the state file");
        t.false(
            logs.some((l) => l.includes(secret)),
            "not in the engine's output",
        );
    }
    const nodes = JSON.stringify(await w.admin.get("/sim/nodes"));
    t.false(nodes.includes(DEDICATED_SECRET) || nodes.includes(w.sim.secretKey), "not in the node's step history");

    // ---- csi off: the output empties; the driver stays, as volumes may still use it ----
    const runs = (await installs()).length;
    await up(["tier=b", "csi=false"]);
    t.is(w.output("storageClassName"), "");
    t.is((await installs()).length, runs, "the step is not run");
    t.is((await csiOf()).csi.driverVersion, "v3.0.0");
});

test("csi bad input is refused at preview naming the property, with no state-changing call", async (t) => {
    t.timeout(300_000);
    const w = await programWorld(t, "csi-kubeadm");
    const refused = async (config: string[], pattern: RegExp) => {
        const before = { ...w.sim.requestCounts };
        const r = await w.exec("preview", ...config);
        t.not(r.code, 0, `preview ${config.join(" ")} should fail`);
        t.regex(r.stderr + r.stdout, pattern);
        t.deepEqual(mutatingSince(before, w.sim.requestCounts), {});
    };
    await refused(["diskOffering=Small"], /csi\.diskOffering 'Small' has a fixed size \(5 GB\)/);
    await refused(["diskOffering=no-such-offering"], /csi\.diskOffering no disk offering named or with id 'no-such-offering'/);
    await refused(["storageClass=Not_A_Name"], /csi\.storageClassName must be a lower-case DNS subdomain name/);
});
