// The simulator's VPC model: offerings, createVPC/listVPCs/updateVPC/deleteVPC, one router and one source-NAT
// IP per VPC, tiers (createNetwork with vpcid) inside the VPC CIDR, and public IPs associated with a VPC.
import test from "ava";
import {
    associateIpAddress,
    createLoadBalancerRule,
    createNetwork,
    createNetworkAclList,
    createPortForwardingRule,
    createVpc,
    deletePortForwardingRule,
    getPublicIpAddress,
    listNetworkAclLists,
    listFirewallRules,
    deleteNetwork,
    deleteVpc,
    disassociateIpAddress,
    getVpc,
    listNetworkOfferings,
    listPublicIpAddresses,
    listVpcOfferings,
    listVpcs,
    updateVpc,
} from "../../provider/client";
import { apiError, inWorld, isLoopback, jobError, NetworkWorld } from "../helpers/network-world";

async function vpcWorld(w: NetworkWorld) {
    const [offering] = await listVpcOfferings(w.client, { name: "Default VPC offering" });
    const [tierOffering] = await listNetworkOfferings(w.client, { name: "DefaultIsolatedNetworkOfferingForVpcNetworks" });
    const vpc = await createVpc(w.client, { name: "v1", displaytext: "v1", zoneid: w.zoneId, vpcofferingid: offering.id, cidr: "10.10.0.0/16" });
    const tier = (name: string, gateway: string, netmask = "255.255.255.0", extra: Record<string, any> = {}) =>
        createNetwork(w.client, { name, zoneid: w.zoneId, networkofferingid: tierOffering.id, vpcid: vpc.id, gateway, netmask, ...extra });
    return { offering, tierOffering, vpc, tier };
}

test(
    "VPC offerings are seeded; createVPC answers an Enabled VPC whose router took one source-NAT IP",
    inWorld(async (t, w) => {
        const offerings = await listVpcOfferings(w.client);
        t.deepEqual(offerings.map((o) => o.name).sort(), ["Default VPC offering", "Redundant VPC offering"]);
        t.true(offerings.find((o) => o.isdefault)!.service!.some((s) => s.name === "NetworkACL"));
        const { vpc } = await vpcWorld(w);
        t.is(vpc.state, "Enabled");
        t.is(vpc.cidr, "10.10.0.0/16");
        t.is(vpc.vpcofferingname, "Default VPC offering");
        t.is(vpc.networkdomain, "cs2cloud.internal");
        t.deepEqual(vpc.network, []);
        t.false(Object.keys(vpc).some((k) => k.startsWith("_")));
        const ips = await listPublicIpAddresses(w.client, { vpcid: vpc.id });
        t.is(ips.length, 1);
        t.true(ips[0].issourcenat);
        t.is(ips[0].vpcid, vpc.id);
        t.is(ips[0].associatednetworkid, undefined);
        t.true(isLoopback(ips[0].ipaddress));
        await jobError(t, disassociateIpAddress(w.client, ips[0].id), 530, "ip address is used for source nat purposes and can not be disassociated.");
    }),
);

test(
    "createVPC refuses a CIDR that is not an RFC 1918 range (larger than 10.0.0.0/8 included) and a bad offering",
    inWorld(async (t, w) => {
        const [offering] = await listVpcOfferings(w.client, { isdefault: true });
        const base = { name: "v", displaytext: "v", zoneid: w.zoneId, vpcofferingid: offering.id };
        await apiError(t, createVpc(w.client, { ...base, cidr: "10.0.0.0/7" }), 431, 4350, "Guest Cidr 10.0.0.0/7 is not RFC1918 compliant");
        await apiError(t, createVpc(w.client, { ...base, cidr: "8.8.0.0/16" }), 431, 4350, "Guest Cidr 8.8.0.0/16 is not RFC1918 compliant");
        await apiError(t, createVpc(w.client, { ...base, cidr: "10.0.0.0/33" }), 431, 4350, "Invalid CIDR specified 10.0.0.0/33");
        const ok = await createVpc(w.client, { ...base, cidr: "10.0.0.0/8" });
        t.is(ok.cidr, "10.0.0.0/8");
        t.is((await listVpcs(w.client)).length, 1, "the refused creates left nothing");
    }),
);

