import test from "ava";
import {
    createEgressFirewallRule,
    createFirewallRule,
    createPortForwardingRule,
    createTags,
    deleteEgressFirewallRule,
    deleteFirewallRule,
    listEgressFirewallRules,
    listFirewallRules,
    MoldJobError,
    updateEgressFirewallRule,
    updateFirewallRule,
} from "../../provider/client";
import { apiError, inWorld, UNKNOWN_UUID, unknownUuidText } from "../helpers/network-world";

test(
    "createFirewallRule: id+jobid, then an Active rule with int ports, default CIDR 0.0.0.0/0 and endport = startport",
    inWorld(async (t, w) => {
        const n = await w.newNetwork();
        const ip = await w.newIp(n.id);
        const r = await w.client.callAsync<any>("createFirewallRule", { ipaddressid: ip.id, protocol: " TCP ", startport: 22 });
        t.is(r.job.jobinstancetype, "FirewallRule");
        t.is(r.job.jobinstanceid, r.id);
        t.is(r.job.cmd, "org.apache.cloudstack.api.command.user.firewall.CreateFirewallRuleCmd");
        const rule = r.result.firewallrule;
        t.deepEqual(rule, {
            id: r.id,
            protocol: "tcp",
            startport: 22,
            endport: 22,
            ipaddressid: ip.id,
            networkid: n.id,
            ipaddress: ip.ipaddress,
            state: "Active",
            cidrlist: "0.0.0.0/0",
            destcidrlist: "",
            traffictype: "Ingress",
            fordisplay: true,
            tags: [],
        });
        const icmp = await createFirewallRule(w.client, { ipaddressid: ip.id, protocol: "icmp", cidrlist: ["10.0.0.0/8"] });
        t.is(icmp.icmptype, -1);
        t.is(icmp.icmpcode, -1);
        t.is(icmp.startport, undefined);
        t.true((await w.client.list("listEvents", { type: "FIREWALL.OPEN" }, "event")).length >= 2);
    }),
);

test(
    "ingress conflicts are synchronous 537/4360 errors; CIDRs compare as strings, other protocols never conflict",
    inWorld(async (t, w) => {
        const n = await w.newNetwork();
        const ip = await w.newIp(n.id);
        const base = { ipaddressid: ip.id, protocol: "tcp" };
        const first = await createFirewallRule(w.client, { ...base, startport: 20, endport: 30 });
        const dbid = w.sim.inventory().firewallRules.find((r: any) => r.id === first.id)._dbid;
        const jobsBefore = w.sim.inventory().jobs.length;
        await apiError(
            t,
            createFirewallRule(w.client, { ...base, startport: 25, endport: 40 }),
            537,
            4360,
            `The range specified, 25-40, conflicts with rule ${dbid} which has 20-30`,
        );
        t.is(w.sim.inventory().jobs.length, jobsBefore, "no job was created");
        t.is((await listFirewallRules(w.client, { ipaddressid: ip.id })).length, 1, "the rejected rule left nothing behind");
        // A different CIDR string (even one that overlaps) or another protocol is no conflict.
        await createFirewallRule(w.client, { ...base, startport: 25, endport: 40, cidrlist: ["1.2.3.0/24"] });
        await createFirewallRule(w.client, { ...base, protocol: "udp", startport: 20, endport: 30 });
        await createFirewallRule(w.client, { ...base });
        await apiError(t, createFirewallRule(w.client, { ...base }), 537, 4360, "There is already a firewall rule specified with protocol = tcp and no ports");
        // icmp rules differ by type and code.
        await createFirewallRule(w.client, { ipaddressid: ip.id, protocol: "icmp", icmptype: 8, icmpcode: 0 });
        await createFirewallRule(w.client, { ipaddressid: ip.id, protocol: "icmp", icmptype: 0, icmpcode: 0 });
    }),
);

