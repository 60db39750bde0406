// Which runner runs a program: the real Pulumi CLI (through the Automation API) when a `pulumi` binary is on
// PATH, the built-in engine otherwise. Pure: it reads only the environment it is given and the file system.
import * as fs from "fs";
import * as path from "path";

export type RunnerKind = "cli" | "builtin";
export type RunnerChoice = RunnerKind | "auto";

/** The `pulumi` executable on `env.PATH` (PATHEXT names on Windows), or undefined. */
export function findPulumi(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
    const names = platform === "win32" ? (env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";").map((ext) => `pulumi${ext.toLowerCase()}`) : ["pulumi"];
    for (const dir of (env.PATH ?? env.Path ?? "").split(path.delimiter)) {
        if (!dir) continue;
        for (const name of names) {
            const file = path.join(dir, name);
            try {
                const stat = fs.statSync(file);
                if (!stat.isFile()) continue;
                if (platform !== "win32") fs.accessSync(file, fs.constants.X_OK);
                return file;
            } catch {
                // not here, or not executable
            }
        }
    }
    return undefined;
}

/** "auto" picks the CLI only when one is found; asking for "cli" without one is an error that says so. */
export function chooseRunner(choice: RunnerChoice = "auto", env: NodeJS.ProcessEnv = process.env): RunnerKind {
    if (choice === "builtin") return "builtin";
    const found = findPulumi(env);
    if (choice === "cli" && !found) throw new Error("pulumi-mold/testing: runner 'cli' needs the Pulumi CLI (`pulumi`) on PATH; none was found");
    return found ? "cli" : "builtin";
}