test(
    "tiers: inside the VPC CIDR, no overlap, gateway/netmask required, at most vpc.max.networks; one router serves all",
    inWorld(async (t, w) => {
        const { vpc, tier, tierOffering } = await vpcWorld(w);
        const web = await tier("web", "10.10.1.1");
        t.is(web.vpcid, vpc.id);
        t.is(web.vpcname, "v1");
        t.is(web.cidr, "10.10.1.0/24");
        t.is(web.egressdefaultpolicy, undefined);
        t.is(web.networkdomain, vpc.networkdomain);
        t.false(
            web.service!.some((s) => s.name === "Firewall"),
            "tiers filter with ACLs, not firewall rules",
        );
        t.true(web.service!.some((s) => s.name === "NetworkACL"));
        const outside = await t.throwsAsync(tier("out", "10.20.1.1"));
        t.regex(outside!.message, /Network cidr 10\.20\.1\.0\/24 is not within vpc VPC \{"id":\d+,"name":"v1","uuid":"[0-9a-f-]+"\} cidr/);
        const overlap = await t.throwsAsync(tier("over", "10.10.0.1", "255.255.0.0"));
        t.regex(
            overlap!.message,
            /Network cidr 10\.10\.0\.0\/16 crosses other network cidr Network \{"id":\d+,"name":"web",.*\} belonging to the same vpc VPC/,
        );
        await apiError(
            t,
            createNetwork(w.client, { name: "nogw", zoneid: w.zoneId, networkofferingid: tierOffering.id, vpcid: vpc.id }),
            431,
            4350,
            "Gateway/netmask are required when create network for VPC",
        );
        await apiError(
            t,
            createNetwork(w.client, {
                name: "plain",
                zoneid: w.zoneId,
                networkofferingid: w.offeringId,
                vpcid: vpc.id,
                gateway: "10.10.9.1",
                netmask: "255.255.255.0",
            }),
            431,
            4350,
            "Network offering can't be used for VPC networks",
        );
        await apiError(
            t,
            createNetwork(w.client, { name: "novpc", zoneid: w.zoneId, networkofferingid: tierOffering.id }),
            431,
            4350,
            "Network offering can be used for VPC networks only",
        );
        await tier("app", "10.10.2.1");
        await tier("db", "10.10.3.1");
        await apiError(t, tier("fourth", "10.10.4.1"), 530, 4250, "Number of networks per VPC cannot surpass [3].");
        // Deploying into two tiers implements them through the one VPC router: no tier gets a source NAT.
        await w.deployVm(web.id);
        const app = (await getVpc(w.client, vpc.id))!.network!.find((n) => n.name === "app")!;
        await w.deployVm(app.id);
        const ips = await listPublicIpAddresses(w.client, { issourcenat: true });
        t.is(ips.length, 1);
        t.is(ips[0].vpcid, vpc.id);
        t.is((await getVpc(w.client, vpc.id))!.network!.length, 3);
    }),
);

