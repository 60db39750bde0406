// Bad-input rows of Kubernetes upgrades of node groups (issue 13 §1): skips, downgrades, skew, maxUnavailable.
import { CP, NG, Row } from "./common";

const node = (slot: number, kubeletVersion?: string) => ({
    name: `n${slot}`,
    vmId: `vm${slot}`,
    slot,
    status: "ready",
    ...(kubeletVersion ? { kubeletVersion } : {}),
});

export const UPGRADE_ROWS: Row[] = [
    {
        kind: "NodeGroup",
        case: "control plane upgrade skipping a minor",
        olds: { ...CP, kubernetesVersion: "1.31.9" },
        inputs: { ...CP, kubernetesVersion: "1.33.1" },
        property: "kubernetesVersion",
        message: /cannot change from 1\.31\.9 to 1\.33\.1: .*allowed next from 1\.31\.9: a newer patch of 1\.31 or a 1\.32\.x release/,
    },
    {
        kind: "NodeGroup",
        case: "downgrade",
        olds: { ...NG, kubernetesVersion: "1.32.5" },
        inputs: { ...NG, kubernetesVersion: "1.31.9" },
        property: "kubernetesVersion",
        message: /cannot change from 1\.32\.5 to 1\.31\.9: a downgrade is not possible/,
    },
    {
        kind: "NodeGroup",
        case: "patch downgrade",
        olds: { ...NG, kubernetesVersion: "1.32.5" },
        inputs: { ...NG, kubernetesVersion: "1.32.4" },
        property: "kubernetesVersion",
        message: /downgrade/,
    },
    {
        kind: "NodeGroup",
        case: "upgrade judged from the node an earlier upgrade left behind",
        olds: { ...NG, kubernetesVersion: "1.32.5", nodes: [node(0, "1.32.5"), node(1, "1.31.9")] },
        inputs: { ...NG, kubernetesVersion: "1.33.1" },
        property: "kubernetesVersion",
        message: /cannot change from 1\.31\.9 to 1\.33\.1/,
    },
    {
        kind: "NodeGroup",
        case: "upgrade to a version the template's OS cannot run",
        olds: { ...NG, template: "ubuntu-20.04", kubernetesVersion: "1.34.2" },
        inputs: { ...NG, template: "ubuntu-20.04", kubernetesVersion: "1.35.0" },
        property: "kubernetesVersion",
        message: /cannot run on template 'ubuntu-20\.04'/,
    },
    {
        kind: "NodeGroup",
        case: "worker newer than the control plane",
        inputs: { ...NG, kubernetesVersion: "1.33.1", controlPlaneVersion: "1.32.5" },
        property: "kubernetesVersion",
        message: /1\.33\.1 is newer than the control plane's 1\.32\.5 \(controlPlaneVersion\).*upgrade the control plane first/,
    },
    {
        kind: "NodeGroup",
        case: "worker more than three minors older than the control plane",
        inputs: { ...NG, kubernetesVersion: "1.28.9", controlPlaneVersion: "1.32.5" },
        property: "kubernetesVersion",
        message: /more than 3 minor releases older than the control plane's 1\.32\.5/,
    },
    { kind: "NodeGroup", case: "maxUnavailable below 1", inputs: { ...NG, maxUnavailable: 0 }, property: "maxUnavailable", message: /at least 1.*got 0/ },
    {
        kind: "NodeGroup",
        case: "maxUnavailable above the group size",
        inputs: { ...NG, count: 2, maxUnavailable: 3 },
        property: "maxUnavailable",
        message: /at most the group's count \(2\), got 3/,
    },
    {
        kind: "NodeGroup",
        case: "unknown upgrade strategy",
        inputs: { ...NG, upgradeStrategy: "surge" },
        property: "upgradeStrategy",
        message: /in-place, replace/,
    },
    {
        kind: "NodeGroup",
        case: "replace strategy on a control plane",
        inputs: { ...CP, upgradeStrategy: "replace" },
        property: "upgradeStrategy",
        message: /replace is for worker groups/,
    },
];
