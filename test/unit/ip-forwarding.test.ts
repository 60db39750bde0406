// listIpForwardingRules (libcloud's list_nodes calls it) and the answer for commands Mold does not know.
import test from "ava";
import { rawCall } from "../helpers/fixtures";
import { withSimulator } from "../helpers/sim";

test("listIpForwardingRules answers Mold's empty list under its response key, after Mold's parameter checks", async (t) => {
    const env = await withSimulator({ kubeApi: false, ssh: false });
    try {
        const empty = await rawCall(env.sim, "listIpForwardingRules", {});
        t.is(empty.status, 200);
        t.deepEqual(empty.body, { listipforwardingrulesresponse: {} });

        // With static NAT enabled on an address there is still no IP forwarding rule (none is created by enableStaticNat).
        const inv = env.sim.inventory();
        const zoneid = inv.zones[0].id;
        const offering = inv.networkOfferings.find((o: any) => o.isdefault).id;
        const net = (await env.client.call<any>("createNetwork", { name: "ipf-net", displaytext: "ipf", zoneid, networkofferingid: offering })).network;
        const vm = (
            await env.client.callAsync<any>("deployVirtualMachine", {
                zoneid,
                serviceofferingid: inv.serviceOfferings[0].id,
                templateid: inv.templates[0].id,
                networkids: [net.id],
                name: "ipf-vm",
            })
        ).result.virtualmachine;
        await env.client.callAsync("associateIpAddress", { networkid: net.id }); // the source NAT address
        const ip = (await env.client.callAsync<any>("associateIpAddress", { networkid: net.id })).result.ipaddress;
        await env.client.call("enableStaticNat", { ipaddressid: ip.id, virtualmachineid: vm.id });
        for (const params of [{ ipaddressid: ip.id }, { virtualmachineid: vm.id }, { listall: "true" }]) {
            const r = await rawCall(env.sim, "listIpForwardingRules", params);
            t.deepEqual([r.status, r.body], [200, { listipforwardingrulesresponse: {} }], JSON.stringify(params));
        }

        // Unknown UUIDs are refused as for every UUID parameter.
        for (const name of ["ipaddressid", "virtualmachineid", "id"]) {
            const r = await rawCall(env.sim, "listIpForwardingRules", { [name]: "7d2f5f6e-0000-4000-8000-000000000000" });
            t.is(r.status, 431, name);
            t.regex(r.body.listipforwardingrulesresponse.errortext, new RegExp(`Invalid parameter ${name} value=`));
        }
        // A released address is not ready for static NAT rules.
        const spare = (await env.client.callAsync<any>("associateIpAddress", { networkid: net.id })).result.ipaddress;
        await env.client.callAsync("disassociateIpAddress", { id: spare.id });
        const free = await rawCall(env.sim, "listIpForwardingRules", { ipaddressid: spare.id });
        t.is(free.status, 431);
        t.regex(free.body.listipforwardingrulesresponse.errortext, /not ready for static nat rules yet/);
    } finally {
        await env.stop();
    }
});

test("an unknown command answers as Mold does: 401 under errorresponse, the signature text, no cserrorcode", async (t) => {
    const env = await withSimulator({ kubeApi: false, ssh: false });
    try {
        const r = await rawCall(env.sim, "listIpForwardingRulez", {});
        t.is(r.status, 401);
        t.deepEqual(r.body, { errorresponse: { uuidList: [], errorcode: 401, errortext: "unable to verify user credentials and/or request signature" } });
    } finally {
        await env.stop();
    }
});
