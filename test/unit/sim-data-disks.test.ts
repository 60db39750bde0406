// The emulated nodes' block devices and the data-disks step (simulator/ssh/data-disks.ts): a volume Mold attached
// is a disk of the node (detached, it is gone), formatted only while it holds no filesystem, mounted once; what
// is on a disk moves with its volume; a directory that already holds files on the root disk is not hidden.
import test from "ava";
import { attachVolume, createVolume, detachVolume } from "../../provider/client/volume";
import { listDiskOfferings } from "../../provider/client/disk-offerings";
import { diskSerial } from "../../simulator/ssh/data-disks";
import { emulatedNodeViews } from "../../simulator/kubeadm/views";
import { inSshWorld } from "./sim-ssh-world";

test(
    "data-disks: format once, mount idempotently, the disk follows its volume, a detached disk is gone, files on the root disk are not hidden",
    inSshWorld(async (t, w) => {
        const a = await w.deploy("node-a");
        const b = await w.deploy("node-b");
        const custom = (await listDiskOfferings(w.client)).find((o) => o.name === "Custom")!;
        const vol = await createVolume(w.client, { zoneid: a.vm.zoneid, diskofferingid: custom.id, size: 10, name: "etcd-a" });
        const view = (name: string) => emulatedNodeViews(w.sim.simulator.refreshState()).find((n) => n.vmName === name)!;
        const serial = diskSerial(vol.id);
        const env = { PM_DISKS: `${serial} /var/lib/etcd` };

        // Not attached: no such disk on the node.
        let r = await w.run(a, "data-disks", env);
        t.is(r.exitCode, 1);
        t.regex(r.stderr, new RegExp(`no disk with serial ${serial} appeared`));

        await attachVolume(w.client, vol.id, a.vm.id);
        t.like(
            view("node-a").blockDevices,
            [{ device: "/dev/vdb", serial, volumeId: vol.id, deviceId: 1, mkfs: 0, data: [] }],
            "attached: the node sees /dev/vdb",
        );
        r = await w.run(a, "data-disks", env);
        t.is(r.exitCode, 0, r.stderr);
        t.deepEqual([r.results[`device.${serial}`], r.results[`formatted.${serial}`], r.results["data-disks"]], ["/dev/vdb", "yes", "done"]);
        let dev = view("node-a").blockDevices[0];
        t.like(dev, { fstype: "ext4", mkfs: 1, mountedAt: "/var/lib/etcd" });
        t.deepEqual(view("node-a").fstab, [{ uuid: dev.uuid, path: "/var/lib/etcd", fstype: "ext4" }]);

        // Again (a rerun after a dropped connection): nothing formatted or mounted twice.
        r = await w.run(a, "data-disks", env);
        t.deepEqual([r.exitCode, r.results[`formatted.${serial}`], r.results["data-disks"]], [0, "no", "already"]);
        t.is(view("node-a").blockDevices[0].mkfs, 1);
        t.is(view("node-a").fstab!.length, 1);

        // Bad lines are refused before anything happens.
        r = await w.run(a, "data-disks", { PM_DISKS: `${serial} relative/path` });
        t.is(r.exitCode, 1);
        t.regex(r.stderr, /is not '<serial> <absolute path>'/);

        // The disk moves with its volume, filesystem and all: the other node mounts it without formatting.
        (w.sim.simulator.refreshState().tables.volumes as any)[vol.id]._content.data.push("etcd");
        await detachVolume(w.client, vol.id);
        t.deepEqual(view("node-a").blockDevices, [], "detached: gone from the node");
        await attachVolume(w.client, vol.id, b.vm.id);
        r = await w.run(b, "data-disks", env);
        t.deepEqual([r.exitCode, r.results[`formatted.${serial}`]], [0, "no"], r.stderr);
        dev = view("node-b").blockDevices[0];
        t.like(dev, { mkfs: 1, mountedAt: "/var/lib/etcd" });
        t.deepEqual(dev.data, ["etcd"], "what was written on it is still there");

        // containerd ran before the disk was mounted at its directory: mounting now would hide its files.
        const vol2 = await createVolume(w.client, { zoneid: a.vm.zoneid, diskofferingid: custom.id, size: 10, name: "containerd-a" });
        await attachVolume(w.client, vol2.id, a.vm.id);
        t.is((await w.run(a, "containerd")).exitCode, 0);
        r = await w.run(a, "data-disks", { PM_DISKS: `${diskSerial(vol2.id)} /var/lib/containerd` });
        t.is(r.exitCode, 1);
        t.regex(r.stderr, /\/var\/lib\/containerd already holds files on the root disk/);
    }),
);
