// The data-disks step's own script (provider/bootstrap/scripts/data-disks.sh) run by bash, with the block-device
// tools replaced by functions over files in a temporary directory: it formats a disk only while it holds no
// filesystem, never one with data, mounts once, and keeps one fstab line per mount path. The emulated step
// (simulator/ssh/data-disks.ts) is tested on its own; this checks that the script really does what it says.
import test from "ava";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stepScript } from "../../provider/bootstrap/steps";

// Fake tools. A device is a file; <dev>.fs holds "<type> <uuid>", <dev>.pt a partition table, <dev>.mkfs the
// times it was formatted, <dev>.data what was written on it (mkfs wipes it). Mounts are lines of $ROOT/mounts.
const FAKES = `
step_lock() { :; }
udevadm() { return 1; }
systemctl() { :; }
lsblk() { :; }
blkid() {
    local key=$5 dev=$6
    case $key in
    PTTYPE) if [ -f "$dev.pt" ]; then echo gpt; else return 2; fi ;;
    TYPE) if [ -f "$dev.fs" ]; then cut -d' ' -f1 "$dev.fs"; else return 2; fi ;;
    UUID) if [ -f "$dev.fs" ]; then cut -d' ' -f2 "$dev.fs"; else return 2; fi ;;
    esac
}
mkfs.ext4() {
    local dev=$2
    echo "ext4 uuid-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')" >"$dev.fs"
    echo $(($(cat "$dev.mkfs" 2>/dev/null || echo 0) + 1)) >"$dev.mkfs"
    rm -f "$dev.data"
}
mount() {
    local uuid
    uuid="$(awk -v p="$1" '$2 == p { sub(/^UUID=/, "", $1); print $1 }' "$FSTAB")"
    echo "$1 $uuid" >>"$ROOT/mounts"
}
mountpoint() { grep -q "^$2 " "$ROOT/mounts" 2>/dev/null; }
findmnt() { awk -v p="$5" '$1 == p { print $2 }' "$ROOT/mounts"; }
`;

function harness(): string {
    const script = stepScript("data-disks").replace(/\nmain "\$@"\s*$/, "\n");
    return `${script}\nBY_ID="$ROOT/by-id"\nFSTAB="$ROOT/fstab"\n${FAKES}\nmain\n`;
}

