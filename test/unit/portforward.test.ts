import test from "ava";
import {
    createFirewallRule,
    createLoadBalancerRule,
    createPortForwardingRule,
    createTags,
    deletePortForwardingRule,
    listFirewallRules,
    listPortForwardingRules,
    MoldJobError,
    updatePortForwardingRule,
} from "../../provider/client";
import { apiError, inWorld, jobError, NetworkWorld, unknownUuidText } from "../helpers/network-world";

async function setup(w: NetworkWorld) {
    const n = await w.newNetwork();
    const vm = await w.deployVm(n.id);
    const ip = await w.newIp(n.id);
    return { n, vm, ip };
}

test(
    "createPortForwardingRule: string ports, Add → Active, and openfirewall (default) adds a linked firewall rule removed with it",
    inWorld(async (t, w) => {
        const { n, vm, ip } = await setup(w);
        w.sim.setLatency({ createPortForwardingRule: 400 });
        const submitted = await w.submit("createPortForwardingRule", {
            ipaddressid: ip.id,
            protocol: "tcp",
            publicport: 2222,
            privateport: 22,
            virtualmachineid: vm.id,
        });
        t.is((await listPortForwardingRules(w.client, { id: submitted.id }))[0].state, "Add");
        const job = await w.client.waitForJob("createPortForwardingRule", submitted.jobid);
        t.is(job.jobinstancetype, "FirewallRule");
        t.is(job.jobinstanceid, submitted.id);
        const rule = (job.jobresult as any).portforwardingrule;
        t.like(rule, {
            id: submitted.id,
            privateport: "22",
            privateendport: "22",
            publicport: "2222",
            publicendport: "2222",
            protocol: "tcp",
            virtualmachineid: vm.id,
            virtualmachinename: vm.name,
            virtualmachinedisplayname: vm.displayname,
            ipaddressid: ip.id,
            ipaddress: ip.ipaddress,
            state: "Active",
            cidrlist: "",
            vmguestip: vm.nic[0].ipaddress,
            networkid: n.id,
            fordisplay: true,
        });
        t.deepEqual(rule.tags, []);
        const fw = await listFirewallRules(w.client, { ipaddressid: ip.id });
        t.deepEqual(
            fw.map((r) => [r.protocol, r.startport, r.endport, r.cidrlist, r.state]),
            [["tcp", 2222, 2222, "0.0.0.0/0", "Active"]],
        );
        t.true((await w.client.list("listEvents", { type: "NET.RULEADD" }, "event")).length >= 1);
        await deletePortForwardingRule(w.client, rule.id);
        t.is((await listPortForwardingRules(w.client)).length, 0);
        t.is((await listFirewallRules(w.client, { ipaddressid: ip.id })).length, 0, "the linked firewall rule went with it");
    }),
);

test(
    "openfirewall=false opens nothing; an existing firewall rule for the same ports is reused and survives the delete",
    inWorld(async (t, w) => {
        const { vm, ip } = await setup(w);
        await createPortForwardingRule(w.client, {
            ipaddressid: ip.id,
            protocol: "udp",
            publicport: 53,
            privateport: 53,
            virtualmachineid: vm.id,
            openfirewall: false,
        });
        t.is((await listFirewallRules(w.client, { ipaddressid: ip.id })).length, 0);
        const mine = await createFirewallRule(w.client, { ipaddressid: ip.id, protocol: "tcp", startport: 8000, endport: 8010 });
        const pf = await createPortForwardingRule(w.client, {
            ipaddressid: ip.id,
            protocol: "tcp",
            publicport: 8000,
            publicendport: 8010,
            privateport: 8000,
            privateendport: 8010,
            virtualmachineid: vm.id,
        });
        t.deepEqual(
            (await listFirewallRules(w.client, { ipaddressid: ip.id })).map((r) => r.id),
            [mine.id],
        );
        await deletePortForwardingRule(w.client, pf.id);
        t.deepEqual(
            (await listFirewallRules(w.client, { ipaddressid: ip.id })).map((r) => r.id),
            [mine.id],
        );
    }),
);

