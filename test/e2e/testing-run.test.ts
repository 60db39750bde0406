// pulumi-mold/testing's runProgram with the built-in runner (no Pulumi CLI here): a program against a simulator
// from startSimulator, up / preview / refresh / destroy, config passed through, errors reported with Mold's text.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { programDir } from "../helpers/engine";
import { runProgram, startSimulator } from "../../testing";

const state = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-mold-testing-"));
test.after.always(() => fs.rmSync(state, { recursive: true, force: true }));

test("runProgram: up, no-op preview, refresh, destroy of a program against startSimulator's Mold", async (t) => {
    const mold = await startSimulator();
    try {
        t.deepEqual(Object.keys(mold.env).sort(), ["MOLD_API_KEY", "MOLD_API_URL", "MOLD_SECRET_KEY"]);
        const base = { dir: programDir("single"), simulator: mold, stateDir: state, runner: "auto" as const };
        const up = await runProgram({ ...base, command: "up" });
        t.is(up.runner, "builtin", "no pulumi on PATH here");
        t.is(up.steps.create, 1, "the network (the engine counts no stack resource)");
        t.deepEqual(
            mold.sim.inventory().networks.map((n: any) => n.name),
            ["single-net"],
        );
        t.is(up.outputs.networkId, mold.sim.inventory().networks[0].id);

        const preview = await runProgram({ ...base, command: "preview" });
        t.deepEqual({ ...preview.steps, same: 0 }, { create: 0, update: 0, replace: 0, delete: 0, same: 0 });
        const refresh = await runProgram({ ...base, command: "refresh" });
        t.is(refresh.steps.delete, 0);

        const down = await runProgram({ ...base, command: "destroy" });
        t.is(down.steps.delete, 1);
        t.deepEqual(mold.sim.inventory().networks ?? [], []);
    } finally {
        await mold.stop();
    }
});

test("runProgram: config reaches the program, and a failed run rejects with the root error", async (t) => {
    const mold = await startSimulator();
    try {
        const empty = await runProgram({
            dir: programDir("single"),
            command: "preview",
            simulator: mold,
            stateDir: state,
            stack: "empty",
            config: { empty: "true" },
        });
        t.is(empty.steps.create, 0, "empty=true registers no network");
        // Wrong keys: Mold refuses the signature, and the error says so.
        const wrong = { ...mold, secretKey: "not-the-key" };
        const e = await t.throwsAsync(runProgram({ dir: programDir("single"), command: "up", simulator: wrong, stateDir: state, stack: "wrong" }));
        t.regex(e!.message, /pulumi-mold\/testing: up of .* failed: .*signature/i, e!.message);
        t.deepEqual(mold.sim.inventory().networks ?? [], []);
    } finally {
        await mold.stop();
    }
});
