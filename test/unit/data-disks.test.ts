// Data disks' pure rules (provider/kubeadm/data-disks-plan.ts) and the read-only offering checks at preview
// (provider/kubeadm/data-disks.ts) against the simulator's seeded disk offerings.
import test from "ava";
import { MoldClient } from "../../provider/client";
import { dataDisksInMold } from "../../provider/kubeadm/data-disks";
import { dataDisksEnv, dataDisksKey, dataDiskSpecs, diskSerial, mountPathProblem, retained } from "../../provider/kubeadm/data-disks-plan";
import { NodeRecord, outdatedNodes } from "../../provider/kubeadm/plan";
import { startSimulatorServer } from "../../simulator/server";
import { mutatingSince } from "../helpers/engine";

test("mount paths: absolute, normalised, no system path or tree; the usual data directories pass", (t) => {
    for (const ok of ["/var/lib/etcd", "/var/lib/containerd", "/var/lib/kubelet", "/data", "/srv/data", "/usr/local/data"])
        t.is(mountPathProblem(ok), undefined, ok);
    for (const [bad, why] of [
        ["etcd", /absolute/],
        ["/", /system path/],
        ["/etc", /system path/],
        ["/var", /system path/],
        ["/var/lib", /system path/],
        ["/boot", /system path/],
        ["/etc/kubernetes", /under \/etc/],
        ["/sys/fs/x", /under \/sys/],
        ["/a//b", /normalised/],
        ["/a/./b", /normalised/],
        ["/a b", /whitespace/],
    ] as const) {
        t.regex(mountPathProblem(bad) ?? "", why, bad);
    }
});

test("the disks' key changes with an entry's offering, size or mount path, not with retainOnDelete; the nodes made with another key roll", (t) => {
    const a = dataDiskSpecs([{ diskOffering: "Custom", size: 10, mountPath: "/var/lib/etcd" }]);
    t.is(dataDisksKey([]), "");
    t.is(dataDisksKey(a), dataDisksKey(dataDiskSpecs([{ diskOffering: "Custom", size: 10, mountPath: "/var/lib/etcd", retainOnDelete: true }])));
    t.not(dataDisksKey(a), dataDisksKey(dataDiskSpecs([{ diskOffering: "Custom", size: 11, mountPath: "/var/lib/etcd" }])));
    t.not(dataDisksKey(a), dataDisksKey(dataDiskSpecs([{ diskOffering: "Custom", size: 10, mountPath: "/data" }])));
    const node = (key?: string) => ({ serviceOfferingId: "o", templateId: "t", keyPair: "k", ...(key ? { dataDisksKey: key } : {}) }) as NodeRecord;
    const want = { serviceOfferingId: "o", templateId: "t", keyPair: "k" };
    t.deepEqual(outdatedNodes([node()], { ...want, dataDisksKey: "" }), [], "no disks wanted, none had");
    t.is(outdatedNodes([node()], { ...want, dataDisksKey: dataDisksKey(a) }).length, 1, "disks added: the node rolls");
    t.is(outdatedNodes([node(dataDisksKey(a))], { ...want, dataDisksKey: "" }).length, 1, "disks removed: the node rolls");
    t.deepEqual(outdatedNodes([node(dataDisksKey(a))], { ...want, dataDisksKey: dataDisksKey(a) }), []);
});

test("KVM's virtio serial of a volume, the step's env and retainOnDelete by mount path", (t) => {
    t.is(diskSerial("6e1c4f7a-2b3d-4e5f-9a8b-7c6d5e4f3a2b"), "6e1c4f7a2b3d4e5f9a8b");
    t.deepEqual(
        dataDisksEnv([
            { volumeId: "6e1c4f7a-2b3d-4e5f-9a8b-7c6d5e4f3a2b", mountPath: "/var/lib/etcd", status: "attached" },
            { volumeId: "11111111-2222-3333-4444-555555555555", mountPath: "/data", status: "attached" },
        ]),
        { PM_DISKS: "6e1c4f7a2b3d4e5f9a8b /var/lib/etcd\n11111111222233334444 /data" },
    );
    const specs = dataDiskSpecs([
        { diskOffering: "Custom", size: 1, mountPath: "/a", retainOnDelete: true },
        { diskOffering: "Custom", size: 1, mountPath: "/b" },
    ]);
    t.true(retained(specs, "/a"));
    t.false(retained(specs, "/b"));
    t.false(retained(specs, "/gone"), "an entry no longer there: deleted");
});

test("dataDisksInMold: reads only; a size on a fixed-size offering, none on a custom one, and an unknown offering are refused by entry", async (t) => {
    const sim = await startSimulatorServer({ port: 0 });
    const client = new MoldClient({ apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey });
    t.teardown(async () => {
        client.close();
        await sim.stop();
    });
    const before = { ...sim.requestCounts };
    t.deepEqual(
        await dataDisksInMold(client, "NodeGroup", [
            { diskOffering: "Custom", size: 10, mountPath: "/a" },
            { diskOffering: "Small", mountPath: "/b" },
        ]),
        [],
    );
    const failures = await dataDisksInMold(client, "NodeGroup", [
        { diskOffering: "Small", size: 8, mountPath: "/a" },
        { diskOffering: "Custom", mountPath: "/b" },
        { diskOffering: "no-such-offering", size: 1, mountPath: "/c" },
    ]);
    t.deepEqual(
        failures.map((f) => f.property),
        ["dataDisks[0].size", "dataDisks[1].size", "dataDisks[2].diskOffering"],
    );
    t.regex(failures[0].reason, /^mold:NodeGroup: dataDisks\[0\]\.size must be left out: disk offering 'Small' has a fixed size of 5 GB/);
    t.regex(failures[1].reason, /dataDisks\[1\]\.size is required: disk offering 'Custom' has a custom size/);
    t.regex(failures[2].reason, /no disk offering named or with id 'no-such-offering'/);
    t.deepEqual(mutatingSince(before, sim.requestCounts), {});
});
