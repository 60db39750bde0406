// Objects that are gone, for every resource kind, against both of Mold's answers (the simulator's
// goneAnswer: "mold" = 431 for hard-deleted kinds and an empty list for kinds that keep removed rows,
// "empty-list" = an empty list for every kind):
// - deleted out of band, read drops the resource and delete is a no-op;
// - a delete whose answer is lost after Mold executed it succeeds, and the object is deleted once;
// - a delete refused by Mold because the object went meanwhile (out of band, or by an earlier lost send)
//   counts as done, whatever the kind's refusal looks like (431, 431 "doesn't exist", failed job, 530 job).
import test from "ava";
import { MoldClient } from "../../provider/client";
import { associateIpAddress, disassociateIpAddress } from "../../provider/client/address";
import { createSSHKeyPair, deleteSSHKeyPair } from "../../provider/client/sshkeys";
import { createEgressFirewallRule, createFirewallRule, deleteEgressFirewallRule, deleteFirewallRule } from "../../provider/client/firewall";
import { addVirtualMachinesToKubernetesCluster, createKubernetesCluster, deleteKubernetesCluster } from "../../provider/client/kubernetes";
import { assignToLoadBalancerRule, createLoadBalancerRule, deleteLoadBalancerRule, removeFromLoadBalancerRule } from "../../provider/client/loadbalancer";
import { createNetwork, deleteNetwork, Network } from "../../provider/client/network";
import { createPortForwardingRule, deletePortForwardingRule } from "../../provider/client/portforward";
import { deployVirtualMachine, destroyVirtualMachine } from "../../provider/client/vm";
import { isGone, MoldApiError, MoldJobError } from "../../provider/client/errors";
import { destroyMachine, removeApiMember, unregister } from "../../provider/kubeadm/machines";
import type { NodeRecord } from "../../provider/kubeadm/plan";
import { RESOURCES } from "../../provider/resources";
import type { HookContext, Wire } from "../../provider/runtime/hooks";
import type { GoneAnswer } from "../../simulator/gone";
import { SEED_NETWORK_OFFERING } from "../../simulator/seed";
import { SimAndClient, withSimulator } from "../helpers/sim";

interface World extends SimAndClient {
    /** A second client, for what happens "out of band". */
    oob: MoldClient;
    zoneId: string;
    net(): Promise<Network>;
    vm(networkId: string): Promise<string>;
    inv(): Record<string, any[]>;
}

let counter = 0;

async function world(): Promise<World> {
    const s = await withSimulator({ kubeApi: false, ssh: false });
    const inv = s.sim.inventory();
    const zoneId = inv.zones[0].id;
    const offeringId = inv.networkOfferings.find((o: any) => o.name === SEED_NETWORK_OFFERING).id;
    const oob = new MoldClient({ apiUrl: s.sim.url, apiKey: s.sim.apiKey, secretKey: s.sim.secretKey, signature: s.sim.signature as any });
    return {
        ...s,
        oob,
        zoneId,
        net: () => createNetwork(s.client, { name: `net-${++counter}`, zoneid: zoneId, networkofferingid: offeringId }),
        async vm(networkId) {
            const vm = await deployVirtualMachine(s.client, {
                zoneid: zoneId,
                templateid: inv.templates.find((t: any) => t.ispublic).id,
                serviceofferingid: inv.serviceOfferings.find((o: any) => o.name === "2C-4GB").id,
                networkids: [networkId],
                name: `vm-${++counter}`,
            });
            return vm.id;
        },
        inv: () => s.sim.inventory(),
        stop: async () => {
            oob.close();
            await s.stop();
        },
    };
}

interface Kind {
    /** The command the delete path sends (the one whose answer is lost, or that Mold refuses). */
    deleteCommand: string;
    make(w: World): Promise<{ id: string; olds: Wire }>;
    removeOutOfBand(w: World, id: string, olds: Wire): Promise<void>;
    /** Whether the simulator still holds the (live) object. */
    held(w: World, id: string, olds: Wire): boolean;
}

