// Upgrading from a pulumi-mold whose serialized providers were larger (before issue 16: one function per hook,
// 2.8 KB per copy): resources whose state holds that text keep working with today's library, and the first `up`
// after the upgrade rewrites every __provider to today's small text as an update that calls no state-changing
// Mold API (diff reports a change when __provider differs; update sees no other change). The stored text is a
// real one, serialized by the older SDK code for a Network; other kinds' texts differed only in the kind name.
import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { mutatingSince } from "../helpers/engine";
import { programWorld } from "../helpers/program-world";
import { repoRoot } from "../engine/self-link";

const LEGACY_NETWORK = fs.readFileSync(path.join(repoRoot(), "test/unit/stored-providers/network-0.1.0.txt"), "utf8");
const legacyText = (kind: string) => LEGACY_NETWORK.replaceAll('kind: "Network"', `kind: ${JSON.stringify(kind)}`);
const kindOf = (type: string) => /^pulumi-nodejs:dynamic\/mold:(.+)$/.exec(type)?.[1];

/** Rewrites the state file as the older pulumi-mold left it: every dynamic resource's __provider copies are the legacy text. */
function storeLegacyProviders(stateFile: string): number {
    const state = JSON.parse(fs.readFileSync(stateFile, "utf8"));
    let n = 0;
    for (const r of state.resources) {
        const kind = kindOf(r.type);
        if (!kind) continue;
        r.inputs.__provider = legacyText(kind);
        r.outputs.__provider = legacyText(kind);
        n++;
    }
    fs.writeFileSync(stateFile, JSON.stringify(state, null, 1));
    return n;
}

const providerCopies = (state: any): string[] =>
    state.resources.filter((r: any) => kindOf(r.type)).flatMap((r: any): string[] => [r.inputs.__provider, r.outputs.__provider]);

test("state written with the older, larger __provider: refresh and up work, up rewrites it small without changing Mold, destroy works", async (t) => {
    const w = await programWorld(t, "dependent");
    await w.run("up");
    const small = providerCopies(w.state());
    t.true(small.every((p) => Buffer.byteLength(JSON.stringify(p)) <= 1024));

    t.is(storeLegacyProviders(w.stateFile), 3);
    // Refresh runs the stored (legacy) code against today's library: nothing changed in Mold.
    const refreshed = await w.run("refresh");
    t.is(refreshed.result!.steps.same, 3, refreshed.stderr);
    t.true(
        providerCopies(w.state()).every((p) => p.length > 2000),
        "refresh keeps the stored code",
    );

    const before = { ...w.sim.requestCounts };
    const up = await w.run("up");
    t.deepEqual(up.result!.steps, { create: 0, update: 3, replace: 0, delete: 0, same: 0 }, up.stderr);
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), {}, "the rewrite changes nothing in Mold");
    t.deepEqual(providerCopies(w.state()), small, "every copy is today's small text again");
    const again = await w.run("up");
    t.is(again.result!.steps.same, 3);

    // Destroy straight from a legacy state (no up in between): delete runs the stored code.
    storeLegacyProviders(w.stateFile);
    await w.run("destroy");
    const left = w.sim.inventory();
    t.deepEqual([left.networks?.length ?? 0, left.firewallRules?.length ?? 0], [0, 0]);
    t.deepEqual(
        w.state().resources.filter((r: any) => kindOf(r.type)),
        [],
    );
});
