// Bad-input rows of NodeGroup `dataDisks` (mount paths, sizes, shape): one property spoiled per row. The offering
// rules (a size on a fixed-size offering, none on a custom one) need Mold: test/unit/data-disks.test.ts.
import { CP, NG, Row } from "./common";

const DISK = { diskOffering: "Custom", size: 10, mountPath: "/var/lib/etcd" };
const row = (c: string, disks: unknown, property: string, message: RegExp, base: Record<string, unknown> = CP): Row => ({
    kind: "NodeGroup",
    case: `dataDisks: ${c}`,
    inputs: { ...base, dataDisks: disks },
    property,
    message,
});

export const DATA_DISK_ROWS: Row[] = [
    row("not a list", DISK, "dataDisks", /must be a list/),
    row("mount path not absolute", [{ ...DISK, mountPath: "var/lib/etcd" }], "dataDisks[0].mountPath", /must be an absolute path.*'var\/lib\/etcd'/),
    row("mount path /", [{ ...DISK, mountPath: "/" }], "dataDisks[0].mountPath", /'\/' is a system path/),
    row("mount path /etc", [{ ...DISK, mountPath: "/etc" }], "dataDisks[0].mountPath", /'\/etc' is a system path/),
    row("mount path /usr", [{ ...DISK, mountPath: "/usr" }], "dataDisks[0].mountPath", /'\/usr' is a system path/),
    row("mount path /var/lib", [{ ...DISK, mountPath: "/var/lib" }], "dataDisks[0].mountPath", /'\/var\/lib' is a system path/),
    row("mount path under /proc", [{ ...DISK, mountPath: "/proc/data" }], "dataDisks[0].mountPath", /under \/proc/),
    row("mount path with ..", [{ ...DISK, mountPath: "/var/lib/../etc" }], "dataDisks[0].mountPath", /normalised path/),
    row("mount path with a trailing /", [{ ...DISK, mountPath: "/var/lib/etcd/" }], "dataDisks[0].mountPath", /normalised path/),
    row("mount path with a space", [{ ...DISK, mountPath: "/data disk" }], "dataDisks[0].mountPath", /whitespace/),
    row("mount path missing", [{ diskOffering: "Custom", size: 10 }], "dataDisks[0].mountPath", /is required/),
    row(
        "duplicate mount paths",
        [DISK, { ...DISK, diskOffering: "Medium", size: undefined }],
        "dataDisks[1].mountPath",
        /repeats dataDisks\[0\]\.mountPath '\/var\/lib\/etcd'/,
        NG,
    ),
    row(
        "nested mount paths",
        [
            { ...DISK, mountPath: "/data" },
            { ...DISK, mountPath: "/data/etcd" },
        ],
        "dataDisks[1].mountPath",
        /nested/,
    ),
    row("size 0", [{ ...DISK, size: 0 }], "dataDisks[0].size", /from 1/),
    row("size not whole", [{ ...DISK, size: 1.5 }], "dataDisks[0].size", /size in GB/),
    row("no disk offering", [{ size: 10, mountPath: "/data" }], "dataDisks[0].diskOffering", /is required/),
    row("retainOnDelete not a boolean", [{ ...DISK, retainOnDelete: "yes" }], "dataDisks[0].retainOnDelete", /must be a boolean/),
];
