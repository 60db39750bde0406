// mold:index:VirtualMachine — one user VM on one or more isolated networks.
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";

const provider = dynamicProvider("VirtualMachine");

export interface VirtualMachineArgs {
    /** Take over this existing Mold object instead of creating one (see README, "Adopting existing objects"). */
    importId?: pulumi.Input<string>;
    /** Host name (letters, digits, hyphens; ≤ 63; not starting with a digit or hyphen); default: Mold's `VM-<uuid>`. Changes in place. */
    name?: pulumi.Input<string>;
    /** Display name; default: the host name. Changes in place. */
    displayName?: pulumi.Input<string>;
    /** Zone name or id. Changing it replaces the VM. */
    zone: pulumi.Input<string>;
    /** Template name or id. Changing it replaces the VM. */
    template: pulumi.Input<string>;
    /** Service offering name or id. Changes in place: live scaling where Mold allows it, else stop → change → start. */
    serviceOffering: pulumi.Input<string>;
    /** Network names or ids; the first is the default NIC's. Changing them replaces the VM. */
    networks: pulumi.Input<pulumi.Input<string>[]>;
    /** SSH key pair name. Changing it stops the VM, resets the key and restores desiredState. */
    keyPair?: pulumi.Input<string>;
    /** Plain-text user data (cloud-init); always secret, base64-encoded for Mold. Changing it replaces the VM. */
    userData?: pulumi.Input<string>;
    /**
     * The longest user data the cloud accepts, in characters once base64-encoded: its `vm.userdata.max.length`
     * setting (Mold's default 32768, at most 1048576). Set it only for a cloud configured otherwise.
     */
    userDataMaxLength?: pulumi.Input<number>;
    /** Root disk size in GB. Changing it replaces the VM. */
    rootDiskSize?: pulumi.Input<number>;
    /** Affinity group names or ids. Changing them replaces the VM. */
    affinityGroups?: pulumi.Input<pulumi.Input<string>[]>;
    /** `running` (default) or `stopped`. */
    desiredState?: pulumi.Input<"running" | "stopped">;
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class VirtualMachine extends pulumi.dynamic.Resource {
    /** Host name as Mold has it. */
    declare public readonly name: pulumi.Output<string>;
    declare public readonly displayName: pulumi.Output<string>;
    declare public readonly zone: pulumi.Output<string>;
    declare public readonly template: pulumi.Output<string>;
    declare public readonly serviceOffering: pulumi.Output<string>;
    declare public readonly networks: pulumi.Output<string[]>;
    declare public readonly keyPair: pulumi.Output<string | undefined>;
    declare public readonly userData: pulumi.Output<string | undefined>;
    declare public readonly userDataMaxLength: pulumi.Output<number | undefined>;
    declare public readonly rootDiskSize: pulumi.Output<number | undefined>;
    declare public readonly affinityGroups: pulumi.Output<string[] | undefined>;
    declare public readonly desiredState: pulumi.Output<string>;
    declare public readonly tags: pulumi.Output<Record<string, string> | undefined>;
    declare public readonly importId: pulumi.Output<string | undefined>;
    /** Mold's id of the VM (equal to the resource id). */
    declare public readonly vmId: pulumi.Output<string>;
    /** The default NIC's address. */
    declare public readonly privateIp: pulumi.Output<string>;
    /** Mold's state (Running, Stopped, …). */
    declare public readonly state: pulumi.Output<string>;
    declare public readonly zoneId: pulumi.Output<string>;
    declare public readonly templateId: pulumi.Output<string>;
    declare public readonly serviceOfferingId: pulumi.Output<string>;
    declare public readonly cpuNumber: pulumi.Output<number>;
    /** MB. */
    declare public readonly memory: pulumi.Output<number>;
    /** Network ids of the NICs, the default NIC's first. */
    declare public readonly networkIds: pulumi.Output<string[]>;

    /** A read-only reference to an existing VirtualMachine (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): VirtualMachine {
        return new VirtualMachine(name, {} as VirtualMachineArgs, { ...opts, id });
    }

    constructor(name: string, args: VirtualMachineArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            {
                // Every property is listed, set or not: the SDK only creates outputs for keys present here.
                name: args.name,
                displayName: args.displayName,
                zone: args.zone,
                template: args.template,
                serviceOffering: args.serviceOffering,
                networks: args.networks,
                keyPair: args.keyPair,
                // User data often holds credentials: secret whatever the caller passed.
                userData: args.userData === undefined ? undefined : pulumi.secret(args.userData),
                userDataMaxLength: args.userDataMaxLength,
                rootDiskSize: args.rootDiskSize,
                affinityGroups: args.affinityGroups,
                desiredState: args.desiredState,
                tags: args.tags,
                importId: args.importId,
                vmId: undefined,
                privateIp: undefined,
                state: undefined,
                zoneId: undefined,
                templateId: undefined,
                serviceOfferingId: undefined,
                cpuNumber: undefined,
                memory: undefined,
                networkIds: undefined,
            },
            {
                // A named VM's replacement needs its host name, which Mold keeps unique per network while
                // the old VM exists: delete first. Unnamed VMs get fresh names, so create-first is safe.
                deleteBeforeReplace: args.name !== undefined,
                ...opts,
                additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "userData"],
            },
            "mold",
            "VirtualMachine",
        );
    }
}
