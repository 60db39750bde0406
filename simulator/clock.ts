// The simulator's time: job durations, VM boots, cluster state transitions, ISO downloads, boot delays and
// step latencies of the emulated SSH nodes all read this one clock, so tests move it forward instead of
// sleeping. By default it is the wall clock (plus whatever a test skipped); a frozen clock moves only when
// told to. Sockets, lock files and request logs keep the wall clock: they measure real I/O.

interface Sleeper {
    at: number;
    resolve: () => void;
    timer?: NodeJS.Timeout;
}

export interface ClockOptions {
    /** Only `advance` moves it (no wall-clock time passes). Default false. */
    frozen?: boolean;
    /** Epoch ms it starts at; default now. */
    start?: number;
}

export class SimClock {
    private readonly frozen: boolean;
    /** Wall-clock mode: ms skipped so far. Frozen mode: the current time. */
    private base: number;
    private readonly sleepers = new Set<Sleeper>();

    constructor(options: ClockOptions = {}) {
        this.frozen = options.frozen ?? false;
        this.base = this.frozen ? (options.start ?? Date.now()) : (options.start ?? Date.now()) - Date.now();
    }

    /** Epoch ms of the simulated cloud. */
    now(): number {
        return this.frozen ? this.base : Date.now() + this.base;
    }

    /** Moves time forward by `ms` (never back); sleepers whose time came wake up. */
    advance(ms: number): number {
        if (!(ms >= 0) || !Number.isFinite(ms)) throw new Error(`the clock moves forward only: advance(${ms})`);
        this.base += ms;
        for (const s of [...this.sleepers]) this.schedule(s);
        return this.now();
    }

    /** Resolves once `ms` of simulated time passed (by the wall clock, by `advance`, or both). */
    sleep(ms: number): Promise<void> {
        return new Promise((resolve) => this.schedule({ at: this.now() + Math.max(0, ms), resolve }));
    }

    private schedule(s: Sleeper): void {
        if (s.timer) clearTimeout(s.timer);
        s.timer = undefined;
        const left = s.at - this.now();
        if (left <= 0) {
            this.sleepers.delete(s);
            s.resolve();
            return;
        }
        this.sleepers.add(s);
        // A frozen clock's sleepers wait for advance(); the wall clock's also for time to pass.
        if (!this.frozen) s.timer = setTimeout(() => this.schedule(s), left);
    }
}