// Objects whose create did not finish are ours without the ownership tag: that is all `createIncomplete` does here.
const OURS = { createIncomplete: true };
const has = (rows: any[] | undefined, id: string) => (rows ?? []).some((r) => r.id === id);
const k8sArgs = (w: World) => {
    const inv = w.inv();
    return {
        zoneid: w.zoneId,
        kubernetesversionid: inv.kubernetesVersions.find((v: any) => v.semanticversion === "1.30.11").id,
        serviceofferingid: inv.serviceOfferings.find((o: any) => o.name === "2C-4GB").id,
        size: 1,
    };
};

const KINDS: Record<string, Kind> = {
    Network: {
        deleteCommand: "deleteNetwork",
        make: async (w) => ({ id: (await w.net()).id, olds: OURS }),
        removeOutOfBand: (w, id) => deleteNetwork(w.oob, id),
        held: (w, id) => has(w.inv().networks, id),
    },
    PublicIpAddress: {
        deleteCommand: "disassociateIpAddress",
        make: async (w) => ({ id: (await associateIpAddress(w.client, { networkid: (await w.net()).id })).id, olds: OURS }),
        removeOutOfBand: (w, id) => disassociateIpAddress(w.oob, id),
        held: (w, id) => w.inv().publicIps.some((ip: any) => ip.id === id && ip.state !== "Free"),
    },
    VirtualMachine: {
        deleteCommand: "destroyVirtualMachine",
        make: async (w) => ({ id: await w.vm((await w.net()).id), olds: OURS }),
        removeOutOfBand: async (w, id) => void (await destroyVirtualMachine(w.oob, id, true)),
        held: (w, id) => has(w.inv().vms, id),
    },
    SshKeyPair: {
        deleteCommand: "deleteSSHKeyPair",
        async make(w) {
            const k = await createSSHKeyPair(w.client, `key-${++counter}`);
            return { id: k.id ?? k.name, olds: { name: k.name, fingerprint: k.fingerprint } };
        },
        removeOutOfBand: (w, _id, olds) => deleteSSHKeyPair(w.oob, olds.name as string),
        held: (w, _id, olds) => (w.inv().sshKeyPairs ?? []).some((k: any) => k.name === olds.name),
    },
    FirewallRule: {
        deleteCommand: "deleteFirewallRule",
        async make(w) {
            const ip = await associateIpAddress(w.client, { networkid: (await w.net()).id });
            return { id: (await createFirewallRule(w.client, { ipaddressid: ip.id, protocol: "tcp", startport: 22, endport: 22 })).id, olds: OURS };
        },
        removeOutOfBand: (w, id) => deleteFirewallRule(w.oob, id),
        held: (w, id) => has(w.inv().firewallRules, id),
    },
    EgressFirewallRule: {
        deleteCommand: "deleteEgressFirewallRule",
        async make(w) {
            const net = await w.net();
            const rule = await createEgressFirewallRule(w.client, { networkid: net.id, protocol: "tcp", startport: 80, endport: 80 });
            return { id: rule.id, olds: { ...OURS, networkId: net.id, networkCidr: net.cidr } };
        },
        removeOutOfBand: (w, id) => deleteEgressFirewallRule(w.oob, id),
        held: (w, id) => has(w.inv().firewallRules, id),
    },
    PortForwardingRule: {
        deleteCommand: "deletePortForwardingRule",
        async make(w) {
            const net = await w.net();
            const vm = await w.vm(net.id);
            const ip = await associateIpAddress(w.client, { networkid: net.id });
            const rule = await createPortForwardingRule(w.client, {
                ipaddressid: ip.id,
                protocol: "tcp",
                publicport: 2222,
                privateport: 22,
                virtualmachineid: vm,
            });
            return { id: rule.id, olds: OURS };
        },
        removeOutOfBand: (w, id) => deletePortForwardingRule(w.oob, id),
        held: (w, id) => has(w.inv().portForwardingRules, id),
    },
    LoadBalancerRule: {
        deleteCommand: "deleteLoadBalancerRule",
        async make(w) {
            const ip = await associateIpAddress(w.client, { networkid: (await w.net()).id });
            const rule = await createLoadBalancerRule(w.client, {
                publicipid: ip.id,
                name: `lb-${++counter}`,
                algorithm: "roundrobin",
                privateport: 80,
                publicport: 80,
            });
            return { id: rule.id, olds: OURS };
        },
        removeOutOfBand: (w, id) => deleteLoadBalancerRule(w.oob, id),
        held: (w, id) => has(w.inv().loadBalancerRules, id),
    },
    KubernetesCluster: {
        deleteCommand: "deleteKubernetesCluster",
        make: async (w) => ({ id: (await createKubernetesCluster(w.client, { name: `k-${++counter}`, ...k8sArgs(w) })).id, olds: {} }),
        removeOutOfBand: (w, id) => deleteKubernetesCluster(w.oob, id),
        held: (w, id) => has(w.inv().kubernetesClusters, id),
    },
    ExternalKubernetesCluster: {
        deleteCommand: "deleteKubernetesCluster",
        async make(w) {
            const net = await w.net();
            const c = await createKubernetesCluster(w.client, { name: `x-${++counter}`, zoneid: w.zoneId, networkid: net.id, clustertype: "ExternalManaged" });
            return { id: c.id, olds: {} };
        },
        removeOutOfBand: (w, id) => deleteKubernetesCluster(w.oob, id),
        held: (w, id) => has(w.inv().kubernetesClusters, id),
    },
};

