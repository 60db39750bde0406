// mold:index:VirtualMachine — one user VM. What changes in place and what replaces it:
// - in place: serviceOffering (live scale where Mold allows it, else stop → change → start), name and
//   displayName (updateVirtualMachine), keyPair (stop → resetSSHKey → start), desiredState, tags;
// - replace: zone, template, networks, rootDiskSize (no resizeVolume here), affinityGroups (Mold's
//   updateVMAffinityGroup needs a stopped VM and has no client wrapper yet) and userData: Mold can
//   update user data in place, but cloud-init reads it on the first boot of an instance only, so an
//   in-place change would be recorded and silently never applied.
// Destroy expunges. A deploy whose job fails leaves the VM in Error: it is expunged at once and the error
// reported; if even that fails the VM is recorded (partial failure) so it is not leaked.
import { findServiceOffering, findTemplate, findZone } from "../client/catalog";
import type { MoldClient, WaitOptions } from "../client/client";
import { MoldJobError } from "../client/errors";
import {
    deployVirtualMachine,
    destroyVirtualMachine,
    encodeUserData,
    getVirtualMachine,
    listVirtualMachines,
    resetSSHKeyForVirtualMachine,
    updateVirtualMachine,
    UpdateVirtualMachineArgs,
    VirtualMachine,
} from "../client/vm";
import { partialFailure } from "../runtime/errors";
import { virtualMachineSchema } from "../generated/schema";
import type { VirtualMachineInputs, VirtualMachineOutputs } from "../generated/types";
import type { HookContext, Reported, ResourceDefinition } from "../runtime/hooks";
import type { ResourceTag } from "../client/tags";
import { currentTags, isOwned } from "../runtime/tags";
import { Validator } from "../runtime/validate";
import { namesInMold } from "./check-names";
import { createTagged, findNetwork } from "../runtime/common";
import { changeIdempotent, deleteConfirmed, waitFor } from "../runtime/reconcile";
import { convergeTags, current, deleteOwned, ObjectKind, ownedForChange } from "../runtime/steps";
import { affinityGroupIds, changeOffering, immutableConflicts, networkIdsOf, settledVm } from "./virtual-machine-ops";

