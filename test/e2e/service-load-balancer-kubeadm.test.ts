// ServiceLoadBalancer on a KubeadmCluster with two worker groups, through the engine: both groups' workers are
// the members of every port's rule; a rolled worker group (offering change) keeps the service reachable — each
// old node's successor joins the rules before the old node leaves them, and it leaves them before its VM goes;
// a scale-down takes the removed node out of the rules before its VM is destroyed. The rules are never replaced.
import test from "ava";
import { mutatingSince } from "../helpers/engine";
import { programWorld } from "../helpers/program-world";

const GONE = ["Stopping", "Stopped", "Destroyed", "Expunging", "Expunged", "Error"];

test("kubeadm: two worker groups behind a ServiceLoadBalancer; a roll swaps members before old VMs go; scale-down leaves first", async (t) => {
    const w = await programWorld(t, "kubeadm-slb");
    const inv = () => w.sim.inventory();
    const rules = () => inv().loadBalancerRules.filter((r: any) => r.name.startsWith("app-"));
    const membersOf = (r: any) => r._members.map((m: any) => m.vmid).sort();
    const workers = () =>
        (w.output("nodes") as any[])
            .filter((n) => n.role === "worker")
            .map((n) => n.vmId)
            .sort();

    await w.run("up");
    const ids = Object.fromEntries(rules().map((r: any) => [r.name, r.id]));
    t.deepEqual(Object.keys(ids).sort(), ["app-443", "app-80"]);
    t.is(workers().length, 3, "two web workers and one batch worker");
    for (const r of rules()) t.deepEqual(membersOf(r), workers(), `${r.name}: every worker of both groups`);
    t.deepEqual([...(w.output("members") as string[])], workers());
    const ip = w.output("publicIp") as string;
    t.deepEqual({ ...(w.output("urls") as object) }, { "80": `tcp://${ip}:80`, "443": `tcp://${ip}:443` });
    // The component's rules carry its tags (and pulumi-mold's ownership tag) and never openFirewall.
    for (const r of rules()) t.falsy(r.openFirewall);
    const fw = inv().firewallRules.filter((f: any) => [80, 443].includes(Number(f.startport)));
    t.is(fw.length, 2);

    // Sample Mold's rules while the roll runs: never fewer members than before, never a member VM going away.
    const samples: { members: string[][]; vmStates: Record<string, string> }[] = [];
    const sample = () => {
        const vms = Object.fromEntries(inv().vms.map((v: any) => [v.id, v.state]));
        samples.push({ members: rules().map(membersOf), vmStates: vms });
    };
    const oldWeb = (w.output("nodes") as any[]).filter((n) => n.group === "web").map((n) => n.vmId);
    let before = { ...w.sim.requestCounts };
    const timer = setInterval(sample, 5);
    try {
        await w.run("up", "webOffering=4C-8GB");
    } finally {
        clearInterval(timer);
    }
    sample();
    t.true(samples.length > 10, `${samples.length} samples`);
    for (const [i, s] of samples.entries()) {
        for (const members of s.members) {
            t.true(members.length >= 3, `sample ${i}: ${members.length} members`);
            const going = members.filter((id) => GONE.includes(s.vmStates[id] ?? "Expunged"));
            t.deepEqual(going, [], `sample ${i}: members whose VM is going away`);
        }
    }
    const newWeb = (w.output("nodes") as any[]).filter((n) => n.group === "web").map((n) => n.vmId);
    t.is(newWeb.length, 2);
    t.deepEqual(
        newWeb.filter((id) => oldWeb.includes(id)),
        [],
        "both web nodes rolled",
    );
    for (const r of rules()) {
        t.is(r.id, ids[r.name], `${r.name} kept`);
        t.deepEqual(membersOf(r), workers(), `${r.name}: the rolled workers`);
    }
    let calls = mutatingSince(before, w.sim.requestCounts);
    t.falsy(calls.createLoadBalancerRule, JSON.stringify(calls));
    t.falsy(calls.deleteLoadBalancerRule, JSON.stringify(calls));

    // Scale-down: the removed web node leaves both rules before its VM is destroyed.
    samples.length = 0;
    before = { ...w.sim.requestCounts };
    const t2 = setInterval(sample, 5);
    try {
        await w.run("up", "webOffering=4C-8GB", "webCount=1");
    } finally {
        clearInterval(t2);
    }
    sample();
    for (const [i, s] of samples.entries()) {
        for (const members of s.members) {
            const going = members.filter((id) => GONE.includes(s.vmStates[id] ?? "Expunged"));
            t.deepEqual(going, [], `sample ${i}: members whose VM is going away`);
        }
    }
    t.is(workers().length, 2);
    for (const r of rules()) {
        t.is(r.id, ids[r.name]);
        t.deepEqual(membersOf(r), workers());
    }
    calls = mutatingSince(before, w.sim.requestCounts);
    t.is(calls.removeFromLoadBalancerRule, 2, `one removal per rule: ${JSON.stringify(calls)}`);
    t.falsy(calls.createLoadBalancerRule);
    t.falsy(calls.deleteLoadBalancerRule);

    // No-op, then destroy leaves nothing.
    before = { ...w.sim.requestCounts };
    await w.run("up", "webOffering=4C-8GB", "webCount=1");
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), {});
    await w.run("destroy", "webOffering=4C-8GB", "webCount=1");
    t.deepEqual(inv().loadBalancerRules, []);
    t.deepEqual(inv().firewallRules, []);
    t.deepEqual(inv().vms, []);
    t.deepEqual(
        inv().publicIps.filter((p: any) => p.state !== "Free"),
        [],
    );
});
