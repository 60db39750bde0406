// Vpc hooks against the simulator: importId takes over an existing VPC (the ownership tag goes on, a different CIDR
// is refused), read reports it, and delete waits for nothing but Mold.
import test from "ava";
import { runHook } from "../../provider";
import { createVpc, getVpc, listVpcOfferings } from "../../provider/client";
import { withSimulator } from "../helpers/sim";

test("importId adopts an existing VPC; a different CIDR is refused naming it; delete removes it", async (t) => {
    const w = await withSimulator();
    t.teardown(() => w.stop());
    const settings = { apiUrl: w.sim.url, apiKey: w.sim.apiKey, secretKey: w.sim.secretKey };
    const zoneid = w.sim.inventory().zones[0].id;
    const [offering] = await listVpcOfferings(w.client, { isdefault: true });
    const made = await createVpc(w.client, { name: "legacy", displaytext: "legacy", zoneid, vpcofferingid: offering.id, cidr: "10.30.0.0/16" });
    const inputs = { __provider: "p", name: "legacy", zone: "zone1", cidr: "10.30.0.0/16", vpcOffering: "Default VPC offering", importId: made.id };

    const refused = await t.throwsAsync(runHook("Vpc", "create", settings, [{ ...inputs, cidr: "10.31.0.0/16" }]));
    t.regex(refused!.message, /cannot be adopted: cidr is "10\.30\.0\.0\/16" in Mold but "10\.31\.0\.0\/16" in the program/);
    t.false(
        (await getVpc(w.client, made.id))!.tags.some((x) => x.key === "pulumi-mold:managed-by"),
        "a refused adoption changes nothing",
    );

    const adopted = await runHook("Vpc", "create", settings, [{ ...inputs, displayText: "taken over" }]);
    t.is(adopted.id, made.id);
    t.is(adopted.outs.vpcId, made.id);
    t.truthy(adopted.outs.sourceNatIpAddress, "the router's source-NAT address");
    const now = (await getVpc(w.client, made.id))!;
    t.is(now.displaytext, "taken over", "what Mold can change is brought to the program's value");
    t.true(now.tags.some((x) => x.key === "pulumi-mold:managed-by"));

    const read = await runHook("Vpc", "read", settings, [made.id, adopted.outs]);
    t.is(read.id, made.id);
    t.is(read.props.cidr, "10.30.0.0/16");

    await runHook("Vpc", "delete", settings, [made.id, adopted.outs]);
    t.is(await getVpc(w.client, made.id), undefined);
});
