// A Mold-managed KubernetesCluster on a VPC tier through the real dynamic-provider host: Mold's Kubernetes
// service opens 6443 and 22 with ACL rules at the top of the tier's list (not firewall rules) on an IP of its
// own; those rules are protected as the management ports on a cluster's IP are (a NetworkAclRule covering them
// is refused at preview, with zero state-changing calls); a cluster on a tier whose list denies them is refused
// at preview, saying which; destroy leaves the user's list as it was.
import test from "ava";
import {
    createNetwork,
    createNetworkAcl,
    createNetworkAclList,
    createVpc,
    listNetworkAclLists,
    listNetworkOfferings,
    listVpcOfferings,
    MoldClient,
} from "../../provider/client";
import { mutatingSince } from "../helpers/engine";
import { programWorld } from "../helpers/program-world";

const rules = (...r: object[]) => `rules=${JSON.stringify(r)}`;
const WEB = { name: "from-web", number: 10, protocol: "tcp", startPort: 8080, cidrList: ["10.50.1.0/24"] };

async function tier(client: MoldClient, zoneId: string, vpcId: string, name: string, octet: number, aclid: string) {
    const offering = (await listNetworkOfferings(client, { forvpc: true }))[0];
    return createNetwork(client, {
        name,
        zoneid: zoneId,
        networkofferingid: offering.id,
        vpcid: vpcId,
        gateway: `10.50.${octet}.1`,
        netmask: "255.255.255.0",
        aclid,
    } as any);
}

test("KubernetesCluster on a VPC tier: ACL rules at the top, a rule on the management ports refused, tiers that deny them refused, destroy", async (t) => {
    t.timeout(300_000);
    const w = await programWorld(t, "cks-vpc-tier");
    const inv = () => w.sim.inventory();
    const zoneId = inv().zones[0].id;
    const vpc = await createVpc(w.client, {
        name: "vpc",
        displaytext: "vpc",
        zoneid: zoneId,
        vpcofferingid: (await listVpcOfferings(w.client, {}))[0].id,
        cidr: "10.50.0.0/16",
    });
    const appList = await createNetworkAclList(w.client, { name: "app", vpcid: vpc.id });
    const blockedList = await createNetworkAclList(w.client, { name: "locked", vpcid: vpc.id });
    await createNetworkAcl(w.client, {
        aclid: blockedList.id,
        protocol: "tcp",
        startport: 20,
        endport: 25,
        number: 5,
        action: "deny",
        cidrlist: ["0.0.0.0/0"],
    });
    const defaultDeny = (await listNetworkAclLists(w.client, { name: "default_deny" }))[0];
    const app = await tier(w.client, zoneId, vpc.id, "app", 2, appList.id);
    const denied = await tier(w.client, zoneId, vpc.id, "denied", 3, defaultDeny.id);
    const locked = await tier(w.client, zoneId, vpc.id, "locked", 4, blockedList.id);
    const base = [`tierId=${app.id}`, `aclListId=${appList.id}`];
    const items = (aclId: string) =>
        inv()
            .networkAcls.filter((i: any) => i.aclid === aclId)
            .sort((a: any, b: any) => a.number - b.number)
            .map((i: any) => [i.number, i.action, i.traffictype, i._startport ?? null, i._cidrs.join(",")]);

    // ---- up: Mold puts its ACL rules for 22 and 6443 at the top; the user's rule #10 stays where it was ----
    const first = await w.run("up", ...base, rules(WEB));
    t.like(first.result!.steps, { create: 2, update: 0, replace: 0, delete: 0 });
    t.deepEqual(items(appList.id), [
        [1, "Allow", "Ingress", 22, "0.0.0.0/0"],
        [2, "Allow", "Ingress", 6443, "0.0.0.0/0"],
        [10, "Allow", "Ingress", 8080, "10.50.1.0/24"],
    ]);
    const out = first.result!.outputs;
    const ip = inv().publicIps.find((x: any) => x.id === out.ipAddressId);
    t.like(ip, { vpcid: vpc.id, issourcenat: false, associatednetworkid: app.id });
    t.is(out.endpoint, `https://${out.ipAddress}:6443/`);
    t.is(inv().firewallRules.filter((r: any) => r.ipaddressid === ip.id).length, 0, "no firewall rules on a tier");

    // ---- no-op up: not one state-changing call ----
    let before = { ...w.sim.requestCounts };
    t.like((await w.run("up", ...base, rules(WEB))).result!.steps, { create: 0, update: 0, replace: 0, delete: 0 });
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), {});

    // ---- a rule of the user's on port 22 in that list: refused at preview, nothing sent ----
    before = { ...w.sim.requestCounts };
    const ssh = await w.exec("preview", ...base, rules(WEB, { name: "ssh", number: 20, protocol: "tcp", startPort: 22, cidrList: ["10.0.0.0/8"] }));
    t.not(ssh.code, 0);
    t.regex(
        ssh.stderr,
        /mold:NetworkAclRule: startPort: this ingress rule covers TCP 22 \(node SSH[^)]*\) in list 'app', which Mold's Kubernetes service opens with ACL rules of its own at the top of the list for cluster 'app-k8s' on tier 'app'/,
    );
    const all = await w.exec("preview", ...base, rules(WEB, { name: "everything", number: 30, protocol: "all", action: "deny" }));
    t.not(all.code, 0);
    t.regex(all.stderr, /mold:NetworkAclRule: protocol: this ingress rule covers TCP 6443 \(the Kubernetes API\) and TCP 22/);

    // ---- the cluster moved to a tier on default_deny, or whose list denies 22: refused at preview, saying which ----
    const onDenied = await w.exec("preview", `tierId=${denied.id}`, `aclListId=${appList.id}`, rules(WEB));
    t.not(onDenied.code, 0);
    t.regex(
        onDenied.stderr,
        /mold:KubernetesCluster: network 'denied' is a VPC tier on Mold's default_deny ACL list, which denies TCP 6443 \(the Kubernetes API\) and TCP 22 \(node SSH/,
    );
    t.regex(onDenied.stderr, /can not be used for Kubernetes cluster as it uses default deny ACL/);
    const onLocked = await w.exec("preview", `tierId=${locked.id}`, `aclListId=${appList.id}`, rules(WEB));
    t.not(onLocked.code, 0);
    t.regex(onLocked.stderr, /network 'locked' uses ACL list 'locked', whose rule #5 denies TCP 22 \(node SSH[^)]*\) from 0\.0\.0\.0\/0/);
    t.deepEqual(mutatingSince(before, w.sim.requestCounts), {});

    // ---- destroy: Mold's rules go with the cluster and its IP is released; the list keeps nothing else ----
    await w.run("destroy", ...base, rules(WEB));
    t.deepEqual(items(appList.id), []);
    t.is(inv().kubernetesClusters?.length ?? 0, 0);
    t.false(
        inv().publicIps.some((x: any) => x.vpcid === vpc.id && !x.issourcenat && x.state !== "Free"),
        "only the VPC's source NAT is left",
    );
});
