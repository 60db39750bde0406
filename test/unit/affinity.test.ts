// Affinity groups client↔simulator: async-create, list filters, delete by id or name, membership
// through deployVirtualMachine, and Mold's error texts.
import test from "ava";
import {
    createAffinityGroup,
    deleteAffinityGroup,
    deployVirtualMachine,
    findNetworkOffering,
    findServiceOffering,
    findTemplate,
    findZone,
    listAffinityGroups,
    listVirtualMachines,
    MoldApiError,
} from "../../provider/client";
import { SEED_NETWORK_OFFERING, SEED_TEMPLATE_NAME, SEED_ZONE_NAME } from "../../simulator/seed";
import { rawCall, waitJobRaw } from "../helpers/fixtures";
import { withSimulator } from "../helpers/sim";

test("createAffinityGroup is async-create and its job returns the group (AffinityGroup job instance)", async (t) => {
    const { client, sim, stop } = await withSimulator();
    try {
        const submit = await rawCall(sim, "createAffinityGroup", { name: "g1", type: "host anti-affinity", description: "spread" }, "POST");
        const { id, jobid } = submit.body.createaffinitygroupresponse;
        t.truthy(id);
        const listedAtOnce = await listAffinityGroups(client, { id });
        t.is(listedAtOnce.length, 1, "the row exists as soon as create() returned");
        const job = await waitJobRaw(sim, jobid);
        t.is(job.cmd, "org.apache.cloudstack.api.command.user.affinitygroup.CreateAffinityGroupCmd");
        t.is(job.jobinstancetype, "AffinityGroup");
        const g = job.jobresult.affinitygroup;
        t.like(g, { id, name: "g1", description: "spread", type: "host anti-affinity", account: "admin", domain: "ROOT" });
        t.is(g.virtualmachineIds, undefined, "an empty group has no virtualmachineIds");
        const viaClient = await createAffinityGroup(client, { name: "g2", type: "host affinity" });
        t.is(viaClient.type, "host affinity");
    } finally {
        await stop();
    }
});

test("createAffinityGroup validation is synchronous: unknown type, duplicate name, missing parameters", async (t) => {
    const { client, stop } = await withSimulator();
    try {
        await createAffinityGroup(client, { name: "dup", type: "host affinity" });
        const cases: [Record<string, string>, string, number][] = [
            [
                { name: "x", type: "rack affinity" },
                "Unable to create affinity group, invalid affinity group type: rack affinity. Valid values are host anti-affinity,host affinity,non-strict host anti-affinity,non-strict host affinity,ExplicitDedication",
                4350,
            ],
            [{ name: "dup", type: "host anti-affinity" }, "Unable to create affinity group, a group with name dup already exists.", 4350],
            [{ name: "x" }, "Unable to execute API command createaffinitygroup due to missing parameter type", 9999],
        ];
        for (const [params, text, cs] of cases) {
            const e = await t.throwsAsync(() => client.call("createAffinityGroup", params), { instanceOf: MoldApiError });
            t.is((e as MoldApiError).errorcode, 431);
            t.is((e as MoldApiError).cserrorcode, cs);
            t.is((e as MoldApiError).errortext, text);
        }
        t.is((await listAffinityGroups(client)).length, 1);
    } finally {
        await stop();
    }
});

test("VMs deployed into a group show in virtualmachineIds, in the VM's affinitygroup[], and in filters", async (t) => {
    const { client, stop } = await withSimulator();
    try {
        const zoneid = (await findZone(client, SEED_ZONE_NAME)).id;
        const net = await client.call<any>("createNetwork", {
            name: "n",
            displaytext: "n",
            zoneid,
            networkofferingid: (await findNetworkOffering(client, SEED_NETWORK_OFFERING)).id,
        });
        const g = await createAffinityGroup(client, { name: "anti", type: "host anti-affinity" });
        const vm = await deployVirtualMachine(client, {
            zoneid,
            templateid: (await findTemplate(client, SEED_TEMPLATE_NAME)).id,
            serviceofferingid: (await findServiceOffering(client, "1C-1GB")).id,
            networkids: [net.network.id],
            name: "member",
            affinitygroupids: [g.id],
        });
        t.like(vm.affinitygroup[0], { id: g.id, name: "anti", type: "host anti-affinity" });
        const [listed] = await listAffinityGroups(client, { id: g.id });
        t.deepEqual(listed.virtualmachineIds, [vm.id]);
        t.deepEqual(
            (await listAffinityGroups(client, { virtualmachineid: vm.id })).map((x) => x.name),
            ["anti"],
        );
        t.deepEqual((await listAffinityGroups(client, { type: "host affinity" })).length, 0);
        t.deepEqual(
            (await listAffinityGroups(client, { keyword: "ANT" })).map((x) => x.name),
            ["anti"],
        );
        // Deleting the group drops the memberships; the VM stays.
        await deleteAffinityGroup(client, { name: "anti" });
        const [after] = await listVirtualMachines(client, { id: vm.id });
        t.deepEqual(after.affinitygroup, []);
    } finally {
        await stop();
    }
});

test("deleteAffinityGroup: by id or name, exclusive, and its lookup errors come before any job", async (t) => {
    const { client, stop } = await withSimulator();
    try {
        const g = await createAffinityGroup(client, { name: "g", type: "host affinity" });
        const expect = async (params: Record<string, string>, text: string) => {
            const e = await t.throwsAsync(() => client.call("deleteAffinityGroup", params), { instanceOf: MoldApiError });
            t.is((e as MoldApiError).errorcode, 431);
            t.is((e as MoldApiError).errortext, text);
        };
        await expect({}, "Either id or name parameter is requred by deleteAffinityGroup command");
        await expect({ id: g.id, name: "g" }, "name and id parameters are mutually exclusive");
        const e = await t.throwsAsync(() => client.call("deleteAffinityGroup", { name: "nope" }), { instanceOf: MoldApiError });
        t.regex((e as MoldApiError).errortext, /^Unable to find affinity group by name nope for the account id=/);
        await deleteAffinityGroup(client, { id: g.id });
        t.deepEqual(await client.call("listAffinityGroups", {}), {});
        const gone = await t.throwsAsync(() => deleteAffinityGroup(client, { id: g.id }), { instanceOf: MoldApiError });
        t.regex((gone as MoldApiError).errortext, /Invalid parameter id value=.* due to incorrect long value format/);
    } finally {
        await stop();
    }
});
