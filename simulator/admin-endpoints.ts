// The simulator's admin API (/sim/*, not part of Mold): one list for the server's GET /sim/, `--help` and the README.

/** Every admin endpoint but GET /sim/ needs this header, carrying the simulator's API key. */
export const ADMIN_HEADER = "x-simulator-key";

export interface AdminEndpoint {
    method: "GET" | "POST";
    path: string;
    description: string;
}

export const ADMIN_ENDPOINTS: readonly AdminEndpoint[] = [
    { method: "GET", path: "/sim/", description: "this list (no header needed)" },
    { method: "GET", path: "/sim/inventory", description: "everything the simulated cloud holds, by table" },
    { method: "GET", path: "/sim/faults", description: "the injected API fault rates and the faults injected so far" },
    {
        method: "POST",
        path: "/sim/faults",
        description: 'set API fault rates, body {"serverErrorRate":0.1,"throttleRate":…,"dropRate":…,"jobFailureRate":…,"slowJobRate":…,"seed":1}',
    },
    { method: "POST", path: "/sim/latency", description: 'set async-job durations, body {"overrides":{"<command>":ms},"timeFactor":F}' },
    { method: "GET", path: "/sim/clock", description: "the simulated time (epoch ms)" },
    { method: "POST", path: "/sim/clock", description: 'move the simulated time forward, body {"advanceMs":ms}: due jobs run, boot delays end' },
    { method: "GET", path: "/sim/requests", description: "requests served, by command" },
    { method: "GET", path: "/sim/kube-api", description: "the clusters' Kubernetes API endpoints and their status" },
    { method: "GET", path: "/sim/ssh", description: "SSH fault configuration, the drops that fired and the SSH endpoints" },
    { method: "POST", path: "/sim/ssh", description: "replace the SSH fault configuration (stepLatencyMs, bootDelayMs, drops, fails)" },
    { method: "GET", path: "/sim/nodes", description: "the emulated nodes with their bootstrap step history" },
    { method: "GET", path: "/sim/kubeadm-clusters", description: "the emulated kubeadm clusters" },
    {
        method: "POST",
        path: "/sim/nodes/<vm name or id>/kubelet",
        description: 'stop or start a node\'s kubelet, body {"running":false}: its Node goes NotReady (Unknown) as of the simulated time',
    },
    {
        method: "POST",
        path: "/sim/zone-internet",
        description: 'cut or restore a zone\'s internet access, body {"zone":"zone1","internet":false}: image pulls then need a registry mirror',
    },
];

/** The answer of GET /sim/. */
export function adminIndex(): { header: string; endpoints: AdminEndpoint[] } {
    return { header: `${ADMIN_HEADER}: <API key>`, endpoints: ADMIN_ENDPOINTS.map((e) => ({ ...e })) };
}

/** The endpoints as text lines for `--help`. */
export function adminHelpText(): string {
    const width = Math.max(...ADMIN_ENDPOINTS.map((e) => `${e.method} ${e.path}`.length));
    return ADMIN_ENDPOINTS.map((e) => `  ${`${e.method} ${e.path}`.padEnd(width)}  ${e.description}`).join("\n");
}
