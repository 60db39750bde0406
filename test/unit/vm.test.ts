// Virtual machines client↔simulator: async-create deploy through the network contract, state machine
// (start/stop/reboot/destroy/expunge), offering changes, SSH key reset, update, list filters, tags, the
// CKS-member guard, and Mold's exact error texts and codes.
import test, { ExecutionContext } from "ava";
import {
    changeServiceForVirtualMachine,
    createAffinityGroup,
    createSSHKeyPair,
    createTags,
    deleteTags,
    listTags,
    deployVirtualMachine,
    DeployVirtualMachineArgs,
    destroyVirtualMachine,
    encodeUserData,
    findServiceOffering,
    findTemplate,
    findZone,
    findNetworkOffering,
    getVirtualMachine,
    listVirtualMachines,
    MoldApiError,
    MoldJobError,
    rebootVirtualMachine,
    resetSSHKeyForVirtualMachine,
    scaleVirtualMachine,
    startVirtualMachine,
    stopVirtualMachine,
    updateVirtualMachine,
} from "../../provider/client";
import type { ServerOptions } from "../../simulator/server";
import { SEED_NETWORK_OFFERING, SEED_PRIVATE_TEMPLATE_NAME, SEED_TEMPLATE_NAME, SEED_ZONE_NAME } from "../../simulator/seed";
import { rawCall, waitJobRaw } from "../helpers/fixtures";
import { SimAndClient, withSimulator } from "../helpers/sim";

interface World extends SimAndClient {
    zoneid: string;
    templateid: string;
    networkid: string;
    networkdomain: string;
    offering(name: string): Promise<string>;
    deploy(args?: Partial<DeployVirtualMachineArgs>): ReturnType<typeof deployVirtualMachine>;
}

async function world(options: ServerOptions = {}): Promise<World> {
    const env = await withSimulator(options);
    const { client } = env;
    const zoneid = (await findZone(client, SEED_ZONE_NAME)).id;
    const templateid = (await findTemplate(client, SEED_TEMPLATE_NAME)).id;
    const networkofferingid = (await findNetworkOffering(client, SEED_NETWORK_OFFERING)).id;
    const net = await client.call<{ network: any }>("createNetwork", { name: "net1", displaytext: "net1", zoneid, networkofferingid });
    const offering = async (name: string) => (await findServiceOffering(client, name)).id;
    const small = await offering("2C-2GB");
    return {
        ...env,
        zoneid,
        templateid,
        networkid: net.network.id,
        networkdomain: net.network.networkdomain,
        offering,
        deploy: (args = {}) => deployVirtualMachine(client, { zoneid, templateid, serviceofferingid: small, networkids: [net.network.id], ...args }),
    };
}

async function apiError(t: ExecutionContext, fn: () => Promise<unknown>, code: number, text: string, cserrorcode?: number): Promise<void> {
    const e = await t.throwsAsync(fn);
    t.true(e instanceof MoldApiError, `expected MoldApiError, got ${e}`);
    t.is((e as MoldApiError).errorcode, code);
    t.is((e as MoldApiError).errortext, text);
    if (cserrorcode !== undefined) t.is((e as MoldApiError).cserrorcode, cserrorcode);
}

async function jobError(t: ExecutionContext, fn: () => Promise<unknown>, code: number, text: string): Promise<void> {
    const e = await t.throwsAsync(fn);
    t.true(e instanceof MoldJobError, `expected MoldJobError, got ${e}`);
    t.is((e as MoldJobError).errorcode, code);
    t.is((e as MoldJobError).errortext, text);
}

