// The simulator's private gateways, static routes and static NAT on a VPC address, through the client: Mold's
// rules (route CIDRs outside the VPC and link-local, no overlapping routes on one gateway, no gateway delete while
// routes use it, the VLAN an administrator's) and the rows going with their VPC.
import test from "ava";
import {
    associateIpAddress,
    createNetwork,
    createPrivateGateway,
    createStaticRoute,
    createVpc,
    deletePrivateGateway,
    deleteStaticRoute,
    deleteVpc,
    disableStaticNat,
    enableStaticNat,
    getPublicIpAddress,
    listPrivateGateways,
    listStaticRoutes,
    listVpcOfferings,
    MoldApiError,
} from "../../provider/client";
import { apiError, inWorld, jobError, NetworkWorld } from "../helpers/network-world";

async function vpcOf(w: NetworkWorld, cidr = "10.10.0.0/16") {
    const [offering] = await listVpcOfferings(w.client, { isdefault: true });
    return createVpc(w.client, { name: `vpc-${cidr.replace(/\W/g, "")}`, displaytext: "routes", zoneid: w.zoneId, vpcofferingid: offering.id, cidr });
}

const GW = { gateway: "10.200.0.1", netmask: "255.255.255.0", ipaddress: "10.200.0.2", vlan: "vlan://200" };

test(
    "private gateway: Ready after its job with Mold's default_deny list; the VLAN is an administrator's; one per address in a VPC",
    inWorld(async (t, w) => {
        const vpc = await vpcOf(w);
        const g = await createPrivateGateway(w.client, { vpcid: vpc.id, ...GW });
        t.is(g.state, "Ready");
        t.is(g.aclname, "default_deny");
        t.is(g.vpcid, vpc.id);
        t.deepEqual(
            (await listPrivateGateways(w.client, { vpcid: vpc.id })).map((x) => x.id),
            [g.id],
        );
        await apiError(
            t,
            createPrivateGateway(w.client, { vpcid: vpc.id, ...GW }),
            431,
            4350,
            `Private ip address 10.200.0.2 already used for private gateway in vpc ${vpc.name}`,
        );
        await apiError(
            t,
            createPrivateGateway(w.client, { vpcid: vpc.id, ...GW, ipaddress: "10.201.0.2" }),
            431,
            4350,
            "The ip address 10.201.0.2 is not in the private gateway's subnet 10.200.0.0/24",
        );
        w.sim.simulator.state.accounts[0].roletype = "User";
        const e = await t.throwsAsync(createPrivateGateway(w.client, { vpcid: vpc.id, ...GW, ipaddress: "10.200.0.3" }));
        t.is((e as MoldApiError).errorcode, 531);
        w.sim.simulator.state.accounts[0].roletype = "Admin";
    }),
);

test(
    "static routes: outside the VPC and link-local, no overlap on one gateway, next hops the router reaches; a gateway with routes is not deleted",
    inWorld(async (t, w) => {
        const vpc = await vpcOf(w);
        const g = await createPrivateGateway(w.client, { vpcid: vpc.id, ...GW });
        const r = await createStaticRoute(w.client, { cidr: "192.168.100.0/24", gatewayid: g.id });
        t.is(r.state, "Active");
        t.is(r.vpcid, vpc.id);
        await apiError(t, createStaticRoute(w.client, { cidr: "10.10.5.0/24", gatewayid: g.id }), 431, 4350, "CIDR should be outside of VPC cidr 10.10.0.0/16");
        await apiError(
            t,
            createStaticRoute(w.client, { cidr: "169.254.1.0/24", gatewayid: g.id }),
            431,
            4350,
            "CIDR should be outside of link local cidr 169.254.0.0/16",
        );
        const conflict = await t.throwsAsync(createStaticRoute(w.client, { cidr: "192.168.0.0/16", gatewayid: g.id }));
        t.is((conflict as MoldApiError).errorcode, 537);
        t.is((conflict as MoldApiError).errortext, "New static route cidr conflicts with existing static route 192.168.100.0/24");
        const hop = await createStaticRoute(w.client, { cidr: "172.20.0.0/16", vpcid: vpc.id, nexthop: "10.200.0.50" });
        t.is(hop.nexthop, "10.200.0.50");
        await apiError(
            t,
            createStaticRoute(w.client, { cidr: "172.21.0.0/16", vpcid: vpc.id, nexthop: "10.99.0.1" }),
            431,
            4350,
            `Next hop 10.99.0.1 is not in the subnet of any tier or private gateway of vpc ${vpc.name}`,
        );
        await jobError(
            t,
            deletePrivateGateway(w.client, g.id),
            431,
            "Can't delete private gateway 10.200.0.2 as it has static routes applied. Remove the routes first",
        );
        await deleteStaticRoute(w.client, r.id);
        t.deepEqual(
            (await listStaticRoutes(w.client, { gatewayid: g.id })).map((x) => x.id),
            [],
        );
        await deletePrivateGateway(w.client, g.id);
        t.deepEqual(await listPrivateGateways(w.client, { vpcid: vpc.id }), []);
        // The next-hop route goes with its VPC.
        await deleteVpc(w.client, vpc.id);
        t.deepEqual(
            (await listStaticRoutes(w.client)).map((x) => x.id),
            [],
        );
    }),
);

test(
    "static NAT on a VPC address: the tier is given as networkid, the address joins it, and leaves it when static NAT is disabled",
    inWorld(async (t, w) => {
        const vpc = await vpcOf(w);
        const [tierOffering] = await w.client.list<any>("listNetworkOfferings", { forvpc: true }, "networkoffering");
        const tier = await createNetwork(w.client, {
            name: "db",
            zoneid: w.zoneId,
            networkofferingid: tierOffering.id,
            vpcid: vpc.id,
            gateway: "10.10.3.1",
            netmask: "255.255.255.0",
        } as never);
        const vm = await w.deployVm(tier.id, "db-1");
        const ip = await associateIpAddress(w.client, { vpcid: vpc.id } as never);
        t.is(ip.associatednetworkid, undefined);
        await apiError(
            t,
            enableStaticNat(w.client, { ipaddressid: ip.id, virtualmachineid: vm.id }),
            431,
            4350,
            `Unable to enable static NAT for the ipAddress id=${(w.sim.simulator.state.tables.publicIps as any)[ip.id]._dbid} as IP is not associated with any network and no networkId is passed in`,
        );
        await enableStaticNat(w.client, { ipaddressid: ip.id, virtualmachineid: vm.id, networkid: tier.id });
        let now = (await getPublicIpAddress(w.client, ip.id))!;
        t.true(now.isstaticnat);
        t.is(now.associatednetworkid, tier.id);
        t.is(now.vmipaddress, vm.nic[0].ipaddress);
        await disableStaticNat(w.client, ip.id);
        now = (await getPublicIpAddress(w.client, ip.id))!;
        t.false(now.isstaticnat);
        t.is(now.associatednetworkid, undefined, "back to the VPC alone");
    }),
);
