// VirtualMachine and SshKeyPair through the real dynamic-provider host: each step a separate engine
// process sharing one state file, against one simulator, every change checked in Mold's inventory.
import test from "ava";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MoldClient } from "../../provider/client";
import { encodeUserData, listVirtualMachines, stopVirtualMachine, updateVirtualMachine } from "../../provider/client/vm";
import { generateRsaKeyPair } from "../../simulator/handlers/sshkeys";
import { startSimulatorServer } from "../../simulator/server";
import { cleanEnv, mutatingSince, programDir, runEngine } from "../helpers/engine";

const PROGRAM = programDir("compute");
const USER_DATA_SECRET = "s3cr3t-userdata-4711";

test("VM and key pairs: up → no-op → in-place edits → replace → out-of-band drift → destroy; secrets stay secret", async (t) => {
    // Fifteen engine processes in a row: well past ava's default when the machine is busy.
    t.timeout(360_000);
    const sim = await startSimulatorServer({ port: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-compute-"));
    const state = path.join(dir, "state.json");
    const client = new MoldClient({ apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey });
    const env = cleanEnv({ MOLD_API_URL: sim.url, MOLD_API_KEY: sim.apiKey, MOLD_SECRET_KEY: sim.secretKey });
    const { publicKey } = generateRsaKeyPair("ops@laptop");
    const run = async (command: string, ...config: string[]) => {
        const r = await runEngine([command, PROGRAM, "--state", state, ...config.flatMap((c) => ["--config", c])], env);
        t.is(r.code, 0, `engine ${command} ${config.join(" ")} failed:\n${r.stderr}`);
        return r.result!;
    };
    const vms = () => sim.inventory().vms;
    const theVm = () => {
        t.is(vms().length, 1, "exactly one VM in Mold");
        return vms()[0];
    };
    const tagsOf = (id: string) =>
        sim
            .inventory()
            .tags.filter((x: any) => x.resourceid === id)
            .map((x: any) => `${x.key}=${x.value}`)
            .sort();
    try {
        // ---- preview: every input the VM gets from another resource is unknown; nothing is sent ----
        const planned = await run("preview", `publicKey=${publicKey}`);
        t.deepEqual(planned.steps, { create: 4, update: 0, replace: 0, delete: 0, same: 0 });
        t.deepEqual(mutatingSince({}, sim.requestCounts), {});

        // ---- create: network, two key pairs, the VM ----
        const first = await run("up", `publicKey=${publicKey}`);
        t.deepEqual(first.steps, { create: 4, update: 0, replace: 0, delete: 0, same: 0 });
        let vm = theVm();
        t.is(vm.id, first.outputs.vmId);
        t.is(vm.name, "web-1");
        t.is(vm.state, "Running");
        t.is(vm.serviceofferingname, "1C-1GB");
        t.is(vm.keypairs, "compute-key");
        t.is(first.outputs.privateIp, vm.nic[0].ipaddress);
        t.deepEqual(first.outputs.networkIds, [sim.inventory().networks[0].id]);
        t.deepEqual(tagsOf(vm.id), ["pulumi-mold:managed-by=pulumi-mold", "role=web"]);
        const withData = (await listVirtualMachines(client, { id: vm.id, userdata: true }))[0];
        t.is(withData.userdata, encodeUserData(`#cloud-config\nchpasswd:\n  list: root:${USER_DATA_SECRET}\n`), "user data reached Mold base64-encoded");
        t.deepEqual(
            sim
                .inventory()
                .sshKeyPairs.map((k: any) => k.name)
                .sort(),
            ["compute-key", "compute-key-2"],
        );
        t.is(first.outputs.privateKey, "[secret]");
        t.is(first.outputs.userData, "[secret]");
        t.is(first.outputs.registeredPrivateKey, "[secret]", "privateKey is always secret, even when empty");

        // ---- the same program again: nothing changes, not one state-changing call ----
        let before = { ...sim.requestCounts };
        const same = await run("up");
        t.deepEqual(same.steps, { create: 0, update: 0, replace: 0, delete: 0, same: 4 });
        t.deepEqual(mutatingSince(before, sim.requestCounts), {});
        t.deepEqual(same.outputs, first.outputs);

        // ---- in place: offering on a running VM (KVM, fixed offering: stop → change → start) ----
        const scaled = await run("up", "offering=2C-4GB");
        t.deepEqual(scaled.steps, { create: 0, update: 1, replace: 0, delete: 0, same: 3 });
        vm = theVm();
        t.is(vm.id, first.outputs.vmId);
        t.deepEqual([vm.serviceofferingname, vm.cpunumber, vm.memory, vm.state], ["2C-4GB", 2, 4096, "Running"]);
        t.is(scaled.outputs.cpuNumber, 2);

        // ---- in place: host name ----
        before = { ...sim.requestCounts };
        const renamed = await run("up", "vmName=web-2");
        t.deepEqual(renamed.steps, { create: 0, update: 1, replace: 0, delete: 0, same: 3 });
        t.is(theVm().name, "web-2");
        t.deepEqual(mutatingSince(before, sim.requestCounts), { updateVirtualMachine: 1 }, "a rename neither stops nor restarts the VM");

        // ---- in place: desiredState stopped, then running ----
        await run("up", "desiredState=stopped");
        t.is(theVm().state, "Stopped");
        const restarted = await run("up", "desiredState=running");
        t.deepEqual(restarted.steps, { create: 0, update: 1, replace: 0, delete: 0, same: 3 });
        t.is(theVm().state, "Running");

        // ---- in place: key pair (stop → reset → start) ----
        const rekeyed = await run("up", "useRegisteredKey=true");
        t.deepEqual(rekeyed.steps, { create: 0, update: 1, replace: 0, delete: 0, same: 3 });
        vm = theVm();
        t.deepEqual([vm.keypairs, vm.state, vm.id], ["compute-key-2", "Running", first.outputs.vmId]);

        // ---- in place: tags ----
        await run("up", "role=api");
        t.deepEqual(tagsOf(first.outputs.vmId), ["pulumi-mold:managed-by=pulumi-mold", "role=api"]);

        // ---- replace: another template. Named VM: deleted first (Mold keeps host names unique). ----
        const replaced = await run("up", "template=debian-12-private");
        t.is(replaced.steps.replace, 1);
        t.is(replaced.steps.create + replaced.steps.update, 0);
        vm = theVm();
        t.not(vm.id, first.outputs.vmId);
        t.is(vm.templatename, "debian-12-private");
        t.deepEqual(
            [vm.name, vm.serviceofferingname, vm.keypairs, vm.state],
            ["web-2", "2C-4GB", "compute-key-2", "Running"],
            "the replacement has every other input",
        );
        t.deepEqual(tagsOf(vm.id), ["pulumi-mold:managed-by=pulumi-mold", "role=api"]);

        // ---- out-of-band: stopped and renamed behind Pulumi's back; refresh sees it, up restores ----
        await stopVirtualMachine(client, vm.id);
        await updateVirtualMachine(client, vm.id, { name: "hijacked" });
        await run("refresh");
        const drifted = JSON.parse(fs.readFileSync(state, "utf8")).resources.find((r: any) => r.id === vm.id);
        t.is(drifted.outputs.state, "Stopped");
        t.is(drifted.outputs.name, "hijacked");
        const restored = await run("up");
        t.deepEqual(restored.steps, { create: 0, update: 1, replace: 0, delete: 0, same: 3 });
        t.deepEqual([theVm().name, theVm().state], ["web-2", "Running"]);

        // ---- secrets never reach the state file in plaintext ----
        const text = fs.readFileSync(state, "utf8");
        t.false(text.includes("PRIVATE KEY"), "the generated private key is encrypted in the state");
        t.false(text.includes(USER_DATA_SECRET), "user data is encrypted in the state");
        t.false(text.includes(encodeUserData(`#cloud-config\nchpasswd:\n  list: root:${USER_DATA_SECRET}\n`)), "nor its base64");

        // ---- destroy: nothing left ----
        const destroyed = await run("destroy");
        t.deepEqual(destroyed.steps, { create: 0, update: 0, replace: 0, delete: 4, same: 0 });
        const inv = sim.inventory();
        t.deepEqual(inv.vms, []);
        t.deepEqual(inv.sshKeyPairs, []);
        t.deepEqual(inv.networks, []);
    } finally {
        client.close();
        await sim.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
