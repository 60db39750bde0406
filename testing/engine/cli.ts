// `npm run engine -- <command> <program-dir> [options]` (see USAGE). Runs a Pulumi program through the test
// engine and ends with ONE JSON line on stdout:
// {"steps":{"create":n,"update":n,"replace":n,"delete":n,"same":n},"outputs":{…}} (secrets as "[secret]").
// A failed run prints one `error: …` line on stderr (the root failure) and exits 1; usage errors exit 2.
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { displayOutputs, Engine } from "./engine";
import { errorMessage, oneLine } from "./failures";
import { clearStaleLock, StateLock } from "./lock";
import { ensureSelfLink, repoRoot } from "./self-link";

const COMMANDS = ["up", "preview", "refresh", "destroy", "cancel"] as const;
type Command = (typeof COMMANDS)[number];

export const USAGE = `usage: npm run engine -- <command> <program-dir> [options]

Runs a Pulumi program (TypeScript) with pulumi-mold's test engine, as the Pulumi CLI would.

commands:
  up        create, update, replace and delete resources to match the program
  preview   show what up would do; changes nothing
  refresh   read every resource back from Mold into the state
  destroy   delete every resource of the state
  cancel    remove the state's lock left by a run that is gone (like \`pulumi cancel\`);
            refuses while the holder still runs on this host

options:
  --state FILE          the stack's state file (default <program-dir>/.pulumi-mold-engine/state.json);
                        a run locks it as FILE.lock while it works
  --stack NAME          stack name (default dev; letters, digits, '-', '_', '.')
  --config KEY=VALUE    stack config, repeatable (a bare KEY gets the project's namespace, e.g. mold:apiUrl)
  --secret KEY=VALUE    secret stack config, repeatable (stored encrypted)
  -h, --help            print this help
  --version             print the pulumi-mold version

Without mold:* config the MOLD_* / CLOUDSTACK_* environment is used.
exit codes: 0 done; 1 the run failed (one "error: …" line on stderr) or the state is locked; 2 usage error`;

class UsageError extends Error {}

export interface Args {
    command: Command;
    programDir: string;
    state: string;
    stack: string;
    config: Record<string, string>;
    secrets: Record<string, string>;
}

function pairs(option: string, values: string[] | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const value of values ?? []) {
        const eq = value.indexOf("=");
        if (eq <= 0) throw new UsageError(`--${option} takes KEY=VALUE, got '${value}'`);
        out[value.slice(0, eq)] = value.slice(eq + 1);
    }
    return out;
}

/** Parses argv; "help" / "version" when asked for; throws UsageError naming what is wrong. */
export function parse(argv: string[]): Args | "help" | "version" {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            allowPositionals: true,
            strict: true,
            options: {
                state: { type: "string" },
                stack: { type: "string" },
                config: { type: "string", multiple: true },
                secret: { type: "string", multiple: true },
                help: { type: "boolean", short: "h" },
                version: { type: "boolean" },
            },
        });
    } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const option = /'(-[^' ]*)/.exec(err.message)?.[1];
        if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new UsageError(`unknown option ${option ?? err.message}`);
        if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
            throw new UsageError(/argument missing/.test(err.message) && option ? `option ${option} needs a value` : oneLine(err.message));
        }
        throw new UsageError(oneLine(err.message));
    }
    const { values, positionals } = parsed;
    if (values.help) return "help";
    if (values.version) return "version";
    const [command, programDir, ...extra] = positionals;
    if (!command) throw new UsageError("a command is required (up, preview, refresh, destroy, cancel)");
    if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`unknown command '${command}' (up, preview, refresh, destroy, cancel)`);
    if (!programDir) throw new UsageError(`${command} needs a program folder`);
    if (extra.length) throw new UsageError(`unexpected argument '${extra[0]}'`);
    if (command !== "cancel" && !(fs.existsSync(programDir) && fs.statSync(programDir).isDirectory())) {
        throw new UsageError(`program folder '${programDir}' does not exist or is not a folder`);
    }
    if (values.state !== undefined && !values.state.trim()) throw new UsageError("--state needs a file name");
    if (values.state !== undefined && fs.existsSync(values.state) && fs.statSync(values.state).isDirectory()) {
        throw new UsageError(`--state '${values.state}' is a folder; give the state file`);
    }
    if (values.stack !== undefined && !/^[A-Za-z0-9_.-]+$/.test(values.stack)) {
        throw new UsageError(`--stack '${values.stack}' is not a stack name (letters, digits, '-', '_', '.')`);
    }
    if (command === "cancel" && (values.config || values.secret)) throw new UsageError("cancel takes no --config or --secret");
    return {
        command: command as Command,
        programDir,
        state: values.state ?? path.join(programDir, ".pulumi-mold-engine", "state.json"),
        stack: values.stack ?? "dev",
        config: pairs("config", values.config),
        secrets: pairs("secret", values.secret),
    };
}

