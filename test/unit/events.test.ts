// listEvents and listAsyncJobs through the client: the events VM operations leave behind, and the jobs
// (with jobinstancetype VirtualMachine) they ran as.
import test from "ava";
import {
    deployVirtualMachine,
    destroyVirtualMachine,
    findNetworkOffering,
    findServiceOffering,
    findTemplate,
    findZone,
    listAsyncJobs,
    listEvents,
    MoldApiError,
    registerSSHKeyPair,
    stopVirtualMachine,
} from "../../provider/client";
import { SEED_NETWORK_OFFERING, SEED_TEMPLATE_NAME, SEED_ZONE_NAME } from "../../simulator/seed";
import { withSimulator } from "../helpers/sim";

async function deployOne(client: any, name: string) {
    const zoneid = (await findZone(client, SEED_ZONE_NAME)).id;
    const net = await client.call("createNetwork", {
        name: `${name}-net`,
        displaytext: "n",
        zoneid,
        networkofferingid: (await findNetworkOffering(client, SEED_NETWORK_OFFERING)).id,
    });
    return deployVirtualMachine(client, {
        zoneid,
        templateid: (await findTemplate(client, SEED_TEMPLATE_NAME)).id,
        serviceofferingid: (await findServiceOffering(client, "1C-1GB")).id,
        networkids: [net.network.id],
        name,
    });
}

test("VM operations leave VM.CREATE / VM.START / VM.STOP / VM.DESTROY / VM.EXPUNGE events on the VM", async (t) => {
    const { client, stop } = await withSimulator();
    try {
        const vm = await deployOne(client, "ev");
        await stopVirtualMachine(client, vm.id);
        await destroyVirtualMachine(client, vm.id, true);
        const events = await listEvents(client, { resourceid: vm.id });
        const types = new Set(events.map((e) => e.type));
        for (const type of ["VM.CREATE", "VM.START", "VM.STOP", "VM.DESTROY", "VM.EXPUNGE"]) t.true(types.has(type), `${type} recorded`);
        t.true(events.every((e) => e.resourcetype === "VirtualMachine" && e.level === "INFO"));
        t.true(
            events.some((e) => e.type === "VM.CREATE" && e.state === "Created"),
            "create() logs a Created event",
        );
        t.true(
            events.some((e) => e.type === "VM.STOP" && e.state === "Scheduled"),
            "async submission logs a Scheduled event",
        );
        t.true(events.some((e) => e.type === "VM.STOP" && e.state === "Completed"));
        // Newest first.
        t.is(events[0].type, "VM.EXPUNGE");
        t.deepEqual(
            (await listEvents(client, { type: "VM.START" })).map((e) => e.resourceid),
            [vm.id],
        );
        t.regex(events[0].created, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0000$/);
        await registerSSHKeyPair(client, "k", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl");
        t.is((await listEvents(client, { type: "REGISTER.SSH.KEYPAIR" })).length, 1);
        const bad = await t.throwsAsync(() => listEvents(client, { level: "DEBUG" as any }), { instanceOf: MoldApiError });
        t.is((bad as MoldApiError).errorcode, 431);
    } finally {
        await stop();
    }
});

test("a failed job records an ERROR event and a failed async job", async (t) => {
    const { client, sim, stop } = await withSimulator();
    try {
        const vm = await deployOne(client, "fails");
        sim.setFaults({ jobFailureRate: 1 });
        await t.throwsAsync(() => stopVirtualMachine(client, vm.id));
        sim.setFaults({});
        t.true((await listEvents(client, { level: "ERROR" })).length >= 1);
        const jobs = await listAsyncJobs(client);
        t.true(jobs.some((j) => j.jobstatus === 2 && j.jobresultcode === 530));
    } finally {
        await stop();
    }
});

test("listAsyncJobs lists the caller's VM jobs with jobinstancetype VirtualMachine and the command classes", async (t) => {
    const { client, stop } = await withSimulator();
    try {
        const vm = await deployOne(client, "jobs");
        await stopVirtualMachine(client, vm.id);
        const jobs = await listAsyncJobs(client);
        const vmJobs = jobs.filter((j) => j.jobinstanceid === vm.id);
        t.deepEqual(
            vmJobs.map((j) => j.cmd),
            ["org.apache.cloudstack.api.command.admin.vm.DeployVMCmdByAdmin", "org.apache.cloudstack.api.command.admin.vm.StopVMCmdByAdmin"],
        );
        t.true(vmJobs.every((j) => j.jobinstancetype === "VirtualMachine" && j.jobstatus === 1 && j.jobresultcode === 0));
        t.is((vmJobs[1].jobresult as any)?.virtualmachine.state, "Stopped");
    } finally {
        await stop();
    }
});