test(
    "port ranges: equal sizes, identity-mapped ranges, translation only for single ports",
    inWorld(async (t, w) => {
        const { vm, ip } = await setup(w);
        const base = { ipaddressid: ip.id, protocol: "tcp", virtualmachineid: vm.id };
        await apiError(
            t,
            createPortForwardingRule(w.client, { ...base, publicport: 100, publicendport: 110, privateport: 100, privateendport: 105 }),
            431,
            4350,
            "Source port and destination port ranges should be of equal sizes.",
        );
        await apiError(
            t,
            createPortForwardingRule(w.client, { ...base, publicport: 100, publicendport: 110, privateport: 200, privateendport: 210 }),
            431,
            4350,
            "Private port start should be equal to public port start",
        );
        await apiError(
            t,
            createPortForwardingRule(w.client, { ...base, publicport: 100, privateport: 70000 }),
            431,
            4350,
            "privatePort is an invalid value: 70000",
        );
        await apiError(
            t,
            createPortForwardingRule(w.client, { ...base, publicport: 100, privateport: 20, privateendport: 10 }),
            431,
            4350,
            "Start port can't be bigger than end port",
        );
        await apiError(t, createPortForwardingRule(w.client, { ...base, publicport: -1, privateport: 1 }), 431, 4350, "publicPort is an invalid value: -1");
        await apiError(
            t,
            createPortForwardingRule(w.client, { ...base, protocol: "icmp", publicport: 1, privateport: 1 }),
            431,
            4350,
            "Protocol icmp is currently supported only for rules with purpose Firewall",
        );
        await apiError(
            t,
            createPortForwardingRule(w.client, { ...base, protocol: "sctp", publicport: 1, privateport: 1 }),
            431,
            4350,
            "Protocol sctp is not supported in zone 1",
        );
        await apiError(
            t,
            createPortForwardingRule(w.client, { ...base, publicport: 1, privateport: 1, cidrlist: ["x/8"] }),
            431,
            4350,
            "The given source CIDR [x/8] is invalid.",
        );
        await apiError(
            t,
            createPortForwardingRule(w.client, { ...base, publicport: 1, privateport: 1, vmguestip: "nope" }),
            431,
            4350,
            "Invalid vm ip address",
        );
        await apiError(
            t,
            createPortForwardingRule(w.client, { ...base, publicport: 1, privateport: 1, vmguestip: "10.1.200.200" }),
            431,
            4350,
            "IP Address is not in the VM nic's network ",
        );
        await apiError(
            t,
            w.client.call("createPortForwardingRule", { ipaddressid: ip.id, protocol: "tcp", publicport: 1, virtualmachineid: vm.id }),
            431,
            9999,
            "Unable to execute API command createportforwardingrule due to missing parameter privateport",
        );
        const ranged = await createPortForwardingRule(w.client, { ...base, publicport: 3000, publicendport: 3005, privateport: 3000, privateendport: 3005 });
        t.is(ranged.publicendport, "3005");
    }),
);

test(
    "the VM must have a NIC in the IP's network",
    inWorld(async (t, w) => {
        const { ip } = await setup(w);
        const other = await w.newNetwork();
        const stranger = await w.deployVm(other.id);
        await apiError(
            t,
            createPortForwardingRule(w.client, { ipaddressid: ip.id, protocol: "tcp", publicport: 22, privateport: 22, virtualmachineid: stranger.id }),
            431,
            4350,
            "Vm doesn't belong to network associated with ipAddress",
        );
    }),
);

test(
    "conflicts: same protocol overlaps → 537/4360; other protocol is fine; port forwarding vs LB conflicts whatever the protocol",
    inWorld(async (t, w) => {
        const { vm, ip } = await setup(w);
        const base = { ipaddressid: ip.id, virtualmachineid: vm.id };
        const first = await createPortForwardingRule(w.client, { ...base, protocol: "tcp", publicport: 2222, privateport: 22 });
        const dbid = w.sim.inventory().portForwardingRules.find((r: any) => r.id === first.id)._dbid;
        await apiError(
            t,
            createPortForwardingRule(w.client, { ...base, protocol: "tcp", publicport: 2222, privateport: 23 }),
            537,
            4360,
            `The range specified, 2222-2222, conflicts with rule ${dbid} which has 2222-2222`,
        );
        t.is((await listPortForwardingRules(w.client)).length, 1);
        t.is((await listFirewallRules(w.client)).length, 1, "a rejected rule opens no firewall");
        await createPortForwardingRule(w.client, { ...base, protocol: "udp", publicport: 2222, privateport: 22 });
        const lb = await createLoadBalancerRule(w.client, { name: "web", publicipid: ip.id, publicport: 80, privateport: 8080, algorithm: "roundrobin" });
        const lbDbId = w.sim.inventory().loadBalancerRules.find((r: any) => r.id === lb.id)._dbid;
        await apiError(
            t,
            createPortForwardingRule(w.client, { ...base, protocol: "udp", publicport: 80, privateport: 80 }),
            537,
            4360,
            `The range specified, 80-80, conflicts with rule ${lbDbId} which has 80-80`,
        );
    }),
);

