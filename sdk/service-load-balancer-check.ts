// ServiceLoadBalancer's input rules, pure (no Pulumi, no Mold): every problem is collected, so one preview names
// them all. The component throws them at construction (plain inputs) or when unknown ports resolve.

export interface PlainServicePort {
    publicPort: number;
    nodePort: number;
    protocol: "tcp" | "udp";
}

/** Kubernetes' default NodePort range (kube-apiserver --service-node-port-range). */
export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;
const PROTOCOLS = ["tcp", "udp"];
const ALGORITHMS = ["roundrobin", "leastconn", "source"];
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

const isPort = (v: unknown, min: number, max: number) => typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;

/** The ports' problems (`ports[i].field: why`), and the ports lower-cased with tcp as the default protocol. */
export function checkPorts(ports: unknown, property = "ports"): { problems: string[]; ports: PlainServicePort[] } {
    const problems: string[] = [];
    if (!Array.isArray(ports) || ports.length === 0) return { problems: [`${property}: give at least one port`], ports: [] };
    const seen = new Map<number, number>();
    const out: PlainServicePort[] = [];
    ports.forEach((p: any, i) => {
        const at = `${property}[${i}]`;
        if (!p || typeof p !== "object") {
            problems.push(`${at}: must be { publicPort, nodePort, protocol }`);
            return;
        }
        if (!isPort(p.publicPort, 1, 65535)) problems.push(`${at}.publicPort: must be an integer from 1 to 65535 (got ${JSON.stringify(p.publicPort)})`);
        if (!isPort(p.nodePort, NODE_PORT_MIN, NODE_PORT_MAX)) {
            problems.push(`${at}.nodePort: must be a NodePort from ${NODE_PORT_MIN} to ${NODE_PORT_MAX} (got ${JSON.stringify(p.nodePort)})`);
        }
        const protocol = p.protocol === undefined || p.protocol === null ? "tcp" : String(p.protocol).toLowerCase();
        if (!PROTOCOLS.includes(protocol)) problems.push(`${at}.protocol: must be tcp or udp (got ${JSON.stringify(p.protocol)})`);
        // One rule per public port on the IP: Mold refuses a second rule on the same IP and port (conflict), and
        // the component's resource names are per public port.
        if (typeof p.publicPort === "number") {
            const first = seen.get(p.publicPort);
            if (first !== undefined) problems.push(`${at}.publicPort: ${p.publicPort} is already published by ${property}[${first}]`);
            else seen.set(p.publicPort, i);
        }
        out.push({ publicPort: p.publicPort, nodePort: p.nodePort, protocol: protocol as "tcp" | "udp" });
    });
    return { problems, ports: out };
}

export interface SettingsToCheck {
    /** The cluster's kind, or undefined when the input is not a pulumi-mold cluster. */
    clusterKind?: "KubernetesCluster" | "KubeadmCluster";
    /** What `cluster` was, for the message. */
    clusterDescription: string;
    /** A KubeadmCluster's worker groups. */
    workerGroups: string[];
    nodeGroups?: unknown;
    hasPorts: boolean;
    hasService: boolean;
    /** Known values only (Outputs are checked by the rules themselves). */
    cidrList?: unknown;
    algorithm?: unknown;
}

/** Problems of everything but the ports. */
export function checkSettings(s: SettingsToCheck): string[] {
    const problems: string[] = [];
    if (!s.clusterKind) {
        problems.push(`cluster: must be a pulumi-mold KubernetesCluster or KubeadmCluster (got ${s.clusterDescription})`);
    }
    if (s.hasPorts === s.hasService) problems.push(s.hasPorts ? "ports: give ports or service, not both" : "ports: give ports or a NodePort service");
    if (s.nodeGroups !== undefined) {
        if (s.clusterKind === "KubernetesCluster") {
            problems.push("nodeGroups: a KubernetesCluster's workers are one pool; nodeGroups is for a KubeadmCluster");
        } else if (!Array.isArray(s.nodeGroups) || s.nodeGroups.length === 0) {
            problems.push("nodeGroups: give at least one worker group, or leave it out for all of them");
        } else if (s.clusterKind === "KubeadmCluster") {
            for (const g of s.nodeGroups) {
                if (!s.workerGroups.includes(g))
                    problems.push(`nodeGroups: ${JSON.stringify(g)} is not a worker group of the cluster (${s.workerGroups.join(", ") || "none"})`);
            }
        }
    } else if (s.clusterKind === "KubeadmCluster" && s.workerGroups.length === 0) {
        problems.push("cluster: the KubeadmCluster has no worker groups to receive traffic");
    }
    if (s.cidrList !== undefined) {
        if (!Array.isArray(s.cidrList) || s.cidrList.length === 0) problems.push("cidrList: give at least one CIDR (0.0.0.0/0 for everyone)");
        else
            s.cidrList.forEach((c, i) => {
                const m = typeof c === "string" ? CIDR.exec(c) : null;
                if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32)
                    problems.push(`cidrList[${i}]: ${JSON.stringify(c)} is not an IPv4 CIDR`);
            });
    }
    if (s.algorithm !== undefined && !ALGORITHMS.includes(String(s.algorithm))) {
        problems.push(`algorithm: must be one of ${ALGORITHMS.join(", ")} (got ${JSON.stringify(s.algorithm)})`);
    }
    return problems;
}

/** A NodePort Service's spec.ports as the component's ports (port → publicPort). */
export function portsOfService(spec: any): { problems: string[]; ports: unknown[] } {
    if (!spec || spec.type !== "NodePort")
        return { problems: [`service: must be a Service of type NodePort (got type ${JSON.stringify(spec?.type)})`], ports: [] };
    const ports = (spec.ports ?? []).map((p: any) => ({ publicPort: p.port, nodePort: p.nodePort, protocol: p.protocol ?? "tcp" }));
    return { problems: [], ports };
}

export function failure(name: string, problems: string[]): Error {
    return new Error(`mold:ServiceLoadBalancer ${name}: ${problems.join("; ")}`);
}
