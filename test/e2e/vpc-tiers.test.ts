// examples/vpc-tiers through the engine, as a user would run it: up → no-op up with zero state-changing calls →
// an ACL rule inserted in the middle of the web list (only that rule is created) → a rule's CIDRs changed in
// place → refresh after an out-of-band delete of a rule → destroy leaves nothing but Mold's default ACL lists.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { deleteNetworkAcl, MoldClient } from "../../provider/client";
import { startSimulatorServer } from "../../simulator/server";
import { cleanEnv, mutatingSince, runEngine } from "../helpers/engine";

const EXAMPLE = path.resolve(__dirname, "../../../examples/vpc-tiers");

test("vpc-tiers: up, no-op up, a rule inserted in the middle, CIDRs in place, refresh after an out-of-band delete, destroy", async (t) => {
    t.timeout(420_000);
    const sim = await startSimulatorServer({ port: 0, latencyProfile: "fast" });
    const client = new MoldClient({ apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vpc-tiers-"));
    const state = path.join(dir, "state.json");
    const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
    const run = async (command: string, ...config: string[]) => {
        const r = await runEngine([command, EXAMPLE, "--state", state, ...config.flatMap((c) => ["--config", c])], env);
        t.is(r.code, 0, `${command} ${config.join(" ")} failed:\n${r.stderr.slice(-4000)}`);
        if (r.code !== 0) throw new Error(`${command} failed`);
        return r.result!;
    };
    const inv = () => sim.inventory();
    const listId = (name: string) => inv().networkAclLists.find((l: any) => l.name === name)?.id;
    const items = (list: string) =>
        inv()
            .networkAcls.filter((i: any) => i.aclid === listId(list))
            .sort((a: any, b: any) => a.number - b.number);
    try {
        // ---- up: the VPC, three lists and their rules, three tiers, the web LB, the cluster, the db static NAT ----
        const up = await run("up");
        t.like(up.steps, { create: 20, update: 0, replace: 0, delete: 0 });
        t.is(inv().vpcs.length, 1);
        const tiers = inv().networks.filter((n: any) => n.vpcid === inv().vpcs[0].id);
        t.deepEqual(tiers.map((n: any) => [n.name, n.cidr, n.aclname]).sort(), [
            ["app", "10.30.2.0/24", "app"],
            ["db", "10.30.3.0/24", "db"],
            ["web", "10.30.1.0/24", "web"],
        ]);
        const webTier = tiers.find((n: any) => n.name === "web");
        const lb = inv().loadBalancerRules.find((r: any) => r.name === "web-http");
        t.like(lb, { networkid: webTier.id });
        t.is(lb._members.length, 2);
        // The cluster runs on the app tier; Mold's Kubernetes service put its ACL rules on top of the app list.
        const cluster = inv().kubernetesClusters[0];
        t.like(cluster, { state: "Running", networkid: tiers.find((n: any) => n.name === "app").id });
        t.deepEqual(
            items("app").map((i: any) => [i.number, i.action, i._startport]),
            [
                [1, "Allow", 22],
                [2, "Allow", 6443],
                [10, "Allow", 30000],
            ],
        );
        t.is(up.outputs.clusterEndpoint, `https://${up.outputs.clusterAddress}:6443/`);
        const dbVm = inv().vms.find((v: any) => v.name === "db-1");
        t.like(
            inv().publicIps.find((ip: any) => ip.ipaddress === up.outputs.dbAddress),
            { isstaticnat: true, virtualmachineid: dbVm.id },
        );
        t.deepEqual(inv().firewallRules ?? [], [], "no firewall rule anywhere: tiers are guarded by their ACL lists");
        t.deepEqual(
            items("web").map((i: any) => i.number),
            [10, 20, 100],
        );

        // ---- no-op up: not one state-changing call ----
        let before = { ...sim.requestCounts };
        const noop = await run("up");
        t.like(noop.steps, { create: 0, update: 0, replace: 0, delete: 0 });
        t.deepEqual(mutatingSince(before, sim.requestCounts), {});

        // ---- a ping rule inserted between #10 and #20: only it is created; the others keep their ids ----
        const ids = items("web").map((i: any) => i.id);
        before = { ...sim.requestCounts };
        const inserted = await run("up", "allowPing=true");
        t.like(inserted.steps, { create: 1, update: 0, replace: 0, delete: 0 });
        t.deepEqual(mutatingSince(before, sim.requestCounts), { createNetworkACL: 1, createTags: 1 });
        t.deepEqual(
            items("web").map((i: any) => [i.number, i.protocol]),
            [
                [10, "tcp"],
                [15, "icmp"],
                [20, "tcp"],
                [100, "all"],
            ],
        );
        for (const id of ids)
            t.true(
                items("web").some((i: any) => i.id === id),
                `rule ${id} kept`,
            );

        // ---- the admin CIDRs change: both rules using them are updated in place, nothing else ----
        before = { ...sim.requestCounts };
        const cidrs = await run("up", "allowPing=true", `adminCidrs=["10.0.0.0/8","192.168.10.0/24"]`);
        t.like(cidrs.steps, { create: 0, update: 2, replace: 0, delete: 0 });
        t.deepEqual(mutatingSince(before, sim.requestCounts), { updateNetworkACLItem: 2 });
        t.deepEqual(items("web").find((i: any) => i.number === 20)._cidrs, ["10.0.0.0/8", "192.168.10.0/24"]);
        t.deepEqual(items("web").find((i: any) => i.number === 20).id, ids[1], "changed in place, same rule");

        // ---- a rule deleted out of band: refresh drops it from the state, the next up makes it again ----
        const ssh = items("web").find((i: any) => i.number === 20);
        await deleteNetworkAcl(client, ssh.id);
        const cfg = ["allowPing=true", `adminCidrs=["10.0.0.0/8","192.168.10.0/24"]`];
        const refreshed = await run("refresh", ...cfg);
        // Besides the dropped rule, refresh records what rules made after them did to the two addresses
        // (tied to their tier, static NAT on): outputs only, and a second refresh finds nothing more.
        t.like(refreshed.steps, { replace: 0 });
        t.like((await run("refresh", ...cfg)).steps, { update: 0, replace: 0, delete: 0 });
        const stateNow = JSON.parse(fs.readFileSync(state, "utf8"));
        t.false(
            stateNow.resources.some((r: any) => String(r.urn).endsWith("::web-ssh")),
            "refresh dropped the deleted rule",
        );
        before = { ...sim.requestCounts };
        const again = await run("up", ...cfg);
        t.like(again.steps, { create: 1, update: 0, replace: 0, delete: 0 });
        t.deepEqual(mutatingSince(before, sim.requestCounts), { createNetworkACL: 1, createTags: 1 });

        // ---- destroy: nothing left but Mold's default lists ----
        await run("destroy", ...cfg);
        const left = inv();
        t.deepEqual(left.networkAclLists.map((l: any) => l.name).sort(), ["default_allow", "default_deny"]);
        t.deepEqual(left.networkAcls.map((i: any) => left.networkAclLists.find((l: any) => l.id === i.aclid)?.name).sort(), [
            "default_allow",
            "default_allow",
            "default_deny",
            "default_deny",
        ]);
        t.is(left.vpcs?.length ?? 0, 0);
        t.is(left.networks?.length ?? 0, 0);
        t.is(left.kubernetesClusters?.length ?? 0, 0);
        t.deepEqual(
            (left.publicIps ?? []).filter((ip: any) => ip.state !== "Free"),
            [],
        );
        t.deepEqual(
            (left.vms ?? []).filter((v: any) => !["Expunging", "Destroyed"].includes(v.state)),
            [],
        );
        t.deepEqual(left.loadBalancerRules ?? [], []);
        t.deepEqual(left.portForwardingRules ?? [], []);
    } finally {
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
