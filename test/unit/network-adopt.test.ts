// Network hooks against the simulator: importId takes over an existing network named by its offering's name (the
// offering is compared, not taken for drift), read and diff then report no change, and delete removes it.
import test from "ava";
import { runHook } from "../../provider";
import { createNetwork, createVpc, getNetwork, listNetworkOfferings, listVpcOfferings } from "../../provider/client";
import { withSimulator } from "../helpers/sim";

test("importId adopts an existing network whose offering the program names; no diff after; delete removes it", async (t) => {
    const w = await withSimulator();
    t.teardown(() => w.stop());
    const settings = { apiUrl: w.sim.url, apiKey: w.sim.apiKey, secretKey: w.sim.secretKey };
    const zoneid = w.sim.inventory().zones[0].id;
    const offerings = await listNetworkOfferings(w.client, { guestiptype: "Isolated", state: "Enabled", forvpc: false });
    const offering = offerings.find((o) => (o.service ?? []).some((s: { name: string }) => s.name === "SourceNat"))!;
    const made = await createNetwork(w.client, { name: "legacy-net", displaytext: "legacy-net", zoneid, networkofferingid: offering.id });
    const inputs = { __provider: "p", name: "legacy-net", zone: "zone1", networkOffering: offering.name, importId: made.id };

    const adopted = await runHook("Network", "create", settings, [inputs]);
    t.is(adopted.id, made.id);
    t.true((await getNetwork(w.client, made.id))!.tags.some((x) => x.key === "pulumi-mold:managed-by"));

    const read = await runHook("Network", "read", settings, [made.id, adopted.outs]);
    t.is(read.props.networkOffering, offering.name, "the offering stays as the program names it");
    const diff = await runHook("Network", "diff", settings, [made.id, { ...adopted.outs, ...read.props }, inputs]);
    t.deepEqual(diff.changes, false, JSON.stringify(diff));

    await runHook("Network", "delete", settings, [made.id, adopted.outs]);
    t.is(await getNetwork(w.client, made.id), undefined);
});

test("importId adopts an existing VPC tier named with its VPC, gateway, netmask and tier offering; no diff after", async (t) => {
    const w = await withSimulator();
    t.teardown(() => w.stop());
    const settings = { apiUrl: w.sim.url, apiKey: w.sim.apiKey, secretKey: w.sim.secretKey };
    const zoneid = w.sim.inventory().zones[0].id;
    const [vpcOffering] = await listVpcOfferings(w.client, { isdefault: true });
    const vpc = await createVpc(w.client, { name: "legacy-vpc", displaytext: "legacy-vpc", zoneid, vpcofferingid: vpcOffering.id, cidr: "10.40.0.0/16" });
    const [tierOffering] = await listNetworkOfferings(w.client, { guestiptype: "Isolated", state: "Enabled", forvpc: true });
    const tier = await createNetwork(w.client, {
        name: "legacy-tier",
        displaytext: "legacy-tier",
        zoneid,
        networkofferingid: tierOffering.id,
        vpcid: vpc.id,
        gateway: "10.40.1.1",
        netmask: "255.255.255.0",
    });
    const inputs = {
        __provider: "p",
        name: "legacy-tier",
        zone: "zone1",
        vpc: vpc.id,
        gateway: "10.40.1.1",
        netmask: "255.255.255.0",
        networkOffering: tierOffering.name,
        importId: tier.id,
    };
    const adopted = await runHook("Network", "create", settings, [inputs]);
    t.is(adopted.id, tier.id);
    const read = await runHook("Network", "read", settings, [tier.id, adopted.outs]);
    const diff = await runHook("Network", "diff", settings, [tier.id, { ...adopted.outs, ...read.props }, inputs]);
    t.deepEqual(diff.changes, false, JSON.stringify(diff));
    await runHook("Network", "delete", settings, [tier.id, adopted.outs]);
    t.is(await getNetwork(w.client, tier.id), undefined);
});