test("deploy is async-create: {id, jobid} at once, VM listed while starting, job result Running with the network's guest IP", async (t) => {
    const w = await world();
    try {
        const small = await w.offering("2C-2GB");
        // A slow deploy job, so the listing below surely happens while it is pending.
        w.sim.setLatency({ deployVirtualMachine: 1500 });
        const submit = await rawCall(
            w.sim,
            "deployVirtualMachine",
            { zoneid: w.zoneid, templateid: w.templateid, serviceofferingid: small, networkids: [w.networkid], name: "web-1" },
            "POST",
        );
        const body = submit.body.deployvirtualmachineresponse;
        t.deepEqual(Object.keys(body).sort(), ["id", "jobid"]);
        const early = await getVirtualMachine(w.client, body.id);
        t.is(early?.state, "Starting");
        const job = await waitJobRaw(w.sim, body.jobid);
        t.is(job.jobstatus, 1);
        t.is(job.cmd, "org.apache.cloudstack.api.command.admin.vm.DeployVMCmdByAdmin");
        t.is(job.jobinstancetype, "VirtualMachine");
        t.is(job.jobinstanceid, body.id);
        const vm = job.jobresult.virtualmachine;
        t.is(vm.state, "Running");
        t.is(vm.name, "web-1");
        t.is(vm.displayname, "web-1");
        t.is(vm.cpunumber, 2);
        t.is(vm.memory, 2048);
        t.is(vm.serviceofferingname, "2C-2GB");
        t.is(vm.templatename, SEED_TEMPLATE_NAME);
        t.is(vm.vmtype, "User");
        t.is(vm.hypervisor, "KVM");
        t.truthy(vm.hostid);
        t.deepEqual(vm.tags, []);
        t.deepEqual(vm.affinitygroup, []);
        t.is(vm.nic.length, 1);
        const nic = vm.nic[0];
        t.is(nic.networkid, w.networkid);
        t.is(nic.networkname, "net1");
        t.true(nic.isdefault);
        t.is(nic.traffictype, "Guest");
        t.is(nic.type, "Isolated");
        t.regex(nic.ipaddress, /^\d+\.\d+\.\d+\.\d+$/);
        t.regex(nic.macaddress, /^02:00:[0-9a-f]{2}:[0-9a-f]{2}:00:[0-9a-f]{2}$/);
        t.is(vm.ipaddress, nic.ipaddress);
        // The first VM implemented the network and gave it a source-NAT IP.
        const nets = await w.client.list<any>("listNetworks", { id: w.networkid }, "network");
        t.is(nets[0].state, "Implemented");
        const ips = await w.client.list("listPublicIpAddresses", { associatednetworkid: w.networkid }, "publicipaddress");
        t.true(ips.some((ip: any) => ip.issourcenat === true));
        // A second VM gets another address in the same network.
        const second = await w.deploy({ name: "web-2" });
        t.not(second.nic[0].ipaddress, nic.ipaddress);
    } finally {
        await w.stop();
    }
});

test("deploy without a name generates VM-<uuid>; startvm=false leaves it Stopped; custom offerings take details", async (t) => {
    const w = await world();
    try {
        const vm = await w.deploy({ startvm: false });
        t.is(vm.name, `VM-${vm.id}`);
        t.is(vm.displayname, vm.name);
        t.is(vm.state, "Stopped");
        t.is(vm.hostid, undefined);
        const custom = await w.deploy({ name: "custom", serviceofferingid: await w.offering("Custom"), details: { cpuNumber: "3", memory: "3072" } });
        t.is(custom.cpunumber, 3);
        t.is(custom.memory, 3072);
        t.is(custom.details?.cpuNumber, "3");
        await apiError(
            t,
            () => w.deploy({ name: "custom2", serviceofferingid: custom.serviceofferingid }),
            431,
            "Need to specify custom parameter values cpu, cpu speed and memory when using custom offering",
        );
    } finally {
        await w.stop();
    }
});