test(
    "createFirewallRule validation texts",
    inWorld(async (t, w) => {
        const n = await w.newNetwork();
        const ip = await w.newIp(n.id);
        const base = { ipaddressid: ip.id, protocol: "tcp" };
        await apiError(t, createFirewallRule(w.client, { ...base, cidrlist: ["10.0.0.0/33"] }), 431, 9999, "Source CIDRs formatting error 10.0.0.0/33");
        await apiError(t, createFirewallRule(w.client, { ...base, startport: 70000 }), 431, 4350, "publicPort is an invalid value: 70000");
        await apiError(t, createFirewallRule(w.client, { ...base, startport: 22, endport: 70000 }), 431, 4350, "Public port range is an invalid value: 70000");
        await apiError(t, createFirewallRule(w.client, { ...base, startport: 30, endport: 20 }), 431, 4350, "Start port can't be bigger than end port");
        await apiError(t, createFirewallRule(w.client, { ...base, protocol: "all" }), 431, 4350, "Protocol all is not supported in zone 1");
        await apiError(t, createFirewallRule(w.client, { ...base, icmptype: 8 }), 431, 4350, "Can specify icmpCode and icmpType for ICMP protocol only");
        await apiError(
            t,
            createFirewallRule(w.client, { ...base, protocol: "icmp", startport: 1 }),
            431,
            4350,
            "Can't specify start/end port when protocol is ICMP",
        );
        await apiError(
            t,
            w.client.call("createFirewallRule", { ipaddressid: ip.id }),
            431,
            9999,
            "Unable to execute API command createfirewallrule due to missing parameter protocol",
        );
        await apiError(
            t,
            createFirewallRule(w.client, { ...base, ipaddressid: UNKNOWN_UUID }),
            431,
            9999,
            unknownUuidText("createfirewallrule", "ipaddressid"),
        );
        w.sim.setLatency({ associateIpAddress: 500 });
        const pending = await w.submit("associateIpAddress", { networkid: n.id });
        const ipDbId = w.sim.inventory().publicIps.find((x: any) => x.id === pending.id)._dbid;
        await apiError(
            t,
            createFirewallRule(w.client, { ...base, ipaddressid: pending.id! }),
            431,
            4350,
            `Unable to create firewall rule for the IP address ID=${ipDbId} as IP is not associated with any network and no networkId is passed in`,
        );
        await apiError(t, listFirewallRules(w.client, { ipaddressid: pending.id! }), 431, 4350, `Ip address id=${ipDbId} not ready for firewall rules yet`);
        const icmp = await createFirewallRule(w.client, { ipaddressid: ip.id, protocol: "icmp", icmptype: 0, icmpcode: 0 });
        const icmpDbId = w.sim.inventory().firewallRules.find((r: any) => r.id === icmp.id)._dbid;
        await apiError(
            t,
            createFirewallRule(w.client, { ipaddressid: ip.id, protocol: "icmp", icmptype: 0, icmpcode: 0 }),
            431,
            4350,
            `New rule conflicts with existing rule: ${icmpDbId}`,
        );
    }),
);

test(
    "listFirewallRules filters by ip, network and tags; update changes only fordisplay; delete shows Deleting, then removes",
    inWorld(async (t, w) => {
        const n = await w.newNetwork();
        const ip1 = await w.newIp(n.id);
        const ip2 = await w.newIp(n.id);
        const a = await createFirewallRule(w.client, { ipaddressid: ip1.id, protocol: "tcp", startport: 80 });
        const b = await createFirewallRule(w.client, { ipaddressid: ip2.id, protocol: "tcp", startport: 80 });
        await createTags(w.client, "FirewallRule", [b.id], { app: "web" });
        t.deepEqual(
            (await listFirewallRules(w.client, { ipaddressid: ip1.id })).map((r) => r.id),
            [a.id],
        );
        t.is((await listFirewallRules(w.client, { networkid: n.id })).length, 2);
        const tagged = await listFirewallRules(w.client, { tags: { app: "web" } });
        t.deepEqual(
            tagged.map((r) => r.id),
            [b.id],
        );
        t.deepEqual(
            tagged[0].tags.map((x) => [x.key, x.value, x.resourcetype]),
            [["app", "web", "FirewallRule"]],
        );

        const updated = await updateFirewallRule(w.client, a.id, { fordisplay: false });
        t.false(updated.fordisplay);
        t.is(updated.startport, 80);

        w.sim.setLatency({ deleteFirewallRule: 400 });
        const del = await w.submit("deleteFirewallRule", { id: a.id });
        t.is((await listFirewallRules(w.client, { id: a.id }))[0].state, "Deleting");
        await w.client.waitForJob("deleteFirewallRule", del.jobid);
        // Rules are hard-deleted: the id names no row any more, in list commands too.
        await apiError(t, listFirewallRules(w.client, { id: a.id }), 431, 9999, unknownUuidText("listfirewallrules", "id", a.id));
        await apiError(t, deleteFirewallRule(w.client, a.id), 431, 9999, unknownUuidText("deletefirewallrule", "id", a.id));
        t.is((await w.client.list("listEvents", { type: "FIREWALL.CLOSE" }, "event")).length, 1);
    }),
);

test(
    "firewall-rule commands given a port-forwarding rule or an egress rule answer Mold's texts",
    inWorld(async (t, w) => {
        const n = await w.newNetwork();
        const vm = await w.deployVm(n.id);
        const ip = await w.newIp(n.id);
        const pf = await createPortForwardingRule(w.client, {
            ipaddressid: ip.id,
            protocol: "tcp",
            publicport: 2222,
            privateport: 22,
            virtualmachineid: vm.id,
            openfirewall: false,
        });
        const pfDbId = w.sim.inventory().portForwardingRules[0]._dbid;
        await apiError(t, deleteFirewallRule(w.client, pf.id), 431, 4350, `Unable to find ${pfDbId} having purpose [Firewall, Ipv6Firewall]`);
        const egress = await createEgressFirewallRule(w.client, { networkid: n.id, protocol: "tcp", startport: 443 });
        await apiError(t, updateFirewallRule(w.client, egress.id, { fordisplay: true }), 431, 4350, "Unable to find firewall rule by ID");
    }),
);

