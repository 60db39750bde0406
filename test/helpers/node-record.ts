// A node group's node record for unit tests of the pure kubeadm modules: slot n, Ready, offering o1, template t1.
import type { NodeRecord } from "../../provider/kubeadm/plan";

export const nodeRecord = (slot: number, extra: Partial<NodeRecord> = {}): NodeRecord => ({
    name: `n${slot}`,
    vmId: `vm${slot}`,
    privateIp: "",
    slot,
    access: "port-forward",
    sshHost: "127.1.0.1",
    sshPort: 22100 + slot,
    portForwardingRuleId: "",
    hostPublicKey: "",
    hostKeyFingerprint: "",
    serviceOfferingId: "o1",
    templateId: "t1",
    keyPair: "k",
    status: "ready",
    createdAt: "2026-01-01T00:00:00Z",
    ...extra,
});
