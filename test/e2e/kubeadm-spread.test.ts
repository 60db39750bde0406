// Spreading and offline installs through the engine (test/programs/kubeadm-spread) against the simulator's
// hosts and emulated nodes: the control plane's default host anti-affinity puts 3 nodes on 3 hosts; a worker
// group joins an AffinityGroup of the program; anti-affinity on more nodes than hosts and an unknown affinity
// group are refused at preview with no state-changing call; a zone without internet bootstraps only with a
// registry mirror (kubeadm's image pull fails clearly without it); the AffinityGroup resource is created,
// adopted (importId) and deleted.
import test, { ExecutionContext } from "ava";
import { createHash } from "crypto";
import * as fs from "fs";
import { createAffinityGroup } from "../../provider/client/affinity";
import { programWorld } from "../helpers/program-world";
import { mutatingSince } from "../helpers/engine";

async function world(t: ExecutionContext) {
    const w = await programWorld(t, "kubeadm-spread");
    const exec = (command: string, config: string[] = [], secrets: string[] = []) => w.execWith(command, { config, secrets });
    const run = (command: string, config: string[] = [], secrets: string[] = []) => w.runWith(command, { config, secrets });
    return { ...w, exec, run, admin: w.admin.post };
}

const vmsOf = (sim: any, part: string) => sim.inventory().vms.filter((v: any) => v.name.includes(part) && v.state === "Running");
const groupsNamed = (sim: any, name: string) => (sim.inventory().affinityGroups ?? []).filter((g: any) => g.name === name);
/** A node group's own groups: <cluster>-<group>-anti-affinity-<id>. */
const ownGroups = (sim: any, prefix: string) => (sim.inventory().affinityGroups ?? []).filter((g: any) => g.name.startsWith(`${prefix}-anti-affinity-`));

