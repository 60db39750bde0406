// Spreading and offline installs, piece by piece: the simulator's hosts and placement under host (anti-)affinity
// (Mold's 533 / InsufficientServerCapacityException when impossible, listHosts for admins only, the host in the
// admin view only); the NodeGroup's affinity rules and defaults (an existing control plane keeps its shape);
// the preview's host-count check and its skip when hosts cannot be listed; the registry mirror's rules and how
// its secrets travel; the AffinityGroup resource's hooks.
import test from "ava";
import { runHook } from "../../provider";
import { createAffinityGroup, deployVirtualMachine, findNetworkOffering, findServiceOffering, findTemplate, findZone, MoldClient } from "../../provider/client";
import { MoldJobError } from "../../provider/client/errors";
import { routingHostsOrUnknown } from "../../provider/client/host";
import { stepCommand, stepInput } from "../../provider/bootstrap/steps";
import { affinityInMold, antiAffinityGroupName, hostShortage } from "../../provider/kubeadm/placement-affinity";
import { containerdEnv, imageRepository, initEnv, isMirrorUrl } from "../../provider/kubeadm/registry";
import { affinityGroup } from "../../provider/resources/affinity-group";
import type { HookContext } from "../../provider/runtime/hooks";
import { SEED_NETWORK_OFFERING, SEED_TEMPLATE_NAME, SEED_ZONE_NAME } from "../../simulator/seed";
import { CP, NG } from "./bad-input/common";
import { withSimulator } from "../helpers/sim";

const ctxOf = (kind: string, client: MoldClient, logs: string[] = []): HookContext => ({ kind, client: () => client, log: (m) => void logs.push(m) });

async function network(client: MoldClient) {
    const zoneid = (await findZone(client, SEED_ZONE_NAME)).id;
    const net = await client.call<any>("createNetwork", {
        name: "n",
        displaytext: "n",
        zoneid,
        networkofferingid: (await findNetworkOffering(client, SEED_NETWORK_OFFERING)).id,
    });
    const templateid = (await findTemplate(client, SEED_TEMPLATE_NAME)).id;
    const serviceofferingid = (await findServiceOffering(client, "1C-1GB")).id;
    return (name: string, affinitygroupids: string[]) =>
        deployVirtualMachine(client, { zoneid, templateid, serviceofferingid, networkids: [net.network.id], name, affinitygroupids });
}

test("simulator: host anti-affinity puts each VM on its own host; the fifth of a 4-host zone fails with 533/InsufficientServerCapacityException", async (t) => {
    const { client, sim, stop } = await withSimulator();
    try {
        const deploy = await network(client);
        const zone = await findZone(client, SEED_ZONE_NAME);
        // Without rules, VMs share a host (first fit): only the groups spread them.
        const [p1, p2] = [await deploy("p1", []), await deploy("p2", [])];
        t.is(p1.hostid, p2.hostid);
        const hosts = await routingHostsOrUnknown(client, zone.id);
        t.is(hosts!.length, 4);
        const anti = await createAffinityGroup(client, { name: "anti", type: "host anti-affinity" });
        const vms = [];
        for (const name of ["a1", "a2", "a3", "a4"]) vms.push(await deploy(name, [anti.id]));
        t.is(new Set(vms.map((v) => v.hostid)).size, 4);
        t.deepEqual(new Set(vms.map((v) => v.hostid)), new Set(hosts!.map((h) => h.id)), "on the zone's hosts, as listHosts lists them");
        const e = await t.throwsAsync(() => deploy("a5", [anti.id]), { instanceOf: MoldJobError });
        t.is((e as MoldJobError).errorcode, 533);
        t.regex(
            (e as MoldJobError).errortext,
            /^Unable to create a deployment for VM instance \{.*\}, Please check the affinity groups provided, there may not be sufficient capacity to follow them$/,
        );
        t.is(sim.inventory().vms.find((v: any) => v.name === "a5").state, "Error", "a failed deploy leaves the VM in Error");
        // host affinity: together on the first member's host.
        const together = await createAffinityGroup(client, { name: "together", type: "host affinity" });
        const [b1, b2] = [await deploy("b1", [together.id]), await deploy("b2", [together.id])];
        t.is(b1.hostid, b2.hostid);
        // Non-strict anti-affinity spreads while it can, then shares a host instead of failing.
        const soft = await createAffinityGroup(client, { name: "soft", type: "non-strict host anti-affinity" });
        const softVms = [];
        for (const name of ["s1", "s2", "s3", "s4", "s5"]) softVms.push(await deploy(name, [soft.id]));
        t.is(new Set(softVms.slice(0, 4).map((v) => v.hostid)).size, 4);
        t.truthy(softVms[4].hostid);
    } finally {
        await stop();
    }
});

