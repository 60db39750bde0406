// Guest statistics on every UserVmResponse, as real servers send them once their stats collector has run
// (the recorded listVirtualMachines/startVirtualMachine/stopVirtualMachine answers all carry them): `cpuused`
// is a "#.##%" string, the byte and I/O counters are numbers. A simulator has no hypervisor to ask: a running VM
// reports its allocated memory and no activity, a stopped one zeros.

export const VM_STAT_FIELDS = [
    "cpuused",
    "networkkbsread",
    "networkkbswrite",
    "diskkbsread",
    "diskkbswrite",
    "diskioread",
    "diskiowrite",
    "memorykbs",
    "memoryintfreekbs",
    "memorytargetkbs",
    "receivedbytes",
    "sentbytes",
] as const;

export function vmStats(vm: { state?: string; memory?: unknown }): Record<(typeof VM_STAT_FIELDS)[number], string | number> {
    const allocatedKbs = vm.state === "Running" && typeof vm.memory === "number" ? vm.memory * 1024 : 0;
    return {
        cpuused: "0%",
        networkkbsread: 0,
        networkkbswrite: 0,
        diskkbsread: 0,
        diskkbswrite: 0,
        diskioread: 0,
        diskiowrite: 0,
        memorykbs: allocatedKbs,
        memoryintfreekbs: 0,
        memorytargetkbs: allocatedKbs,
        receivedbytes: 0,
        sentbytes: 0,
    };
}
