// The simulator's CKS on a VPC tier (simulator/handlers/kubernetes-vpc.ts), through the client: the cluster's
// own public IP, ingress ACL allow rules for 6443 and 22 moved to the top of the tier's list (none on
// default_allow, default_deny refused), the API through a port forward (the tier offering is not in conserve
// mode), SSH forwards 2222+i → 22 following a scale, and a delete that leaves nothing CKS made.
import test, { ExecutionContext } from "ava";
import {
    createKubernetesCluster,
    createNetwork,
    createNetworkAcl,
    createNetworkAclList,
    createVpc,
    deleteKubernetesCluster,
    listNetworkAcls,
    listNetworkOfferings,
    listPublicIpAddresses,
    listVpcOfferings,
    MoldApiError,
    MoldClient,
    scaleKubernetesCluster,
} from "../../provider/client";
import { tierAclProblem } from "../../provider/resources/management-acl";
import { withSimulator } from "../helpers/sim";

async function vpcTier(client: MoldClient, zoneId: string, acl: "own" | "default_allow" | "default_deny") {
    const vpc = await createVpc(client, {
        name: "vpc",
        displaytext: "vpc",
        zoneid: zoneId,
        vpcofferingid: (await listVpcOfferings(client, {}))[0].id,
        cidr: "10.50.0.0/16",
    });
    let aclid: string;
    if (acl === "own") {
        const list = await createNetworkAclList(client, { name: "app", vpcid: vpc.id });
        await createNetworkAcl(client, { aclid: list.id, protocol: "tcp", startport: 80, number: 1, cidrlist: ["10.0.0.0/8"] });
        await createNetworkAcl(client, { aclid: list.id, protocol: "tcp", startport: 443, number: 2, cidrlist: ["10.0.0.0/8"] });
        await createNetworkAcl(client, { aclid: list.id, protocol: "udp", startport: 53, number: 10, cidrlist: ["10.0.0.0/8"] });
        aclid = list.id;
    } else {
        aclid = (await client.call<any>("listNetworkACLLists", { name: acl })).networkacllist[0].id;
    }
    const tier = await createNetwork(client, {
        name: "app",
        zoneid: zoneId,
        networkofferingid: (await listNetworkOfferings(client, { forvpc: true }))[0].id,
        vpcid: vpc.id,
        gateway: "10.50.1.1",
        netmask: "255.255.255.0",
        aclid,
    } as any);
    return { vpc, tier, aclid };
}

function clusterArgs(inv: Record<string, any[]>, networkid: string, size = 2) {
    return {
        name: "app-k8s",
        zoneid: inv.zones[0].id,
        kubernetesversionid: inv.kubernetesVersions.find((v: any) => v.semanticversion === "1.30.11").id,
        serviceofferingid: inv.serviceOfferings.find((o: any) => o.name === "2C-4GB").id,
        size,
        networkid,
    };
}

const rulesOn = (inv: Record<string, any[]>, ipId: string) => ({
    firewall: (inv.firewallRules ?? []).filter((r) => r.ipaddressid === ipId),
    portForwarding: (inv.portForwardingRules ?? []).filter((r) => r.ipaddressid === ipId),
    loadBalancer: (inv.loadBalancerRules ?? []).filter((r) => r.publicipid === ipId),
});

function forwards(inv: Record<string, any[]>, ipId: string): [number, number][] {
    return rulesOn(inv, ipId)
        .portForwarding.map((r): [number, number] => [Number(r.publicport), Number(r.privateport)])
        .sort((a, b) => a[0] - b[0]);
}

test("a cluster on a VPC tier: its own VPC IP, ACL allows for 6443 and 22 at the top of the list, API and SSH forwards; scale and delete follow", async (t) => {
    const { client, sim, stop } = await withSimulator();
    try {
        const inv0 = sim.inventory();
        const { vpc, tier, aclid } = await vpcTier(client, inv0.zones[0].id, "own");
        const { cluster } = await createKubernetesCluster(client, clusterArgs(inv0, tier.id));
        t.is(cluster.state, "Running");
        // A fresh IP of the VPC, not the VPC's source NAT, is the cluster's address and endpoint.
        const vpcIps = await listPublicIpAddresses(client, { vpcid: vpc.id } as any);
        const own = vpcIps.find((ip) => ip.id === cluster.ipaddressid)!;
        t.truthy(own, "the cluster's ipaddressid is an address of the VPC");
        t.false(own.issourcenat);
        t.is(own.associatednetworkid, tier.id);
        t.is(cluster.endpoint, `https://${own.ipaddress}:6443/`);

        // CKS's two rules are #1 (22) and #2 (6443); the user's rules in their way moved down as far as they collided.
        const items = (await listNetworkAcls(client, { aclid })).sort((a, b) => a.number - b.number);
        t.deepEqual(
            items.map((i) => [i.number, i.action, i.traffictype, i.protocol, i.startport, i.cidrlist]),
            [
                [1, "Allow", "Ingress", "tcp", "22", "0.0.0.0/0"],
                [2, "Allow", "Ingress", "tcp", "6443", "0.0.0.0/0"],
                [3, "Allow", "Ingress", "tcp", "80", "10.0.0.0/8"],
                [4, "Allow", "Ingress", "tcp", "443", "10.0.0.0/8"],
                [10, "Allow", "Ingress", "udp", "53", "10.0.0.0/8"],
            ],
        );

        // The tier offering is not in conserve mode: the API is a port forward, no LB; no firewall rules on a tier.
        let inv = sim.inventory();
        t.deepEqual(forwards(inv, own.id), [
            [2222, 22],
            [2223, 22],
            [2224, 22],
            [6443, 6443],
        ]);
        t.is(rulesOn(inv, own.id).loadBalancer.length, 0);
        t.is(rulesOn(inv, own.id).firewall.length, 0);
        const control = cluster.virtualmachines!.find((vm) => vm.name.includes("-control-"))!;
        t.is(rulesOn(inv, own.id).portForwarding.find((r) => Number(r.publicport) === 6443).virtualmachineid, control.id);

        // Scale: the SSH forwards are rebuilt for the new VM set; the ACL rules and the API forward stay.
        await scaleKubernetesCluster(client, { id: cluster.id, size: 1 });
        inv = sim.inventory();
        t.deepEqual(forwards(inv, own.id), [
            [2222, 22],
            [2223, 22],
            [6443, 6443],
        ]);
        t.is((await listNetworkAcls(client, { aclid })).length, 5);

        // Delete: the ACL rules CKS added go, the IP is released with its rules; the user's rules stay as they are now.
        await deleteKubernetesCluster(client, cluster.id);
        inv = sim.inventory();
        t.is(forwards(inv, own.id).length, 0);
        t.false((await listPublicIpAddresses(client, { vpcid: vpc.id } as any)).some((ip) => ip.id === own.id));
        t.deepEqual(
            (await listNetworkAcls(client, { aclid })).map((i) => [i.number, i.startport]).sort((a, b) => Number(a[0]) - Number(b[0])),
            [
                [3, "80"],
                [4, "443"],
                [10, "53"],
            ],
        );
    } finally {
        await stop();
    }
});

