import test from "ava";
import {
    assignToLoadBalancerRule,
    createLBHealthCheckPolicy,
    createLBStickinessPolicy,
    createLoadBalancerRule,
    createTags,
    deleteLBHealthCheckPolicy,
    deleteLBStickinessPolicy,
    deleteLoadBalancerRule,
    listFirewallRules,
    listLBHealthCheckPolicies,
    listLBStickinessPolicies,
    listLoadBalancerRuleInstances,
    listLoadBalancerRules,
    listLoadBalancerRuleVmIps,
    removeFromLoadBalancerRule,
    updateLoadBalancerRule,
} from "../../provider/client";
import { rawCall } from "../helpers/fixtures";
import { apiError, inWorld, jobError, NetworkWorld } from "../helpers/network-world";

async function setup(w: NetworkWorld) {
    const n = await w.newNetwork();
    const vm = await w.deployVm(n.id);
    const ip = await w.newIp(n.id);
    const lb = (over: Record<string, any> = {}) =>
        createLoadBalancerRule(w.client, { name: "web", publicipid: ip.id, publicport: 80, privateport: 8080, algorithm: "roundrobin", ...over });
    return { n, vm, ip, lb };
}

test(
    "createLoadBalancerRule: object loadbalancer, string ports, state Add until a VM is assigned, linked tcp firewall rule",
    inWorld(async (t, w) => {
        const { n, ip } = await setup(w);
        const r = await w.client.callAsync<any>("createLoadBalancerRule", {
            name: "web",
            publicipid: ip.id,
            publicport: 80,
            privateport: 8080,
            algorithm: "roundrobin",
            cidrlist: ["10.0.0.0/8", "192.168.1.1"],
        });
        t.is(r.job.jobinstancetype, "FirewallRule");
        t.is(r.job.jobinstanceid, r.id);
        const rule = r.result.loadbalancer;
        t.like(rule, {
            id: r.id,
            name: "web",
            publicipid: ip.id,
            publicip: ip.ipaddress,
            publicport: "80",
            privateport: "8080",
            algorithm: "roundrobin",
            networkid: n.id,
            cidrlist: "10.0.0.0/8 192.168.1.1",
            account: "admin",
            state: "Add",
            zoneid: w.zoneId,
            protocol: "tcp",
            fordisplay: true,
        });
        const raw = await w.client.call<any>("listLoadBalancerRules", { id: r.id });
        t.is(raw.loadbalancerrule[0].id, r.id);
        const fw = await listFirewallRules(w.client, { ipaddressid: ip.id });
        t.deepEqual(
            fw.map((x) => [x.protocol, x.startport, x.state]),
            [["tcp", 80, "Active"]],
        );
        const plain = await createLoadBalancerRule(w.client, {
            name: "plain",
            publicipid: ip.id,
            publicport: 81,
            privateport: 81,
            algorithm: "source",
            openfirewall: false,
        });
        t.is(plain.cidrlist, "");
        t.is((await listFirewallRules(w.client, { ipaddressid: ip.id })).length, 1);
        t.is((await w.client.list("listEvents", { type: "LB.CREATE" }, "event")).length, 2);
    }),
);