test("the control plane's default anti-affinity puts 3 nodes on 3 hosts; a worker group joins an AffinityGroup; too many anti-affine nodes and unknown groups are refused at preview", async (t) => {
    const { sim, run, exec } = await world(t);
    const up = await run("up", ["groupName=spread-web", "groupType=host affinity"]);
    const cps = vmsOf(sim, "spread-control-plane-");
    t.is(cps.length, 3);
    t.is(new Set(cps.map((v: any) => v.hostid)).size, 3, `control-plane hosts: ${cps.map((v: any) => v.hostname).join(", ")}`);
    const [own, ...more] = ownGroups(sim, "spread-control-plane");
    t.deepEqual(more, []);
    t.truthy(own, "the control plane's own group exists");
    t.is(own.type, "host anti-affinity");
    t.deepEqual([...own._vmIds].sort(), cps.map((v: any) => v.id).sort());
    t.is(up.result!.outputs.controlPlaneAntiAffinityGroup, own.id);
    // The worker is in the program's AffinityGroup (by name), and nothing else: workers default to no anti-affinity.
    const [web] = groupsNamed(sim, "spread-web");
    const workers = vmsOf(sim, "spread-workers-");
    t.is(workers.length, 1);
    t.deepEqual(web._vmIds, [workers[0].id]);
    t.deepEqual(up.result!.outputs.workerAffinityGroups, [web.id]);
    t.deepEqual(ownGroups(sim, "spread-workers"), []);

    // A second up changes nothing.
    const again = await run("up", ["groupName=spread-web", "groupType=host affinity"]);
    t.deepEqual(again.result!.steps, { ...again.result!.steps, create: 0, update: 0, replace: 0, delete: 0 });

    // Anti-affinity on 5 workers in a zone of 4 hosts: refused at preview (and up), nothing sent to Mold.
    let before = { ...sim.requestCounts };
    for (const command of ["preview", "up"]) {
        const refused = await exec(command, ["groupName=spread-web", "groupType=host affinity", "workers=5", "workerAntiAffinity=true"]);
        t.is(refused.code, 1, `${command} should fail`);
        t.regex(refused.stderr, /antiAffinity asks for 5 nodes on distinct hosts, but the zone has 4 hosts/);
    }
    t.deepEqual(mutatingSince(before, sim.requestCounts), {});
    t.true((sim.requestCounts.listHosts ?? 0) - (before.listHosts ?? 0) >= 2, "the check read the zone's hosts");

    // An affinity group Mold does not have: refused naming the property.
    before = { ...sim.requestCounts };
    const unknown = await exec("preview", [
        "groupName=spread-web",
        "groupType=host affinity",
        "workers=1",
        "workerAntiAffinity=false",
        "workerAffinityGroup=no-such-group",
    ]);
    t.is(unknown.code, 1);
    t.regex(unknown.stderr, /affinityGroups\[1\] .*no-such-group/);
    t.deepEqual(mutatingSince(before, sim.requestCounts), {});

    // Four workers with anti-affinity fit: each on its own host, in the group's own anti-affinity group too.
    await run("up", ["groupName=spread-web", "groupType=non-strict host affinity", "workers=4", "workerAntiAffinity=true", "workerAffinityGroup="]);
    const spread = vmsOf(sim, "spread-workers-");
    t.is(spread.length, 4);
    const [workerGroup] = ownGroups(sim, "spread-workers");
    t.truthy(workerGroup);
    const fresh = spread.filter((v: any) => workerGroup._vmIds.includes(v.id));
    t.is(fresh.length, 3, "the three new workers are in the group (the existing one is not moved)");
    t.is(new Set(fresh.map((v: any) => v.hostid)).size, 3);

    // Rolling them to another offering would need a fifth host (a replacement joins before a node leaves):
    // refused before anything changes.
    before = { ...sim.requestCounts };
    const roll = await exec("up", ["workerOffering=4C-8GB"]);
    t.is(roll.code, 1);
    t.regex(roll.stderr, /antiAffinity: rolling 4 nodes adds each replacement before removing the old node, .* all 4 hosts/);
    t.deepEqual(mutatingSince(before, sim.requestCounts), {});

    await run("destroy", ["groupName=spread-web", "groupType=non-strict host affinity", "workers=4", "workerAntiAffinity=true", "workerOffering="]);
    t.deepEqual(sim.inventory().affinityGroups ?? [], [], "every affinity group made by the program is gone");
});