test(
    "associateIpAddress with vpcid gives the VPC an address tied to no tier; deleteVPC waits for the tiers, then releases it",
    inWorld(async (t, w) => {
        const { vpc, tier } = await vpcWorld(w);
        const ip = await associateIpAddress(w.client, { vpcid: vpc.id });
        t.is(ip.vpcid, vpc.id);
        t.is(ip.vpcname, "v1");
        t.false(ip.issourcenat);
        t.is(ip.associatednetworkid, undefined);
        t.is(ip.state, "Allocated");
        const web = await tier("web", "10.10.1.1");
        const err = await t.throwsAsync(deleteVpc(w.client, vpc.id));
        t.regex(err!.message, /Can't delete VPC VPC \{.*"name":"v1".*\} as its used by 1 networks/);
        await deleteNetwork(w.client, web.id);
        await deleteVpc(w.client, vpc.id);
        t.is(await getVpc(w.client, vpc.id), undefined);
        t.deepEqual(await listPublicIpAddresses(w.client, { vpcid: vpc.id }), []);
        t.deepEqual(await listPublicIpAddresses(w.client), [], "the source-NAT and the associated IP were released");
    }),
);

test(
    "updateVPC renames in place (tiers and IPs show the new name); tags on a VPC",
    inWorld(async (t, w) => {
        const { vpc, tier } = await vpcWorld(w);
        await tier("web", "10.10.1.1");
        const u = await updateVpc(w.client, vpc.id, { name: "v2", displaytext: "second" });
        t.is(u.name, "v2");
        t.is(u.displaytext, "second");
        t.is(u.network![0].vpcname, "v2");
        await w.client.callAsync("createTags", { resourcetype: "Vpc", resourceids: vpc.id, tags: [{ key: "k", value: "v" }] } as any);
        const [tagged] = await listVpcs(w.client, { tags: { k: "v" } });
        t.is(tagged.id, vpc.id);
    }),
);

test(
    "a tier gets default_deny unless aclid names a default list or one of its VPC's; deleteVPC takes the VPC's lists with it",
    inWorld(async (t, w) => {
        const { vpc, tier, offering } = await vpcWorld(w);
        const web = await tier("web", "10.10.1.1");
        t.is(web.aclname, "default_deny");
        const [allow] = await listNetworkAclLists(w.client, { name: "default_allow" });
        const app = await tier("app", "10.10.2.1", "255.255.255.0", { aclid: allow.id });
        t.is(app.aclid, allow.id);
        const own = await createNetworkAclList(w.client, { name: "web-acl", vpcid: vpc.id });
        const db = await tier("db", "10.10.3.1", "255.255.255.0", { aclid: own.id });
        t.is(db.aclname, "web-acl");
        const other = await createVpc(w.client, { name: "v2", displaytext: "v2", zoneid: w.zoneId, vpcofferingid: offering.id, cidr: "10.20.0.0/16" });
        const [tierOffering] = await listNetworkOfferings(w.client, { forvpc: true });
        const e = await t.throwsAsync(
            createNetwork(w.client, {
                name: "x",
                zoneid: w.zoneId,
                networkofferingid: tierOffering.id,
                vpcid: other.id,
                gateway: "10.20.1.1",
                netmask: "255.255.255.0",
                aclid: own.id,
            }),
        );
        t.regex(e!.message, /\(431\/4350\): ACL: \d+ do not belong to the VPC$/);
        for (const n of [web, app, db]) await deleteNetwork(w.client, n.id);
        await deleteVpc(w.client, vpc.id);
        t.deepEqual((await listNetworkAclLists(w.client)).map((l) => l.name).sort(), ["default_allow", "default_deny"], "the VPC's own list went with it");
    }),
);

test(
    "port forwarding and LB rules on a VPC address name the tier, which the address is then tied to; openfirewall is refused; the last rule unties it",
    inWorld(async (t, w) => {
        const { vpc, tier } = await vpcWorld(w);
        const web = await tier("web", "10.10.1.1");
        const db = await tier("db", "10.10.3.1");
        const vm = await w.deployVm(web.id);
        const ip = await associateIpAddress(w.client, { vpcid: vpc.id });
        const pf = { ipaddressid: ip.id, protocol: "tcp", publicport: 2222, privateport: 22, virtualmachineid: vm.id };
        const noTier = await t.throwsAsync(createPortForwardingRule(w.client, pf));
        t.regex(noTier!.message, /as ip is not associated with any network and no networkId is passed in/);
        await apiError(
            t,
            createPortForwardingRule(w.client, { ...pf, networkid: web.id, openfirewall: true }),
            431,
            4350,
            "Can't have openFirewall=true when IP address belongs to VPC",
        );
        t.is((await getPublicIpAddress(w.client, ip.id))!.associatednetworkid, undefined, "a refused rule ties nothing");
        const wrongVm = await t.throwsAsync(createPortForwardingRule(w.client, { ...pf, networkid: db.id }));
        t.regex(wrongVm!.message, /Vm doesn't belong to network associated with ipAddress/);
        t.is((await getPublicIpAddress(w.client, ip.id))!.associatednetworkid, undefined, "rolled back");
        const rule = await createPortForwardingRule(w.client, { ...pf, networkid: web.id });
        t.is(rule.networkid, web.id);
        t.is((await getPublicIpAddress(w.client, ip.id))!.associatednetworkid, web.id);
        t.deepEqual(await listFirewallRules(w.client, { ipaddressid: ip.id }), [], "no firewall rule on a VPC address");
        const lb = await createLoadBalancerRule(w.client, { name: "web", algorithm: "roundrobin", publicipid: ip.id, publicport: 80, privateport: 8080 });
        t.is(lb.networkid, web.id, "the address's tier serves the LB rule too");
        await w.client.callAsync("deleteLoadBalancerRule", { id: lb.id });
        await deletePortForwardingRule(w.client, rule.id);
        const back = (await getPublicIpAddress(w.client, ip.id))!;
        t.is(back.associatednetworkid, undefined, "with its last rule gone the address is the VPC's again");
        t.is(back.vpcid, vpc.id);
    }),
);