test("deploy validation is synchronous with Mold's texts and codes", async (t) => {
    const w = await world();
    try {
        await w.deploy({ name: "taken" });
        const nameRule =
            `Invalid value provided for API arg: name - it can contain ASCII letters 'a' through 'z', the digits '0' through '9', and the hyphen ('-'), ` +
            `must be between 1 and 63 characters long, and can't start or end with "-" and can't start with digit`;
        await apiError(t, () => w.deploy({ name: "1abc" }), 431, nameRule, 9999);
        await apiError(t, () => w.deploy({ name: "abc-" }), 431, nameRule);
        await apiError(t, () => w.deploy({ name: "under_score" }), 431, nameRule);
        await apiError(t, () => w.deploy({ name: "a".repeat(64) }), 431, nameRule);
        await apiError(
            t,
            () => w.deploy({ name: "taken" }),
            431,
            `The vm with hostName taken already exists in the network domain: ${w.networkdomain}; network=net1`,
            4350,
        );
        await apiError(t, () => w.deploy({ name: "k", keypair: "nokey" }), 431, "Not all specified keypairs exist");
        await apiError(t, () => w.deploy({ name: "u1", userdata: "not base64!" }), 431, "User data is not base64 encoded.");
        await apiError(t, () => w.deploy({ name: "u2", userdata: "====" }), 431, "User data is too short.");
        await apiError(
            t,
            () => w.deploy({ name: "u3", userdata: encodeUserData("x".repeat(30000)) }),
            431,
            "User data has exceeded configurable max length: 32768",
        );
        await apiError(t, () => w.deploy({ name: "r", rootdisksize: 0 }), 431, "Root disk size should be a positive number.");
        await apiError(
            t,
            () => w.deploy({ name: "a1", affinitygroupids: ["x"], affinitygroupnames: ["y"] }),
            431,
            "affinitygroupids parameter is mutually exclusive with affinitygroupnames parameter",
        );
        await apiError(t, () => w.deploy({ name: "a2", affinitygroupnames: ["ghost"] }), 431, "Unable to find affinity group by name ghost");
        await apiError(
            t,
            () => w.client.call("deployVirtualMachine", { zoneid: w.zoneid, templateid: w.templateid }),
            431,
            "Unable to execute API command deployvirtualmachine due to missing parameter serviceofferingid",
            9999,
        );
        await apiError(
            t,
            () => w.deploy({ templateid: undefined as any }),
            530,
            "Please provide only one of the following parameters - template ID, volume ID or snapshot ID",
        );
        t.is((await listVirtualMachines(w.client)).length, 1, "no VM row was left behind by a rejected deploy");
    } finally {
        await w.stop();
    }
});

test("deploy without networkids uses the owner's single Isolated network; none or several is 431", async (t) => {
    const w = await world();
    try {
        // world() created exactly one network for the account.
        const vm = await w.deploy({ name: "auto", networkids: undefined });
        t.is(vm.nic[0].networkid, w.networkid);
        const networkofferingid = (await findNetworkOffering(w.client, SEED_NETWORK_OFFERING)).id;
        await w.client.call("createNetwork", { name: "net2", displaytext: "net2", zoneid: w.zoneid, networkofferingid });
        await apiError(
            t,
            () => w.deploy({ name: "auto2", networkids: undefined }),
            431,
            "More than 1 default Isolated networks are found for account admin; please specify networkIds",
        );
        const bare = await withSimulator();
        try {
            const zoneid = (await findZone(bare.client, SEED_ZONE_NAME)).id;
            const templateid = (await findTemplate(bare.client, SEED_TEMPLATE_NAME)).id;
            const serviceofferingid = (await findServiceOffering(bare.client, "2C-2GB")).id;
            await apiError(
                t,
                () => deployVirtualMachine(bare.client, { zoneid, templateid, serviceofferingid }),
                431,
                "No (virtual) networks are found for account admin",
            );
        } finally {
            await bare.stop();
        }
    } finally {
        await w.stop();
    }
});

