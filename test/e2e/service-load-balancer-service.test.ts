// ServiceLoadBalancer given a @pulumi/kubernetes NodePort Service (not a list of ports) through the engine: the
// rule's ports are read from the Service's spec; changing the Service's nodePort changes the rule's private port;
// a Service whose nodePort is outside 30000–32767 is refused at preview, naming the Service's field, with no
// state-changing call.
import test from "ava";
import { mutatingSince } from "../helpers/engine";
import { programWorld } from "../helpers/program-world";

const RULE = "web-80";

test("a NodePort Service's ports become the rule's; a nodePort change follows in place; a bad nodePort is refused at preview", async (t) => {
    const w = await programWorld(t, "slb-service");
    const inv = () => w.sim.inventory();
    const rule = () => inv().loadBalancerRules.find((r: any) => r.name === RULE);
    const workers = () =>
        inv()
            .kubernetesClusters[0]._nodes.filter((n: any) => n.role === "worker")
            .map((n: any) => n.vmId)
            .sort();

    await w.run("up");
    t.is(Number(rule().publicport), 80);
    t.is(Number(rule().privateport), 30080);
    t.deepEqual(
        rule()
            ._members.map((m: any) => m.vmid)
            .sort(),
        workers(),
    );
    const urls = w.output("urls");
    t.regex(urls["80"], /^tcp:\/\/127\.\d+\.\d+\.\d+:80$/);
    const ip = inv().publicIps.find((p: any) => p.id === rule().publicipid);
    t.deepEqual(
        inv()
            .firewallRules.filter((f: any) => f.ipaddressid === ip.id && Number(f.startport) === 80)
            .map((f: any) => f.cidrlist),
        ["10.0.0.0/8"],
    );

    // The Service's nodePort moves: the same port's rule now forwards to the new NodePort.
    await w.run("up", "nodePort=30090");
    t.is(Number(rule().privateport), 30090);
    t.is(inv().loadBalancerRules.filter((r: any) => r.name === RULE).length, 1);

    // A Service whose nodePort Kubernetes itself would refuse: preview names the field and changes nothing.
    const before = { ...w.sim.requestCounts };
    const bad = await w.exec("preview", "nodePort=40000");
    t.not(bad.code, 0);
    t.regex(bad.stderr, /mold:ServiceLoadBalancer web: service\.spec\.ports\[0\]\.nodePort/);
    t.regex(bad.stderr, /from 30000 to 32767 \(got 40000\)/);
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), {});

    await w.run("destroy", "nodePort=30090");
    t.deepEqual(inv().loadBalancerRules, []);
    t.deepEqual(inv().kubernetesClusters ?? [], []);
});