test(
    "a failed create job names the rule and the rollback removes it",
    inWorld(async (t, w) => {
        const n = await w.newNetwork();
        const ip = await w.newIp(n.id);
        w.sim.setFaults({ jobFailureRate: 1 });
        const e = await t.throwsAsync(createFirewallRule(w.client, { ipaddressid: ip.id, protocol: "tcp", startport: 22 }));
        w.sim.setFaults({});
        t.true(e instanceof MoldJobError);
        const id = (e as MoldJobError).entityId!;
        t.truthy(id);
        await apiError(t, listFirewallRules(w.client, { id }), 431, 9999, unknownUuidText("listfirewallrules", "id", id));
        // The port is free again.
        await createFirewallRule(w.client, { ipaddressid: ip.id, protocol: "tcp", startport: 22 });
    }),
);

test(
    "egress rules: source defaults to the guest CIDR, 0.0.0.0/0 stands for it, CIDRs must be inside it; 537 carries 9999",
    inWorld(async (t, w) => {
        const n = await w.newNetwork();
        const r = await w.client.callAsync<any>("createEgressFirewallRule", { networkid: n.id, protocol: "tcp", startport: 443 });
        t.is(r.job.cmd, "org.apache.cloudstack.api.command.user.firewall.CreateEgressFirewallRuleCmd");
        const rule = r.result.firewallrule;
        t.is(rule.cidrlist, n.cidr);
        t.is(rule.destcidrlist, "");
        t.is(rule.traffictype, "Egress");
        t.is(rule.ipaddressid, undefined);
        t.is(rule.state, "Active");
        const anywhere = await createEgressFirewallRule(w.client, {
            networkid: n.id,
            protocol: "udp",
            startport: 53,
            cidrlist: ["0.0.0.0/0"],
            destcidrlist: ["8.8.8.8/32"],
        });
        t.is(anywhere.cidrlist, n.cidr!);
        t.is(anywhere.destcidrlist, "8.8.8.8/32");
        const dbid = w.sim.inventory().firewallRules.find((x: any) => x.id === rule.id)._dbid;
        await apiError(
            t,
            createEgressFirewallRule(w.client, { networkid: n.id, protocol: "tcp", startport: 443 }),
            537,
            9999,
            `The range specified, 443-443, conflicts with rule ${dbid} which has 443-443`,
        );
        await apiError(
            t,
            createEgressFirewallRule(w.client, { networkid: n.id, protocol: "tcp", cidrlist: ["192.168.0.0/24"] }),
            431,
            4350,
            `[192.168.0.0/24] is not within the guest CIDR [${n.cidr}]. `,
        );
        await apiError(
            t,
            createEgressFirewallRule(w.client, { networkid: n.id, protocol: "tcp", cidrlist: ["nope"] }),
            431,
            4350,
            "Source CIDRs formatting error [nope].",
        );
        await apiError(
            t,
            createEgressFirewallRule(w.client, { networkid: n.id, protocol: "tcp", destcidrlist: ["1.1.1.1/40"] }),
            431,
            4350,
            "Destination CIDRs formatting error [1.1.1.1/40].",
        );
        const netDbId = w.sim.inventory().networks[0]._dbid;
        await apiError(
            t,
            createEgressFirewallRule(w.client, { networkid: n.id, protocol: "all", startport: 1, endport: 2 }),
            431,
            4350,
            `Unable to create firewall rule for the network id=[${netDbId}] due to: ports must not be informed to protocol ALL, as it does not require them.`,
        );
        const all = await createEgressFirewallRule(w.client, { networkid: n.id, protocol: "all" });
        t.is(all.protocol, "all");
        t.deepEqual(
            (await listEgressFirewallRules(w.client, { networkid: n.id })).map((x) => x.id),
            [rule.id, anywhere.id, all.id],
        );
        t.is((await listFirewallRules(w.client, { networkid: n.id })).length, 0, "egress rules are not in the ingress list");
        t.false((await updateEgressFirewallRule(w.client, all.id, { fordisplay: false })).fordisplay);
        await deleteEgressFirewallRule(w.client, all.id);
        t.is((await listEgressFirewallRules(w.client)).length, 2);
        t.is((await w.client.list("listEvents", { type: "FIREWALL.EGRESS.OPEN" }, "event")).length, 3);
    }),
);