test("state machine: start on Running is 431, stop twice succeeds, reboot needs Running", async (t) => {
    const w = await world();
    try {
        const vm = await w.deploy({ name: "sm" });
        await jobError(t, () => startVirtualMachine(w.client, vm.id), 431, `The virtual machine ${vm.id} (sm) is already running`);
        const rebooted = await rebootVirtualMachine(w.client, vm.id);
        t.is(rebooted.state, "Running");
        const stopped = await stopVirtualMachine(w.client, vm.id);
        t.is(stopped.state, "Stopped");
        t.is(stopped.hostid, undefined);
        t.is((await stopVirtualMachine(w.client, vm.id)).state, "Stopped", "stop on Stopped is a successful no-op");
        await jobError(t, () => rebootVirtualMachine(w.client, vm.id), 431, `The VM ${vm.id} (sm) is not running, unable to reboot it`);
        t.is((await startVirtualMachine(w.client, vm.id)).state, "Running");
        const missing = await t.throwsAsync(() => startVirtualMachine(w.client, "00000000-0000-4000-8000-000000000000"), { instanceOf: MoldApiError });
        t.regex(missing!.message, /Invalid parameter id value=00000000-0000-4000-8000-000000000000 due to incorrect long value format/);
    } finally {
        await w.stop();
    }
});

test("destroy without expunge leaves Destroyed (again: unchanged); expunge removes the VM", async (t) => {
    const w = await world();
    try {
        const vm = await w.deploy({ name: "gone" });
        const destroyed = await destroyVirtualMachine(w.client, vm.id);
        t.is(destroyed.state, "Destroyed");
        t.is((await destroyVirtualMachine(w.client, vm.id)).state, "Destroyed");
        t.deepEqual(
            (await listVirtualMachines(w.client, { state: "Destroyed" })).map((v) => v.id),
            [vm.id],
        );
        t.is((await listVirtualMachines(w.client, { state: "Present" })).length, 0);
        // The host name stays taken until the VM is expunged.
        await apiError(
            t,
            () => w.deploy({ name: "gone" }),
            431,
            `The vm with hostName gone already exists in the network domain: ${w.networkdomain}; network=net1`,
        );
        await destroyVirtualMachine(w.client, vm.id, true);
        t.is(await getVirtualMachine(w.client, vm.id), undefined);
        t.is((await w.deploy({ name: "gone" })).name, "gone");
    } finally {
        await w.stop();
    }
});

test("destroying a member of a CloudManaged Kubernetes cluster is refused; ExternalManaged members are not protected", async (t) => {
    const w = await world();
    try {
        const a = await w.deploy({ name: "node-a" });
        const b = await w.deploy({ name: "node-b" });
        const c = await w.deploy({ name: "node-c" });
        const clusters = w.sim.simulator.state.tables.kubernetesClusters ?? (w.sim.simulator.state.tables.kubernetesClusters = {});
        clusters["c1"] = { id: "c1", name: "prod", clustertype: "CloudManaged", _vmIds: [a.id], virtualmachines: [] };
        clusters["c2"] = { id: "c2", name: "dev", virtualmachines: [{ id: b.id }] };
        clusters["c3"] = { id: "c3", name: "ext", clustertype: "ExternalManaged", virtualmachines: [{ id: c.id }] };
        const text = (name: string) =>
            `Instance is a part of a Kubernetes cluster: ${name}. Use Instance delete option from Kubernetes cluster details or scale API for Kubernetes clusters with 'nodeids' to destroy the instance.`;
        await jobError(t, () => destroyVirtualMachine(w.client, a.id, true), 530, text("prod"));
        await jobError(t, () => destroyVirtualMachine(w.client, b.id), 530, text("dev"));
        t.is((await getVirtualMachine(w.client, a.id))?.state, "Running");
        t.is((await destroyVirtualMachine(w.client, c.id)).state, "Destroyed");
    } finally {
        await w.stop();
    }
});

