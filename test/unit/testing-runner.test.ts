// pulumi-mold/testing picks the real Pulumi CLI only when a `pulumi` executable is on PATH.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chooseRunner, findPulumi } from "../../testing/runner";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-mold-runner-"));
test.after.always(() => fs.rmSync(root, { recursive: true, force: true }));

function folder(name: string, files: Record<string, number> = {}): string {
    const dir = path.join(root, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [file, mode] of Object.entries(files)) {
        fs.writeFileSync(path.join(dir, file), "#!/bin/sh\nexit 0\n");
        fs.chmodSync(path.join(dir, file), mode);
    }
    return dir;
}

test("no pulumi on PATH: the built-in runner; asking for the CLI says it is missing", (t) => {
    const env = { PATH: [folder("empty"), folder("others", { node2: 0o755 })].join(path.delimiter) };
    t.is(findPulumi(env, "linux"), undefined);
    t.is(chooseRunner("auto", env), "builtin");
    t.is(chooseRunner(undefined, env), "builtin");
    t.throws(() => chooseRunner("cli", env), { message: /runner 'cli' needs the Pulumi CLI \(`pulumi`\) on PATH; none was found/ });
    t.is(chooseRunner("auto", {}), "builtin", "no PATH at all");
});

test("an executable pulumi on PATH: the CLI, unless the built-in runner is asked for", (t) => {
    const bin = folder("bin", { pulumi: 0o755 });
    const env = { PATH: [folder("empty2"), bin].join(path.delimiter) };
    t.is(findPulumi(env, "linux"), path.join(bin, "pulumi"));
    t.is(chooseRunner("auto", env), "cli");
    t.is(chooseRunner("cli", env), "cli");
    t.is(chooseRunner("builtin", env), "builtin");
});

test("a pulumi that is not executable, or a folder named pulumi, does not count", (t) => {
    const notExec = folder("noexec", { pulumi: 0o644 });
    const dirNamed = folder("dirnamed");
    fs.mkdirSync(path.join(dirNamed, "pulumi"));
    const env = { PATH: [notExec, dirNamed].join(path.delimiter) };
    t.is(findPulumi(env, "linux"), undefined);
    t.is(chooseRunner("auto", env), "builtin");
});

test("Windows: pulumi.exe through PATHEXT", (t) => {
    const bin = folder("win", { "pulumi.exe": 0o644 });
    t.is(findPulumi({ Path: bin, PATHEXT: ".COM;.EXE" }, "win32"), path.join(bin, "pulumi.exe"));
    t.is(findPulumi({ Path: bin, PATHEXT: ".COM;.BAT" }, "win32"), undefined);
});
