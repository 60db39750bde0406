// VirtualMachine and SshKeyPair hooks against the simulator, for what the engine test cannot reach:
// lost answers, failed deploys, live-scaling decisions, adoption checks and key-pair ownership.
import test from "ava";
import { MoldClient } from "../../provider/client";
import { findNetworkOffering, findServiceOffering, findTemplate, findZone } from "../../provider/client/catalog";
import { MoldOutcomeUnknownError } from "../../provider/client/errors";
import { createNetwork } from "../../provider/client/network";
import { deleteSSHKeyPair, getSSHKeyPair, registerSSHKeyPair } from "../../provider/client/sshkeys";
import { deployVirtualMachine, VirtualMachine } from "../../provider/client/vm";
import { runHook } from "../../provider";
import type { VirtualMachineInputs } from "../../provider/generated/types";
import { HookContext, UNKNOWN } from "../../provider/runtime/hooks";
import { fingerprintOf, normalizePublicKey, sshKeyPair } from "../../provider/resources/ssh-key-pair";
import { virtualMachine } from "../../provider/resources/virtual-machine";
import { mayScaleLive } from "../../provider/resources/virtual-machine-ops";
import { generateRsaKeyPair } from "../../simulator/handlers/sshkeys";
import { withSimulator } from "../helpers/sim";

/** A client whose `method` for `command` runs `instead` the first time (to lose an answer, say). */
function intercept(client: MoldClient, method: "call" | "callAsync", command: string, instead: (target: MoldClient, params: any) => Promise<any>): MoldClient {
    let done = false;
    return new Proxy(client, {
        get(target, prop) {
            const value = Reflect.get(target, prop, target);
            if (prop === method) {
                return (cmd: string, params: any, wait: any) => {
                    if (cmd === command && !done) {
                        done = true;
                        return instead(target, params);
                    }
                    return (value as any).call(target, cmd, params, wait);
                };
            }
            return typeof value === "function" ? value.bind(target) : value;
        },
    });
}

const ctxOf = (client: MoldClient, logs: string[] = []): HookContext => ({ kind: "test", client: () => client, log: (m) => logs.push(m) });

async function world() {
    const s = await withSimulator();
    const zone = await findZone(s.client, "zone1");
    const offering = await findNetworkOffering(s.client, "DefaultIsolatedNetworkOfferingWithSourceNatService");
    const net = await createNetwork(s.client, { name: "app-net", zoneid: zone.id, networkofferingid: offering.id });
    const settings = { apiUrl: s.sim.url, apiKey: s.sim.apiKey, secretKey: s.sim.secretKey };
    const inputs: VirtualMachineInputs = { zone: "zone1", template: "ubuntu-22.04", serviceOffering: "1C-1GB", networks: ["app-net"], desiredState: "running" };
    return { ...s, zone, net, settings, inputs };
}

const vmRow = (sim: any, id: string) => sim.inventory().vms.find((v: any) => v.id === id);
const vmTags = (sim: any, id: string) =>
    sim
        .inventory()
        .tags.filter((x: any) => x.resourceid === id)
        .map((x: any) => `${x.key}=${x.value}`)
        .sort();

test("live scaling is only tried where Mold could allow it", (t) => {
    const vm = { isdynamicallyscalable: true, hypervisor: "Simulator", cpunumber: 1, cpuspeed: 2000, memory: 1024 } as VirtualMachine;
    const fixed = (cpunumber: number, memory: number) =>
        ({ id: "o", name: "o", cpunumber, cpuspeed: 2000, memory, dynamicscalingenabled: true, iscustomized: false }) as any;
    t.true(mayScaleLive(vm, fixed(1, 1024), fixed(2, 2048)), "upwards");
    t.false(mayScaleLive(vm, fixed(1, 1024), fixed(1, 1024)), "same size");
    t.false(mayScaleLive({ ...vm, cpunumber: 2 } as VirtualMachine, fixed(2, 1024), fixed(1, 4096)), "fewer CPUs");
    t.false(mayScaleLive({ ...vm, isdynamicallyscalable: false } as VirtualMachine, fixed(1, 1024), fixed(2, 2048)), "not dynamically scalable");
    t.false(mayScaleLive({ ...vm, hypervisor: "KVM" } as VirtualMachine, fixed(1, 1024), fixed(2, 2048)), "KVM from a fixed offering");
    t.true(
        mayScaleLive({ ...vm, hypervisor: "KVM" } as VirtualMachine, { ...fixed(1, 1024), iscustomized: true }, fixed(2, 2048)),
        "KVM from a custom offering",
    );
    t.false(mayScaleLive(vm, fixed(1, 1024), { ...fixed(2, 2048), dynamicscalingenabled: false }), "dynamic flags differ");
});

