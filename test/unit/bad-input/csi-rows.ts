// Bad-input rows of CSI: KubernetesCluster `enableCsi` and the self-managed install (NodeGroup `csi`): one property spoiled per row.
import { CP, K8S, NG, Row } from "./common";

const CSI = { diskOffering: "Custom" };

export const CSI_ROWS: Row[] = [
    {
        kind: "KubernetesCluster",
        case: "enableCsi not a boolean",
        inputs: { ...K8S, enableCsi: "yes" },
        property: "enableCsi",
        message: /must be true or false, got "yes"/,
    },
    { kind: "NodeGroup", case: "csi on a worker group", inputs: { ...NG, csi: CSI }, property: "csi", message: /only for the control-plane group/ },
    { kind: "NodeGroup", case: "csi without a disk offering", inputs: { ...CP, csi: {} }, property: "csi.diskOffering", message: /is required/ },
    {
        kind: "NodeGroup",
        case: "csi StorageClass name not a Kubernetes name",
        inputs: { ...CP, csi: { ...CSI, storageClassName: "Fast_Disks" } },
        property: "csi.storageClassName",
        message: /lower-case DNS subdomain name.*'Fast_Disks'/,
    },
    {
        kind: "NodeGroup",
        case: "csi API key without its secret key",
        inputs: { ...CP, csi: { ...CSI, apiKey: "k" } },
        property: "csi.secretKey",
        message: /required with the other/,
    },
    {
        kind: "NodeGroup",
        case: "csi enabled not a boolean",
        inputs: { ...CP, csi: { ...CSI, enabled: "yes" } },
        property: "csi.enabled",
        message: /must be a boolean/,
    },
];
