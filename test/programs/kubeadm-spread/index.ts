// Spreading and offline installs: a kubeadm cluster whose control plane gets its default host anti-affinity,
// a worker group in an AffinityGroup of the program's own (or with antiAffinity), a registry mirror, and an
// AffinityGroup resource on its own (created, adopted with importId, deleted). Stack config drives each run.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();

// An AffinityGroup of the program's own, or an existing one adopted (importId).
const groupName = config.get("groupName");
const group = groupName
    ? new mold.AffinityGroup("spread", {
          name: groupName,
          // Stack config persists between runs: an empty value means "not given".
          type: (config.get("groupType") || undefined) as mold.AffinityGroupArgs["type"],
          description: config.get("groupDescription") || undefined,
          importId: config.get("adoptGroupId") || undefined,
      })
    : undefined;

const cluster = config.getBoolean("cluster") === false ? undefined : makeCluster();

function makeCluster() {
    const network = new mold.Network("nodes", { name: "kubeadm-spread", zone: "zone1", gateway: "10.3.0.1", netmask: "255.255.255.0" });
    const key = new mold.SshKeyPair("nodes", { name: "kubeadm-spread" });
    const mirror = config.get("mirror");
    // The worker group joins the program's AffinityGroup (by name) and/or one named in config.
    const workerGroups = [...(group ? [group.name] : []), ...(config.get("workerAffinityGroup") ? [config.require("workerAffinityGroup")] : [])];
    return new mold.KubeadmCluster("spread", {
        clusterName: "spread",
        zone: "zone1",
        network: network.id,
        networkCidr: network.cidr,
        kubernetesVersion: "1.31.9",
        serviceOffering: "2C-4GB",
        template: "ubuntu-22.04",
        keyPair: key.name,
        sshPrivateKey: key.privateKey,
        controlPlane: { count: config.getNumber("controlPlaneCount") ?? 3, antiAffinity: config.getBoolean("controlPlaneAntiAffinity") },
        workerGroups: {
            workers: {
                count: config.getNumber("workers") ?? 1,
                serviceOffering: config.get("workerOffering") || undefined,
                antiAffinity: config.getBoolean("workerAntiAffinity"),
                affinityGroups: workerGroups.length ? workerGroups : undefined,
            },
        },
        registry: mirror
            ? { mirror, username: config.get("registryUser"), password: config.getSecret("registryPassword"), caCert: config.get("registryCa") }
            : undefined,
        registerInMold: false,
    });
}

export const groupId = group?.id;
export const groupVms = group?.virtualMachineIds;
export const nodes = cluster?.nodes;
export const controlPlaneAntiAffinityGroup = cluster?.controlPlane.antiAffinityGroupId;
export const workerAffinityGroups = cluster?.workers.workers.affinityGroupIds;