test("changeServiceForVirtualMachine is sync and needs Stopped; same offering is refused", async (t) => {
    const w = await world();
    try {
        const vm = await w.deploy({ name: "cs" });
        const big = await w.offering("4C-8GB");
        const running = await t.throwsAsync(() => changeServiceForVirtualMachine(w.client, vm.id, big), { instanceOf: MoldApiError });
        t.is((running as MoldApiError).errorcode, 431);
        t.true((running as MoldApiError).errortext.startsWith(`Unable to upgrade virtual machine VM instance {"id":`));
        t.true((running as MoldApiError).errortext.endsWith(`"uuid":"${vm.id}"}  in state Running; make sure the virtual machine is stopped`));
        await stopVirtualMachine(w.client, vm.id);
        const changed = await changeServiceForVirtualMachine(w.client, vm.id, big);
        t.is(changed.cpunumber, 4);
        t.is(changed.memory, 8192);
        t.is(changed.serviceofferingname, "4C-8GB");
        const same = await t.throwsAsync(() => changeServiceForVirtualMachine(w.client, vm.id, big), { instanceOf: MoldApiError });
        t.regex((same as MoldApiError).errortext, /^Not upgrading vm VM instance .* since it already has the requested service offering \(4C-8GB\)$/);
        const raw = await rawCall(w.sim, "changeServiceForVirtualMachine", { id: vm.id, serviceofferingid: await w.offering("2C-2GB") }, "POST");
        t.deepEqual(Object.keys(raw.body), ["changeserviceforvirtualmachineresponse"]);
        t.is(raw.body.changeserviceforvirtualmachineresponse.virtualmachine.cpunumber, 2);
    } finally {
        await w.stop();
    }
});

test("scaleVirtualMachine: Stopped changes freely; Running scales only up, only from custom offerings, only with dynamic scaling on", async (t) => {
    const w = await world({ settings: { "enable.dynamic.scale.vm": true } });
    try {
        const fixed = await w.deploy({ name: "fixed" });
        const [one, four] = [await w.offering("1C-1GB"), await w.offering("4C-8GB")];
        await jobError(
            t,
            () => scaleVirtualMachine(w.client, fixed.id, one),
            431,
            `While the VM is running, only scalling up it is supported. New service offering {"memory": 1024, "speed": 2000, "cpu": 1} should have at least one value (ram, speed or cpu) greater than the current values {"memory": 2048, "speed": 2000, "cpu": 2}.`,
        );
        await jobError(
            t,
            () => scaleVirtualMachine(w.client, fixed.id, four),
            431,
            `Unable to live scale VM on KVM when current service offering is a "Fixed Offering". KVM needs the tag "maxMemory" to live scale and it is only configured when VM is deployed with a custom service offering and "Dynamic Scalable" is enabled.`,
        );
        const custom = await w.offering("Custom");
        const dyn = await w.deploy({ name: "dyn", serviceofferingid: custom, details: { cpuNumber: "2", memory: "2048" } });
        const grown = await scaleVirtualMachine(w.client, dyn.id, custom, { cpuNumber: "4", memory: "4096" });
        t.is(grown.cpunumber, 4);
        t.is(grown.memory, 4096);
        t.is(grown.state, "Running");
        await stopVirtualMachine(w.client, fixed.id);
        const shrunk = await scaleVirtualMachine(w.client, fixed.id, one);
        t.is(shrunk.cpunumber, 1);
        t.is(shrunk.memory, 1024);
    } finally {
        await w.stop();
    }
});

test("scaling a running VM with enable.dynamic.scale.vm off (Mold's default) fails the job with 530", async (t) => {
    const w = await world();
    try {
        const custom = await w.offering("Custom");
        const vm = await w.deploy({ name: "dyn", serviceofferingid: custom, details: { cpuNumber: "2", memory: "2048" } });
        await jobError(
            t,
            () => scaleVirtualMachine(w.client, vm.id, custom, { cpuNumber: "4", memory: "4096" }),
            530,
            "Dynamically scaling virtual machines is disabled for this zone, please contact your admin.",
        );
    } finally {
        await w.stop();
    }
});

