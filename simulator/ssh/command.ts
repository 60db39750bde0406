// The exec wire format of provider/bootstrap/PROTOCOL.md:
//   sudo -n env PM_A='v' PM_B='it'\''s' bash -s -- <step>
// Parsed strictly: anything else is not a bootstrap step and is answered like a shell would.

export interface StepCommand {
    step: string;
    env: Record<string, string>;
}

const STEP_NAME = /^[a-z][a-z0-9-]*$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** The step and its variables, or undefined when the command is not exactly the protocol's form. */
export function parseStepCommand(command: string): StepCommand | undefined {
    const prefix = "sudo -n env ";
    if (!command.startsWith(prefix)) return undefined;
    const env: Record<string, string> = {};
    let pos = prefix.length;
    for (;;) {
        const tail = command.slice(pos);
        const end = /^bash -s -- (\S+)$/.exec(tail);
        if (end) return STEP_NAME.test(end[1]) ? { step: end[1], env } : undefined;
        const eq = tail.indexOf("=");
        if (eq <= 0) return undefined;
        const name = tail.slice(0, eq);
        if (!ENV_NAME.test(name)) return undefined;
        const parsed = parseQuoted(command, pos + eq + 1);
        if (!parsed) return undefined;
        env[name] = parsed.value;
        pos = parsed.end;
        if (command[pos] !== " ") return undefined;
        pos++;
    }
}

/** A value of one or more '…' runs joined by \' (the '\'' escape); returns where it ends. */
function parseQuoted(text: string, start: number): { value: string; end: number } | undefined {
    let pos = start;
    let value = "";
    if (text[pos] !== "'") return undefined;
    for (;;) {
        if (text[pos] !== "'") return undefined;
        const close = text.indexOf("'", pos + 1);
        if (close < 0) return undefined;
        value += text.slice(pos + 1, close);
        pos = close + 1;
        if (text.startsWith("\\''", pos)) {
            value += "'";
            pos += 2; // now at the opening quote of the next run
            continue;
        }
        return { value, end: pos };
    }
}

/** Quotes like the client does, for tests and for building commands. */
export function quoteValue(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function formatStepCommand(step: string, env: Record<string, string>): string {
    const vars = Object.keys(env)
        .sort()
        .map((k) => `${k}=${quoteValue(env[k])}`);
    return ["sudo -n env", ...vars, "bash -s --", step].join(" ");
}

/** The `# step: <name>` line among the script's first lines. */
/**
 * Variables the client sends in the script instead of on the command line (join tokens, certificate keys):
 * `export PM_X='…'` lines, single-quoted with '\'' escapes.
 */
export function scriptEnv(script: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const line of script.split("\n").slice(0, 20)) {
        const m = /^export (PM_[A-Z0-9_]+)='((?:[^']|'\\'')*)'$/.exec(line);
        if (m) env[m[1]] = m[2].replace(/'\\''/g, "'");
    }
    return env;
}

export function scriptStepName(script: string): string | undefined {
    for (const line of script.split("\n").slice(0, 5)) {
        const m = /^# step: (\S+)\s*$/.exec(line);
        if (m) return m[1];
    }
    return undefined;
}

/** Lines of a newline-separated list variable, blank lines dropped. */
export function listOf(value: string | undefined): string[] {
    return (value ?? "")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "");
}