function world(t: any) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "data-disks-script-"));
    t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
    for (const d of ["by-id", "dev"]) fs.mkdirSync(path.join(root, d));
    fs.writeFileSync(path.join(root, "fstab"), "# /etc/fstab\nLABEL=cloudimg-rootfs / ext4 defaults 0 1\n");
    const disk = (serial: string, name: string) => {
        const dev = path.join(root, "dev", name);
        fs.writeFileSync(dev, "");
        fs.symlinkSync(dev, path.join(root, "by-id", `virtio-${serial}`));
        return dev;
    };
    const run = (lines: string[]) => {
        const r = spawnSync("bash", ["-c", harness()], {
            env: { PATH: process.env.PATH, HOME: root, ROOT: root, PM_DISKS: lines.join("\n") },
            encoding: "utf8",
        });
        const results = Object.fromEntries([...r.stdout.matchAll(/^pulumi-mold: ([^=]+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
        return { code: r.status, stdout: r.stdout, stderr: r.stderr, results };
    };
    const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8").trim() : "");
    const fstabLines = () =>
        read(path.join(root, "fstab"))
            .split("\n")
            .filter((l) => !l.startsWith("#") && !l.startsWith("LABEL="));
    return { root, disk, run, read, fstabLines };
}

test("formats a fresh disk once, mounts it by UUID; reruns find it done, keep its data and mount it again after an unmount", (t) => {
    const w = world(t);
    const dev = w.disk("6e1c4f7a2b3d4e5f9a8b", "vdb");
    const mnt = path.join(w.root, "var/lib/etcd");
    let r = w.run([`6e1c4f7a2b3d4e5f9a8b ${mnt}`]);
    t.is(r.code, 0, r.stderr);
    t.deepEqual([r.results["device.6e1c4f7a2b3d4e5f9a8b"], r.results["formatted.6e1c4f7a2b3d4e5f9a8b"], r.results["data-disks"]], [dev, "yes", "done"]);
    const uuid = w.read(`${dev}.fs`).split(" ")[1];
    t.deepEqual(w.fstabLines(), [`UUID=${uuid} ${mnt} ext4 defaults,nofail 0 2`]);
    t.is(w.read(`${dev}.mkfs`), "1");
    t.is(w.read(path.join(w.root, "mounts")), `${mnt} ${uuid}`);

    // etcd wrote its data; a rerun (after a dropped connection) changes nothing.
    fs.writeFileSync(`${dev}.data`, "etcd");
    r = w.run([`6e1c4f7a2b3d4e5f9a8b ${mnt}`]);
    t.deepEqual([r.code, r.results["formatted.6e1c4f7a2b3d4e5f9a8b"], r.results["data-disks"]], [0, "no", "already"], r.stderr);
    t.is(w.read(`${dev}.mkfs`), "1", "formatted exactly once");
    t.is(w.read(`${dev}.data`), "etcd", "its data is still there");
    t.is(w.fstabLines().length, 1);

    // Unmounted (a reboot that has not mounted it yet): mounted again, not formatted.
    fs.rmSync(path.join(w.root, "mounts"));
    r = w.run([`6e1c4f7a2b3d4e5f9a8b ${mnt}`]);
    t.deepEqual([r.code, r.results["formatted.6e1c4f7a2b3d4e5f9a8b"], r.results["data-disks"]], [0, "no", "done"], r.stderr);
    t.is(w.read(`${dev}.mkfs`), "1");
    t.is(w.read(`${dev}.data`), "etcd");
});

test("a disk brought with a filesystem is mounted as it is; its fstab line replaces the path's old one", (t) => {
    const w = world(t);
    const dev = w.disk("aaaaaaaaaaaaaaaaaaaa", "vdc");
    fs.writeFileSync(`${dev}.fs`, "xfs kept-uuid");
    const mnt = path.join(w.root, "data");
    fs.appendFileSync(path.join(w.root, "fstab"), `UUID=old-uuid ${mnt} ext4 defaults,nofail 0 2\n`);
    const r = w.run([`aaaaaaaaaaaaaaaaaaaa ${mnt}`]);
    t.is(r.code, 0, r.stderr);
    t.is(r.results["formatted.aaaaaaaaaaaaaaaaaaaa"], "no");
    t.false(fs.existsSync(`${dev}.mkfs`), "never formatted");
    t.deepEqual(w.fstabLines(), [`UUID=kept-uuid ${mnt} xfs defaults,nofail 0 2`]);
});

test("refuses, formatting nothing: a partition table, a signature that is not a filesystem, a directory holding files, a bad line", (t) => {
    const w = world(t);
    const pt = w.disk("bbbbbbbbbbbbbbbbbbbb", "vdb");
    fs.writeFileSync(`${pt}.pt`, "");
    let r = w.run([`bbbbbbbbbbbbbbbbbbbb ${path.join(w.root, "a")}`]);
    t.is(r.code, 1);
    t.regex(r.stderr, /has a partition table but no filesystem.*not formatting it/);

    const swap = w.disk("cccccccccccccccccccc", "vdc");
    fs.writeFileSync(`${swap}.fs`, "swap some-uuid");
    r = w.run([`cccccccccccccccccccc ${path.join(w.root, "b")}`]);
    t.is(r.code, 1);
    t.regex(r.stderr, /holds swap, not a filesystem to mount/);

    const fresh = w.disk("dddddddddddddddddddd", "vdd");
    const busy = path.join(w.root, "var/lib/containerd");
    fs.mkdirSync(busy, { recursive: true });
    fs.writeFileSync(path.join(busy, "meta.db"), "x");
    r = w.run([`dddddddddddddddddddd ${busy}`]);
    t.is(r.code, 1);
    t.regex(r.stderr, /already holds files on the root disk/);

    r = w.run(["not-a-serial /x"]);
    t.is(r.code, 1);
    t.regex(r.stderr, /is not '<serial> <absolute path>'/);
    for (const d of [pt, swap]) t.false(fs.existsSync(`${d}.mkfs`), `${path.basename(d)} not formatted`);
    t.truthy(fresh);
});
