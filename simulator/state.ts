// The simulated cloud's whole state: plain JSON, so it can be saved to a file and shared by
// processes. Tables are keyed by UUID; JS keeps insertion order for such keys, which gives
// "ordered by internal id" listings for free.
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";

export interface Account {
    id: string;
    name: string;
    domainid: string;
    domain: string;
    userid: string;
    username: string;
    apiKey: string;
    secretKey: string;
    /** Mold role type: Admin, DomainAdmin or User. */
    roletype: string;
}

export interface SimState {
    schema: 1;
    /** Monotonic counter for ordering (jobs, events) within one state. */
    seq: number;
    accounts: Account[];
    /** Next host part handed out from the public (loopback) pool. */
    ipPoolNext: number;
    /**
     * First two octets of the public pool ("127.x"), chosen when the state is made and kept with it, so a
     * restarted simulator or another process on the same state hands out addresses from the same range.
     * Absent in states from before it existed, which all used 127.100.
     */
    publicIpPrefix?: string;
    /** Tables of records keyed by UUID: networks, vms, jobs, … */
    tables: Record<string, Record<string, any>>;
}

export function emptyState(): SimState {
    return { schema: 1, seq: 0, accounts: [], ipPoolNext: 2, tables: {} };
}

export function table<T = any>(state: SimState, name: string): Record<string, T> {
    return (state.tables[name] ??= {}) as Record<string, T>;
}

export function newKey(bytes = 32): string {
    return randomBytes(bytes).toString("base64url");
}

/**
 * Optional persistence. With a file, every request runs under a lock file, reloads the state when
 * another process changed it, and saves it atomically (write, then rename), so several simulator
 * processes or a later run see one cloud.
 */
export class StateFile {
    private lastStamp = "";
    constructor(readonly file: string) {}

    private stamp(): string {
        try {
            const st = fs.statSync(this.file);
            return `${st.mtimeMs}:${st.size}`;
        } catch {
            return "";
        }
    }

    load(): SimState | undefined {
        if (!fs.existsSync(this.file)) return undefined;
        const state = JSON.parse(fs.readFileSync(this.file, "utf8")) as SimState;
        this.lastStamp = this.stamp();
        return state;
    }

    /** Returns a newer state when another process wrote the file since we last saw it. */
    reloadIfChanged(): SimState | undefined {
        return this.stamp() !== this.lastStamp ? this.load() : undefined;
    }

    save(state: SimState): void {
        fs.mkdirSync(path.dirname(path.resolve(this.file)), { recursive: true });
        const tmp = `${this.file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify(state));
        fs.renameSync(tmp, this.file);
        this.lastStamp = this.stamp();
    }

    /** Runs `fn` holding `<file>.lock`; a lock older than 10 s is considered abandoned. */
    withLock<T>(fn: () => T): T {
        const lock = `${this.file}.lock`;
        const deadline = Date.now() + 10_000;
        for (;;) {
            try {
                fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
                break;
            } catch (e) {
                if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
                try {
                    if (Date.now() - fs.statSync(lock).mtimeMs > 10_000) fs.rmSync(lock, { force: true });
                } catch {
                    // removed meanwhile
                }
                if (Date.now() > deadline) throw new Error(`state file lock ${lock} is held by another process`, { cause: e });
                Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
            }
        }
        try {
            return fn();
        } finally {
            fs.rmSync(lock, { force: true });
        }
    }
}
