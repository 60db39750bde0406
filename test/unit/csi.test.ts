// The self-managed CSI install's pure parts and its read-only checks in Mold at preview (provider/kubeadm/csi.ts).
import test from "ava";
import { MoldClient } from "../../provider/client";
import { csiInMold, csiSpec, diskOfferingProblem, templateProblem } from "../../provider/kubeadm/csi";
import { startSimulatorServer } from "../../simulator/server";
import { mutatingSince } from "../helpers/engine";

test("csiSpec: defaults, and off when absent or disabled", (t) => {
    t.is(csiSpec(undefined), undefined);
    t.is(csiSpec({ enabled: false, diskOffering: "Custom" }), undefined);
    t.deepEqual(csiSpec({ diskOffering: "Custom" }), {
        storageClassName: "mold-disk",
        diskOffering: "Custom",
        isDefault: false,
        apiKey: undefined,
        secretKey: undefined,
    });
    t.deepEqual(csiSpec({ diskOffering: "d", storageClassName: "fast", default: true, apiKey: "k", secretKey: "s" }), {
        storageClassName: "fast",
        diskOffering: "d",
        isDefault: true,
        apiKey: "k",
        secretKey: "s",
    });
});

test("the driver needs a custom-size offering and a KVM (virtio_blk) template", (t) => {
    t.is(diskOfferingProblem({ name: "Custom", iscustomized: true, disksize: 0 }), undefined);
    t.regex(diskOfferingProblem({ name: "Small", iscustomized: false, disksize: 5 })!, /'Small' has a fixed size \(5 GB\)/);
    t.is(templateProblem({ name: "u", hypervisor: "KVM" }), undefined);
    t.regex(templateProblem({ name: "w", hypervisor: "VMware" })!, /'w' is a VMware template.*virtio_blk/);
});

test("csiInMold: reads only; refuses an unknown or fixed-size offering and a template whose guests get no virtio disks", async (t) => {
    const sim = await startSimulatorServer({ port: 0 });
    const client = new MoldClient({ apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey });
    t.teardown(async () => {
        client.close();
        await sim.stop();
    });
    const base = { zone: "zone1", template: "ubuntu-22.04" };
    const before = { ...sim.requestCounts };
    t.deepEqual(await csiInMold(client, "NodeGroup", { ...base, csi: { diskOffering: "Custom" } }), []);
    t.deepEqual(await csiInMold(client, "NodeGroup", { ...base, csi: { enabled: false, diskOffering: "Small" } }), [], "off: nothing checked");
    const fixed = await csiInMold(client, "NodeGroup", { ...base, csi: { diskOffering: "Small" } });
    t.deepEqual(
        fixed.map((f) => f.property),
        ["csi.diskOffering"],
    );
    t.regex(fixed[0].reason, /^mold:NodeGroup: csi\.diskOffering 'Small' has a fixed size/);
    const unknown = await csiInMold(client, "NodeGroup", { ...base, csi: { diskOffering: "nope" } });
    t.regex(unknown[0].reason, /no disk offering named or with id 'nope'; available: Small, Medium, Custom, Custom IOPS/);

    // A template registered for another hypervisor: its guests see Mold disks on another bus, no virtio_blk.
    const templates = sim.simulator.state.tables.templates as Record<string, any>;
    const ubuntu = Object.values(templates).find((x) => x.name === "ubuntu-22.04");
    ubuntu.hypervisor = "VMware";
    const vmware = await csiInMold(client, "NodeGroup", { ...base, csi: { diskOffering: "Custom" } });
    t.deepEqual(
        vmware.map((f) => f.property),
        ["csi"],
    );
    t.regex(vmware[0].reason, /cannot work on this group's template: 'ubuntu-22.04' is a VMware template.*virtio_blk/);
    t.deepEqual(mutatingSince(before, sim.requestCounts), {}, "reads only");
});