const ctxOf = (kind: string, client: MoldClient): HookContext => ({ kind, client: () => client, log: () => undefined });

/** The client, with `before()` run ahead of the first request for `command` (how "meanwhile" is staged). */
function beforeFirst(client: MoldClient, command: string, before: () => Promise<void>): MoldClient {
    const send = client.call.bind(client);
    let done = false;
    client.call = (async (cmd: string, params?: any) => {
        if (cmd === command && !done) {
            done = true;
            await before();
        }
        return send(cmd, params);
    }) as MoldClient["call"];
    return client;
}

async function eachMode(w: World, body: (mode: GoneAnswer) => Promise<void>): Promise<void> {
    for (const mode of ["mold", "empty-list"] as GoneAnswer[]) {
        w.sim.simulator.goneAnswer = mode;
        await body(mode);
    }
}

for (const [kind, k] of Object.entries(KINDS)) {
    test(`${kind}: deleted out of band, read drops it and delete is a no-op (431 and empty-list answers)`, async (t) => {
        const w = await world();
        try {
            await eachMode(w, async (mode) => {
                const { id, olds } = await k.make(w);
                const read = () => RESOURCES[kind].read(ctxOf(kind, w.client), id, olds);
                t.truthy(await read(), `${mode}: read finds it while it exists`);
                await k.removeOutOfBand(w, id, olds);
                t.false(k.held(w, id, olds));
                t.is(await read(), undefined, `${mode}: read drops it`);
                await RESOURCES[kind].delete(ctxOf(kind, w.client), id, olds);
            });
        } finally {
            await w.stop();
        }
    });

    test(`${kind}: a delete whose answer is lost after Mold ran it succeeds, once`, async (t) => {
        const w = await world();
        try {
            const { id, olds } = await k.make(w);
            w.sim.setFaults({ commands: [k.deleteCommand], dropRate: 1, dropPhase: "after", limit: 1 });
            await RESOURCES[kind].delete(ctxOf(kind, w.client), id, olds);
            t.is(w.sim.simulator.faults.injected.dropAfter, 1, "the first answer was lost");
            t.false(k.held(w, id, olds));
            // Mold acted on the first send; a second one, if the first was still running, changed nothing.
            const sent = w.sim.requestCounts[k.deleteCommand];
            t.true(sent >= 1 && sent <= 2, `${k.deleteCommand} sent ${sent} times`);
        } finally {
            await w.stop();
        }
    });

    test(`${kind}: a delete Mold refuses because the object went meanwhile counts as done`, async (t) => {
        const w = await world();
        try {
            const { id, olds } = await k.make(w);
            const before = w.sim.requestCounts[k.deleteCommand] ?? 0;
            const client = beforeFirst(w.client, k.deleteCommand, () => k.removeOutOfBand(w, id, olds));
            await RESOURCES[kind].delete(ctxOf(kind, client), id, olds);
            t.is((w.sim.requestCounts[k.deleteCommand] ?? 0) - before, 2, "ours was sent after the object was gone");
            t.false(k.held(w, id, olds));
        } finally {
            await w.stop();
        }
    });
}

