// `npm run engine -- <up|preview|refresh|destroy> <program-dir> [--state FILE] [--stack NAME]
//   [--config key=value …] [--secret key=value …]`
// Runs a Pulumi program through the test engine and ends with ONE JSON line:
// {"steps":{"create":n,"update":n,"replace":n,"delete":n,"same":n},"outputs":{…}} (secrets as "[secret]").
import * as path from "path";
import { displayOutputs, Engine } from "./engine";
import { ensureSelfLink } from "./self-link";

const USAGE = "usage: npm run engine -- <up|preview|refresh|destroy> <program-dir> [--state FILE] [--stack NAME] [--config key=value …] [--secret key=value …]";

function parse(argv: string[]) {
    const [command, programDir, ...rest] = argv;
    if (!command || !programDir || !["up", "preview", "refresh", "destroy"].includes(command)) throw new Error(USAGE);
    const config: Record<string, string> = {};
    const secrets: Record<string, string> = {};
    let state = path.join(programDir, ".pulumi-mold-engine", "state.json");
    let stack = "dev";
    for (let i = 0; i < rest.length; i++) {
        const flag = rest[i];
        const value = rest[++i];
        if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
        const pair = () => {
            const eq = value.indexOf("=");
            if (eq <= 0) throw new Error(`${flag} takes key=value, got '${value}'`);
            return [value.slice(0, eq), value.slice(eq + 1)] as const;
        };
        if (flag === "--state") state = value;
        else if (flag === "--stack") stack = value;
        else if (flag === "--config") {
            const [k, v] = pair();
            config[k] = v;
        } else if (flag === "--secret") {
            const [k, v] = pair();
            secrets[k] = v;
        } else throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
    return { command, programDir, state, stack, config, secrets };
}

export async function main(argv: string[]): Promise<number> {
    let args: ReturnType<typeof parse>;
    try {
        args = parse(argv);
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n`);
        return 2;
    }
    ensureSelfLink();
    const engine = new Engine({ programDir: args.programDir, stateFile: args.state, stack: args.stack });
    if (Object.keys(args.config).length) engine.setConfig(args.config);
    if (Object.keys(args.secrets).length) engine.setConfig(args.secrets, true);
    try {
        const report =
            args.command === "up" ? await engine.up() : args.command === "preview" ? await engine.up(true) : args.command === "refresh" ? await engine.refresh() : await engine.destroy();
        // What changed, per resource, for people reading the log; the last stdout line stays the summary.
        for (const c of report.changes) if (c.step !== "same") process.stderr.write(`${c.step} ${c.urn}\n`);
        process.stdout.write(JSON.stringify({ steps: report.steps, outputs: displayOutputs(report.outputs) }) + "\n");
        return 0;
    } catch (e) {
        process.stderr.write(`error: ${(e as Error).message}\n`);
        return 1;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