test("resetSSHKeyForVirtualMachine needs Stopped and existing key pairs; answers under resetSSHKeyforvirtualmachineresponse", async (t) => {
    const w = await world();
    try {
        await createSSHKeyPair(w.client, "k1");
        await createSSHKeyPair(w.client, "k2");
        const vm = await w.deploy({ name: "keys", keypair: "k1" });
        t.is(vm.keypairs, "k1");
        const e = await t.throwsAsync(() => resetSSHKeyForVirtualMachine(w.client, vm.id, "k2"), { instanceOf: MoldJobError });
        t.is((e as MoldJobError).errorcode, 431);
        t.regex((e as MoldJobError).errortext, /^Vm VM instance \{.*\} should be stopped to do SSH Key reset$/);
        await stopVirtualMachine(w.client, vm.id);
        await jobError(t, () => resetSSHKeyForVirtualMachine(w.client, vm.id, "nope"), 431, "Not all specified keypairs exist");
        await jobError(t, () => resetSSHKeyForVirtualMachine(w.client, vm.id, []), 431, "'keypair' or 'keypairs' must be specified");
        const submit = await rawCall(w.sim, "resetSSHKeyForVirtualMachine", { id: vm.id, keypairs: ["k1", "k2"] }, "POST");
        t.deepEqual(Object.keys(submit.body), ["resetSSHKeyforvirtualmachineresponse"]);
        const job = await waitJobRaw(w.sim, submit.body.resetSSHKeyforvirtualmachineresponse.jobid);
        t.is(job.jobresult.virtualmachine.keypairs, "k1,k2");
        t.is(job.cmd, "org.apache.cloudstack.api.command.admin.vm.ResetVMSSHKeyCmdByAdmin");
        t.is((await resetSSHKeyForVirtualMachine(w.client, vm.id, "k2")).keypairs, "k2");
    } finally {
        await w.stop();
    }
});

test("updateVirtualMachine changes name, displayname and userdata; userdata is listed only on request", async (t) => {
    const w = await world();
    try {
        const vm = await w.deploy({ name: "before", userdata: encodeUserData("#cloud-config\n") });
        t.is(vm.userdata, undefined);
        const updated = await updateVirtualMachine(w.client, vm.id, {
            name: "after",
            displayname: "After VM",
            userdata: encodeUserData("#!/bin/sh\necho hi\n"),
        });
        t.is(updated.name, "after");
        t.is(updated.displayname, "After VM");
        const [listed] = await listVirtualMachines(w.client, { id: vm.id, userdata: true });
        t.is(Buffer.from(listed.userdata!, "base64").toString(), "#!/bin/sh\necho hi\n");
        await apiError(
            t,
            () => updateVirtualMachine(w.client, vm.id, { name: "-bad" }),
            431,
            `Invalid name. Vm name can contain ASCII letters 'a' through 'z', the digits '0' through '9', and the hyphen ('-'), must be between 1 and 63 characters long, and can't start or end with "-" and can't start with digit`,
        );
        await w.deploy({ name: "other" });
        await apiError(
            t,
            () => updateVirtualMachine(w.client, vm.id, { name: "other" }),
            431,
            `The vm with hostName other already exists in the network domain: ${w.networkdomain}; network=net1`,
        );
        await apiError(t, () => updateVirtualMachine(w.client, vm.id, { userdata: "%%%" }), 431, "User data is not base64 encoded.");
    } finally {
        await w.stop();
    }
});