test("on default_allow CKS adds no ACL rule; on default_deny the create is refused with Mold's text and nothing is made", async (t: ExecutionContext) => {
    const { client, sim, stop } = await withSimulator();
    try {
        const inv0 = sim.inventory();
        const allow = await vpcTier(client, inv0.zones[0].id, "default_allow");
        const before = (await listNetworkAcls(client, { aclid: allow.aclid })).length;
        const { cluster } = await createKubernetesCluster(client, clusterArgs(inv0, allow.tier.id, 1));
        t.is((await listNetworkAcls(client, { aclid: allow.aclid })).length, before);
        t.deepEqual(forwards(sim.inventory(), cluster.ipaddressid!), [
            [2222, 22],
            [2223, 22],
            [6443, 6443],
        ]);
    } finally {
        await stop();
    }
    const second = await withSimulator();
    try {
        const inv0 = second.sim.inventory();
        const deny = await vpcTier(second.client, inv0.zones[0].id, "default_deny");
        const e = await t.throwsAsync(createKubernetesCluster(second.client, clusterArgs(inv0, deny.tier.id, 1)));
        t.true(e instanceof MoldApiError, String(e));
        t.is((e as MoldApiError).errorcode, 530);
        t.is((e as MoldApiError).errortext, `Network ID: ${deny.tier.id} can not be used for Kubernetes cluster as it uses default deny ACL`);
        const inv = second.sim.inventory();
        t.is((inv.kubernetesClusters ?? []).length, 0);
        t.is((inv.portForwardingRules ?? []).length, 0);
        t.false((await listPublicIpAddresses(second.client, { vpcid: deny.vpc.id } as any)).some((ip) => !ip.issourcenat));
    } finally {
        await second.stop();
    }
});

test("tierAclProblem (the cluster's preview check, read-only): default_deny, rules in the way of Mold's top rules, deny rules on 6443/22; none once the cluster is there", async (t) => {
    const { client, sim, stop } = await withSimulator();
    try {
        const inv0 = sim.inventory();
        const { vpc, tier } = await vpcTier(client, inv0.zones[0].id, "own");
        t.regex(
            (await tierAclProblem(client, tier)) ?? "",
            /^'app' uses ACL list 'app', whose rule #1 and #2 hold numbers Mold's Kubernetes service takes for its own rules .*: number your rules from 3$/,
        );
        await createKubernetesCluster(client, clusterArgs(inv0, tier.id, 1));
        t.is(await tierAclProblem(client, tier), undefined, "the cluster's own rules hold 1 and 2 now");

        const list = await createNetworkAclList(client, { name: "locked", vpcid: vpc.id });
        await createNetworkAcl(client, { aclid: list.id, protocol: "all", number: 50, action: "deny", cidrlist: ["0.0.0.0/0"] });
        const locked = await createNetwork(client, {
            name: "locked",
            zoneid: inv0.zones[0].id,
            networkofferingid: (await listNetworkOfferings(client, { forvpc: true }))[0].id,
            vpcid: vpc.id,
            gateway: "10.50.2.1",
            netmask: "255.255.255.0",
            aclid: list.id,
        } as any);
        t.regex(
            (await tierAclProblem(client, locked)) ?? "",
            /whose rule #50 denies TCP 6443 \(the Kubernetes API\) and TCP 22 \(node SSH[^)]*\) from 0\.0\.0\.0\/0: Mold's Kubernetes service needs those ports/,
        );
        const denyList = (await client.call<any>("listNetworkACLLists", { name: "default_deny" })).networkacllist[0].id;
        const denied = await createNetwork(client, {
            name: "denied",
            zoneid: inv0.zones[0].id,
            networkofferingid: (await listNetworkOfferings(client, { forvpc: true }))[0].id,
            vpcid: vpc.id,
            gateway: "10.50.3.1",
            netmask: "255.255.255.0",
            aclid: denyList,
        } as any);
        t.regex((await tierAclProblem(client, denied)) ?? "", /^'denied' is a VPC tier on Mold's default_deny ACL list/);
    } finally {
        await stop();
    }
});