test(
    "createLoadBalancerRule validation and conflicts (537 without cause: 9999)",
    inWorld(async (t, w) => {
        const { n, ip, lb } = await setup(w);
        const first = await lb();
        const dbid = w.sim.inventory().loadBalancerRules.find((r: any) => r.id === first.id)._dbid;
        await apiError(t, lb({ name: "again", privateport: 9090 }), 537, 9999, `The range specified, 80-80, conflicts with rule ${dbid} which has 80-80`);
        await apiError(t, lb({ publicport: 81, algorithm: "random" }), 431, 4350, "Invalid algorithm: random");
        await apiError(t, lb({ publicport: 81, privateport: 65536 }), 431, 4350, "privatePort is an invalid value: 65536");
        await apiError(t, lb({ publicport: 81, cidrlist: ["bad"] }), 431, 4350, "CIDR [bad] is invalid.");
        // The network has a router (a VM is deployed): HAProxy's own checks apply.
        await apiError(t, lb({ publicport: 8081 }), 431, 4350, "LB service provider cannot support this rule");
        await apiError(t, lb({ publicport: 82, protocol: "udp" }), 431, 4350, "LB service provider cannot support this rule");
        await apiError(t, lb({ publicport: 83, protocol: "http" }), 431, 4350, "protocol http is not in valid protocols [tcp, udp, tcp-proxy, ssl]");
        const nat = (await w.client.list<any>("listPublicIpAddresses", { associatednetworkid: n.id, issourcenat: true }, "publicipaddress"))[0];
        await apiError(
            t,
            createLoadBalancerRule(w.client, { name: "dns", publicipid: nat.id, publicport: 53, privateport: 53, algorithm: "source" }),
            431,
            4350,
            "Error adding load balancer rule, cannot add port 53 with network service offering having DNS service and Source NAT.",
        );
        await apiError(
            t,
            w.client.call("createLoadBalancerRule", { name: "x", algorithm: "source", publicport: 1, privateport: 1 }),
            431,
            4350,
            "Either networkId or zoneId or publicIpId has to be specified",
        );
        await apiError(
            t,
            w.client.call("createLoadBalancerRule", { name: "x", algorithm: "source", publicport: 1, privateport: 1, zoneid: w.zoneId }),
            431,
            4350,
            "Can't define IP owner. Either specify account/domainId or publicIpId",
        );
        t.is((await listLoadBalancerRules(w.client, { publicipid: ip.id })).length, 1);
    }),
);

test(
    "assign and remove members (virtualmachineids and vmidipmap): Add → Active, instances listed, Mold's job errors",
    inWorld(async (t, w) => {
        const { n, vm, lb } = await setup(w);
        const vm2 = await w.deployVm(n.id);
        const rule = await lb();
        await jobError(t, assignToLoadBalancerRule(w.client, rule.id, {}), 431, "Both instanceids and vmidipmap  can't be null");
        const submitted = await w.submit("assignToLoadBalancerRule", { id: rule.id, virtualmachineids: [vm.id] });
        const job = await w.client.waitForJob("assignToLoadBalancerRule", submitted.jobid);
        t.deepEqual(job.jobresult, { success: true });
        t.is((await listLoadBalancerRules(w.client, { id: rule.id }))[0].state, "Active");
        await jobError(
            t,
            assignToLoadBalancerRule(w.client, rule.id, { virtualmachineids: [vm.id] }),
            431,
            `VM ${w.sim.inventory().vms.find((v: any) => v.id === vm.id)._dbId ?? vm.id} with ${vm.nic[0].ipaddress} is already mapped to load balancer.`,
        );
        const netDbId = w.sim.inventory().networks.find((x: any) => x.id === n.id)._dbid;
        await jobError(
            t,
            assignToLoadBalancerRule(w.client, rule.id, { vmidipmap: [{ vmid: vm2.id, vmip: "10.1.99.99" }] }),
            431,
            `VM ip 10.1.99.99 specified does not belong to nic in network ${netDbId}`,
        );
        await jobError(
            t,
            assignToLoadBalancerRule(w.client, rule.id, { vmidipmap: [{ vmid: vm2.id, vmip: "x" }] }),
            431,
            `Invalid ip address x passed in vmidipmap for vmid ${vm2.id}`,
        );
        await assignToLoadBalancerRule(w.client, rule.id, { vmidipmap: [{ vmid: vm2.id, vmip: vm2.nic[0].ipaddress }] });
        const members = await listLoadBalancerRuleInstances(w.client, rule.id);
        t.deepEqual(members.map((m) => m.id).sort(), [vm.id, vm2.id].sort());
        t.is((members[0] as any).servicestate, "Unknown");
        const withIps = await listLoadBalancerRuleVmIps(w.client, rule.id);
        t.deepEqual(withIps.find((x) => x.loadbalancerruleinstance.id === vm2.id)!.lbvmipaddresses, [vm2.nic[0].ipaddress]);
        t.deepEqual(
            (await listLoadBalancerRules(w.client, { virtualmachineid: vm2.id })).map((r) => r.id),
            [rule.id],
        );

        await removeFromLoadBalancerRule(w.client, rule.id, { virtualmachineids: [vm.id] });
        t.deepEqual(
            (await listLoadBalancerRuleInstances(w.client, rule.id)).map((m) => m.id),
            [vm2.id],
        );
        t.deepEqual(
            (await listLoadBalancerRuleInstances(w.client, rule.id, false)).map((m) => m.id),
            [vm.id],
        );
        await jobError(
            t,
            removeFromLoadBalancerRule(w.client, rule.id, { virtualmachineids: [vm.id] }),
            431,
            "Failed to remove instance from load balancer rule",
        );
        // Expunging a member drops its mapping.
        await w.expungeVm(vm2.id);
        t.is((await listLoadBalancerRuleInstances(w.client, rule.id)).length, 0);
    }),
);