test("listVirtualMachines filters: name substring, state, network, keypair, keyword, affinity group, tags[i]", async (t) => {
    const w = await world();
    try {
        await createSSHKeyPair(w.client, "kp");
        const group = await createAffinityGroup(w.client, { name: "spread", type: "host anti-affinity" });
        const a = await w.deploy({ name: "app-one", keypair: "kp", affinitygroupnames: ["spread"] });
        const b = await w.deploy({ name: "app-two", startvm: false });
        await w.deploy({ name: "db" });
        const names = async (filter: any) => (await listVirtualMachines(w.client, filter)).map((v) => v.name).sort();
        t.deepEqual(await names({ name: "app" }), ["app-one", "app-two"]);
        t.deepEqual(await names({ state: "Stopped" }), ["app-two"]);
        t.deepEqual(await names({ state: "running" }), ["app-one", "db"]);
        t.deepEqual(await names({ keypair: "kp" }), ["app-one"]);
        t.deepEqual(await names({ keyword: "TWO" }), ["app-two"]);
        t.deepEqual(await names({ networkid: w.networkid }), ["app-one", "app-two", "db"]);
        t.deepEqual(await names({ affinitygroupid: group.id }), ["app-one"]);
        t.deepEqual(await names({ ids: [a.id, b.id] }), ["app-one", "app-two"]);
        t.deepEqual(
            a.affinitygroup.map((g) => g.name),
            ["spread"],
        );
        await createTags(w.client, "UserVm", [b.id], { role: "worker" });
        t.deepEqual(await names({ tags: [{ key: "role", value: "worker" }] }), ["app-two"]);
        const [tagged] = await listVirtualMachines(w.client, { id: b.id });
        t.deepEqual(
            tagged.tags.map((x) => [x.key, x.value, x.resourcetype]),
            [["role", "worker", "UserVm"]],
        );
        await apiError(t, () => listVirtualMachines(w.client, { tags: [{ key: "role" }] as any }), 431, "No value is passed in for key role");
    } finally {
        await w.stop();
    }
});

test("a deploy whose template is not in the zone or not ready is refused", async (t) => {
    const w = await world();
    try {
        const priv = await findTemplate(w.client, SEED_PRIVATE_TEMPLATE_NAME);
        const tpl = w.sim.simulator.state.tables.templates[priv.id];
        tpl.isready = false;
        await apiError(t, () => w.deploy({ name: "nr", templateid: priv.id }), 431, `The template ${priv.id} is not available for use`);
    } finally {
        await w.stop();
    }
});

test("a failed deploy job leaves the VM in Error and reports the VM id", async (t) => {
    const w = await world();
    try {
        w.sim.setFaults({ jobFailureRate: 1 });
        const e = await t.throwsAsync(() => w.deploy({ name: "doomed" }), { instanceOf: MoldJobError });
        t.is((e as MoldJobError).errorcode, 530);
        w.sim.setFaults({});
        const vm = await getVirtualMachine(w.client, (e as MoldJobError).entityId!);
        t.is(vm?.state, "Error");
    } finally {
        await w.stop();
    }
});

test("tags client on a VM: createTags, listTags, deleteTags (nothing matching is job 530), tags go with the expunged VM", async (t) => {
    const w = await world();
    try {
        const vm = await w.deploy({ name: "tagged" });
        await createTags(w.client, "uservm", [vm.id], { env: "prod", team: "core" });
        const tags = await listTags(w.client, { resourceid: vm.id });
        t.deepEqual(tags.map((x) => `${x.resourcetype}:${x.key}=${x.value}`).sort(), ["UserVm:env=prod", "UserVm:team=core"]);
        await deleteTags(w.client, "UserVm", [vm.id], { env: undefined });
        t.deepEqual(
            (await listTags(w.client, { resourceid: vm.id })).map((x) => x.key),
            ["team"],
        );
        await jobError(t, () => deleteTags(w.client, "UserVm", [vm.id], { env: "prod" }), 530, "Failed to delete tags");
        await destroyVirtualMachine(w.client, vm.id, true);
        t.deepEqual(await listTags(w.client, { resourceid: vm.id }), []);
    } finally {
        await w.stop();
    }
});
