// How long simulated async jobs take. "fast" keeps tests quick; "realistic" follows what real Mold
// takes (a cluster create is minutes). Both are multiplied by the time factor.

export type LatencyProfileName = "fast" | "realistic";

const FAST: Record<string, number> = {
    default: 20,
    deployVirtualMachine: 60,
    createKubernetesCluster: 300,
    startKubernetesCluster: 150,
    stopKubernetesCluster: 100,
    scaleKubernetesCluster: 150,
    upgradeKubernetesCluster: 150,
    deleteKubernetesCluster: 150,
};

const REALISTIC: Record<string, number> = {
    default: 1_500,
    createTags: 300,
    deleteTags: 300,
    associateIpAddress: 2_000,
    disassociateIpAddress: 2_000,
    updateNetwork: 5_000,
    deleteNetwork: 8_000,
    restartNetwork: 20_000,
    deployVirtualMachine: 40_000,
    startVirtualMachine: 20_000,
    stopVirtualMachine: 15_000,
    rebootVirtualMachine: 20_000,
    destroyVirtualMachine: 10_000,
    scaleVirtualMachine: 5_000,
    createKubernetesCluster: 240_000,
    startKubernetesCluster: 90_000,
    stopKubernetesCluster: 40_000,
    scaleKubernetesCluster: 120_000,
    upgradeKubernetesCluster: 180_000,
    deleteKubernetesCluster: 60_000,
    addNodesToKubernetesCluster: 90_000,
    removeNodesFromKubernetesCluster: 60_000,
};

export const LATENCY_PROFILES: Record<LatencyProfileName, Record<string, number>> = { fast: FAST, realistic: REALISTIC };

export class Latency {
    /** Per-command overrides in ms (before the time factor), e.g. for benchmarks. */
    overrides: Record<string, number> = {};
    constructor(
        public profile: LatencyProfileName = "fast",
        public timeFactor = 1,
    ) {
        if (!LATENCY_PROFILES[profile]) throw new Error(`unknown latency profile '${profile}' (fast, realistic)`);
        if (!(timeFactor > 0)) throw new Error(`time factor must be positive, got ${timeFactor}`);
    }

    base(command: string): number {
        const table = LATENCY_PROFILES[this.profile];
        return this.overrides[command] ?? table[command] ?? table.default;
    }

    of(command: string): number {
        return Math.round(this.base(command) * this.timeFactor);
    }
}