test("simulator: listHosts and the VM's host are for admins; other roles get the 401 and no hostid", async (t) => {
    const { client, sim, stop } = await withSimulator();
    try {
        const deploy = await network(client);
        const vm = await deploy("v1", []);
        t.truthy(vm.hostid);
        sim.simulator.state.accounts[0].roletype = "User";
        const zone = await findZone(client, SEED_ZONE_NAME);
        t.is(await routingHostsOrUnknown(client, zone.id), undefined, "not listable: unknown, not an error");
        const [seen] = await client.call<any>("listVirtualMachines", { id: vm.id }).then((r) => r.virtualmachine);
        t.is(seen.hostid, undefined);
        t.is(seen.hostname, undefined);
        // The preview's host-count check is skipped, not failed, for such an account.
        const failures = await affinityInMold(ctxOf("NodeGroup", client), { ...NG, count: 50, antiAffinity: true } as never);
        t.deepEqual(failures, []);
        sim.simulator.state.accounts[0].roletype = "Admin";
        const refused = await affinityInMold(ctxOf("NodeGroup", client), { ...NG, count: 5, antiAffinity: true } as never);
        t.deepEqual(
            refused.map((f) => f.property),
            ["antiAffinity"],
        );
        t.regex(refused[0].reason, /^mold:NodeGroup: antiAffinity asks for 5 nodes on distinct hosts, but the zone has 4 hosts/);
        t.deepEqual(await affinityInMold(ctxOf("NodeGroup", client), { ...NG, count: 4, antiAffinity: true } as never), []);
        // A given "host anti-affinity" group needs a host per node too; a "host affinity" one does not.
        await createAffinityGroup(client, { name: "spread", type: "host anti-affinity" });
        await createAffinityGroup(client, { name: "pack", type: "host affinity" });
        const given = await affinityInMold(ctxOf("NodeGroup", client), { ...NG, count: 5, affinityGroups: ["pack", "spread"] } as never);
        t.deepEqual(
            given.map((f) => f.property),
            ["affinityGroups[1]"],
        );
        t.regex(given[0].reason, /^mold:NodeGroup: affinityGroups\[1\] asks for 5 nodes on distinct hosts/);
        const unknown = await affinityInMold(ctxOf("NodeGroup", client), { ...NG, affinityGroups: ["nope"] } as never);
        t.deepEqual(
            unknown.map((f) => f.property),
            ["affinityGroups[0]"],
        );
    } finally {
        await stop();
    }
});

test("NodeGroup antiAffinity defaults: on for a new control plane, off for new workers; an existing group keeps what it was made with (no change shown)", async (t) => {
    const check = (olds: Record<string, unknown>, news: Record<string, unknown>) =>
        runHook("NodeGroup", "check", undefined, [olds, { __provider: "p", ...news }]);
    t.is((await check({}, CP)).inputs.antiAffinity, true);
    t.is((await check({}, NG)).inputs.antiAffinity, false);
    // A control plane made before the option: its recorded inputs have none, and nothing changes.
    const { antiAffinity: _absent, ...made } = (await check({}, CP)).inputs;
    t.true(_absent);
    const rechecked = await check(made, CP);
    t.false("antiAffinity" in rechecked.inputs);
    const diff = await runHook("NodeGroup", "diff", undefined, ["id", { ...made, nodes: [] }, rechecked.inputs]);
    t.false(diff.changes, JSON.stringify(diff));
    // Made with it: kept; switched explicitly: a change in place (new nodes), never a replacement.
    t.is((await check({ ...made, antiAffinity: true }, CP)).inputs.antiAffinity, true);
    const off = await runHook("NodeGroup", "diff", undefined, ["id", { ...made, antiAffinity: true }, { ...made, antiAffinity: false }]);
    t.true(off.changes);
    t.deepEqual(off.replaces, []);
    t.is(antiAffinityGroupName("prod", "control-plane", "ng-0a1b2c3d4e5f"), "prod-control-plane-anti-affinity-0a1b2c");
    t.is(hostShortage(3, 3), undefined);
    t.regex(hostShortage(2, 1)!, /the zone has 1 host:/);
});