// ---- NodeGroup VMs, LB members and the Mold registration of self-managed clusters ------------------------

const nodeOf = (vmId: string): NodeRecord =>
    ({
        name: `node-${vmId.slice(0, 8)}`,
        vmId,
        privateIp: "10.1.1.5",
        slot: 0,
        access: "port-forward",
        sshHost: "",
        sshPort: 0,
        portForwardingRuleId: "",
    }) as NodeRecord;

test("NodeGroup: a node whose VM was expunged out of band is reported vanished by read (both answers)", async (t) => {
    const w = await world();
    try {
        await eachMode(w, async (mode) => {
            const net = await w.net();
            const [keep, lose] = [await w.vm(net.id), await w.vm(net.id)];
            const olds = { role: "worker", count: 2, nodes: [nodeOf(keep), nodeOf(lose)] };
            await destroyVirtualMachine(w.oob, lose, true);
            const r = await RESOURCES.NodeGroup.read(ctxOf("NodeGroup", w.client), "ng", olds);
            t.deepEqual(
                (r!.outs.nodes as NodeRecord[]).map((n) => n.vmId),
                [keep],
                mode,
            );
            t.deepEqual(
                (r!.outs.vanishedNodes as NodeRecord[]).map((n) => n.vmId),
                [lose],
                mode,
            );
            t.is(r!.inputs.count, 1);
        });
    } finally {
        await w.stop();
    }
});

test("NodeGroup: destroying a node's VM succeeds when the answer is lost, and when the VM went meanwhile", async (t) => {
    const w = await world();
    try {
        const net = await w.net();
        const lost = await w.vm(net.id);
        w.sim.setFaults({ commands: ["destroyVirtualMachine"], dropRate: 1, dropPhase: "after", limit: 1 });
        await destroyMachine(w.client, nodeOf(lost));
        t.is(w.sim.simulator.faults.injected.dropAfter, 1);
        t.false(has(w.inv().vms, lost));

        const gone = await w.vm(net.id);
        await destroyMachine(
            beforeFirst(w.client, "destroyVirtualMachine", async () => void (await destroyVirtualMachine(w.oob, gone, true))),
            nodeOf(gone),
        );
        t.false(has(w.inv().vms, gone));
    } finally {
        await w.stop();
    }
});

test("LB members: removing an API member succeeds when the answer is lost, and when the rule went meanwhile", async (t) => {
    const w = await world();
    try {
        const net = await w.net();
        const vm = await w.vm(net.id);
        const ip = await associateIpAddress(w.client, { networkid: net.id });
        const rule = await createLoadBalancerRule(w.client, { publicipid: ip.id, name: "api", algorithm: "roundrobin", privateport: 6443, publicport: 6443 });
        const members = () => w.inv().loadBalancerRules.find((r: any) => r.id === rule.id)?._members ?? [];
        await assignToLoadBalancerRule(w.client, rule.id, { virtualmachineids: [vm] });
        w.sim.setFaults({ commands: ["removeFromLoadBalancerRule"], dropRate: 1, dropPhase: "after", limit: 1 });
        await removeApiMember(w.client, rule.id, vm);
        t.is(w.sim.simulator.faults.injected.dropAfter, 1);
        t.deepEqual(members(), []);

        await assignToLoadBalancerRule(w.client, rule.id, { virtualmachineids: [vm] });
        const client = beforeFirst(w.client, "removeFromLoadBalancerRule", () => removeFromLoadBalancerRule(w.oob, rule.id, { virtualmachineids: [vm] }));
        await removeApiMember(client, rule.id, vm);
        t.deepEqual(members(), []);

        await deleteLoadBalancerRule(w.oob, rule.id);
        await removeApiMember(w.client, rule.id, vm);
        t.pass("a rule that is gone has no members left to remove");
    } finally {
        await w.stop();
    }
});