test(
    "updatePortForwardingRule changes private ports, VM and CIDRs (not public ports); errors fail the job",
    inWorld(async (t, w) => {
        const { n, vm, ip } = await setup(w);
        const vm2 = await w.deployVm(n.id);
        const rule = await createPortForwardingRule(w.client, {
            ipaddressid: ip.id,
            protocol: "tcp",
            publicport: 2222,
            privateport: 22,
            virtualmachineid: vm.id,
        });
        const r = await w.client.callAsync<any>("updatePortForwardingRule", {
            id: rule.id,
            privateport: 2200,
            virtualmachineid: vm2.id,
            cidrlist: ["10.0.0.0/8"],
        });
        t.is(r.job.jobinstancetype, "FirewallRule");
        const updated = r.result.portforwardingrule;
        t.like(updated, {
            privateport: "2200",
            privateendport: "2200",
            publicport: "2222",
            virtualmachineid: vm2.id,
            vmguestip: vm2.nic[0].ipaddress,
            cidrlist: "10.0.0.0/8",
            state: "Active",
        });
        await jobError(t, updatePortForwardingRule(w.client, rule.id, { vmguestip: "10.1.0.9" }), 431, "vmguestip should be set along with virtualmachineid");
        await jobError(t, updatePortForwardingRule(w.client, rule.id, { privateport: 99999 }), 431, "privatePort is an invalid value: 99999");
        const ranged = await createPortForwardingRule(w.client, {
            ipaddressid: ip.id,
            protocol: "tcp",
            publicport: 3000,
            publicendport: 3002,
            privateport: 3000,
            privateendport: 3002,
            virtualmachineid: vm.id,
        });
        await jobError(
            t,
            updatePortForwardingRule(w.client, ranged.id, { privateport: 4000 }),
            431,
            "Unable to update the private port range of port forwarding rule as  the provided port range is not consistent with the port range : 3000 to 3002",
        );
    }),
);

test(
    "listPortForwardingRules filters by ip, network, id and tags; expunging the VM drops its rules; a failed create is rolled back",
    inWorld(async (t, w) => {
        const { n, vm, ip } = await setup(w);
        const a = await createPortForwardingRule(w.client, { ipaddressid: ip.id, protocol: "tcp", publicport: 1000, privateport: 22, virtualmachineid: vm.id });
        await createTags(w.client, "PortForwardingRule", [a.id], { who: "ops" });
        t.deepEqual(
            (await listPortForwardingRules(w.client, { tags: { who: "ops" } })).map((r) => r.id),
            [a.id],
        );
        t.deepEqual(
            (await listPortForwardingRules(w.client, { networkid: n.id, ipaddressid: ip.id })).map((r) => r.id),
            [a.id],
        );
        t.deepEqual(await w.client.call("listPortForwardingRules", { networkid: (await w.newNetwork()).id }), {});

        w.sim.setFaults({ jobFailureRate: 1 });
        const e = await t.throwsAsync(
            createPortForwardingRule(w.client, { ipaddressid: ip.id, protocol: "tcp", publicport: 1001, privateport: 22, virtualmachineid: vm.id }),
        );
        w.sim.setFaults({});
        t.true(e instanceof MoldJobError);
        const rolledBack = (e as MoldJobError).entityId!;
        await apiError(t, listPortForwardingRules(w.client, { id: rolledBack }), 431, 9999, unknownUuidText("listportforwardingrules", "id", rolledBack));
        t.is((await listFirewallRules(w.client, { ipaddressid: ip.id })).length, 1, "its firewall rule was rolled back too");

        await w.expungeVm(vm.id);
        t.is((await listPortForwardingRules(w.client)).length, 0);
        t.is((await listFirewallRules(w.client, { ipaddressid: ip.id })).length, 0);
    }),
);
