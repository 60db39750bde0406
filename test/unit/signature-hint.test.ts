// A 401 from a server that verifies the other signature algorithm says so, learned from one read-only
// request signed the other way; the failed request stays a 401 and is never re-sent, and a plain wrong
// key gets no hint.
import test from "ava";
import { MoldApiError } from "../../provider/client";
import { withSimulator } from "../helpers/sim";

for (const [server, client, other, name] of [
    ["sha1", "sha256", "sha1", "HMAC-SHA1"],
    ["sha256", "sha1", "sha256", "HMAC-SHA256"],
] as const) {
    test(`a ${client} client against a ${server} server: the 401 carries the hint, the change is not made`, async (t) => {
        const { sim, client: c, stop } = await withSimulator({ signature: server }, { signature: client });
        try {
            const zone = sim.inventory().zones[0].id;
            const offering = sim.inventory().networkOfferings[0].id;
            const e = await t.throwsAsync(c.call("createNetwork", { name: "never", zoneid: zone, networkofferingid: offering }));
            t.true(e instanceof MoldApiError, String(e));
            t.is((e as MoldApiError).errorcode, 401);
            t.is((e as MoldApiError).errortext, "unable to verify user credentials and/or request signature", "Mold's own text is kept");
            t.regex((e as Error).message, new RegExp(`accepted ${name} .*: set MOLD_SIGNATURE=${other} \\(or pulumi config set mold:signature ${other}\\)`));
            t.false(
                (sim.inventory().networks ?? []).some((n: any) => n.name === "never"),
                "the refused change was not re-sent with the other algorithm",
            );
            t.deepEqual(Object.keys(sim.requestCounts).sort(), ["createNetwork", "listZones"], "one read-only probe, nothing else");
            t.is(sim.requestCounts.createNetwork, 1);
            // A later 401 reuses what was learned: no second probe.
            const again = await t.throwsAsync(c.call("listZones"));
            t.regex((again as Error).message, /set MOLD_SIGNATURE=/);
            t.is(sim.requestCounts.listZones, 2);
        } finally {
            await stop();
        }
    });
}

test("a wrong secret key gets the 401 without a misleading hint", async (t) => {
    const { sim, client, stop } = await withSimulator({ signature: "sha256" }, { signature: "sha256", secretKey: "not-the-key" });
    try {
        const e = await t.throwsAsync(client.call("listZones"));
        t.is((e as MoldApiError).errorcode, 401);
        t.notRegex((e as Error).message, /MOLD_SIGNATURE|accepted/);
        void sim;
    } finally {
        await stop();
    }
});

test("the right algorithm: no 401, no probe", async (t) => {
    const { sim, client, stop } = await withSimulator({ signature: "sha1" }, { signature: "sha1" });
    try {
        await client.call("listZones");
        t.deepEqual(sim.requestCounts, { listZones: 1 });
    } finally {
        await stop();
    }
});