test("ExternalKubernetesCluster registration: unregistering succeeds when the answer is lost, and when the cluster went", async (t) => {
    const w = await world();
    try {
        const net = await w.net();
        const vm = await w.vm(net.id);
        const c = await createKubernetesCluster(w.client, { name: "ext", zoneid: w.zoneId, networkid: net.id, clustertype: "ExternalManaged" });
        const memberIds = () => (w.inv().kubernetesClusters.find((x: any) => x.id === c.id)?._vmIds ?? []) as string[];
        await addVirtualMachinesToKubernetesCluster(w.client, c.id, [vm]);
        w.sim.setFaults({ commands: ["removeVirtualMachinesFromKubernetesCluster"], dropRate: 1, dropPhase: "after", limit: 1 });
        await unregister(w.client, c.id, [vm]);
        t.is(w.sim.simulator.faults.injected.dropAfter, 1);
        t.deepEqual(memberIds(), []);

        await addVirtualMachinesToKubernetesCluster(w.client, c.id, [vm]);
        const client = beforeFirst(w.client, "removeVirtualMachinesFromKubernetesCluster", () => deleteKubernetesCluster(w.oob, c.id));
        await unregister(client, c.id, [vm]);
        t.false(has(w.inv().kubernetesClusters, c.id));
    } finally {
        await w.stop();
    }
});

// ---- The simulator's answers, per kind (simulator/gone.ts) ---------------------------------------------

test("list by the id of a gone object: 431/9999 for hard-deleted kinds, an empty list for kinds that keep removed rows", async (t) => {
    const w = await world();
    try {
        const answers: Record<string, unknown> = {};
        const listOf: Record<string, string> = {
            Network: "listNetworks",
            PublicIpAddress: "listPublicIpAddresses",
            VirtualMachine: "listVirtualMachines",
            FirewallRule: "listFirewallRules",
            EgressFirewallRule: "listEgressFirewallRules",
            PortForwardingRule: "listPortForwardingRules",
            LoadBalancerRule: "listLoadBalancerRules",
            KubernetesCluster: "listKubernetesClusters",
        };
        for (const [kind, list] of Object.entries(listOf)) {
            const { id, olds } = await KINDS[kind].make(w);
            await KINDS[kind].removeOutOfBand(w, id, olds);
            try {
                answers[kind] = await w.client.call(list, { id });
            } catch (e) {
                t.true(isGone(e));
                t.is((e as MoldApiError).cserrorcode, 9999, `${kind}: a binding error, not an InvalidParameterValueException`);
                t.regex(
                    (e as MoldApiError).errortext,
                    new RegExp(
                        `^Unable to execute API command ${list.toLowerCase()} due to invalid value\\. Invalid parameter id value=${id} .*entity does not exist`,
                    ),
                );
                answers[kind] = 431;
            }
        }
        t.deepEqual(answers, {
            Network: {},
            PublicIpAddress: {},
            VirtualMachine: {},
            FirewallRule: 431,
            EgressFirewallRule: 431,
            PortForwardingRule: 431,
            LoadBalancerRule: 431,
            KubernetesCluster: {},
        });
        // A delete of a removed row fails the command's own way.
        const net = await w.net();
        await deleteNetwork(w.client, net.id);
        const e = await t.throwsAsync(deleteNetwork(w.client, net.id), { instanceOf: MoldApiError });
        t.regex(e!.message, /Networkd id=\d+ doesn't exist/);
        const vm = await w.vm((await w.net()).id);
        await destroyVirtualMachine(w.client, vm, true);
        const j = await t.throwsAsync(destroyVirtualMachine(w.client, vm, true), { instanceOf: MoldJobError });
        t.is(j!.errorcode, 431);
    } finally {
        await w.stop();
    }
});
