import test from "ava";
import {
    associateIpAddress,
    createLoadBalancerRule,
    createPortForwardingRule,
    createTags,
    disableStaticNat,
    disassociateIpAddress,
    enableStaticNat,
    getPublicIpAddress,
    listFirewallRules,
    listPublicIpAddresses,
    MoldApiError,
    MoldJobError,
} from "../../provider/client";
import { apiError, inWorld, isLoopback, jobError, UNKNOWN_UUID, unknownUuidText } from "../helpers/network-world";

test(
    "associateIpAddress answers id+jobid at once; the IP is Allocating until the job associates it; the first one is source NAT",
    inWorld(async (t, w) => {
        w.sim.setLatency({ associateIpAddress: 300 });
        const n = await w.newNetwork();
        const submitted = await w.submit("associateIpAddress", { networkid: n.id });
        t.deepEqual(Object.keys(submitted).sort(), ["id", "jobid"]);
        const early = (await listPublicIpAddresses(w.client, { id: submitted.id }))[0];
        t.is(early.state, "Allocating");
        t.true(isLoopback(early.ipaddress));
        const job = await w.client.waitForJob("associateIpAddress", submitted.jobid);
        t.is(job.jobinstancetype, "IpAddress");
        t.is(job.jobinstanceid, submitted.id);
        const ip = (job.jobresult as any).ipaddress;
        t.is(ip.state, "Allocated");
        t.true(ip.issourcenat);
        t.is(ip.associatednetworkid, n.id);
        t.is(ip.associatednetworkname, n.name);
        t.false(ip.isstaticnat);
        t.is(ip.forvirtualnetwork, true);
        t.deepEqual(ip.tags, []);
        t.not(ip.networkid, n.id, "networkid is the zone's public network");
        const second = await w.newIp(n.id);
        t.false(second.issourcenat);
        t.not(second.ipaddress, ip.ipaddress);
        t.true(isLoopback(second.ipaddress));
    }),
);

test(
    "associateIpAddress by zone picks the caller's single isolated network; Mold's texts otherwise",
    inWorld(async (t, w) => {
        await apiError(
            t,
            associateIpAddress(w.client, {}),
            431,
            4350,
            "Unable to figure out zone to assign IP to. Please specify either zoneId, or networkId, or vpcId in the call",
        );
        const zoneName = w.sim.inventory().zones[0].name;
        const e = (await t.throwsAsync(associateIpAddress(w.client, { zoneid: w.zoneId }))) as MoldApiError;
        t.is(e.errorcode, 431);
        t.regex(e.errortext, new RegExp(`^Account name=admin domain=.+ doesn't have virtual networks in zone=${zoneName}$`));
        const n = await w.newNetwork();
        const ip = await associateIpAddress(w.client, { zoneid: w.zoneId });
        t.is(ip.associatednetworkid, n.id);
        await w.newNetwork();
        await apiError(t, associateIpAddress(w.client, { zoneid: w.zoneId }), 431, 4350, "Account has more than one isolated network in the zone");
        await apiError(t, associateIpAddress(w.client, { networkid: UNKNOWN_UUID }), 431, 9999, unknownUuidText("associateipaddress", "networkid"));
    }),
);

test(
    "disassociateIpAddress frees the address (kept as a Free row and reused with its UUID); parameter rules are synchronous",
    inWorld(async (t, w) => {
        const n = await w.newNetwork();
        await w.newIp(n.id); // source NAT
        const ip = await w.newIp(n.id);
        await apiError(
            t,
            w.client.call("disassociateIpAddress", { id: ip.id, ipaddress: ip.ipaddress }),
            431,
            4350,
            "id parameter is mutually exclusive with ipaddress parameter",
        );
        await apiError(t, w.client.call("disassociateIpAddress", {}), 431, 4350, "Please specify either IP address or IP address ID");
        await apiError(t, w.client.call("disassociateIpAddress", { ipaddress: "127.9.9.9" }), 431, 4350, "Unable to find IP address by IP address=127.9.9.9");
        const r = await w.client.callAsync("disassociateIpAddress", { ipaddress: ip.ipaddress });
        t.deepEqual(r.result, { success: true });
        t.is(r.job.jobinstancetype, "IpAddress");
        t.is(await getPublicIpAddress(w.client, ip.id), undefined, "allocatedonly defaults to true");
        const free = await listPublicIpAddresses(w.client, { state: "Free" });
        t.deepEqual(
            free.map((x) => [x.id, x.state, x.associatednetworkid]),
            [[ip.id, "Free", undefined]],
        );
        await apiError(
            t,
            listPublicIpAddresses(w.client, { state: "Free", allocatedonly: true }),
            431,
            4350,
            "Conflict: allocatedonly is true but state is Free",
        );
        // Releasing a Free address is a no-op success.
        await disassociateIpAddress(w.client, ip.id);
        const again = await w.newIp(n.id);
        t.is(again.id, ip.id);
        t.is(again.ipaddress, ip.ipaddress);
    }),
);

test(
    "the source-NAT IP of an implemented network cannot be released (job 530); of an Allocated network it can",
    inWorld(async (t, w) => {
        const idle = await w.newNetwork();
        const idleNat = await w.newIp(idle.id);
        await disassociateIpAddress(w.client, idleNat.id);
        const busy = await w.newNetwork();
        await w.deployVm(busy.id);
        const nat = (await listPublicIpAddresses(w.client, { associatednetworkid: busy.id, issourcenat: true }))[0];
        await jobError(t, disassociateIpAddress(w.client, nat.id), 530, "ip address is used for source nat purposes and can not be disassociated.");
        t.is((await getPublicIpAddress(w.client, nat.id))!.state, "Allocated");
    }),
);