/** Mold's host-name rule (RFC 1123 label, no leading digit): deploy and update refuse anything else. */
const HOST_NAME = /^[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
/**
 * User data limits, measured as Mold measures them: the length of the base64 text. Mold refuses more than
 * `vm.userdata.max.length` (default 32768, the `userDataMaxLength` input for clouds set otherwise) and never
 * more than 1048576 in a POST, which is how the client sends deployVirtualMachine (GET would allow 4096).
 */
const USERDATA_DEFAULT_MAX = 32768;
const USERDATA_POST_MAX = 1048576;

function outputsOf(vm: VirtualMachine): Reported<VirtualMachineInputs, VirtualMachineOutputs> {
    const defaultNic = (vm.nic ?? []).find((n) => n.isdefault) ?? vm.nic?.[0];
    return {
        vmId: vm.id,
        name: vm.name,
        displayName: vm.displayname ?? vm.name,
        state: vm.state,
        privateIp: defaultNic?.ipaddress ?? vm.ipaddress ?? "",
        zoneId: vm.zoneid,
        templateId: vm.templateid,
        serviceOfferingId: vm.serviceofferingid,
        cpuNumber: vm.cpunumber,
        memory: vm.memory,
        networkIds: networkIdsOf(vm),
    };
}

const wantedPower = (inputs: Partial<VirtualMachineInputs>): "Running" | "Stopped" => (inputs.desiredState === "stopped" ? "Stopped" : "Running");

/** A list of non-empty strings (unknown elements pass, as in Validator). */
function stringList(v: Validator, property: string, value: unknown, opts: { required?: boolean } = {}): void {
    if (!v.known(value)) return;
    if (value === undefined || value === null) {
        if (opts.required) v.fail(property, "is required (a list of names or ids)");
        return;
    }
    if (!Array.isArray(value)) return v.fail(property, "must be a list of names or ids");
    if (opts.required && value.length === 0) v.fail(property, "must name at least one network");
    value.forEach((x, i) => {
        if (v.known(x) && (typeof x !== "string" || x.trim() === "")) v.fail(`${property}[${i}]`, "must be a non-empty name or id");
        else v.string(`${property}[${i}]`, x);
    });
    const known = value.filter((x) => v.known(x));
    const dupes = known.filter((x, i) => known.indexOf(x) !== i);
    if (dupes.length) v.fail(property, `lists ${JSON.stringify(dupes[0])} more than once`);
}

/**
 * A deploy whose job failed left the VM in Error (Mold does not roll it back): expunge it and report the
 * failure. If the expunge fails too, the VM is returned as a partial failure so Pulumi records it.
 */
async function discardFailedVm(ctx: HookContext, id: string, cause: string, inputs: VirtualMachineInputs): Promise<never> {
    try {
        await expunge(ctx.client(), id);
    } catch (e) {
        throw partialFailure(
            `deploy failed (${cause}) and the VM ${id} it left behind could not be expunged: ${(e as Error).message}`,
            id,
            {
                ...inputs,
                vmId: id,
                state: "Error",
                createIncomplete: true,
            },
            e,
        );
    }
    throw new Error(`deploy failed (${cause}); the VM ${id} it left in Error was expunged`);
}

/** UserVmResponse types its tags loosely; they are ResourceTags. */
const tagsOf = (vm: VirtualMachine) => vm.tags as unknown as ResourceTag[];

/** An expunging VM is on its way out; a Destroyed one (which only an admin caller sees) can still be expunged. */
const VM: ObjectKind<VirtualMachine> = { what: "virtual machine", tagType: "UserVm", get: getVirtualMachine, tagsOf, gone: (vm) => vm.state === "Expunging" };

/** Mold's `created` (…+0000) as milliseconds. */
const createdAt = (vm: VirtualMachine) => Date.parse(String(vm.created).replace(/(\d\d)(\d\d)$/, "$1:$2"));

export const virtualMachine: ResourceDefinition<VirtualMachineInputs, VirtualMachineOutputs> = {
    kind: "VirtualMachine",
    inputs: virtualMachineSchema.inputs,
    replaceOnChanges: virtualMachineSchema.replaceOnChanges,
    handles: {
        name: "deployVirtualMachine name; update: updateVirtualMachine",
        displayName: "deployVirtualMachine displayname; update: updateVirtualMachine",
        zone: "deployVirtualMachine zoneid (found by name or id)",
        template: "deployVirtualMachine templateid (found by name or id)",
        serviceOffering: "deployVirtualMachine serviceofferingid; update: scaleVirtualMachine live where Mold allows it, else stop → change → start",
        networks: "deployVirtualMachine networkids (found by name or id)",
        keyPair: "deployVirtualMachine keypair; update: resetSSHKeyForVirtualMachine while stopped",
        userData: "deployVirtualMachine userdata, base64",
        userDataMaxLength: "the check's limit for userData: nothing to send",
        rootDiskSize: "deployVirtualMachine rootdisksize",
        affinityGroups: "deployVirtualMachine affinitygroupids (found by name or id)",
        desiredState: "deployVirtualMachine startvm; update: startVirtualMachine/stopVirtualMachine",
        tags: "createTags with the ownership tag; update: createTags/deleteTags",
    },
    computedInputs: ["name", "displayName"],

    check(news) {
        const v = new Validator("VirtualMachine");
        v.string("name", news.name, { maxLength: 63 });
        if (v.known(news.name) && typeof news.name === "string" && news.name.length <= 63 && !HOST_NAME.test(news.name)) {
            v.fail(
                "name",
                `'${news.name}' is not a valid host name: letters, digits and hyphens only, not starting with a digit or hyphen, not ending with a hyphen`,
            );
        }
        v.string("displayName", news.displayName, { text: true });
        v.string("zone", news.zone, { required: true });
        v.string("template", news.template, { required: true });
        v.string("serviceOffering", news.serviceOffering, { required: true });
        stringList(v, "networks", news.networks, { required: true });
        v.string("keyPair", news.keyPair);
        if (news.keyPair === "") v.fail("keyPair", "must not be empty (leave it out for no key pair)");
        // Never echo user data: it is secret.
        if (v.known(news.userData) && news.userData !== undefined) {
            if (typeof news.userData !== "string") v.fail("userData", `must be a string, got ${typeof news.userData}`);
            else if (news.userData === "") v.fail("userData", "must not be empty (Mold refuses empty user data; leave it out)");
            else if (v.known(news.userDataMaxLength)) {
                const max = typeof news.userDataMaxLength === "number" ? news.userDataMaxLength : USERDATA_DEFAULT_MAX;
                const length = encodeUserData(news.userData).length;
                if (length > max) {
                    v.fail(
                        "userData",
                        `is ${length} characters once base64-encoded; Mold accepts at most ${max} (its vm.userdata.max.length${news.userDataMaxLength === undefined ? ", default 32768" : ", from userDataMaxLength"}). ` +
                            `Shorten it, or set userDataMaxLength if your cloud allows more`,
                    );
                }
            }
        }
        v.integer("userDataMaxLength", news.userDataMaxLength, { min: 1, max: USERDATA_POST_MAX, what: "a length in base64 characters" });
        if (v.known(news.rootDiskSize) && news.rootDiskSize !== undefined) {
            if (typeof news.rootDiskSize !== "number" || !Number.isInteger(news.rootDiskSize) || news.rootDiskSize < 1) {
                v.fail("rootDiskSize", `must be a whole number of GB, at least 1, got ${JSON.stringify(news.rootDiskSize)}`);
            }
        }
        stringList(v, "affinityGroups", news.affinityGroups);
        v.oneOf("desiredState", news.desiredState, ["running", "stopped"]);
        v.tags("tags", news.tags);
        const inputs = { ...news };
        if (inputs.desiredState === undefined) inputs.desiredState = "running";
        else if (typeof inputs.desiredState === "string" && v.known(inputs.desiredState))
            inputs.desiredState = inputs.desiredState.toLowerCase() as VirtualMachineInputs["desiredState"];
        return { inputs, failures: v.failures };
    },

    checkInMold: (ctx, inputs) =>
        namesInMold(ctx, "VirtualMachine", inputs, { zone: "zone", template: "template", serviceOffering: ["serviceOffering"], networks: ["networks"] }),

    async create(ctx, inputs) {
        const client = ctx.client();
        const zone = await findZone(client, inputs.zone);
        const [template, offering, networks, groups] = await Promise.all([
            findTemplate(client, inputs.template, zone.id),
            findServiceOffering(client, inputs.serviceOffering),
            Promise.all((inputs.networks as string[]).map((n) => findNetwork(client, n))),
            affinityGroupIds(client, inputs.affinityGroups),
        ]);
        // `wait` from createTagged: the VM is tagged while it deploys (a failed one is ours too, and expunged).
        const deploy = async (wait?: WaitOptions) => {
            try {
                return await deployVirtualMachine(
                    client,
                    {
                        zoneid: zone.id,
                        templateid: template.id,
                        serviceofferingid: offering.id,
                        networkids: networks.map((n) => n.id),
                        name: inputs.name,
                        displayname: inputs.displayName,
                        keypair: inputs.keyPair,
                        userdata: inputs.userData === undefined ? undefined : encodeUserData(inputs.userData),
                        rootdisksize: inputs.rootDiskSize,
                        affinitygroupids: groups,
                        startvm: wantedPower(inputs) === "Running",
                    },
                    wait,
                );
            } catch (e) {
                if (e instanceof MoldJobError && e.entityId) return discardFailedVm(ctx, e.entityId, e.message, inputs);
                throw e;
            }
        };
        // After a lost answer: an untagged VM of this template on the default network, with the declared
        // name (or, unnamed, created since we asked), is the one just deployed. Its job may still run.
        const askedAt = Date.now() - 2000;
        const find = async () => {
            const vm = await waitFor(async () => {
                const found = (await listVirtualMachines(client, { zoneid: zone.id, networkid: networks[0].id, templateid: template.id }))
                    .filter((x) => !isOwned(tagsOf(x)) && (inputs.name !== undefined ? x.name === inputs.name : createdAt(x) >= askedAt))
                    .pop();
                return { done: !found || found.state !== "Starting", value: found };
            });
            if (vm?.state === "Error") return discardFailedVm(ctx, vm.id, "the VM ended in Error", inputs);
            return vm;
        };
        return createTagged(client, "UserVm", inputs, deploy, outputsOf, find);
    },

    async read(ctx, id, olds) {
        const vm = await current(ctx.client(), VM, id);
        // Users never see Destroyed VMs; an admin caller does until they are expunged.
        if (!vm || vm.state === "Destroyed") return undefined;
        const drifted = (idKey: "zoneId" | "templateId" | "serviceOfferingId", moldId: string) => olds[idKey] !== undefined && olds[idKey] !== moldId;
        const power = vm.state === "Running" ? "running" : vm.state === "Stopped" ? "stopped" : olds.desiredState;
        return {
            outs: outputsOf(vm),
            inputs: {
                serviceOffering: drifted("serviceOfferingId", vm.serviceofferingid) ? vm.serviceofferingid : olds.serviceOffering,
                template: drifted("templateId", vm.templateid) ? vm.templateid : olds.template,
                // Only a declared key pair is followed: Mold cannot take one off a VM, so "none" is no opinion.
                keyPair: olds.keyPair === undefined ? undefined : (vm.keypairs ?? ""),
                desiredState: power,
                tags: currentTags(olds.tags, tagsOf(vm)),
            },
        };
    },

    async update(ctx, id, olds, news) {
        const client = ctx.client();
        let vm = await ownedForChange(ctx, VM, id, olds, settledVm);
        if (vm.state === "Error")
            throw new Error(`virtual machine ${id} is in state Error and cannot be changed; replace it (pulumi up --replace) or destroy it`);
        if (olds.createIncomplete) {
            const conflicts = await immutableConflicts(client, vm, news);
            if (conflicts.length)
                throw new Error(`virtual machine ${id} does not match the program: ${conflicts.join("; ")} (changing it would need a replacement)`);
        }

        const names: UpdateVirtualMachineArgs = {};
        if (news.name !== undefined && news.name !== vm.name) names.name = news.name;
        if (news.displayName !== undefined && news.displayName !== vm.displayname) names.displayname = news.displayName;
        if (Object.keys(names).length) vm = await changeIdempotent(() => updateVirtualMachine(client, id, names));

        const offering =
            olds.serviceOffering !== news.serviceOffering || olds.createIncomplete ? await findServiceOffering(client, news.serviceOffering) : undefined;
        const newOffering = offering && offering.id !== vm.serviceofferingid ? offering : undefined;
        const keyChange = news.keyPair !== undefined && (vm.keypairs ?? "") !== news.keyPair;
        // resetSSHKeyForVirtualMachine needs a Stopped VM; it shares the offering change's stop window.
        const resetKey = keyChange
            ? (stopped: VirtualMachine) => changeIdempotent(() => resetSSHKeyForVirtualMachine(client, stopped.id, news.keyPair!))
            : undefined;
        vm = await changeOffering(ctx, vm, newOffering, wantedPower(news), resetKey);

        await convergeTags(ctx, VM, id, olds, news);
        return { ...outputsOf(vm), keyPair: news.keyPair };
    },

    delete: (ctx, id, olds) => deleteOwned(ctx, VM, id, olds, (client) => destroy(client, id), "destroy"),
};

/** destroyVirtualMachine with expunge. */
async function destroy(client: MoldClient, id: string): Promise<void> {
    await destroyVirtualMachine(client, id, true);
}

/** Expunges a VM; gone (however it happened) is success. */
function expunge(client: MoldClient, id: string): Promise<void> {
    return deleteConfirmed(
        () => destroy(client, id),
        async () => (await getVirtualMachine(client, id)) !== undefined,
    );
}