test("registry: mirror URLs, kubeadm's imageRepository, and the password and CA only in the script (never on the command line)", (t) => {
    for (const ok of ["https://registry.internal:5000", "http://10.0.0.5:5000/k8s", "https://mirror.example.com/", "https://r.example.com/a/b"])
        t.true(isMirrorUrl(ok), ok);
    for (const bad of [
        "registry.internal:5000",
        "ftp://r.example.com",
        "https://",
        "https://r.example.com:99999",
        "https://user:pw@r.example.com",
        "https://r .com",
        "https://r.example.com?x=1",
    ])
        t.false(isMirrorUrl(bad), bad);
    t.is(imageRepository("https://registry.internal:5000/k8s/"), "registry.internal:5000/k8s");
    t.deepEqual(initEnv(undefined), {});
    const ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const env = containerdEnv({ mirror: "https://registry.internal:5000", username: "puller", password: "pa'ss word", caCert: ca });
    t.is(Buffer.from(env.PM_REGISTRY_CA_CERT, "base64").toString("utf8"), ca);
    const command = stepCommand("containerd", env);
    t.regex(command, /PM_REGISTRY_MIRROR='https:\/\/registry\.internal:5000'/);
    t.regex(command, /PM_REGISTRY_USERNAME='puller'/);
    t.false(command.includes("pa'"), "no password on the command line");
    t.false(command.includes("PM_REGISTRY_CA_CERT"), "no CA on the command line");
    const script = stepInput("containerd", env);
    t.true(script.includes(`export PM_REGISTRY_PASSWORD='pa'\\''ss word'`));
    t.true(script.includes(`export PM_REGISTRY_CA_CERT='${env.PM_REGISTRY_CA_CERT}'`));
});

test("AffinityGroup hooks: defaults, create refuses a taken name, read by id or name, delete only by the recorded id and logs members", async (t) => {
    const { client, stop } = await withSimulator();
    try {
        const checked = affinityGroup.check({ name: "web" });
        t.deepEqual(checked.failures, []);
        t.is(checked.inputs.type, "host anti-affinity");
        t.deepEqual(
            affinityGroup.check({ name: " web", type: "rack affinity" as never }).failures.map((f) => f.property),
            ["name", "type"],
        );
        const logs: string[] = [];
        const ctx = ctxOf("AffinityGroup", client, logs);
        const { id, outs } = await affinityGroup.create(ctx, { name: "web", type: "host anti-affinity" });
        t.deepEqual(outs, { name: "web", type: "host anti-affinity", virtualMachineIds: [] });
        await t.throwsAsync(() => affinityGroup.create(ctx, { name: "web" }), { message: /already exists in Mold .*adopt it with importId/ });
        t.is((await affinityGroup.read(ctx, "web", {} as never))!.outs.name, "web", "an importId may be a name");
        const deploy = await network(client);
        const vm = await deploy("m1", [id]);
        t.deepEqual((await affinityGroup.read(ctx, id, {} as never))!.outs.virtualMachineIds, [vm.id]);
        await affinityGroup.delete(ctx, id, {} as never);
        t.is(await affinityGroup.read(ctx, id, {} as never), undefined);
        t.true(
            logs.some((l) => l.includes(vm.id)),
            "the VMs losing the group are named",
        );
        // Another group now under the old name is not ours: deleting the recorded id again touches nothing.
        await createAffinityGroup(client, { name: "web", type: "host affinity" });
        await affinityGroup.delete(ctx, id, {} as never);
        t.is((await affinityGroup.read(ctx, "web", {} as never))!.outs.type, "host affinity");
    } finally {
        await stop();
    }
});