test("a zone without internet: kubeadm init fails with its image pull error, and bootstraps with the registry mirror (secret kept out of the state)", async (t) => {
    const { sim, run, exec, admin, stateFile } = await world(t);
    t.deepEqual(await admin("/sim/zone-internet", { zone: "zone1", internet: false }), { zone: "zone1", internet: false });
    const base = ["controlPlaneCount=1", "controlPlaneAntiAffinity=false"];
    const failed = await exec("up", base);
    t.is(failed.code, 1);
    t.regex(failed.stderr, /step kubeadm-init failed/);
    t.regex(failed.stderr, /\[ERROR ImagePull\]: failed to pull image registry\.k8s\.io\/kube-apiserver:v1\.31\.9/);
    t.deepEqual(sim.kubeadmClusters(), []);

    // A mirror that is not a URL: refused at preview naming the property, nothing sent.
    const before = { ...sim.requestCounts };
    const notUrl = await exec("preview", [...base, "mirror=registry.internal:5000"]);
    t.is(notUrl.code, 1);
    t.regex(notUrl.stderr, /registry\.mirror must be a URL http\(s\):\/\/host\[:port\]\[\/path\], got 'registry\.internal:5000'/);
    t.deepEqual(mutatingSince(before, sim.requestCounts), {});

    const password = "s3cr3t-Registry-pw";
    const mirror = ["mirror=https://registry.internal:5000/k8s", "registryUser=puller"];
    await run("up", [...base, ...mirror], [`registryPassword=${password}`]);
    const [cluster] = sim.kubeadmClusters();
    t.is((cluster as any).imageRepository, "registry.internal:5000/k8s");
    const nodes = sim.emulatedNodes().filter((n: any) => n.hostname.startsWith("spread-"));
    t.is(nodes.length, 2);
    for (const n of nodes as any[]) {
        t.deepEqual(n.containerd.registry, {
            mirror: "https://registry.internal:5000/k8s",
            username: "puller",
            passwordSha256: createHash("sha256").update(password).digest("hex"),
        });
    }
    t.false(fs.readFileSync(stateFile, "utf8").includes(password), "the registry password is never plaintext in the state");

    // The same inputs: nothing changes.
    const again = await run("up", [...base, ...mirror], [`registryPassword=${password}`]);
    t.deepEqual(again.result!.steps, { ...again.result!.steps, create: 0, update: 0, replace: 0, delete: 0 });

    // A new password: written to every node's containerd configuration in place, no node replaced.
    const rotated = "n3w-Registry-pw";
    const vmsBefore = sim.inventory().vms.map((v: any) => v.id);
    const changed = await run("up", [...base, ...mirror], [`registryPassword=${rotated}`]);
    t.is(changed.result!.steps.update, 2, JSON.stringify(changed.result!.steps));
    t.deepEqual(
        sim.inventory().vms.map((v: any) => v.id),
        vmsBefore,
    );
    for (const n of sim.emulatedNodes().filter((x: any) => x.hostname.startsWith("spread-")) as any[]) {
        t.is(n.containerd.registry.passwordSha256, createHash("sha256").update(rotated).digest("hex"), n.hostname);
    }
    const state = fs.readFileSync(stateFile, "utf8");
    t.false(state.includes(password) || state.includes(rotated), "no registry password in the state");
});

test("AffinityGroup: created with its defaults, an existing one adopted with importId (a different type refused), deleted by destroy", async (t) => {
    const { sim, run, exec, client } = await world(t);
    const made = await run("up", ["cluster=false", "groupName=solo"]);
    const [solo] = groupsNamed(sim, "solo");
    t.is(solo.type, "host anti-affinity");
    t.is(made.result!.outputs.groupId, solo.id);
    t.deepEqual(made.result!.outputs.groupVms, []);
    await run("destroy", ["cluster=false", "groupName=solo"]);
    t.deepEqual(groupsNamed(sim, "solo"), []);

    // Someone else's group under the name: create refuses instead of taking it, and says how to adopt it.
    const legacy = await createAffinityGroup(client, { name: "legacy", type: "host affinity", description: "made by hand" });
    const taken = await exec("up", ["cluster=false", "groupName=legacy", "groupType=host affinity"]);
    t.is(taken.code, 1);
    t.regex(taken.stderr, /already exists in Mold .*adopt it with importId/);

    let before = { ...sim.requestCounts };
    // (Stack config persists between runs: the type is given again.)
    const wrongType = await exec("up", ["cluster=false", "groupName=legacy", "groupType=host anti-affinity", `adoptGroupId=${legacy.id}`]);
    t.is(wrongType.code, 1);
    t.regex(wrongType.stderr, /cannot be adopted: type is "host affinity" in Mold but "host anti-affinity" in the program/);
    t.deepEqual(mutatingSince(before, sim.requestCounts), {});

    const adopted = await run("up", [
        "cluster=false",
        "groupName=legacy",
        "groupType=host affinity",
        "groupDescription=made by hand",
        `adoptGroupId=${legacy.id}`,
    ]);
    t.is(adopted.result!.outputs.groupId, legacy.id);
    before = { ...sim.requestCounts };
    await run("destroy", ["cluster=false", "groupName=legacy", "groupType=host affinity", "groupDescription=made by hand", `adoptGroupId=${legacy.id}`]);
    t.deepEqual(mutatingSince(before, sim.requestCounts), { deleteAffinityGroup: 1 });
    t.deepEqual(groupsNamed(sim, "legacy"), []);
});
