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
        clusters().filter((c: any) => c.state !== "Destroyed").map((c: any) => c.csienabled),
        [false],
    );
    t.is(w.output("csiEnabled"), false);
    t.is(mutatingSince(before, w.sim.requestCounts).createKubernetesCluster, 1);
});
