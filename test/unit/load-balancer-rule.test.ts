// LoadBalancerRule hooks against the simulator: what the engine tests cannot set up cheaply — lost
// answers, a create that fails halfway and its repair, members by address, and drift seen by read.
import test from "ava";
import { deleteLBStickinessPolicy, listLoadBalancerRules } from "../../provider/client/loadbalancer";
import { runHook } from "../../provider";
import type { HookName } from "../../provider/runtime/hooks";
import { Faults } from "../../simulator/faults";
import { NetworkWorld, inWorld } from "../helpers/network-world";

async function setup(w: NetworkWorld) {
    const n = await w.newNetwork();
    const [vm1, vm2] = [await w.deployVm(n.id, "app-1"), await w.deployVm(n.id, "app-2")];
    const ip = await w.newIp(n.id);
    const settings = { apiUrl: w.sim.url, apiKey: w.sim.apiKey, secretKey: w.sim.secretKey };
    const hook = <H extends HookName>(name: H, ...args: any[]) => runHook("LoadBalancerRule", name, settings, args);
    const inputs = async (extra: Record<string, unknown> = {}) => {
        const checked = await hook(
            "check",
            {},
            { __provider: "p", name: "app", algorithm: "roundrobin", publicIpAddressId: ip.id, publicPort: 80, privatePort: 8080, ...extra },
        );
        if (checked.failures.length) throw new Error(JSON.stringify(checked.failures));
        return checked.inputs;
    };
    return { n, vm1, vm2, ip, hook, inputs };
}

test(
    "check writes Mold's defaults down: protocol tcp, openFirewall true, method in Mold's spelling",
    inWorld(async (t, w) => {
        const { inputs } = await setup(w);
        const i = await inputs({ algorithm: "LeastConn", stickinessPolicy: { method: "lbcookie", name: "s" } });
        t.like(i, { algorithm: "leastconn", protocol: "tcp", openFirewall: true, stickinessPolicy: { method: "LbCookie", name: "s" } });
    }),
);

test(
    "a member assignment that fails leaves the rule recorded (partial failure with its id); update repairs it",
    inWorld(async (t, w) => {
        const { vm1, vm2, hook, inputs } = await setup(w);
        const news = await inputs({ members: ["app-1", vm2.id], stickinessPolicy: { method: "SourceBased", name: "src" } });
        w.sim.setFaults({ throttleRate: 1, commands: ["assignToLoadBalancerRule"] });
        const e: any = await t.throwsAsync(hook("create", news));
        t.regex(e.message, /mold:LoadBalancerRule create: created [0-9a-f-]+ but could not finish/);
        const [rule] = w.sim.inventory().loadBalancerRules;
        t.is(e.id, rule.id, "the id reaches Pulumi, so the rule is not leaked");
        t.true(e.properties.createIncomplete);
        t.like(e.properties, { ruleId: rule.id, memberIds: [], stickinessPolicyId: "", healthCheckPolicyId: "" });
        t.is(rule.state, "Add", "no member yet");

        w.sim.setFaults({});
        const r = await hook("update", rule.id, e.properties, news);
        t.deepEqual(r.outs.memberIds, [vm1.id, vm2.id]);
        t.is(r.outs.state, "Active");
        t.truthy(r.outs.stickinessPolicyId);
        t.is(r.outs.createIncomplete, undefined);
        const after = w.sim.inventory().loadBalancerRules[0];
        t.deepEqual(after._members.map((m: any) => m.vmid).sort(), [vm1.id, vm2.id].sort());
        t.is(w.sim.inventory().loadBalancerRules.length, 1);
    }),
);

test(
    "an unknown member names the candidates; the rule is still recorded",
    inWorld(async (t, w) => {
        const { hook, inputs } = await setup(w);
        const e: any = await t.throwsAsync(hook("create", await inputs({ members: ["app-9"] })));
        t.regex(e.message, /members\[0\]: no virtual machine named or with id 'app-9'; available: app-1, app-2 \(VMs with a NIC in the rule's network/);
        t.truthy(e.id);
    }),
);

test(
    "a lost create answer is reconciled by name and public IP: one rule, not two",
    inWorld(async (t, w) => {
        const { ip, hook, inputs } = await setup(w);
        const news = await inputs({ members: ["app-1"] });
        // The connection is cut after Mold ran the command: its answer never arrives. The seed is one
        // whose first fault is exactly that, so the rule exists and only `find` can tell.
        let seed = 1;
        while (new Faults({ dropRate: 1, seed }).forRequest("createLoadBalancerRule") !== "dropAfter") seed++;
        w.sim.setFaults({ dropRate: 1, commands: ["createLoadBalancerRule"], seed });
        const created = await hook("create", news).finally(() => w.sim.setFaults({}));
        const rules = await listLoadBalancerRules(w.client, { publicipid: ip.id });
        t.deepEqual(
            rules.map((r) => r.id),
            [created.id],
        );
        t.is(created.outs.state, "Active");
        t.is(w.sim.requestCounts.createLoadBalancerRule, 1, "not sent again");
    }),
);

test(
    "members by { vm, ip }: the primary address means the same as the VM; read keeps the declared spelling and reports drift",
    inWorld(async (t, w) => {
        const { n, vm1, vm2, hook, inputs } = await setup(w);
        const primary = vm2.nic.find((x: any) => x.networkid === n.id).ipaddress;
        const news = await inputs({ members: ["app-1", { vm: "app-2", ip: primary }], stickinessPolicy: { method: "LbCookie", name: "c" } });
        const created = await hook("create", news);
        const olds = created.outs;
        t.deepEqual(olds.memberIds, [vm1.id, vm2.id]);
        const same = await hook("read", created.id, olds);
        t.deepEqual(same.props.members, news.members);
        t.deepEqual(same.props.stickinessPolicy, news.stickinessPolicy);
        t.false((await hook("diff", created.id, same.props, news)).changes);

        await deleteLBStickinessPolicy(w.client, olds.stickinessPolicyId as string);
        await w.client.callAsync("removeFromLoadBalancerRule", { id: created.id, virtualmachineids: [vm1.id] });
        const drifted = await hook("read", created.id, olds);
        t.deepEqual(drifted.props.members, [{ vm: "app-2", ip: primary }]);
        t.deepEqual(drifted.props.memberIds, [vm2.id]);
        t.is(drifted.props.stickinessPolicy, null);
        t.is(drifted.props.stickinessPolicyId, "");
        t.true((await hook("diff", created.id, drifted.props, news)).changes);
    }),
);

test(
    "delete removes the rule with its members, policies and linked firewall rule; deleting again is a no-op",
    inWorld(async (t, w) => {
        const { hook, inputs } = await setup(w);
        const created = await hook("create", await inputs({ members: ["app-1"], stickinessPolicy: { method: "LbCookie", name: "c" } }));
        t.is(w.sim.inventory().firewallRules.length, 1);
        await hook("delete", created.id, created.outs);
        await hook("delete", created.id, created.outs);
        const inv = w.sim.inventory();
        t.deepEqual([inv.loadBalancerRules, inv.firewallRules, inv.lbStickinessPolicies], [[], [], []]);
    }),
);