test(
    "update sets name/description/algorithm in place (cidrlist comma-separated after update); delete removes its firewall rule",
    inWorld(async (t, w) => {
        const { vm, ip, lb } = await setup(w);
        const rule = await lb({ cidrlist: ["10.0.0.0/8", "172.16.0.0/12"] });
        t.is(rule.cidrlist, "10.0.0.0/8 172.16.0.0/12");
        await assignToLoadBalancerRule(w.client, rule.id, { virtualmachineids: [vm.id] });
        const r = await w.client.callAsync<any>("updateLoadBalancerRule", {
            id: rule.id,
            name: "web2",
            algorithm: "leastconn",
            cidrlist: ["10.0.0.0/8", "172.16.0.0/12"],
        });
        t.is(r.job.cmd, "org.apache.cloudstack.api.command.user.loadbalancer.UpdateLoadBalancerRuleCmd");
        t.like(r.result.loadbalancer, { name: "web2", algorithm: "leastconn", cidrlist: "10.0.0.0/8,172.16.0.0/12", publicport: "80", state: "Active" });
        await jobError(t, updateLoadBalancerRule(w.client, rule.id, { protocol: "udp" }), 431, `Modifications in lb rule ${rule.id} are not supported.`);
        await createTags(w.client, "LoadBalancer", [rule.id], { env: "prod" });
        t.deepEqual(
            (await listLoadBalancerRules(w.client, { tags: { env: "prod" } })).map((x) => x.id),
            [rule.id],
        );
        t.deepEqual(
            (await listLoadBalancerRules(w.client, { keyword: "WEB2" })).map((x) => x.id),
            [rule.id],
        );

        w.sim.setLatency({ deleteLoadBalancerRule: 400 });
        const del = await w.submit("deleteLoadBalancerRule", { id: rule.id });
        t.is((await listLoadBalancerRules(w.client, { id: rule.id }))[0].state, "Deleting");
        await w.client.waitForJob("deleteLoadBalancerRule", del.jobid);
        t.is((await listLoadBalancerRules(w.client)).length, 0);
        t.is((await listFirewallRules(w.client, { ipaddressid: ip.id })).length, 0);
        t.is((await w.client.list("listTags", { resourcetype: "LoadBalancer" }, "tag")).length, 0);
        await apiError(
            t,
            deleteLoadBalancerRule(w.client, rule.id),
            431,
            9999,
            `Unable to execute API command deleteloadbalancerrule due to invalid value. Invalid parameter id value=${rule.id} due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.`,
        );
    }),
);

