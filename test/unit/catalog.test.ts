// Catalog lookups client↔simulator: listZones, listServiceOfferings, listTemplates (templatefilter
// rules), listNetworkOfferings, and the name-or-id find helpers.
import test from "ava";
import {
    findNetworkOffering,
    findServiceOffering,
    findTemplate,
    findZone,
    listNetworkOfferings,
    listServiceOfferings,
    listTemplates,
    listZones,
    MoldApiError,
    MoldLookupError,
    createTags,
    pickOne,
} from "../../provider/client";
import {
    SEED_CKS_NETWORK_OFFERING,
    SEED_KUBERNETES_VERSIONS,
    SEED_NETWORK_OFFERING,
    SEED_PRIVATE_TEMPLATE_NAME,
    SEED_TEMPLATE_NAME,
    SEED_ZONE_NAME,
} from "../../simulator/seed";
import { withSimulator } from "../helpers/sim";

test("listZones returns the seeded zone with ZoneResponse fields and filters by name and id", async (t) => {
    const { client, stop } = await withSimulator();
    try {
        const zones = await listZones(client);
        t.is(zones.length, 1);
        const z = zones[0];
        t.is(z.name, SEED_ZONE_NAME);
        t.is(z.networktype, "Advanced");
        t.is(z.allocationstate, "Enabled");
        t.is(typeof z.securitygroupsenabled, "boolean");
        t.is((await listZones(client, { name: "nope" })).length, 0);
        t.is((await listZones(client, { id: z.id }))[0].id, z.id);
        t.is((await listZones(client, { keyword: "ZONE" })).length, 1);
        const e = await t.throwsAsync(() => listZones(client, { id: "6f1c0c3a-0000-4000-8000-000000000000" }), { instanceOf: MoldApiError });
        t.is((e as MoldApiError).errorcode, 431);
        t.is(
            (e as MoldApiError).errortext,
            "Unable to execute API command listzones due to invalid value. Invalid parameter id value=6f1c0c3a-0000-4000-8000-000000000000 due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.",
        );
    } finally {
        await stop();
    }
});

test("an empty list answers {} (no count, no array) on the wire", async (t) => {
    const { client, stop } = await withSimulator();
    try {
        t.deepEqual(await client.call("listZones", { name: "nope" }), {});
    } finally {
        await stop();
    }
});

test("listServiceOfferings: sizes, custom offering and filters", async (t) => {
    const { client, stop } = await withSimulator();
    try {
        const all = await listServiceOfferings(client);
        const small = all.find((o) => o.name === "2C-2GB")!;
        t.is(small.cpunumber, 2);
        t.is(small.memory, 2048);
        t.is(typeof small.cpuspeed, "number");
        t.false(small.iscustomized);
        t.true(
            all.some((o) => (o.memory ?? 0) > 2048 && (o.cpunumber ?? 0) > 2),
            "a larger offering is seeded",
        );
        const custom = all.find((o) => o.iscustomized)!;
        t.is(custom.cpunumber, undefined, "custom offerings carry no size");
        t.deepEqual((await listServiceOfferings(client, { cpunumber: 2, memory: 4096 })).map((o) => o.name).sort(), ["2C-4GB", "Custom"]);
        t.deepEqual(
            (await listServiceOfferings(client, { name: "4C-8GB" })).map((o) => o.name),
            ["4C-8GB"],
        );
        const bad = await t.throwsAsync(() => listServiceOfferings(client, { cpunumber: "two" }), { instanceOf: MoldApiError });
        t.is((bad as MoldApiError).errortext, "Unable to execute API command listserviceofferings due to invalid value two for parameter cpunumber");
    } finally {
        await stop();
    }
});

test("listTemplates requires templatefilter and applies its rules case-sensitively", async (t) => {
    const { client, stop } = await withSimulator();
    try {
        const missing = await t.throwsAsync(() => client.call("listTemplates", {}), { instanceOf: MoldApiError });
        t.is((missing as MoldApiError).errortext, "Unable to execute API command listtemplates due to missing parameter templatefilter");
        t.is((missing as MoldApiError).cserrorcode, 9999);
        const bad = await t.throwsAsync(() => listTemplates(client, "Featured" as any), { instanceOf: MoldApiError });
        t.is((bad as MoldApiError).errorcode, 431);
        t.is((bad as MoldApiError).errortext, "No enum constant com.cloud.template.VirtualMachineTemplate.TemplateFilter.Featured");

        const names = async (f: any) => (await listTemplates(client, f)).map((x) => x.name).sort();
        t.deepEqual(await names("featured"), [SEED_TEMPLATE_NAME]);
        t.deepEqual(await names("self"), [SEED_PRIVATE_TEMPLATE_NAME]);
        t.deepEqual(await names("selfexecutable"), [SEED_PRIVATE_TEMPLATE_NAME]);
        t.deepEqual(await names("executable"), [SEED_PRIVATE_TEMPLATE_NAME, SEED_TEMPLATE_NAME].sort());
        t.deepEqual(await names("community"), []);
        t.deepEqual(await names("sharedexecutable"), []);
        t.deepEqual(await names("all"), [SEED_PRIVATE_TEMPLATE_NAME, SEED_TEMPLATE_NAME].sort());
        const cks = await listTemplates(client, "executable", { forcks: true });
        t.deepEqual(
            cks.map((x) => x.name),
            [SEED_TEMPLATE_NAME],
        );
        t.is(cks[0].hypervisor, "KVM");
        t.true(Array.isArray(cks[0].tags));
    } finally {
        await stop();
    }
});

