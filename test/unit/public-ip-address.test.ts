// PublicIpAddress.ipAddress: asking for a specific free address (one released before, which DNS records still
// name). Added through schema.json and the hook only; the SDK argument and the types are generated.
import test from "ava";
import * as fs from "fs";
import * as path from "path";
import { runHook } from "../../provider";
import { findNetworkOffering, findZone } from "../../provider/client/catalog";
import { createNetwork } from "../../provider/client/network";
import { publicIpAddress } from "../../provider/resources/public-ip-address";
import { diffInputs, HookName } from "../../provider/runtime/hooks";
import { withSimulator } from "../helpers/sim";

const schema = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../../schema.json"), "utf8"));

async function world() {
    const s = await withSimulator();
    const zone = await findZone(s.client, "zone1");
    const offering = await findNetworkOffering(s.client, "DefaultIsolatedNetworkOfferingWithSourceNatService");
    await createNetwork(s.client, { name: "app-net", zoneid: zone.id, networkofferingid: offering.id });
    const settings = { apiUrl: s.sim.url, apiKey: s.sim.apiKey, secretKey: s.sim.secretKey };
    const hook = (name: HookName, ...args: unknown[]) => runHook("PublicIpAddress", name, settings, args);
    return { ...s, hook };
}

test("schema.json declares ipAddress as an input that replaces; the SDK takes it (generated)", (t) => {
    const p = schema.resources["mold:index:PublicIpAddress"].inputProperties.ipAddress;
    t.is(p.type, "string");
    t.true(p.replaceOnChanges);
    t.true(publicIpAddress.inputs.includes("ipAddress"));
    t.true(publicIpAddress.replaceOnChanges.includes("ipAddress"));
    const sdkTypes = fs.readFileSync(path.resolve(__dirname, "../../../sdk/generated/types.ts"), "utf8");
    t.regex(sdkTypes, /export interface PublicIpAddressArgs \{[^}]*\n {4}ipAddress\?: pulumi\.Input<string>;/);
});

test("check refuses an address that is not IPv4, or has stray whitespace, naming the property", (t) => {
    const failures = (ipAddress: string) => publicIpAddress.check({ network: "app-net", ipAddress }).failures;
    t.deepEqual(
        failures("10.0.0.300").map((f) => f.property),
        ["ipAddress"],
    );
    t.regex(failures("10.0.0.300")[0].reason, /not a valid IPv4 address/);
    t.deepEqual(
        failures(" 127.0.0.9").map((f) => f.property),
        ["ipAddress"],
    );
    t.deepEqual(failures("127.0.0.9"), []);
});

test("a released address is acquired again by asking for it; a taken or unknown one is refused by Mold", async (t) => {
    const w = await world();
    try {
        // The network's first address becomes its source NAT; the second is the one released and asked for again.
        await w.hook("create", { network: "app-net" });
        const first: any = await w.hook("create", { network: "app-net", tags: { dns: "www" } });
        const address = first.outs.ipAddress;
        await w.hook("delete", first.id, first.outs);
        t.is(w.sim.inventory().publicIps.find((ip: any) => ip.id === first.id)?.state, "Free");

        const again: any = await w.hook("create", { network: "app-net", ipAddress: address });
        t.is(again.outs.ipAddress, address, "the same address");
        t.is(again.outs.ipAddress, w.sim.inventory().publicIps.find((ip: any) => ip.id === again.id)?.ipaddress);

        const taken: any = await t.throwsAsync(w.hook("create", { network: "app-net", ipAddress: address }));
        t.regex(taken.message, /PublicIpAddress create: .*Insufficient address capacity/);
        const unknown: any = await t.throwsAsync(w.hook("create", { network: "app-net", ipAddress: "127.0.0.77" }));
        t.regex(unknown.message, /PublicIpAddress create: .*Insufficient address capacity/);
    } finally {
        await w.stop();
    }
});

test("diff: ipAddress left unset is no opinion (Mold's pick), the same address no change, another one a replacement (delete first only for the same)", (t) => {
    const olds = { __provider: "p", network: "app-net", ipAddress: "127.100.0.5", networkId: "n", zoneId: "z", state: "Allocated", isSourceNat: false };
    const news = { __provider: "p", network: "app-net" };
    t.deepEqual(diffInputs(publicIpAddress, olds, news), { changes: false, replaces: [], deleteBeforeReplace: false }, "unset");
    t.false(diffInputs(publicIpAddress, olds, { ...news, ipAddress: "127.100.0.5" }).changes, "the address it has");
    t.deepEqual(diffInputs(publicIpAddress, olds, { ...news, ipAddress: "127.100.0.6" }), {
        changes: true,
        replaces: ["ipAddress"],
        deleteBeforeReplace: false,
    });
    t.deepEqual(diffInputs(publicIpAddress, olds, { ...news, network: "other-net", ipAddress: "127.100.0.5" }), {
        changes: true,
        replaces: ["network"],
        deleteBeforeReplace: true,
    });
});
