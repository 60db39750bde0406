// Bad-input rows of Volume (issue 14 §2) that check alone can judge. The offering's rules (a size on a fixed-size
// offering, IOPS on an offering without them) need Mold's listDiskOfferings: they are checked at preview through
// the engine (test/e2e/volume.test.ts) and as pure rules in test/unit/volume-rules.test.ts.
import { Row } from "./common";

/** Valid Volume inputs, one property spoiled per row. */
export const VOL = { zone: "zone1", diskOffering: "Custom", size: 10, virtualMachine: "vm-1" };
const POLICY = { intervalType: "daily", schedule: "30:02", maxSnapshots: 3 };

export const VOLUME_ROWS: Row[] = [
    { kind: "Volume", case: "size below 1", inputs: { ...VOL, size: 0 }, property: "size", message: /must be a size in GB from 1/ },
    { kind: "Volume", case: "size not a whole number", inputs: { ...VOL, size: 2.5 }, property: "size", message: /must be a size in GB/ },
    {
        kind: "Volume",
        case: "size below the current size without allowShrink",
        olds: { ...VOL, size: 20 },
        inputs: { ...VOL, size: 15 },
        property: "size",
        message: /is 15 GB, below the current 20 GB.*set allowShrink: true/,
    },
    {
        kind: "Volume",
        case: "size below the current size with allowShrink false",
        olds: { ...VOL, size: 20 },
        inputs: { ...VOL, size: 15, allowShrink: false },
        property: "size",
        message: /below the current 20 GB/,
    },
    { kind: "Volume", case: "zone missing", inputs: { ...VOL, zone: undefined }, property: "zone", message: /is required/ },
    { kind: "Volume", case: "diskOffering missing", inputs: { ...VOL, diskOffering: undefined }, property: "diskOffering", message: /is required/ },
    { kind: "Volume", case: "minIops above maxIops", inputs: { ...VOL, minIops: 500, maxIops: 100 }, property: "minIops", message: /must not exceed maxIops/ },
    { kind: "Volume", case: "maxIops below 1", inputs: { ...VOL, maxIops: 0 }, property: "maxIops", message: /from 1/ },
    {
        kind: "Volume",
        case: "hourly schedule with an hour",
        inputs: { ...VOL, snapshotPolicy: { ...POLICY, intervalType: "hourly", schedule: "30:02" } },
        property: "snapshotPolicy.schedule",
        message: /'30:02' does not parse for a hourly policy: the format is MM/,
    },
    {
        kind: "Volume",
        case: "daily schedule with hour 24",
        inputs: { ...VOL, snapshotPolicy: { ...POLICY, schedule: "30:24" } },
        property: "snapshotPolicy.schedule",
        message: /does not parse for a daily policy/,
    },
    {
        kind: "Volume",
        case: "weekly schedule on day 8",
        inputs: { ...VOL, snapshotPolicy: { ...POLICY, intervalType: "weekly", schedule: "00:03:8" } },
        property: "snapshotPolicy.schedule",
        message: /day of week 1-7/,
    },
    {
        kind: "Volume",
        case: "monthly schedule on day 29",
        inputs: { ...VOL, snapshotPolicy: { ...POLICY, intervalType: "monthly", schedule: "00:03:29" } },
        property: "snapshotPolicy.schedule",
        message: /day of month 1-28/,
    },
    {
        kind: "Volume",
        case: "unknown interval type",
        inputs: { ...VOL, snapshotPolicy: { ...POLICY, intervalType: "yearly" } },
        property: "snapshotPolicy.intervalType",
        message: /must be one of hourly, daily, weekly, monthly/,
    },
    {
        kind: "Volume",
        case: "maxSnapshots below 1",
        inputs: { ...VOL, snapshotPolicy: { ...POLICY, maxSnapshots: 0 } },
        property: "snapshotPolicy.maxSnapshots",
        message: /must be a count from 1/,
    },
    {
        kind: "Volume",
        case: "snapshot policy on a volume never attached",
        inputs: { ...VOL, virtualMachine: undefined, snapshotPolicy: POLICY },
        property: "snapshotPolicy",
        message: /needs virtualMachine/,
    },
];