function version(): string {
    return JSON.parse(fs.readFileSync(path.join(repoRoot(), "package.json"), "utf8")).version;
}

/** The command that clears a stale lock, as the refusal tells the user. */
function cancelHint(args: Args): string {
    const state = path.resolve(args.state) === path.resolve(path.join(args.programDir, ".pulumi-mold-engine", "state.json")) ? "" : ` --state ${args.state}`;
    return `npm run engine -- cancel ${args.programDir}${state}`;
}

const fail = (message: string) => process.stderr.write(`error: ${oneLine(message)}\n`);

export async function main(argv: string[]): Promise<number> {
    let args: Args;
    try {
        const parsed = parse(argv);
        if (parsed === "help") {
            process.stdout.write(USAGE + "\n");
            return 0;
        }
        if (parsed === "version") {
            process.stdout.write(version() + "\n");
            return 0;
        }
        args = parsed;
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        fail(e.message);
        process.stderr.write("run 'npm run engine -- --help' for usage\n");
        return 2;
    }

    if (args.command === "cancel") {
        try {
            process.stderr.write(clearStaleLock(path.resolve(args.state)).message + "\n");
            return 0;
        } catch (e) {
            fail(errorMessage(e));
            return 1;
        }
    }

    let lock: StateLock;
    try {
        fs.mkdirSync(path.dirname(path.resolve(args.state)), { recursive: true });
        lock = StateLock.acquire(path.resolve(args.state), args.command, cancelHint(args));
    } catch (e) {
        fail(errorMessage(e));
        return 1;
    }

    // Like the Pulumi language host: errors the program leaves unhandled fail the run (reported once, as
    // one line, after the steps under way are saved) instead of killing the process before it saves.
    let engine: Engine | undefined;
    const early: unknown[] = [];
    const onProgramError = (e: unknown) => (engine ? engine.programError(e) : early.push(e));
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
        if (++signals === 1 && engine) {
            process.stderr.write(`${signal}: no new step starts; finishing the steps under way (${signal} again stops at once)\n`);
            engine.interrupt(`interrupted by ${signal}`);
            return;
        }
        engine?.killHosts();
        engine?.flushCheckpoint();
        lock.release();
        fail(`stopped at once by ${signal}: steps that were under way may have left objects the state does not record`);
        process.exit(1);
    };
    process.on("unhandledRejection", onProgramError);
    process.on("uncaughtException", onProgramError);
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
        ensureSelfLink();
        // Every provider RPC has a deadline (120 s by default) so a hung hook fails instead of blocking; thousands
        // of resources queued behind the per-endpoint request limit on a loaded machine need a longer one.
        const deadline = Number(process.env.PULUMI_MOLD_ENGINE_RPC_DEADLINE_MS);
        engine = new Engine({
            programDir: args.programDir,
            stateFile: args.state,
            stack: args.stack,
            ...(deadline > 0 ? { rpcDeadlineMs: deadline } : {}),
        });
        for (const e of early) engine.programError(e);
        if (Object.keys(args.config).length) engine.setConfig(args.config);
        if (Object.keys(args.secrets).length) engine.setConfig(args.secrets, true);
        const run =
            args.command === "up"
                ? engine.up()
                : args.command === "preview"
                  ? engine.up(true)
                  : args.command === "refresh"
                    ? engine.refresh()
                    : engine.destroy();
        try {
            const report = await run;
            printChanges(engine);
            for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
            process.stdout.write(JSON.stringify({ steps: report.steps, outputs: displayOutputs(report.outputs) }) + "\n");
            return 0;
        } catch (e) {
            printChanges(engine);
            throw e;
        }
    } catch (e) {
        fail(errorMessage(e));
        return 1;
    } finally {
        // For the bench: the emulation's own cost, which a user of the real CLI does not pay.
        if (engine && process.env.PULUMI_MOLD_ENGINE_TIMINGS === "1") {
            const t = engine.timings;
            process.stderr.write(`engine-timings: ${JSON.stringify({ ...t, checkpointMs: Math.round(t.checkpointMs) })}\n`);
        }
        lock.release();
        // The error handlers stay: a late rejection of a failed run must not print a raw dump either.
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
    }
}

/** What changed, per resource, for people reading the log; the last stdout line stays the summary. */
function printChanges(engine: Engine): void {
    const failed = new Set(engine.failedUrns);
    for (const c of engine.changes) if (c.step !== "same") process.stderr.write(`${c.step}${failed.has(c.urn) ? " failed" : ""} ${c.urn}\n`);
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        // stderr may be a non-blocking pipe here: exiting at once cut long change lists (500 resources) short.
        (code) => {
            let waiting = 2;
            const done = () => --waiting === 0 && process.exit(code);
            process.stdout.write("", done);
            process.stderr.write("", done);
        },
        (e) => {
            fail(errorMessage(e));
            process.exit(1);
        },
    );
}
