// Kubernetes API objects the simulated API servers answer with: Status, version info, Nodes (for
// CloudManaged clusters from Mold's cluster record, for emulated kubeadm clusters from their node list)
// and kubectl's node Table.
import { createHash } from "crypto";
import { T } from "./model";
import type { ClusterNode, ClusterRecord } from "./records/cluster";
import type { SimState } from "./state";
import { KubeadmCluster, nodeReady } from "./kubeadm/cluster";
import { readyCondition, ReadyCondition } from "./kubeadm/health";

/** metav1.Status, as the API server answers errors. */
export function status(code: number, reason: string, message: string, details: Record<string, string> = {}) {
    return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, details, code };
}

export function versionInfo(semver: string) {
    const [major, minor] = semver.split(".");
    return {
        major,
        minor,
        gitVersion: `v${semver}`,
        gitCommit: createHash("sha1").update(semver).digest("hex"),
        gitTreeState: "clean",
        buildDate: "2025-01-01T00:00:00Z",
        goVersion: "go1.22.0",
        compiler: "gc",
        platform: "linux/amd64",
    };
}

/** Mold dates (2026-01-02T03:04:05+0000) as RFC 3339. */
const rfc3339 = (moldDate: unknown) => (typeof moldDate === "string" ? moldDate.replace(/\+0000$/, "Z") : undefined);

interface NodeSpec {
    name: string;
    vm: any;
    ready: boolean;
    labels: Record<string, string>;
    taints: { key: string; value?: string; effect: string }[];
    /** kubelet version without the v. */
    version: string;
    created?: string;
    /** The simulator's time (simulator/clock.ts): the kubelet's last heartbeat. */
    now: number;
    /** The Ready condition when known better than from `ready` (emulated kubeadm nodes: kubeadm/health.ts). */
    condition?: ReadyCondition;
}

function nodeObject(n: NodeSpec): any {
    const { vm, name, ready } = n;
    const nic = (vm.nic ?? []).find((x: any) => x.isdefault) ?? vm.nic?.[0];
    const version = `v${n.version}`;
    const heartbeat = new Date(n.now).toISOString().replace(/\.\d{3}Z$/, "Z");
    return {
        kind: "Node",
        apiVersion: "v1",
        metadata: {
            name,
            uid: vm.id,
            creationTimestamp: n.created ?? rfc3339(vm.created),
            labels: {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/os": "linux",
                "beta.kubernetes.io/arch": "amd64",
                ...n.labels,
            },
        },
        spec: {
            providerID: `external:///${vm.id}`,
            ...(n.taints.length
                ? { taints: n.taints.map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect })) }
                : {}),
        },
        status: {
            conditions: [
                {
                    type: "Ready",
                    ...(n.condition ?? {
                        status: ready ? "True" : vm.state === "Running" ? "False" : "Unknown",
                        reason: ready ? "KubeletReady" : vm.state === "Running" ? "KubeletNotReady" : "NodeStatusUnknown",
                        message: ready
                            ? "kubelet is posting ready status"
                            : vm.state === "Running"
                              ? "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"
                              : "Kubelet stopped posting node status.",
                        lastTransitionTime: n.created ?? rfc3339(vm.created),
                    }),
                    // A kubelet that stopped posting status last did so when the condition became Unknown.
                    lastHeartbeatTime: n.condition?.status === "Unknown" ? n.condition.lastTransitionTime : heartbeat,
                },
            ],
            addresses: [...(nic?.ipaddress ? [{ type: "InternalIP", address: nic.ipaddress }] : []), { type: "Hostname", address: name }],
            nodeInfo: {
                kubeletVersion: version,
                kubeProxyVersion: version,
                operatingSystem: "linux",
                architecture: "amd64",
                containerRuntimeVersion: "containerd://1.7.24",
                osImage: "Debian GNU/Linux 12 (bookworm)",
                kernelVersion: "6.1.0-28-amd64",
                machineID: vm.id.replace(/-/g, ""),
                systemUUID: vm.id,
                bootID: vm.id,
            },
        },
    };
}

/** A CloudManaged cluster's nodes: control and worker VMs (etcd VMs run no kubelet); Ready while the VM runs. */
export function cksNodes(state: SimState, cluster: ClusterRecord, semver: string, now: number): any[] {
    const vms = state.tables[T.vms] ?? {};
    return cluster._nodes
        .filter((n: ClusterNode) => n.role !== "etcd" && vms[n.vmId])
        .map((n: ClusterNode) => {
            const vm = vms[n.vmId];
            const control = n.role === "control";
            return nodeObject({
                name: String(vm.name).toLowerCase(),
                vm,
                ready: vm.state === "Running",
                labels: control ? { "node-role.kubernetes.io/control-plane": "", "node.kubernetes.io/exclude-from-external-load-balancers": "" } : {},
                taints: control ? [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] : [],
                version: n.nodeVersion ?? semver,
                now,
            });
        });
}

/** An emulated kubeadm cluster's nodes with their labels and taints; Ready once joined with a CNI on a running VM. */
export function kubeadmNodes(state: SimState, cluster: KubeadmCluster, now: number): any[] {
    const vms = state.tables[T.vms] ?? {};
    return cluster.nodes.map((n) =>
        nodeObject({
            name: n.name,
            vm: vms[n.vmId] ?? { id: n.vmId, state: "Expunged", nic: [] },
            ready: nodeReady(state, cluster, n),
            labels: n.labels,
            taints: n.taints,
            version: n.kubeletVersion,
            created: n.joinedAt.replace(/\.\d{3}Z$/, "Z"),
            now,
            condition: readyCondition(state, cluster, n),
        }),
    );
}

function age(since: string | undefined, now: number): string {
    const s = since ? Math.max(0, Math.floor((now - Date.parse(since)) / 1000)) : 0;
    if (s < 120) return `${s}s`;
    if (s < 7200) return `${Math.floor(s / 60)}m`;
    if (s < 172800) return `${Math.floor(s / 3600)}h`;
    return `${Math.floor(s / 86400)}d`;
}

/** meta.k8s.io/v1 Table with kubectl's node columns; ages as of `now` (the simulator's clock). */
export function nodeTable(nodes: any[], metadata: Record<string, string>, now: number) {
    const column = (name: string, priority = 0) => ({ name, type: "string", format: name === "Name" ? "name" : "", description: "", priority });
    return {
        kind: "Table",
        apiVersion: "meta.k8s.io/v1",
        metadata,
        columnDefinitions: [
            column("Name"),
            column("Status"),
            column("Roles"),
            column("Age"),
            column("Version"),
            column("Internal-IP", 1),
            column("OS-Image", 1),
        ],
        rows: nodes.map((n) => {
            const ready = n.status.conditions.find((c: any) => c.type === "Ready")?.status === "True";
            const roles = Object.keys(n.metadata.labels)
                .filter((l) => l.startsWith("node-role.kubernetes.io/"))
                .map((l) => l.slice("node-role.kubernetes.io/".length));
            return {
                cells: [
                    n.metadata.name,
                    ready ? "Ready" : "NotReady",
                    roles.join(",") || "<none>",
                    age(n.metadata.creationTimestamp, now),
                    n.status.nodeInfo.kubeletVersion,
                    n.status.addresses.find((a: any) => a.type === "InternalIP")?.address ?? "<none>",
                    n.status.nodeInfo.osImage,
                ],
                object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: n.metadata },
            };
        }),
    };
}
