// Vpc, tiers, a VPC's public IP and the rules on a tier, through the engine against the simulator: create, a
// no-op up with zero state-changing calls, in-place changes (VPC display text, a tier's ACL list), refusals at
// preview with zero calls (a tier outside the VPC CIDR or overlapping another tier, a VPC CIDR larger than Mold
// accepts, openFirewall on a tier), refresh after out-of-band changes, and a destroy that leaves nothing.
import test from "ava";
import { deletePortForwardingRule, listPortForwardingRules } from "../../provider/client/portforward";
import { listNetworkAclLists, replaceNetworkAclList } from "../../provider/client/network-acl";
import { getNetwork } from "../../provider/client/network";
import { getVpc, listVpcs } from "../../provider/client/vpc";
import { listPublicIpAddresses } from "../../provider/client/address";
import { mutatingSince } from "../helpers/engine";
import { programWorld } from "../helpers/program-world";

test("Vpc: tiers, a VPC address with port forwarding and LB on a tier; no-op, in place, refusals at preview, refresh, destroy", async (t) => {
    t.timeout(600_000);
    const w = await programWorld(t, "vpc");
    // Config persists in the state between runs: every run sets every key ("" means "left out").
    const DEFAULTS: Record<string, string> = {
        vpcName: "shop",
        vpcText: "",
        vpcCidr: "10.10.0.0/16",
        webAcl: "",
        dbGateway: "10.10.3.1",
        lbOpenFirewall: "false",
    };
    const cfg = (...pairs: string[]) => {
        const given = Object.fromEntries(pairs.map((p) => p.split("=") as [string, string]));
        return Object.entries({ ...DEFAULTS, ...given }).map(([k, v]) => `${k}=${v}`);
    };
    const inv = () => w.sim.inventory();

    // ---- before anything exists: the SDK's Vpc object lets preview judge the tiers (Mold has no VPC to read) ----
    for (const [gateway, message] of [
        ["10.20.3.1", /mold:Network: gateway makes the tier CIDR 10\.20\.3\.0\/24, which is not inside the VPC's CIDR 10\.10\.0\.0\/16/],
        ["10.10.1.9", /mold:Network: gateway makes the tier CIDR 10\.10\.1\.0\/24, which overlaps tier 'web' \(10\.10\.1\.0\/24\)/],
    ] as const) {
        const r = await w.exec("preview", ...cfg(`dbGateway=${gateway}`));
        t.not(r.code, 0, `preview dbGateway=${gateway} should fail`);
        t.regex(r.stderr + r.stdout, message);
        t.deepEqual(mutatingSince({}, w.sim.requestCounts), {}, "nothing was created");
    }

    // ---- create ----
    const first = await w.run("up", ...cfg());
    t.deepEqual(first.result!.steps, { create: 7, update: 0, replace: 0, delete: 0, same: 0 });
    const vpcId = w.output("vpcId");
    const vpc = (await getVpc(w.client, vpcId))!;
    t.is(vpc.cidr, "10.10.0.0/16");
    t.deepEqual(vpc.network!.map((n) => [n.name, n.cidr]).sort(), [
        ["db", "10.10.3.0/24"],
        ["web", "10.10.1.0/24"],
    ]);
    t.true(vpc.tags.some((x) => x.key === "pulumi-mold:managed-by"));
    t.is(w.output("webAcl"), "default_deny", "a tier without aclList gets Mold's default_deny");
    t.is(w.output("ipVpc"), vpcId);
    t.is(w.output("sshNetwork"), w.output("webId"), "the port forward serves the web tier");
    t.is(w.output("lbNetwork"), w.output("webId"));
    const snat = await listPublicIpAddresses(w.client, { vpcid: vpcId, issourcenat: true });
    t.is(snat.length, 1, "one router, one source-NAT address for the VPC");
    t.is(w.output("sourceNatIp"), snat[0].ipaddress);
    t.deepEqual(inv().firewallRules, [], "no firewall rule: tiers are filtered by ACL lists");

    // ---- no-op up: nothing sent ----
    let before = { ...w.sim.requestCounts };
    const noop = await w.run("up", ...cfg());
    t.deepEqual(noop.result!.steps, { create: 0, update: 0, replace: 0, delete: 0, same: 7 });
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), {});

    // ---- in place: the VPC's display text, the web tier's ACL list ----
    before = { ...w.sim.requestCounts };
    await w.run("up", ...cfg("vpcText=the shop"));
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), { updateVPC: 1 });
    t.is((await getVpc(w.client, vpcId))!.displaytext, "the shop");
    before = { ...w.sim.requestCounts };
    await w.run("up", ...cfg("vpcText=the shop", "webAcl=default_allow"));
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), { replaceNetworkACLList: 1 });
    t.is((await getNetwork(w.client, w.output("webId")))!.aclname, "default_allow");
    t.is(w.output("webId"), vpc.network!.find((n) => n.name === "web")!.id, "changed in place, not replaced");

    // ---- refusals at preview, naming the property, with zero state-changing calls ----
    const keep = ["vpcText=the shop", "webAcl=default_allow"];
    const refusals: [string[], RegExp][] = [
        [["dbGateway=10.20.3.1"], /mold:Network: gateway makes the tier CIDR 10\.20\.3\.0\/24, which is not inside the VPC's CIDR 10\.10\.0\.0\/16/],
        [["dbGateway=10.10.1.1"], /mold:Network: gateway makes the tier CIDR 10\.10\.1\.0\/24, which overlaps tier 'web' \(10\.10\.1\.0\/24\)/],
        [["vpcCidr=10.0.0.0/7"], /mold:Vpc: cidr '10\.0\.0\.0\/7' is not inside an RFC 1918 range.*larger than any VPC Mold accepts/],
        [["lbOpenFirewall=true"], /mold:LoadBalancerRule: openFirewall cannot be true for a rule on a VPC tier/],
    ];
    for (const [config, message] of refusals) {
        before = { ...w.sim.requestCounts };
        const r = await w.exec("preview", ...cfg(...keep, ...config));
        t.not(r.code, 0, `preview ${config.join(" ")} should fail`);
        t.regex(r.stderr + r.stdout, message);
        t.deepEqual(mutatingSince(before, w.sim.requestCounts), {}, `preview ${config.join(" ")} sent nothing that changes state`);
    }

    // ---- refresh after out-of-band changes: a deleted port forward, a replaced ACL list ----
    const [pf] = await listPortForwardingRules(w.client, { ipaddressid: w.output("ipId") });
    await deletePortForwardingRule(w.client, pf.id);
    const [deny] = await listNetworkAclLists(w.client, { name: "default_deny" });
    await replaceNetworkAclList(w.client, { networkid: w.output("webId") }, deny.id);
    await w.run("refresh", ...cfg(...keep));
    before = { ...w.sim.requestCounts };
    const repair = await w.run("up", ...cfg(...keep));
    t.deepEqual(repair.result!.steps, { create: 1, update: 1, replace: 0, delete: 0, same: 5 });
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), { createPortForwardingRule: 1, replaceNetworkACLList: 1, createTags: 1 });
    t.is((await getNetwork(w.client, w.output("webId")))!.aclname, "default_allow");

    // ---- destroy: nothing left but Mold's default ACL lists ----
    await w.run("destroy", ...cfg(...keep));
    t.deepEqual(await listVpcs(w.client), []);
    const left = inv();
    t.deepEqual(left.networks, []);
    t.deepEqual(left.portForwardingRules, []);
    t.deepEqual(left.loadBalancerRules, []);
    t.deepEqual(
        left.publicIps.filter((ip: any) => ip.state !== "Free"),
        [],
        "the VPC's addresses (its source NAT too) are released",
    );
    t.deepEqual((await listNetworkAclLists(w.client)).map((l) => l.name).sort(), ["default_allow", "default_deny"]);
    t.deepEqual(
        left.vms.filter((v: any) => v.state !== "Expunged" && v.state !== "Destroyed"),
        [],
    );
});
