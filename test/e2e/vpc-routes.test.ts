// PrivateGateway and StaticRoute through the engine against the simulator: create, no-op up, the gateway's ACL list
// in place, a route's CIDR replaced, a bad address refused at preview (zero calls), refresh after an out-of-band
// route delete, destroy leaves no gateway and no route. The same VPC has a db tier with a static NAT'd VM.
import test from "ava";
import {
    deleteStaticRoute,
    getPublicIpAddress,
    getPrivateGateway,
    getStaticRoute,
    listPrivateGateways,
    listStaticRoutes,
    listPublicIpAddresses,
    listVpcs,
} from "../../provider/client";
import { mutatingSince } from "../helpers/engine";
import { programWorld } from "../helpers/program-world";

test("PrivateGateway and StaticRoute (and StaticNat on a VPC tier): create, no-op, ACL list in place, route replaced, refusal at preview, refresh, destroy", async (t) => {
    t.timeout(600_000);
    const w = await programWorld(t, "vpc-routes");
    const cfg = (acl = "", cidr = "192.168.100.0/24", address = "10.200.0.2") => [`acl=${acl}`, `cidr=${cidr}`, `address=${address}`];

    // ---- create ----
    await w.run("up", ...cfg());
    const vpc = { id: w.output("vpcId") };
    // The db tier's VM behind a static NAT'd address of the VPC, which Mold tied to the tier.
    const dbIp = (await getPublicIpAddress(w.client, w.output("dbIpId")))!;
    t.true(dbIp.isstaticnat);
    t.is(dbIp.virtualmachineid, w.output("dbVmId"));
    t.is(dbIp.associatednetworkid, w.output("dbNatNetwork"));
    t.is(dbIp.vpcid, vpc.id);
    const gatewayId = w.output("gatewayId");
    const g = (await getPrivateGateway(w.client, gatewayId))!;
    t.is(g.state, "Ready");
    t.is(g.vpcid, vpc.id);
    t.is(w.output("aclName"), "default_deny", "Mold's default list for gateways");
    const route = (await getStaticRoute(w.client, w.output("viaHubId")))!;
    t.is(route.gatewayid, gatewayId);
    t.is(route.state, "Active");
    t.true(route.tags.some((x) => x.key === "pulumi-mold:managed-by"));
    t.true(route.tags.some((x) => x.key === "role" && x.value === "hub"));
    t.is((await getStaticRoute(w.client, w.output("directId")))!.nexthop, "10.200.0.50");

    // ---- no-op up: nothing sent ----
    let before = { ...w.sim.requestCounts };
    await w.run("up", ...cfg());
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), {});

    // ---- the gateway's ACL list, in place ----
    before = { ...w.sim.requestCounts };
    await w.run("up", ...cfg("default_allow"));
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), { replaceNetworkACLList: 1 });
    t.is(w.output("gatewayId"), gatewayId, "changed in place");
    t.is((await getPrivateGateway(w.client, gatewayId))!.aclname, "default_allow");
    before = { ...w.sim.requestCounts };
    await w.run("up", ...cfg("default_allow"));
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), {}, "no-op with a named list");

    // ---- a route's CIDR: replaced (Mold cannot change a route) ----
    before = { ...w.sim.requestCounts };
    await w.run("up", ...cfg("default_allow", "192.168.200.0/24"));
    const changed = mutatingSince(before, w.sim.requestCounts);
    t.is(changed.createStaticRoute, 1);
    t.is(changed.deleteStaticRoute, 1);
    t.not(w.output("viaHubId"), route.id);
    t.is((await getStaticRoute(w.client, w.output("viaHubId")))!.cidr, "192.168.200.0/24");

    // ---- refused at preview: the router's address outside the gateway's subnet; nothing sent ----
    before = { ...w.sim.requestCounts };
    const r = await w.exec("preview", ...cfg("default_allow", "192.168.200.0/24", "10.201.0.2"));
    t.not(r.code, 0);
    t.regex(r.stderr + r.stdout, /mold:PrivateGateway: ipAddress 10\.201\.0\.2 is not in the gateway's subnet \(10\.200\.0\.1\/255\.255\.255\.0\)/);
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), {});

    // ---- refresh after an out-of-band route delete; up makes it again ----
    await deleteStaticRoute(w.client, w.output("viaHubId"));
    await w.run("refresh", ...cfg("default_allow", "192.168.200.0/24"));
    t.is(w.resource("via-hub"), undefined);
    before = { ...w.sim.requestCounts };
    await w.run("up", ...cfg("default_allow", "192.168.200.0/24"));
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), { createStaticRoute: 1, createTags: 1 });

    // ---- destroy: routes first, then the gateway; nothing left in the VPC ----
    await w.run("destroy", ...cfg("default_allow", "192.168.200.0/24"));
    t.deepEqual(await listStaticRoutes(w.client, { vpcid: vpc.id }), []);
    t.deepEqual(await listPrivateGateways(w.client, { vpcid: vpc.id }), []);
    t.deepEqual(await listVpcs(w.client), []);
    t.deepEqual(await listPublicIpAddresses(w.client), [], "no address left allocated");
});
