// Stops the simulator when the process that started it goes away. `npx mold-simulator` runs the bin under
// npm (and a shell); a SIGTERM to npx need not reach us, but our parent's death re-parents us (to init or a
// subreaper), which process.ppid shows. Polling getppid() twice a second is cheap; the timer is unref'd so it
// never keeps the process alive on its own.

/** Calls `onGone` once when process.ppid changes from its value now. Returns a function that stops watching. */
export function watchParent(onGone: () => void, intervalMs = 500, ppid: () => number = () => process.ppid): () => void {
    const parent = ppid();
    // Started directly by init (a container's PID 1 or a daemon): there is no parent to outlive.
    if (parent <= 1) return () => undefined;
    const timer = setInterval(() => {
        if (ppid() !== parent) {
            clearInterval(timer);
            onGone();
        }
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
}
