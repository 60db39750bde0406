// A KubeadmCluster on a VPC tier through the engine (test/programs/kubeadm-vpc): the API address is a new
// address of the VPC, the API load-balancer rule and the node SSH forward name the tier, access is opened with
// ACL rules in the tier's list (no firewall rule anywhere: Mold refuses openfirewall on a VPC address), the
// emulated nodes are reached over SSH because the list lets port 22 in, the cluster bootstraps and its API
// answers /healthz; a no-op up changes nothing; destroy leaves only the default ACL lists.
import test from "ava";
import { mutatingSince } from "../helpers/engine";
import { kget, readKubeconfig } from "../helpers/kube-get";
import { programWorld } from "../helpers/program-world";

test("KubeadmCluster on a VPC tier: VPC address, rules on the tier, ACL rules instead of firewall rules, /healthz answers; no-op; destroy", async (t) => {
    t.timeout(420_000);
    const w = await programWorld(t, "kubeadm-vpc");
    const inv = () => w.sim.inventory();

    const first = await w.run("up");
    const out = first.result!.outputs;
    const ip = inv().publicIps.find((x: any) => x.id === out.publicIpAddressId);
    t.like(ip, { vpcid: out.vpcId, issourcenat: false, associatednetworkid: out.tierId }, "a VPC address, tied to the tier by its rules");

    // The API rule and the control-plane node's SSH forward are on the tier; no firewall rule exists at all.
    const lb = inv().loadBalancerRules.find((r: any) => r.publicipid === ip.id && Number(r.publicport) === 6443);
    t.like(lb, { networkid: out.tierId });
    const forwards = inv().portForwardingRules.filter((r: any) => r.ipaddressid === ip.id);
    t.true(forwards.length >= 1);
    t.true(forwards.every((r: any) => r.networkid === out.tierId && Number(r.privateport) === 22));
    t.deepEqual(inv().firewallRules ?? [], []);

    // Access through the tier's list: #100 for the API, #101 for SSH.
    const items = inv()
        .networkAcls.filter((i: any) => i.aclid === out.aclListId)
        .sort((a: any, b: any) => a.number - b.number)
        .map((i: any) => [i.number, i.action, i.traffictype, i.protocol, i._startport, i._cidrs.join(",")]);
    t.deepEqual(items, [
        [100, "Allow", "Ingress", "tcp", 6443, "0.0.0.0/0"],
        [101, "Allow", "Ingress", "tcp", 22, "0.0.0.0/0"],
    ]);

    // Bootstrapped: every node Ready with the version asked for, and the API answers /healthz with the kubeconfig.
    t.is((out.nodes as any[]).length, 2);
    t.true(
        (out.nodes as any[]).every((n) => n.kubeletVersion === "1.31.9"),
        JSON.stringify(out.nodes),
    );
    const kc = readKubeconfig(w.output("kubeconfig"));
    t.is(kc.server.hostname, ip.ipaddress);
    const healthz = await kget(kc, "/healthz");
    t.is(healthz.status, 200);
    t.is(healthz.body, "ok");

    // No-op: not one state-changing call.
    const before = { ...w.sim.requestCounts };
    t.like((await w.run("up")).result!.steps, { create: 0, update: 0, replace: 0, delete: 0 });
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), {});

    await w.run("destroy");
    t.deepEqual(
        inv()
            .networkAclLists.map((l: any) => l.name)
            .sort(),
        ["default_allow", "default_deny"],
    );
    t.is(inv().vpcs?.length ?? 0, 0);
    t.deepEqual(
        inv().vms.filter((v: any) => v.state !== "Expunging" && v.state !== "Destroyed"),
        [],
    );
});
