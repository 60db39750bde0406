// Runs bootstrap steps on one node over one SSH connection, reconnecting when it drops mid-step: steps
// are idempotent, so running the same step again is safe.
import { connect, ConnectPolicy, SshConnectionLostError, SshSession, SshTarget } from "../ssh/connection";
import { parseResults, STEP_TIMEOUT_MS, stepCommand, StepFailedError, stepInput, StepName } from "./steps";

export interface NodeRunnerOptions {
    connect?: ConnectPolicy;
    /** Runs of a step whose connection drops before it finishes (default 3). */
    stepAttempts?: number;
    log?: (message: string) => void;
}

export interface StepOutcome {
    results: Record<string, string>;
    stdout: string;
    stderr: string;
}

export class NodeRunner {
    private session: SshSession | undefined;
    private connecting: Promise<SshSession> | undefined;
    private readonly stepAttempts: number;
    private readonly log: (message: string) => void;
    private isClosed = false;

    constructor(
        readonly target: SshTarget,
        private readonly opts: NodeRunnerOptions = {},
    ) {
        this.stepAttempts = Math.max(1, Math.floor(opts.stepAttempts ?? 3));
        this.log = opts.log ?? opts.connect?.log ?? (() => undefined);
    }

    async run(step: StepName, env: Record<string, string> = {}, opts: { timeoutMs?: number } = {}): Promise<StepOutcome> {
        // Built before connecting, so bad input fails without touching the node.
        const command = stepCommand(step, env);
        const script = stepInput(step, env);
        const timeoutMs = opts.timeoutMs ?? STEP_TIMEOUT_MS[step];
        for (let attempt = 1; ; attempt++) {
            const session = await this.sessionOpen();
            try {
                const result = await session.exec(command, { stdin: script, timeoutMs });
                if (result.code !== 0) {
                    throw new StepFailedError(this.target.label, step, result.code, result.stdout, result.stderr, result.signal);
                }
                return { results: parseResults(result.stdout), stdout: result.stdout, stderr: result.stderr };
            } catch (err) {
                const lost = err instanceof SshConnectionLostError || (session.closed && !(err instanceof StepFailedError));
                if (!lost) throw err;
                this.dropSession(session);
                if (attempt >= this.stepAttempts || this.isClosed) throw err;
                this.log(`${this.target.label}: connection lost during ${step}, reconnecting (attempt ${attempt + 1} of ${this.stepAttempts})`);
            }
        }
    }

    /** Connects (or reuses the connection) and tells which of the accepted host keys the node presented. */
    async presentedHostKey(): Promise<string> {
        return (await this.sessionOpen()).hostPublicKey;
    }

    close(): void {
        this.isClosed = true;
        this.session?.close();
        this.session = undefined;
        // A connect under way is closed when it lands.
        this.connecting?.then(
            (session) => session.close(),
            () => undefined,
        );
    }

    private async sessionOpen(): Promise<SshSession> {
        if (this.isClosed) throw new Error(`${this.target.label}: the node runner is closed`);
        if (this.session && !this.session.closed) return this.session;
        this.session = undefined;
        // Concurrent runs on one node share one connection attempt.
        this.connecting ??= connect(this.target, this.opts.connect).finally(() => {
            this.connecting = undefined;
        });
        const session = await this.connecting;
        if (this.isClosed) {
            session.close();
            throw new Error(`${this.target.label}: the node runner is closed`);
        }
        this.session = session;
        return session;
    }

    private dropSession(session: SshSession): void {
        session.close();
        if (this.session === session) this.session = undefined;
    }
}
