import test from "ava";
import { MoldApiError, MoldClient, MoldConfigError, MoldJobError } from "../../provider/client";
import { withSimulator } from "../helpers/sim";

test("tags round trip through an async job on the simulator", async (t) => {
    const { client, sim, stop } = await withSimulator();
    try {
        const templateId = sim.inventory().templates[0].id;
        const r = await client.callAsync<any>("createTags", {
            resourcetype: "template",
            resourceids: [templateId],
            tags: [{ key: "owner", value: "pulumi-mold" }],
        });
        t.deepEqual(r.result, { success: true });
        const tags = await client.list<any>("listTags", { resourceid: templateId }, "tag");
        t.is(tags.length, 1);
        t.is(tags[0].resourcetype, "Template");
        t.is(tags[0].key, "owner");
        const dup = await t.throwsAsync(() =>
            client.callAsync("createTags", { resourcetype: "Template", resourceids: [templateId], tags: [{ key: "OWNER", value: "x" }] }),
        );
        t.true(dup instanceof MoldJobError);
        t.regex(dup!.message, /tag OWNER already on Template with id/);
        t.is((dup as MoldJobError).errorcode, 530);
    } finally {
        await stop();
    }
});

test("wrong secret key gets Mold's 401 text naming the command", async (t) => {
    const { sim, stop } = await withSimulator();
    const bad = new MoldClient({ apiUrl: sim.url, apiKey: sim.apiKey, secretKey: "wrong" });
    try {
        const e = await t.throwsAsync(() => bad.call("listZones"));
        t.true(e instanceof MoldApiError);
        t.is((e as MoldApiError).httpStatus, 401);
        t.is(e!.message, "Mold listZones failed (401): unable to verify user credentials and/or request signature");
    } finally {
        bad.close();
        await stop();
    }
});

test("missing configuration is one error naming every missing piece and its env vars, before any request", (t) => {
    const e = t.throws(() => new MoldClient({ apiUrl: undefined }), { instanceOf: MoldConfigError });
    t.regex(e!.message, /apiUrl \(env MOLD_API_URL or CLOUDSTACK_API_URL/);
    t.regex(e!.message, /apiKey \(env MOLD_API_KEY or CLOUDSTACK_API_KEY/);
    t.regex(e!.message, /secretKey \(env MOLD_SECRET_KEY or CLOUDSTACK_SECRET_KEY/);
});
