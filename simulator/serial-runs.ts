// Runs one reconcile at a time for the simulator's endpoint managers (Kubernetes APIs, SSH nodes): calls made
// while one runs share the next run, so a burst of API requests costs at most two.
export class SerialRuns {
    private current?: Promise<void>;
    private queued?: Promise<void>;

    constructor(
        /** What one run does. */
        private readonly once: () => Promise<void>,
        /** Named in the message when a run fails (it is reported, never thrown: a timer calls this). */
        private readonly label: string,
        /** Runs are skipped once this says so. */
        private readonly stopped: () => boolean,
    ) {}

    run(): Promise<void> {
        if (this.queued) return this.queued;
        const previous = this.current ?? Promise.resolve();
        const next: Promise<void> = previous.then(async () => {
            this.queued = undefined;
            this.current = next;
            try {
                if (!this.stopped()) await this.once();
            } catch (e) {
                process.stderr.write(`mold-simulator: ${this.label} reconcile: ${(e as Error).message}\n`);
            } finally {
                if (this.current === next) this.current = undefined;
            }
        });
        this.queued = next;
        return next;
    }

    /** The run in progress, if any (await it before tearing down). */
    settled(): Promise<void> {
        return this.current ?? Promise.resolve();
    }
}
