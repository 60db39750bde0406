// StaticNat through the engine against the simulator: enable, no-op up, move to another VM and to a VM's secondary
// address in place, the refusal at preview of an IP that carries port forwards (zero state-changing calls), refresh
// after an out-of-band disable, destroy.
import test from "ava";
import { addIpToNic, disableStaticNat, getPublicIpAddress, getVirtualMachine } from "../../provider/client";
import { mutatingSince } from "../helpers/engine";
import { programWorld } from "../helpers/program-world";

test("StaticNat: enable, no-op, retarget in place (another VM, a secondary address), refused on an IP with port forwards, refresh, destroy", async (t) => {
    t.timeout(600_000);
    const w = await programWorld(t, "static-nat");
    const cfg = (target: string, guest = "", on = "nat", ruleOnNat = "") => [`target=${target}`, `guest=${guest}`, `on=${on}`, `ruleOnNat=${ruleOnNat}`];

    // ---- create: the IP maps to vm-a's primary address ----
    await w.run("up", ...cfg("a"));
    const ipId = w.output("ipId");
    t.is(w.output("natId"), ipId, "the resource is the IP's static NAT");
    let ip = (await getPublicIpAddress(w.client, ipId))!;
    t.true(ip.isstaticnat);
    t.false(ip.issourcenat);
    t.is(ip.virtualmachineid, w.output("vmA"));
    const vmA = (await getVirtualMachine(w.client, w.output("vmA")))!;
    t.is(ip.vmipaddress, (vmA.nic as any[])[0].ipaddress);
    t.is(w.output("guestIpAddress"), ip.vmipaddress);

    // ---- no-op up: nothing sent ----
    let before = { ...w.sim.requestCounts };
    await w.run("up", ...cfg("a"));
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), {});

    // ---- another VM (by name), in place: Mold needs the old mapping gone first ----
    before = { ...w.sim.requestCounts };
    await w.run("up", ...cfg("b"));
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), { disableStaticNat: 1, enableStaticNat: 1 });
    t.is(w.output("natId"), ipId, "changed in place, not replaced");
    ip = (await getPublicIpAddress(w.client, ipId))!;
    t.is(ip.virtualmachineid, w.output("vmB"));

    // ---- a secondary address of vm-b's NIC, in place: enableStaticNat again ----
    const vmB = (await getVirtualMachine(w.client, w.output("vmB")))!;
    const secondary = await addIpToNic(w.client, (vmB.nic as any[])[0].id);
    before = { ...w.sim.requestCounts };
    await w.run("up", ...cfg("b", secondary.ipaddress));
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), { enableStaticNat: 1 });
    ip = (await getPublicIpAddress(w.client, ipId))!;
    t.is(ip.vmipaddress, secondary.ipaddress);
    t.is(w.output("guestIpAddress"), secondary.ipaddress);
    before = { ...w.sim.requestCounts };
    await w.run("up", ...cfg("b", secondary.ipaddress));
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), {}, "no-op with a secondary address");

    // ---- refused at preview: the IP that carries a port forward (Mold's 537), nothing sent ----
    before = { ...w.sim.requestCounts };
    const r = await w.exec("preview", ...cfg("b", "", "pf"));
    t.not(r.code, 0);
    t.regex(
        r.stderr + r.stdout,
        /mold:StaticNat: ipAddressId \S+ already carries port forwarding \(tcp 2200\): Mold refuses static NAT there \(Failed to enable static nat for the ip address \S+ as it already has PortForwarding rules assigned\)/,
    );
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), {});
    t.true((await getPublicIpAddress(w.client, ipId))!.isstaticnat, "the static NAT is untouched");

    // ---- the other direction: a port forward and a load balancer on the static-NAT IP, refused at preview ----
    const otherWay: [string, RegExp][] = [
        [
            "pf",
            /mold:PortForwardingRule: ipAddressId: \S+ has static NAT to VM vm-b, and Mold refuses other rules on such an IP \(Unable to create port forwarding rule; ip \S+ has static nat enabled\)/,
        ],
        [
            "lb",
            /mold:LoadBalancerRule: publicIpAddressId: \S+ has static NAT to VM vm-b, and Mold refuses other rules on such an IP \(Can't do load balance on ip address: \S+\)/,
        ],
    ];
    for (const [rule, message] of otherWay) {
        before = { ...w.sim.requestCounts };
        const refused = await w.exec("preview", ...cfg("b", secondary.ipaddress, "nat", rule));
        t.not(refused.code, 0, `a ${rule} rule on the static-NAT IP`);
        t.regex(refused.stderr + refused.stdout, message);
        t.deepEqual(mutatingSince(before, w.sim.requestCounts), {});
    }

    // ---- refresh after an out-of-band disable: gone from the state; the next up enables it again ----
    await disableStaticNat(w.client, ipId);
    await w.run("refresh", ...cfg("b", secondary.ipaddress));
    t.is(w.resource("mapping"), undefined, "refresh dropped the static NAT from the state");
    t.truthy(w.resource("nat"), "the IP itself stays");
    before = { ...w.sim.requestCounts };
    await w.run("up", ...cfg("b", secondary.ipaddress));
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), { enableStaticNat: 1 });
    t.true((await getPublicIpAddress(w.client, ipId))!.isstaticnat);

    // ---- destroy: static NAT off before the IP is released; nothing left ----
    await w.run("destroy", ...cfg("b", secondary.ipaddress));
    t.is((w.sim.requestCounts.disableStaticNat ?? 0) >= 1, true);
    t.is(await getPublicIpAddress(w.client, ipId), undefined);
    const allocated = await w.client.list<any>("listPublicIpAddresses", {}, "publicipaddress");
    t.deepEqual(allocated, []);
});