test("check lets values Pulumi does not know yet (preview) through, for every input", (t) => {
    const unknown = Object.fromEntries(virtualMachine.inputs.map((k) => [k, UNKNOWN]));
    t.deepEqual(virtualMachine.check(unknown).failures, []);
    t.deepEqual(virtualMachine.check({ zone: "z", template: "t", serviceOffering: "o", networks: [UNKNOWN, "b"], affinityGroups: [UNKNOWN] }).failures, []);
    t.deepEqual(sshKeyPair.check({ name: UNKNOWN, publicKey: UNKNOWN }).failures, []);
    t.is(
        virtualMachine.check({ zone: "z", template: "t", serviceOffering: "o", networks: ["n"], desiredState: "Stopped" as "stopped" }).inputs.desiredState,
        "stopped",
        "check lower-cases what the program sent",
    );
    t.is(virtualMachine.check({ zone: "z", template: "t", serviceOffering: "o", networks: ["n"] }).inputs.desiredState, "running", "default");
});

test("an offering change on a running KVM VM stops, changes and starts it again; a stopped VM stays stopped", async (t) => {
    const w = await world();
    try {
        const created = await runHook("VirtualMachine", "create", w.settings, [{ ...w.inputs, name: "web-1" }]);
        const olds = created.outs;
        const before = { ...w.sim.requestCounts };
        const outs = (await runHook("VirtualMachine", "update", w.settings, [created.id, olds, { ...w.inputs, name: "web-1", serviceOffering: "2C-4GB" }]))
            .outs;
        t.is(outs.state, "Running");
        t.is(outs.cpuNumber, 2);
        t.is(outs.memory, 4096);
        t.is(
            (w.sim.requestCounts.scaleVirtualMachine ?? 0) - (before.scaleVirtualMachine ?? 0),
            0,
            "KVM on a fixed offering cannot scale live: not even tried",
        );
        t.is(w.sim.requestCounts.stopVirtualMachine - (before.stopVirtualMachine ?? 0), 1);
        t.is(w.sim.requestCounts.startVirtualMachine - (before.startVirtualMachine ?? 0), 1);

        const stopped = (
            await runHook("VirtualMachine", "update", w.settings, [
                created.id,
                outs,
                { ...w.inputs, name: "web-1", serviceOffering: "2C-4GB", desiredState: "stopped" },
            ])
        ).outs;
        t.is(stopped.state, "Stopped");
        const resized = (
            await runHook("VirtualMachine", "update", w.settings, [
                created.id,
                stopped,
                { ...w.inputs, name: "web-1", serviceOffering: "1C-1GB", desiredState: "stopped" },
            ])
        ).outs;
        t.is(resized.state, "Stopped", "desiredState stopped is kept through an offering change");
        t.is(vmRow(w.sim, created.id).serviceofferingname, "1C-1GB");
    } finally {
        await w.stop();
    }
});

test("a lost deploy answer is reconciled: the VM found (after it leaves Starting) is ours, no second deploy", async (t) => {
    const w = await world();
    try {
        const lossy = intercept(w.client, "callAsync", "deployVirtualMachine", async (target, params) => {
            await target.call("deployVirtualMachine", params);
            throw new MoldOutcomeUnknownError("deployVirtualMachine", "test: answer dropped");
        });
        const { id, outs } = await virtualMachine.create(ctxOf(lossy), virtualMachine.check({ ...w.inputs }).inputs as VirtualMachineInputs);
        t.is(w.sim.requestCounts.deployVirtualMachine, 1);
        t.is(w.sim.inventory().vms.length, 1);
        t.is(outs.state, "Running");
        t.deepEqual(vmTags(w.sim, id), ["pulumi-mold:managed-by=pulumi-mold"]);
    } finally {
        await w.stop();
    }
});

test("a deploy job that fails leaves nothing behind: the VM in Error is expunged and the error reported", async (t) => {
    const w = await world();
    try {
        w.sim.setFaults({ jobFailureRate: 1 });
        // Only the deploy job fails: the clean-up runs with faults off.
        const client = intercept(w.client, "callAsync", "destroyVirtualMachine", (target, params) => {
            w.sim.setFaults({});
            return target.callAsync("destroyVirtualMachine", params);
        });
        const err = await t.throwsAsync(virtualMachine.create(ctxOf(client), { ...w.inputs }));
        t.regex(err!.message, /deploy failed \(.*injected fault.*\); the VM [0-9a-f-]+ it left in Error was expunged/);
        t.false("id" in err!, "a plain error: nothing to record");
        t.deepEqual(w.sim.inventory().vms, []);
    } finally {
        await w.stop();
    }
});

test("a failed deploy whose clean-up fails too is recorded (partial failure with the VM id), and delete removes it", async (t) => {
    const w = await world();
    try {
        w.sim.setFaults({ jobFailureRate: 1 });
        const err: any = await t.throwsAsync(runHook("VirtualMachine", "create", w.settings, [{ ...w.inputs }]));
        t.regex(err.message, /could not be expunged/);
        t.truthy(err.id);
        t.is(vmRow(w.sim, err.id).state, "Error");
        t.true(err.properties.createIncomplete);
        w.sim.setFaults({});
        await runHook("VirtualMachine", "delete", w.settings, [err.id, err.properties]);
        t.deepEqual(w.sim.inventory().vms, []);
    } finally {
        await w.stop();
    }
});

