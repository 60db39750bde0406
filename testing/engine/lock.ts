// The state lock, as Pulumi's backends keep one per stack: a run holds `<state>.lock` (linked into place, so
// two runs cannot both take it) for as long as it reads or writes the state. A second run refuses at once,
// naming the holder; a lock whose process died is cleared only by an explicit `cancel`.
import * as fs from "fs";
import * as os from "os";

export interface LockHolder {
    pid: number;
    host: string;
    user: string;
    /** ISO time the run started. */
    startedAt: string;
    /** The engine command, e.g. "up". */
    command: string;
}

export const lockFileOf = (stateFile: string) => `${stateFile}.lock`;

/** Whether a process of this host is alive (EPERM: alive, but someone else's). */
export function processAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

export function describeHolder(h: LockHolder): string {
    return `pid ${h.pid} on host ${h.host} (user ${h.user}), running "${h.command}" since ${h.startedAt}`;
}

/** "alive", "dead" (same host, process gone: the lock is stale) or "unknown" (another host). */
export function holderStatus(h: LockHolder): "alive" | "dead" | "unknown" {
    if (h.host !== os.hostname()) return "unknown";
    return processAlive(h.pid) ? "alive" : "dead";
}

export class StateLockedError extends Error {
    constructor(
        readonly lockFile: string,
        readonly holder: LockHolder | undefined,
        cancelHint: string,
    ) {
        const who = holder ? describeHolder(holder) : "a holder whose lock file cannot be read";
        const stale = holder && holderStatus(holder) === "dead" ? "; that process is no longer running (a stale lock)" : "";
        super(
            `the state is locked by ${who}${stale}: wait for that run to end, or if it is gone clear the lock with \`${cancelHint}\` (lock file ${lockFile})`,
        );
    }
}

export function readHolder(lockFile: string): LockHolder | undefined {
    try {
        const h = JSON.parse(fs.readFileSync(lockFile, "utf8"));
        return typeof h?.pid === "number" ? (h as LockHolder) : undefined;
    } catch {
        return undefined;
    }
}

export class StateLock {
    private released = false;
    private constructor(
        readonly file: string,
        readonly holder: LockHolder,
    ) {}

    /** Takes the lock or throws StateLockedError naming the holder. */
    static acquire(stateFile: string, command: string, cancelHint: string): StateLock {
        const file = lockFileOf(stateFile);
        const holder: LockHolder = { pid: process.pid, host: os.hostname(), user: os.userInfo().username, startedAt: new Date().toISOString(), command };
        // The holder is written to a file of our own first and linked into place: link(2) fails if the lock
        // exists, as O_EXCL does, and a reader never sees a lock without its holder.
        const draft = `${file}.${process.pid}.draft`;
        fs.writeFileSync(draft, JSON.stringify(holder) + "\n");
        try {
            fs.linkSync(draft, file);
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new StateLockedError(file, readHolder(file), cancelHint);
            throw e;
        } finally {
            fs.rmSync(draft, { force: true });
        }
        const lock = new StateLock(file, holder);
        // The last safety net: whatever ends the process normally, the lock goes with it.
        process.once("exit", () => lock.release());
        return lock;
    }

    /** Removes the lock if it is still ours (synchronous, so it also runs from an exit handler). */
    release(): void {
        if (this.released) return;
        this.released = true;
        const now = readHolder(this.file);
        if (now && now.pid === this.holder.pid && now.startedAt === this.holder.startedAt && now.host === this.holder.host)
            fs.rmSync(this.file, { force: true });
    }
}

/**
 * `cancel`: clears a lock left by a run that is gone. A holder still running on this host is never
 * removed (that would let two runs proceed); one on another host cannot be checked, so the user's
 * explicit command decides.
 */
export function clearStaleLock(stateFile: string): { removed: boolean; message: string } {
    const file = lockFileOf(stateFile);
    if (!fs.existsSync(file)) return { removed: false, message: `no lock on ${stateFile}` };
    const holder = readHolder(file);
    if (holder && holderStatus(holder) === "alive") {
        throw new Error(`the lock holder is still running (${describeHolder(holder)}): stop it first, the lock goes with it`);
    }
    fs.rmSync(file, { force: true });
    return { removed: true, message: `removed the lock of ${holder ? describeHolder(holder) : "an unreadable holder"} (${file})` };
}