test("listTemplates embeds tags and filters with tags[i]; a tag filter entry without value is 431", async (t) => {
    const { client, stop } = await withSimulator();
    try {
        const tpl = await findTemplate(client, SEED_TEMPLATE_NAME);
        await createTags(client, "Template", [tpl.id], { os: "ubuntu" });
        const tagged = await listTemplates(client, "executable", { tags: [{ key: "os", value: "ubuntu" }] });
        t.deepEqual(
            tagged.map((x) => x.id),
            [tpl.id],
        );
        t.is(tagged[0].tags![0].key, "os");
        t.is((await listTemplates(client, "executable", { tags: [{ key: "os", value: "debian" }] })).length, 0);
        const e = await t.throwsAsync(() => listTemplates(client, "executable", { tags: [{ key: "os" }] as any }), { instanceOf: MoldApiError });
        t.is((e as MoldApiError).errortext, "No value is passed in for key os");
    } finally {
        await stop();
    }
});

test("listNetworkOfferings: the default isolated offering with source NAT and the CKS offering", async (t) => {
    const { client, stop } = await withSimulator();
    try {
        const all = await listNetworkOfferings(client);
        const def = all.find((o) => o.name === SEED_NETWORK_OFFERING)!;
        t.is(def.guestiptype, "Isolated");
        t.is(def.state, "Enabled");
        t.is(def.availability, "Required");
        t.true(def.service.some((s) => s.name === "SourceNat"));
        t.truthy(all.find((o) => o.name === SEED_CKS_NETWORK_OFFERING));
        t.is((await listNetworkOfferings(client, { guestiptype: "isolated", isdefault: true, forvpc: false })).length, 1);
        t.is((await listNetworkOfferings(client, { supportedservices: ["SourceNat", "Lb"], forvpc: false })).length, 2);
        const [tier] = await listNetworkOfferings(client, { forvpc: true });
        t.is(tier.name, "DefaultIsolatedNetworkOfferingForVpcNetworks", "the stock VPC tier offering");
        t.true(tier.service.some((s) => s.name === "NetworkACL"));
        t.false(tier.service.some((s) => s.name === "Firewall"));
        t.is((await listNetworkOfferings(client, { guestiptype: "shared" })).length, 0);
    } finally {
        await stop();
    }
});

test("find helpers resolve a name or an id, and fail with the candidates listed", async (t) => {
    const { client, stop } = await withSimulator();
    try {
        const zone = await findZone(client, SEED_ZONE_NAME);
        t.is((await findZone(client, zone.id)).id, zone.id);
        t.is((await findServiceOffering(client, "2c-2gb")).name, "2C-2GB", "a case-only difference still resolves when unique");
        t.is((await findNetworkOffering(client, SEED_NETWORK_OFFERING)).guestiptype, "Isolated");
        t.is((await findTemplate(client, SEED_TEMPLATE_NAME, zone.id)).name, SEED_TEMPLATE_NAME);
        const e = await t.throwsAsync(() => findServiceOffering(client, "3C-3GB"), { instanceOf: MoldLookupError });
        t.regex(e!.message, /no service offering named or with id '3C-3GB'; available: 1C-1GB, 2C-2GB/);
        const amb = t.throws(() =>
            pickOne("template", "dup", [
                { id: "a", name: "dup" },
                { id: "b", name: "dup" },
            ]),
        );
        t.regex(amb!.message, /template 'dup' is ambiguous: dup \(a\), dup \(b\); use the id/);
    } finally {
        await stop();
    }
});

test("the seed keeps Kubernetes versions spanning at least four consecutive minors", (t) => {
    const minors = [...new Set(SEED_KUBERNETES_VERSIONS.map((v) => Number(v.split(".")[1])))].sort((a, b) => a - b);
    let run = 1;
    let best = 1;
    for (let i = 1; i < minors.length; i++) {
        run = minors[i] === minors[i - 1] + 1 ? run + 1 : 1;
        best = Math.max(best, run);
    }
    t.true(best >= 4);
});