test(
    "a failed associate job names the address and the rollback gives it back",
    inWorld(async (t, w) => {
        const n = await w.newNetwork();
        w.sim.setFaults({ jobFailureRate: 1 });
        const e = await t.throwsAsync(associateIpAddress(w.client, { networkid: n.id }));
        w.sim.setFaults({});
        t.true(e instanceof MoldJobError);
        const err = e as MoldJobError;
        t.is(err.errorcode, 530);
        t.truthy(err.entityId);
        t.is(await getPublicIpAddress(w.client, err.entityId!), undefined);
        t.is((await listPublicIpAddresses(w.client, { allocatedonly: false }))[0].state, "Free");
    }),
);

test(
    "static NAT: sync enable with Mold's conflict matrix; disable is a job that also revokes the IP's firewall rules",
    inWorld(async (t, w) => {
        const n = await w.newNetwork();
        const vm = await w.deployVm(n.id);
        const nat = (await listPublicIpAddresses(w.client, { issourcenat: true }))[0];
        await apiError(
            t,
            enableStaticNat(w.client, { ipaddressid: nat.id, virtualmachineid: vm.id }),
            431,
            4350,
            `Can't enable static, ip address ${nat.ipaddress} is a sourceNat ip address`,
        );
        const withPf = await w.newIp(n.id);
        await createPortForwardingRule(w.client, { ipaddressid: withPf.id, protocol: "tcp", publicport: 22, privateport: 22, virtualmachineid: vm.id });
        await apiError(
            t,
            enableStaticNat(w.client, { ipaddressid: withPf.id, virtualmachineid: vm.id }),
            537,
            9999,
            `Failed to enable static nat for the ip address ${withPf.ipaddress} as it already has PortForwarding rules assigned`,
        );
        const withLb = await w.newIp(n.id);
        await createLoadBalancerRule(w.client, { name: "lb", publicipid: withLb.id, publicport: 80, privateport: 80, algorithm: "roundrobin" });
        await apiError(
            t,
            enableStaticNat(w.client, { ipaddressid: withLb.id, virtualmachineid: vm.id }),
            537,
            9999,
            `Failed to enable static nat for the ip address ${withLb.ipaddress} as it already has LoadBalancing rules assigned`,
        );

        const ip = await w.newIp(n.id);
        t.deepEqual(await w.client.call<any>("enableStaticNat", { ipaddressid: ip.id, virtualmachineid: vm.id }), { success: true });
        const shown = (await getPublicIpAddress(w.client, ip.id))!;
        t.true(shown.isstaticnat);
        t.is(shown.virtualmachineid, vm.id);
        t.is(shown.vmipaddress, vm.nic[0].ipaddress);
        const vmNow = (await w.client.list<any>("listVirtualMachines", { id: vm.id }, "virtualmachine"))[0];
        t.is(vmNow.publicip, ip.ipaddress);
        const other = await w.newIp(n.id);
        await apiError(
            t,
            enableStaticNat(w.client, { ipaddressid: other.id, virtualmachineid: vm.id }),
            431,
            4350,
            `Failed to enable static nat on the  ip ${other.ipaddress} with Id ${other.id} as the vm ${vmNow.instancename ?? vmNow.name} with Id ${vm.id} is already associated with another public ip ${ip.ipaddress} with id ${ip.id}`,
        );
        await apiError(
            t,
            createPortForwardingRule(w.client, { ipaddressid: ip.id, protocol: "tcp", publicport: 22, privateport: 22, virtualmachineid: vm.id }),
            431,
            4350,
            `Unable to create port forwarding rule; ip ${ip.ipaddress} has static nat enabled`,
        );
        await apiError(
            t,
            createLoadBalancerRule(w.client, { name: "x", publicipid: ip.id, publicport: 80, privateport: 80, algorithm: "source" }),
            537,
            9999,
            `Can't do load balance on ip address: ${ip.ipaddress}`,
        );
        await w.client.callAsync("createFirewallRule", { ipaddressid: ip.id, protocol: "tcp", startport: 443 });
        await disableStaticNat(w.client, ip.id);
        t.false((await getPublicIpAddress(w.client, ip.id))!.isstaticnat);
        t.is((await listFirewallRules(w.client, { ipaddressid: ip.id })).length, 0);
        await jobError(t, disableStaticNat(w.client, ip.id), 431, "Specified IP address id is not associated with any vm Id");
        const events = (await w.client.list<any>("listEvents", { type: "STATICNAT.ENABLE" }, "event")).length;
        t.is(events, 1);
    }),
);

test(
    "listPublicIpAddresses: object key publicipaddress, keyword on the address, tags filter, hasrules",
    inWorld(async (t, w) => {
        const n = await w.newNetwork();
        const a = await w.newIp(n.id);
        const b = await w.newIp(n.id);
        await createTags(w.client, "PublicIpAddress", [b.id], { role: "ingress" });
        const raw = await w.client.call<any>("listPublicIpAddresses", {});
        t.is(raw.count, 2);
        t.is(raw.publicipaddress.length, 2);
        t.deepEqual(
            (await listPublicIpAddresses(w.client, { tags: { role: "ingress" } })).map((x) => x.id),
            [b.id],
        );
        t.deepEqual(
            (await listPublicIpAddresses(w.client, { keyword: a.ipaddress })).map((x) => x.id),
            [a.id],
        );
        t.deepEqual(
            (await listPublicIpAddresses(w.client, { issourcenat: false })).map((x) => x.id),
            [b.id],
        );
        t.false((await getPublicIpAddress(w.client, b.id))!.hasrules);
        await w.client.callAsync("createFirewallRule", { ipaddressid: b.id, protocol: "udp", startport: 53 });
        t.true((await getPublicIpAddress(w.client, b.id))!.hasrules);
    }),
);
