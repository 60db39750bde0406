// Programmatic use: `const sim = await startSimulator({ port: 0 })`, then point the client at sim.url.
export { startSimulatorServer as startSimulator, startSimulatorServer, RunningSimulator, ServerOptions } from "./server";
export { Simulator, SimulatorOptions } from "./simulator";
export { FaultConfig } from "./faults";
export { LatencyProfileName } from "./latency";
export { SimClock, ClockOptions } from "./clock";
export { KubeApiEndpoint } from "./kube-api";
export { SshDropRule, SshEndpoint, SshFaultConfig, EmulatedNode, StepHistoryEntry, StepOutcome } from "./ssh/types";
export { EmulatedNodeView, KubeadmClusterView } from "./kubeadm/views";
export { formatStepCommand, parseStepCommand } from "./ssh/command";