test("importId: a VM whose template differs is refused untouched; a matching one is adopted and tagged", async (t) => {
    const w = await world();
    try {
        const template = await findTemplate(w.client, "ubuntu-22.04", w.zone.id);
        const offering = await findServiceOffering(w.client, "1C-1GB");
        const vm = await deployVirtualMachine(w.client, {
            zoneid: w.zone.id,
            templateid: template.id,
            serviceofferingid: offering.id,
            networkids: [w.net.id],
            name: "legacy",
        });
        const refused: any = await t.throwsAsync(
            runHook("VirtualMachine", "create", w.settings, [{ ...w.inputs, template: "debian-12-private", importId: vm.id }]),
        );
        t.regex(refused.message, /template is .* in Mold but resolves to .* in the program/);
        t.deepEqual(vmTags(w.sim, vm.id), []);
        const adopted = await runHook("VirtualMachine", "create", w.settings, [{ ...w.inputs, name: "legacy", tags: { team: "ops" }, importId: vm.id }]);
        t.is(adopted.id, vm.id);
        t.deepEqual(vmTags(w.sim, vm.id), ["pulumi-mold:managed-by=pulumi-mold", "team=ops"]);
    } finally {
        await w.stop();
    }
});

test("SshKeyPair: registered keys have Mold's fingerprint and no private key; generated ones carry it", async (t) => {
    const w = await world();
    try {
        const { publicKey } = generateRsaKeyPair("me@laptop");
        const reg = await runHook("SshKeyPair", "create", w.settings, [{ name: "laptop", publicKey }]);
        t.is(reg.outs.fingerprint, (await getSSHKeyPair(w.client, "laptop"))!.fingerprint);
        t.is(reg.outs.fingerprint, fingerprintOf(publicKey));
        t.is(reg.outs.privateKey, "");
        t.is(normalizePublicKey(publicKey), publicKey.split(" ").slice(0, 2).join(" "));
        const gen = await runHook("SshKeyPair", "create", w.settings, [{ name: "generated" }]);
        t.regex(gen.outs.privateKey as string, /^-----BEGIN RSA PRIVATE KEY-----/);
        const taken: any = await t.throwsAsync(runHook("SshKeyPair", "create", w.settings, [{ name: "generated" }]));
        t.regex(taken.message, /already exists in Mold; choose another name or adopt it with importId/);
    } finally {
        await w.stop();
    }
});

test("SshKeyPair: a lost createSSHKeyPair answer (and its private key) is discarded and the pair generated again", async (t) => {
    const w = await world();
    try {
        const logs: string[] = [];
        const lossy = intercept(w.client, "call", "createSSHKeyPair", async (target, params) => {
            await target.call("createSSHKeyPair", params);
            throw new MoldOutcomeUnknownError("createSSHKeyPair", "test: answer dropped");
        });
        const { outs } = await sshKeyPair.create(ctxOf(lossy, logs), { name: "ci" });
        t.regex(outs.privateKey, /PRIVATE KEY/);
        t.is(outs.fingerprint, (await getSSHKeyPair(w.client, "ci"))!.fingerprint, "the pair in Mold is the one whose private key we hold");
        t.is(w.sim.requestCounts.createSSHKeyPair, 2);
        t.is(w.sim.requestCounts.deleteSSHKeyPair, 1);
        t.regex(logs.join("\n"), /lost with its private key/);
    } finally {
        await w.stop();
    }
});

test("SshKeyPair ownership without tags: a pair of our name holding another key is never deleted", async (t) => {
    const w = await world();
    try {
        const created = await runHook("SshKeyPair", "create", w.settings, [{ name: "deploy" }]);
        const state = { name: "deploy", ...created.outs };
        // Deleted behind our back and the name reused with someone else's key.
        await deleteSSHKeyPair(w.client, "deploy");
        const theirs = await registerSSHKeyPair(w.client, "deploy", generateRsaKeyPair("them").publicKey);
        const read = await runHook("SshKeyPair", "read", w.settings, [created.id, state]);
        t.is(read.id, "", "refresh: ours is gone");
        await runHook("SshKeyPair", "delete", w.settings, [created.id, state]);
        t.is((await getSSHKeyPair(w.client, "deploy"))?.fingerprint, theirs.fingerprint, "their pair is left alone");

        // importId by name takes a pair over; a different publicKey is refused.
        const mine = generateRsaKeyPair("mine").publicKey;
        await registerSSHKeyPair(w.client, "legacy", mine);
        const refused: any = await t.throwsAsync(
            runHook("SshKeyPair", "create", w.settings, [{ name: "legacy", publicKey: generateRsaKeyPair("x").publicKey, importId: "legacy" }]),
        );
        t.regex(refused.message, /would need a replacement/);
        const adopted = await runHook("SshKeyPair", "create", w.settings, [{ name: "legacy", publicKey: mine, importId: "legacy" }]);
        t.is(adopted.outs.fingerprint, fingerprintOf(mine));
        await runHook("SshKeyPair", "delete", w.settings, [adopted.id, adopted.outs]);
        t.is(await getSSHKeyPair(w.client, "legacy"), undefined);
    } finally {
        await w.stop();
    }
});