test(
    "stickiness policies: create (response createLBStickinessPolicy), list, limits and parameter checks, delete",
    inWorld(async (t, w) => {
        const { lb } = await setup(w);
        const rule = await lb();
        const answer = await rawCall(w.sim, "createLBStickinessPolicy", { lbruleid: rule.id, name: "s1", methodname: "lbcookie" }, "POST");
        t.deepEqual(Object.keys(answer.body), ["createLBStickinessPolicy"], "Mold's response name has no 'response' suffix");
        const submitted = answer.body.createLBStickinessPolicy;
        t.truthy(submitted.id);
        await w.client.waitForJob("createLBStickinessPolicy", submitted.jobid);
        const created = await createLBStickinessPolicy(w.client, {
            lbruleid: rule.id,
            name: "s2",
            methodname: "SourceBased",
            param: { expire: "30m", tablesize: "200k" },
        });
        t.is(created.lbruleid, rule.id);
        t.like(created.stickinesspolicy[0], { name: "s2", methodname: "SourceBased", state: "Active", params: { expire: "30m", tablesize: "200k" } });
        await apiError(
            t,
            createLBStickinessPolicy(w.client, { lbruleid: rule.id, name: "s3", methodname: "AppCookie" }),
            431,
            4350,
            `Failed to create Stickiness policy: Already two policies attached ${rule.id}`,
        );
        await apiError(
            t,
            createLBStickinessPolicy(w.client, { lbruleid: rule.id, name: "x", methodname: "Magic" }),
            431,
            4350,
            `Failed to match Stickiness method name for LB rule:${rule.id}`,
        );
        await apiError(
            t,
            createLBStickinessPolicy(w.client, { lbruleid: rule.id, name: "x", methodname: "LbCookie", param: { color: "red" } }),
            431,
            4350,
            "Failed : Stickiness policy does not support param name :color",
        );
        await apiError(
            t,
            createLBStickinessPolicy(w.client, { lbruleid: rule.id, name: "x", methodname: "LbCookie", param: { mode: "" } }),
            431,
            4350,
            "Failed : Value expected for the Param :mode",
        );
        const listed = await listLBStickinessPolicies(w.client, { lbruleid: rule.id });
        t.is(listed.length, 1);
        t.deepEqual(
            listed[0].stickinesspolicy.map((p) => p.name),
            ["s1", "s2"],
        );
        const del = await rawCall(w.sim, "deleteLBStickinessPolicy", { id: submitted.id }, "POST");
        t.deepEqual(Object.keys(del.body), ["deleteLBstickinessrruleresponse"]);
        await w.client.waitForJob("deleteLBStickinessPolicy", del.body.deleteLBstickinessrruleresponse.jobid);
        await deleteLBStickinessPolicy(w.client, created.stickinesspolicy[0].id);
        t.deepEqual((await listLBStickinessPolicies(w.client, { lbruleid: rule.id }))[0].stickinesspolicy, []);
    }),
);

test("health checks: the virtual router refuses them (431); with the provider option they can be created, listed and deleted", async (t) => {
    await inWorld(async (t2, w) => {
        const { lb } = await setup(w);
        const rule = await lb();
        await apiError(
            t2,
            createLBHealthCheckPolicy(w.client, { lbruleid: rule.id, responsetimeout: 10, intervaltime: 5 }),
            431,
            4350,
            "Failed to create HealthCheck policy : Monitor interval must be greater than response timeout",
        );
        await apiError(
            t2,
            createLBHealthCheckPolicy(w.client, { lbruleid: rule.id, pingpath: "/healthz" }),
            431,
            4350,
            `Failed to create HealthCheck policy: Validation Failed (HealthCheck Policy is not supported by LB Provider for the LB rule:${rule.id})`,
        );
    })(t);
    await inWorld(
        async (t2, w) => {
            const { lb } = await setup(w);
            const rule = await lb();
            const created = await createLBHealthCheckPolicy(w.client, { lbruleid: rule.id, pingpath: "/healthz" });
            t2.like(created.healthcheckpolicy[0], {
                pingpath: "/healthz",
                responsetime: 2,
                healthcheckinterval: 5,
                healthcheckthresshold: 2,
                unhealthcheckthresshold: 1,
                state: "Active",
            });
            await apiError(
                t2,
                createLBHealthCheckPolicy(w.client, { lbruleid: rule.id }),
                431,
                4350,
                `Failed to create HealthCheck policy: Already policy attached  for the LB Rule:${rule.id}`,
            );
            t2.is((await listLBHealthCheckPolicies(w.client, { lbruleid: rule.id }))[0].healthcheckpolicy.length, 1);
            await deleteLBHealthCheckPolicy(w.client, created.healthcheckpolicy[0].id);
            t2.deepEqual((await listLBHealthCheckPolicies(w.client, { lbruleid: rule.id }))[0].healthcheckpolicy, []);
        },
        { settings: { "sim.lb.healthcheck.supported": true } },
    )(t);
});
