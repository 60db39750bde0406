// Bad-input rows of node repair (NodeGroup.repair, also each KubeadmCluster group's): one property spoiled per row.
import { CP, NG, Row } from "./common";

export const REPAIR_ROWS: Row[] = [
    {
        kind: "NodeGroup",
        case: "repair timeout unparsable",
        inputs: { ...NG, repair: { notReadyTimeout: "ten minutes" } },
        property: "repair.notReadyTimeout",
        message: /must be a duration such as "90s", "10m" or "1h".*got "ten minutes"/,
    },
    {
        kind: "NodeGroup",
        case: "repair timeout without a unit",
        inputs: { ...NG, repair: { notReadyTimeout: "600" } },
        property: "repair.notReadyTimeout",
        message: /must be a duration/,
    },
    {
        kind: "NodeGroup",
        case: "repair timeout below one minute",
        inputs: { ...NG, repair: { notReadyTimeout: "45s" } },
        property: "repair.notReadyTimeout",
        message: /at least 1m .*got '45s'/,
    },
    {
        kind: "NodeGroup",
        case: "repair without a timeout",
        inputs: { ...NG, repair: { maxUnhealthy: 1 } },
        property: "repair.notReadyTimeout",
        message: /is required with repair/,
    },
    {
        kind: "NodeGroup",
        case: "repair maxUnhealthy below 1",
        inputs: { ...NG, repair: { notReadyTimeout: "10m", maxUnhealthy: 0 } },
        property: "repair.maxUnhealthy",
        message: /a number of nodes from 1/,
    },
    {
        kind: "NodeGroup",
        case: "repair maxUnhealthy breaking a control plane's quorum",
        inputs: { ...CP, repair: { notReadyTimeout: "10m", maxUnhealthy: 2 } },
        property: "repair.maxUnhealthy",
        message: /2 would break etcd's quorum: a control plane of 3 keeps a majority with at most 1 node out at a time/,
    },
    {
        kind: "NodeGroup",
        case: "repair on a single control-plane node",
        inputs: { ...CP, count: 1, repair: { notReadyTimeout: "10m" } },
        property: "repair",
        message: /needs a control plane of at least 3 nodes/,
    },
];
