// The simulator's safety rule for what it listens on: only loopback addresses. Shared by the Kubernetes API
// endpoints and the emulated SSH nodes.

/** Throws unless `address` is an IPv4 address inside 127.0.0.0/8: the simulator never listens elsewhere. */
export function assertLoopbackV4(address: string): void {
    const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
    if (!m || !m.slice(1).every((o) => Number(o) <= 255)) throw new Error(`refusing to listen on ${address}: not inside 127.0.0.0/8`);
}
