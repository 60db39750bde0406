// A network, a Mold-generated key pair, a registered one and a VM using one of them.
// Stack config drives the edits the compute test makes between runs (config persists in the state).
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();

const network = new mold.Network("net", { name: "compute-net", zone: "zone1" });

const generated = new mold.SshKeyPair("generated", { name: "compute-key" });
const registered = new mold.SshKeyPair("registered", { name: "compute-key-2", publicKey: config.require("publicKey") });

const vm = new mold.VirtualMachine("web", {
    name: config.get("vmName") ?? "web-1",
    zone: "zone1",
    template: config.get("template") ?? "ubuntu-22.04",
    serviceOffering: config.get("offering") ?? "1C-1GB",
    networks: [network.id],
    keyPair: config.getBoolean("useRegisteredKey") ? registered.name : generated.name,
    // Plain text on purpose: the SDK makes it secret.
    userData: config.get("userData") ?? "#cloud-config\nchpasswd:\n  list: root:s3cr3t-userdata-4711\n",
    desiredState: (config.get("desiredState") as "running" | "stopped" | undefined) ?? "running",
    tags: { role: config.get("role") ?? "web" },
});

export const vmId = vm.id;
export const vmName = vm.name;
export const privateIp = vm.privateIp;
export const state = vm.state;
export const cpuNumber = vm.cpuNumber;
export const networkIds = vm.networkIds;
export const userData = vm.userData;
export const privateKey = generated.privateKey;
export const generatedFingerprint = generated.fingerprint;
export const registeredFingerprint = registered.fingerprint;
export const registeredPrivateKey = registered.privateKey;
