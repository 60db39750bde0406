// The simulator's responses against recorded responses of real CloudStack servers
// (../shared/fixtures/cloudstack-go, see its README): for every recorded command the simulator implements,
// the real simulator answer must use the recorded envelope/object keys, carry every recorded field (unless
// allow-listed below with a reason) and give each shared field the same JSON type, recursively.
// Fields only the simulator emits are logged, not failed. Commands without a handler yet are logged as skipped.
import test from "ava";
import { MoldClient } from "../../provider/client";
import { SEED_NETWORK_OFFERING } from "../../simulator/seed";
import { compareShape, FixtureEntry, fixturesDir, jsonType, loadFixtures, RawTarget, rawCall, waitJobRaw } from "../helpers/fixtures";
import { SimAndClient, withSimulator } from "../helpers/sim";

/** Lazily creates the objects a recipe needs, through the project's client, on one fresh simulator. */
class World {
    private memo = new Map<string, Promise<any>>();
    private n = 0;
    constructor(readonly env: SimAndClient) {}
    get client(): MoldClient {
        return this.env.client;
    }
    private once<T>(key: string, make: () => Promise<T>): Promise<T> {
        if (!this.memo.has(key)) this.memo.set(key, make());
        return this.memo.get(key)!;
    }
    unique(prefix: string): string {
        return `${prefix}-${++this.n}`;
    }
    private inv(table: string): any[] {
        return this.env.sim.inventory()[table] ?? [];
    }
    zoneId(): string {
        return this.inv("zones")[0].id;
    }
    networkOfferingId(): string {
        return this.inv("networkOfferings").find((o) => o.name === SEED_NETWORK_OFFERING).id;
    }
    serviceOfferingId(name = "2C-2GB"): string {
        return this.inv("serviceOfferings").find((o) => o.name === name).id;
    }
    template(): any {
        return this.inv("templates")[0];
    }
    kubernetesVersionId(): string {
        const versions = this.inv("kubernetesVersions").filter((v) => v.state !== "Disabled");
        return versions[versions.length - 1].id;
    }
    network(which = "main"): Promise<any> {
        return this.once(`network:${which}`, async () => {
            const r = await this.client.call<any>("createNetwork", {
                name: this.unique("shape-net"),
                displaytext: "shape test network",
                zoneid: this.zoneId(),
                networkofferingid: this.networkOfferingId(),
            });
            return r.network;
        });
    }
    async newPublicIp(): Promise<any> {
        const net = await this.network();
        const r = await this.client.callAsync<any>("associateIpAddress", { networkid: net.id });
        return r.result.ipaddress;
    }
    publicIp(): Promise<any> {
        return this.once("ip", () => this.newPublicIp());
    }
    vm(): Promise<any> {
        return this.once("vm", async () => {
            const net = await this.network();
            const r = await this.client.callAsync<any>("deployVirtualMachine", {
                zoneid: this.zoneId(),
                serviceofferingid: this.serviceOfferingId(),
                templateid: this.template().id,
                networkids: [net.id],
                name: this.unique("shape-vm"),
            });
            return r.result.virtualmachine;
        });
    }
    stoppedVm(): Promise<any> {
        return this.once("stoppedVm", async () => {
            const vm = await this.vm();
            const r = await this.client.callAsync<any>("stopVirtualMachine", { id: vm.id });
            return r.result.virtualmachine;
        });
    }
    keypair(): Promise<any> {
        return this.once("keypair", async () => (await this.client.call<any>("createSSHKeyPair", { name: this.unique("shape-key") })).keypair);
    }
    firewallRule(): Promise<any> {
        return this.once("fw", async () => {
            const ip = await this.publicIp();
            const r = await this.client.callAsync<any>("createFirewallRule", {
                ipaddressid: ip.id,
                protocol: "tcp",
                startport: 2022,
                endport: 2022,
                cidrlist: ["0.0.0.0/0"],
            });
            return r.result.firewallrule;
        });
    }
    egressRule(): Promise<any> {
        return this.once("egress", async () => {
            const net = await this.network();
            const r = await this.client.callAsync<any>("createEgressFirewallRule", {
                networkid: net.id,
                protocol: "tcp",
                startport: 443,
                endport: 443,
                cidrlist: [net.cidr],
            });
            return r.result.firewallrule;
        });
    }
    lbRule(): Promise<any> {
        return this.once("lb", async () => {
            const ip = await this.publicIp();
            const net = await this.network();
            const r = await this.client.callAsync<any>("createLoadBalancerRule", {
                name: this.unique("shape-lb"),
                publicipid: ip.id,
                networkid: net.id,
                algorithm: "roundrobin",
                privateport: 9090,
                publicport: 9090,
            });
            return r.result.loadbalancer ?? r.result.loadbalancerrule;
        });
    }
    cluster(): Promise<any> {
        return this.once("cluster", async () => {
            const r = await this.client.callAsync<any>(
                "createKubernetesCluster",
                {
                    name: this.unique("shape-k8s"),
                    description: "shape test cluster",
                    zoneid: this.zoneId(),
                    kubernetesversionid: this.kubernetesVersionId(),
                    serviceofferingid: this.serviceOfferingId(),
                    size: 1,
                },
                { timeoutMs: 60_000 },
            );
            return r.result.kubernetescluster;
        });
    }
    networkOffering(): Promise<any> {
        return this.once("netoffering", async () => {
            const r = await this.client.call<any>("createNetworkOffering", {
                name: this.unique("shape-offering"),
                displaytext: "shape test offering",
                guestiptype: "Isolated",
                traffictype: "Guest",
                supportedservices: ["Dhcp", "Dns"],
            });
            return r.networkoffering;
        });
    }
    serviceOffering(): Promise<any> {
        return this.once("svcoffering", async () => {
            const r = await this.client.call<any>("createServiceOffering", {
                name: this.unique("shape-so"),
                displaytext: "shape so",
                cpunumber: 1,
                cpuspeed: 1000,
                memory: 512,
            });
            return r.serviceoffering;
        });
    }
}

interface Recipe {
    /** Commands (other than the measured one) the recipe needs; missing ones make the case a skip. */
    needs: string[];
    /** Builds the measured call's parameters (creating prerequisites on the way). */
    params(w: World): Promise<Record<string, any>>;
    /**
     * Fixture paths the simulator may lack, each with why (a simulator cannot know it, or the field is
     * specific to the recorded server). Anything missing that is not listed here fails.
     */
    allowMissing?: Record<string, string>;
}

/** Things a simulated KVM host cannot meaningfully report. */
const VM_HOST_FIELDS = (prefix: string): Record<string, string> => ({
    [`${prefix}.hostid`]: "host placement: the simulator has no hosts",
    [`${prefix}.hostname`]: "host placement: the simulator has no hosts",
});
/** Fields of the recorded server's specific VM (an ISO attached, a backup offering, a data disk offering). */
const VM_RECORDED_EXTRAS = (prefix: string): Record<string, string> => ({
    [`${prefix}.isoid`]: "the recorded VM had an ISO attached",
    [`${prefix}.isoname`]: "the recorded VM had an ISO attached",
    [`${prefix}.isodisplaytext`]: "the recorded VM had an ISO attached",
    [`${prefix}.backupofferingid`]: "the recorded VM had a backup offering",
    [`${prefix}.backupofferingname`]: "the recorded VM had a backup offering",
    [`${prefix}.diskofferingid`]: "the recorded VM had a disk offering",
    [`${prefix}.diskofferingname`]: "the recorded VM had a disk offering",
    [`${prefix}.pooltype`]: "primary storage pool type: the simulator has no storage pools",
    [`${prefix}.nic[].isolationuri`]: "VLAN URI of a real broadcast domain",
    [`${prefix}.nic[].broadcasturi`]: "VLAN URI of a real broadcast domain",
    [`${prefix}.jobid`]: "the recorded VM still had a job attached when serialized",
    [`${prefix}.jobstatus`]: "the recorded VM still had a job attached when serialized",
});
// No allowance for the guest counters (cpuused, disk/network/memory kbs, I/O): real VM answers carry them.
const VM_ALLOW = (prefix: string) => ({ ...VM_HOST_FIELDS(prefix), ...VM_RECORDED_EXTRAS(prefix) });

/** A fresh VPC of the default offering with one tier (recorded VPCs carry their tiers under `network`). */
async function shapeVpc(w: World): Promise<any> {
    const [offering] = await w.client.list<any>("listVPCOfferings", { isdefault: true }, "vpcoffering");
    const [tierOffering] = await w.client.list<any>("listNetworkOfferings", { forvpc: true }, "networkoffering");
    const r = await w.client.callAsync<any>("createVPC", {
        name: w.unique("shape-vpc"),
        displaytext: "shape",
        zoneid: w.zoneId(),
        vpcofferingid: offering.id,
        cidr: "10.0.0.0/8",
    });
    const vpc = r.result.vpc;
    await w.client.call("createNetwork", {
        name: w.unique("shape-tier"),
        zoneid: w.zoneId(),
        networkofferingid: tierOffering.id,
        vpcid: vpc.id,
        gateway: "10.1.1.1",
        netmask: "255.255.255.0",
    });
    return vpc;
}

/** Recipes keyed by the real API name. */
const RECIPES: Record<string, Recipe> = {
    listVPCs: {
        needs: ["createVPC", "listVPCOfferings", "createNetwork"],
        params: async (w) => ({ id: (await shapeVpc(w)).id }),
        allowMissing: { "vpc[].network[].physicalnetworkid": "physical network: not modelled by the simulator" },
    },
    restartVPC: {
        needs: ["createVPC", "listVPCOfferings", "createNetwork"],
        params: async (w) => ({ id: (await shapeVpc(w)).id }),
    },
    updateNetworkACLList: {
        needs: ["createVPC", "listVPCOfferings", "createNetwork", "createNetworkACLList"],
        params: async (w) => {
            const r = await w.client.callAsync<any>("createNetworkACLList", { name: w.unique("shape-acl"), vpcid: (await shapeVpc(w)).id });
            return { id: r.result.networkacllist.id, name: "test", description: "testtest" };
        },
    },
    associateIpAddress: {
        needs: ["createNetwork"],
        params: async (w) => ({ networkid: (await w.network()).id }),
        allowMissing: {
            "jobresult.ipaddress.vlanid": "public VLAN range: the simulator has no physical VLANs",
            "jobresult.ipaddress.vlanname": "public VLAN range: the simulator has no physical VLANs",
            "jobresult.ipaddress.physicalnetworkid": "physical network: not modelled by the simulator",
        },
    },
    disassociateIpAddress: {
        needs: ["createNetwork", "associateIpAddress"],
        // The first IP of a network is its source NAT, which cannot be released: release a second one.
        params: async (w) => {
            await w.publicIp();
            return { id: (await w.newPublicIp()).id };
        },
    },
    createAffinityGroup: {
        needs: [],
        params: async (w) => ({ name: w.unique("shape-ag"), type: "host affinity", description: "shape test" }),
        // createAffinityGroup's recorded job has jobinstancetype but no jobinstanceid.
    },
    listApis: { needs: [], params: async () => ({ name: "listZones" }) },
    listDiskOfferings: { needs: [], params: async () => ({ name: "Custom" }) },
    listAsyncJobs: {
        needs: ["createTags"],
        params: async (w) => {
            await w.client.callAsync("createTags", { resourcetype: "Template", resourceids: [w.template().id], tags: [{ key: "shape", value: "1" }] });
            return {};
        },
    },
    createFirewallRule: {
        needs: ["createNetwork", "associateIpAddress"],
        params: async (w) => ({ ipaddressid: (await w.publicIp()).id, protocol: "tcp", startport: 22, endport: 22, cidrlist: ["0.0.0.0/0"] }),
    },
    deleteFirewallRule: {
        needs: ["createNetwork", "associateIpAddress", "createFirewallRule"],
        params: async (w) => ({ id: (await w.firewallRule()).id }),
        allowMissing: {
            // Recorded without jobinstancetype/jobinstanceid; nothing to allow here, kept for symmetry.
        },
    },
    createEgressFirewallRule: {
        needs: ["createNetwork"],
        params: async (w) => {
            const net = await w.network();
            return { networkid: net.id, protocol: "tcp", startport: 80, endport: 80, cidrlist: [net.cidr] };
        },
    },
    deleteEgressFirewallRule: {
        needs: ["createNetwork", "createEgressFirewallRule"],
        params: async (w) => ({ id: (await w.egressRule()).id }),
    },
    addKubernetesSupportedVersion: {
        needs: [],
        params: async (w) => ({
            semanticversion: "1.34.0",
            name: "v1.34.0-shape",
            zoneid: w.zoneId(),
            // Never fetched: the simulator does not download ISOs.
            url: "http://127.0.0.1:9/setup-1.34.0.iso",
            mincpunumber: 2,
            minmemory: 2048,
        }),
    },
    listKubernetesSupportedVersions: { needs: [], params: async () => ({}) },
    createKubernetesCluster: {
        needs: [],
        params: async (w) => ({
            name: w.unique("shape-k8s"),
            description: "shape test cluster",
            zoneid: w.zoneId(),
            kubernetesversionid: w.kubernetesVersionId(),
            serviceofferingid: w.serviceOfferingId(),
            size: 1,
        }),
        allowMissing: { ...VM_ALLOW("jobresult.kubernetescluster.virtualmachines[]") },
    },
    listKubernetesClusters: {
        needs: ["createKubernetesCluster"],
        params: async (w) => ({ id: (await w.cluster()).id }),
        allowMissing: { ...VM_ALLOW("kubernetescluster[].virtualmachines[]") },
    },
    getKubernetesClusterConfig: {
        needs: ["createKubernetesCluster"],
        params: async (w) => ({ id: (await w.cluster()).id }),
    },
    getUploadParamsForKubernetesSupportedVersion: {
        needs: [],
        params: async (w) => ({ name: "v1.34.1-upload", semanticversion: "1.34.1", mincpunumber: 2, minmemory: 2048, format: "ISO", zoneid: w.zoneId() }),
    },
    createLoadBalancerRule: {
        needs: ["createNetwork", "associateIpAddress"],
        params: async (w) => ({
            name: w.unique("shape-lb"),
            publicipid: (await w.publicIp()).id,
            networkid: (await w.network()).id,
            algorithm: "roundrobin",
            privateport: 9090,
            publicport: 9090,
        }),
    },
    assignToLoadBalancerRule: {
        needs: ["createNetwork", "associateIpAddress", "createLoadBalancerRule", "deployVirtualMachine"],
        params: async (w) => {
            const lb = await w.lbRule();
            const vm = await w.vm();
            return { id: lb.id, virtualmachineids: [vm.id] };
        },
    },
    createNetworkOffering: {
        needs: [],
        params: async (w) => ({
            name: w.unique("shape-offering"),
            displaytext: "shape",
            guestiptype: "Isolated",
            traffictype: "Guest",
            supportedservices: ["Dhcp", "Dns"],
        }),
    },
    updateNetworkOffering: {
        needs: ["createNetworkOffering"],
        params: async (w) => ({ id: (await w.networkOffering()).id, displaytext: "shape updated" }),
    },
    listNetworkOfferings: {
        needs: [],
        params: async () => ({ name: SEED_NETWORK_OFFERING }),
        // No allow-list for serviceofferingid: every recorded offering has it, and libcloud's
        // ex_list_network_offerings indexes it unconditionally (KeyError without it).
    },
    deleteNetworkOffering: {
        needs: ["createNetworkOffering"],
        params: async (w) => ({ id: (await w.networkOffering()).id }),
    },
    createNetwork: {
        needs: [],
        params: async (w) => ({ name: w.unique("shape-net"), displaytext: "shape", zoneid: w.zoneId(), networkofferingid: w.networkOfferingId() }),
        allowMissing: { "network.physicalnetworkid": "physical network: not modelled by the simulator" },
    },
    listNetworks: {
        needs: ["createNetwork"],
        params: async (w) => ({ id: (await w.network()).id }),
        allowMissing: { "network[].physicalnetworkid": "physical network: not modelled by the simulator" },
    },
    deleteNetwork: {
        needs: ["createNetwork"],
        params: async (w) => ({ id: (await w.network("todelete")).id }),
    },
    createPhysicalNetwork: { needs: [], params: async (w) => ({ name: w.unique("shape-pnet"), zoneid: w.zoneId() }) },
    createTags: {
        needs: [],
        params: async (w) => ({ resourcetype: "Template", resourceids: [w.template().id], tags: [{ key: "shape", value: "create" }] }),
    },
    deleteTags: {
        needs: ["createTags"],
        params: async (w) => {
            await w.client.callAsync("createTags", { resourcetype: "Template", resourceids: [w.template().id], tags: [{ key: "shape", value: "delete" }] });
            return { resourcetype: "Template", resourceids: [w.template().id], tags: [{ key: "shape", value: "delete" }] };
        },
    },
    createSSHKeyPair: { needs: [], params: async (w) => ({ name: w.unique("shape-key") }) },
    listSSHKeyPairs: {
        needs: ["createSSHKeyPair"],
        params: async (w) => ({ name: (await w.keypair()).name }),
    },
    deleteSSHKeyPair: {
        needs: ["createSSHKeyPair"],
        params: async (w) => ({ name: (await w.keypair()).name }),
    },
    resetSSHKeyForVirtualMachine: {
        needs: ["createNetwork", "deployVirtualMachine", "stopVirtualMachine", "createSSHKeyPair"],
        params: async (w) => {
            const vm = await w.stoppedVm();
            return { id: vm.id, keypair: (await w.keypair()).name };
        },
        allowMissing: {
            ...VM_ALLOW("jobresult.virtualmachine"),
            "jobresult.virtualmachine.keypair":
                "renamed: CloudStack 4.17+ (and current Mold) UserVmResponse has `keypairs` (comma-joined) instead of the recorded 4.15 `keypair`",
        },
    },
    createServiceOffering: {
        needs: [],
        params: async (w) => ({ name: w.unique("shape-so"), displaytext: "shape", cpunumber: 1, cpuspeed: 1000, memory: 512 }),
    },
    updateServiceOffering: {
        needs: ["createServiceOffering"],
        params: async (w) => ({ id: (await w.serviceOffering()).id, displaytext: "shape updated" }),
    },
    deleteServiceOffering: {
        needs: ["createServiceOffering"],
        params: async (w) => ({ id: (await w.serviceOffering()).id }),
    },
    registerTemplate: {
        needs: [],
        params: async (w) => ({
            name: w.unique("shape-tpl"),
            displaytext: "shape",
            format: "QCOW2",
            hypervisor: "KVM",
            zoneid: w.zoneId(),
            ostypeid: w.template().ostypeid,
            // Never fetched: the simulator does not download templates.
            url: "http://127.0.0.1:9/shape.qcow2",
        }),
    },
    extractTemplate: {
        needs: [],
        params: async (w) => ({ id: w.template().id, mode: "HTTP_DOWNLOAD", zoneid: w.zoneId() }),
    },
    deployVirtualMachine: {
        needs: ["createNetwork"],
        params: async (w) => ({
            zoneid: w.zoneId(),
            serviceofferingid: w.serviceOfferingId(),
            templateid: w.template().id,
            networkids: [(await w.network()).id],
            name: w.unique("shape-vm"),
        }),
        allowMissing: VM_ALLOW("jobresult.virtualmachine"),
    },
    addNicToVirtualMachine: {
        needs: ["createNetwork", "deployVirtualMachine"],
        params: async (w) => ({ virtualmachineid: (await w.vm()).id, networkid: (await w.network("second")).id }),
        allowMissing: VM_ALLOW("jobresult.virtualmachine"),
    },
    stopVirtualMachine: {
        needs: ["createNetwork", "deployVirtualMachine"],
        params: async (w) => ({ id: (await w.vm()).id }),
        allowMissing: VM_ALLOW("jobresult.virtualmachine"),
    },
    startVirtualMachine: {
        needs: ["createNetwork", "deployVirtualMachine", "stopVirtualMachine"],
        params: async (w) => ({ id: (await w.stoppedVm()).id }),
        allowMissing: VM_ALLOW("jobresult.virtualmachine"),
    },
    listVirtualMachines: {
        needs: ["createNetwork", "deployVirtualMachine"],
        params: async (w) => ({ id: (await w.vm()).id }),
        allowMissing: VM_ALLOW("virtualmachine[]"),
    },
    scaleVirtualMachine: {
        needs: ["createNetwork", "deployVirtualMachine", "stopVirtualMachine"],
        // A stopped VM scales like changeServiceForVirtualMachine (no live-scaling preconditions).
        params: async (w) => ({ id: (await w.stoppedVm()).id, serviceofferingid: w.serviceOfferingId("4C-8GB") }),
        allowMissing: VM_ALLOW("jobresult.virtualmachine"),
    },
    listVirtualMachinesUsageHistory: {
        needs: ["createNetwork", "deployVirtualMachine"],
        params: async (w) => ({ id: (await w.vm()).id }),
    },
};

/** Recorded commands with no recipe, and why (a simulator-implemented command not listed anywhere fails). */
const NO_RECIPE: Record<string, string> = {
    createTemplate: "needs a volume or snapshot, which the simulator does not model",
    listAnnotations: "annotations are not simulated (no library resource uses them)",
    addAnnotation: "annotations are not simulated (no library resource uses them)",
    removeAnnotation: "annotations are not simulated (no library resource uses them)",
    createDiskOffering: "admin command: the simulator seeds its disk offerings (fixed, custom size, custom IOPS)",
    deleteDiskOffering: "admin command: the simulator seeds its disk offerings (fixed, custom size, custom IOPS)",
    resetApiLimit: "API rate limits are simulated by fault injection, not by account counters",
};

/** Recorded envelope keys that real servers do not send, with the key they do send and why. */
const ENVELOPE_CORRECTIONS: Record<string, { key: string; why: string }> = {
    listVPCs: {
        key: "listvpcsresponse",
        why: "ListVPCsCmd's s_name is \"listvpcsresponse\"; the recording's key was written by hand (cloudstack-go reads the body whatever the key)",
    },
};

const fixtures = loadFixtures();

/** The API name for a fixture entry: its key when that is a known API, else the one whose `<cmd>response` is its envelope key. */
function apiNameOf(f: FixtureEntry, implemented: string[]): string | undefined {
    const known = [...Object.keys(RECIPES), ...Object.keys(NO_RECIPE), ...implemented];
    if (known.includes(f.name)) return f.name;
    return known.find((c) => `${c.toLowerCase()}response` === f.envelopeKey.toLowerCase());
}

interface Outcome {
    command: string;
    status: "compared" | "skipped" | "failed";
    note?: string;
}
const outcomes: Outcome[] = [];

test.before((t) => {
    t.log(`fixtures from ${fixturesDir()}: ${fixtures.length} recorded commands`);
});

test.after.always((t) => {
    const by = (s: Outcome["status"]) =>
        outcomes
            .filter((o) => o.status === s)
            .map((o) => o.command)
            .sort();
    t.log(`shape-compared (${by("compared").length}): ${by("compared").join(", ")}`);
    t.log(
        `skipped (${by("skipped").length}): ${outcomes
            .filter((o) => o.status === "skipped")
            .map((o) => `${o.command} [${o.note}]`)
            .join("; ")}`,
    );
    if (by("failed").length) t.log(`failed: ${by("failed").join(", ")}`);
});

test("the fixtures are found and name the commands this test knows", (t) => {
    t.true(fixtures.length > 30, `expected the cloudstack-go fixtures under ${fixturesDir()}`);
    const unknown = fixtures.filter((f) => !apiNameOf(f, [])).map((f) => `${f.file}:${f.name}`);
    t.deepEqual(unknown, [], "recorded commands without a recipe or a NO_RECIPE reason");
});

test("the comparison itself catches type changes, gaps and extras, recursively, and treats details as a map", (t) => {
    const recorded = {
        firewallrule: { id: "x", startport: 22, tags: [], nic: [{ ip: "a", mask: "b" }, { ip: "c" }], details: { "SSH.PublicKey": "k" } },
    };
    const simulated = {
        firewallrule: { id: "x", startport: "22", tags: [{ key: "k" }], nic: [{ ip: 1 }], details: {}, extra: true },
    };
    const r = compareShape(recorded, simulated);
    t.deepEqual(r.typeMismatches, ['firewallrule.startport: expected number, got string ("22")', "firewallrule.nic[].ip: expected string, got number (1)"]);
    t.deepEqual(r.missing, []); // nic[].mask is not in every recorded NIC; details is a map
    t.deepEqual(r.extra.sort(), ["firewallrule.extra", "firewallrule.tags[].key"]);
    t.deepEqual(compareShape({ a: { b: 1 } }, { a: {} }).missing, ["a.b"]);
    t.deepEqual(compareShape({ a: [{ b: 1 }] }, { a: [] }).notCompared, ["a[] (simulator array empty, fixture has elements)"]);
});

/** Every VM object (has `nic` and `serviceofferingid`) anywhere in a recorded body. */
function recordedVms(value: unknown, out: any[] = []): any[] {
    if (Array.isArray(value)) value.forEach((v) => recordedVms(v, out));
    else if (value && typeof value === "object") {
        if ("nic" in value && "serviceofferingid" in value) out.push(value);
        Object.values(value).forEach((v) => recordedVms(v, out));
    }
    return out;
}

test("VM answers carry the guest counters recorded VMs have, with the recorded JSON types", async (t) => {
    // The counter fields and their types, from every recorded VM that has them.
    const vms = fixtures.filter((f) => f.file === "VirtualMachineService.json").flatMap((f) => recordedVms(f.body));
    const counters = /^(cpuused|(network|disk)kbs(read|write)|diskio(read|write)|memory(kbs|intfreekbs|targetkbs)|(received|sent)bytes)$/;
    const recorded = new Map<string, Set<string>>();
    for (const vm of vms)
        for (const [k, v] of Object.entries(vm)) if (counters.test(k)) (recorded.get(k) ?? recorded.set(k, new Set()).get(k)!).add(jsonType(v));
    t.true(recorded.size >= 10, `counters found in the fixtures: ${[...recorded.keys()].join(", ")}`);

    const env = await withSimulator({ timeFactor: 0.05, kubeApi: false, ssh: false });
    try {
        const w = new World(env);
        const deployed = await w.vm();
        const stopped = await w.stoppedVm();
        const listed = (await rawCall(env.sim, "listVirtualMachines", { id: deployed.id })).body.listvirtualmachinesresponse.virtualmachine[0];
        for (const [label, vm] of [
            ["deployVirtualMachine", deployed],
            ["stopVirtualMachine", stopped],
            ["listVirtualMachines", listed],
        ] as const) {
            const problems = [...recorded]
                .filter(([k, types]) => !(k in vm) || !types.has(jsonType(vm[k])))
                .map(([k, types]) => `${k}: recorded ${[...types].join("|")}, got ${k in vm ? jsonType(vm[k]) : "nothing"}`);
            t.deepEqual(problems, [], `${label}: guest counters`);
            t.regex(String(vm.cpuused), /^\d+(\.\d{1,2})?%$/, `${label}: cpuused is formatted "#.##%"`);
        }
    } finally {
        await env.stop();
    }
});

test("network offerings carry service[].capability[] as CloudStack builds it, in the recorded ServiceResponse shape", async (t) => {
    // The recorded offerings have no services (an L2 offering); ServiceResponse is the class networks use too,
    // so the recorded network's Lb service (which has capabilities) gives the element shape.
    const network = fixtures.find((f) => f.name === "listNetworks")!.body.network[0];
    const recordedService = network.service.find((s: any) => Array.isArray(s.capability) && s.capability.length > 0);
    t.truthy(recordedService, "a recorded service with capabilities");
    const env = await withSimulator({ kubeApi: false, ssh: false });
    try {
        const answer = await rawCall(env.sim, "listNetworkOfferings", { name: SEED_NETWORK_OFFERING });
        const offering = answer.body.listnetworkofferingsresponse.networkoffering[0];
        const services: any[] = offering.service;
        const byName = Object.fromEntries(services.map((s) => [s.name, s]));
        t.false("Gateway" in byName, "Gateway is skipped, as in createNetworkOfferingResponse");
        for (const name of ["Lb", "SourceNat", "StaticNat"]) {
            const svc = byName[name];
            t.true(Array.isArray(svc?.capability) && svc.capability.length > 0, `${name} has capability[]`);
            const report = compareShape({ name: recordedService.name, capability: recordedService.capability }, { name: svc.name, capability: svc.capability });
            t.deepEqual([report.typeMismatches, report.missing], [[], []], `${name}: capability shape against the recorded ServiceResponse`);
        }
        t.deepEqual(
            byName.Lb.capability.map((c: any) => [c.name, c.value]),
            [
                ["SupportedLBIsolation", "dedicated"],
                ["ElasticLb", "false"],
                ["InlineMode", "false"],
            ],
        );
        t.deepEqual(
            byName.SourceNat.capability.map((c: any) => [c.name, c.value]),
            [
                ["SupportedSourceNatTypes", "peraccount"],
                ["RedundantRouter", "false"],
            ],
        );
        t.deepEqual(
            byName.StaticNat.capability.map((c: any) => [c.name, c.value]),
            [
                ["ElasticIp", "false"],
                ["AssociatePublicIP", "false"],
            ],
        );
        for (const other of services.filter((s) => !["Lb", "SourceNat", "StaticNat"].includes(s.name)))
            t.false("capability" in other, `${other.name} has no capability[]`);
        t.true(
            services.every((s) => Array.isArray(s.provider) && s.provider.every((p: any) => typeof p.name === "string")),
            "every service names its providers",
        );
    } finally {
        await env.stop();
    }
});

for (const f of fixtures) {
    test(`shape: ${f.file.replace(/\.json$/, "")} ${f.name}`, async (t) => {
        const env = await withSimulator({ timeFactor: 0.05 });
        try {
            const implemented = env.sim.simulator.commandNames();
            const command = apiNameOf(f, implemented);
            if (!command) return t.fail(`no API name found for fixture ${f.file}:${f.name}`);
            const skip = (note: string) => {
                outcomes.push({ command, status: "skipped", note });
                t.log(`SKIPPED ${command}: ${note}`);
                t.pass();
            };
            if (!implemented.includes(command)) return skip("simulator handler not implemented yet");
            const recipe = RECIPES[command];
            if (!recipe) {
                if (NO_RECIPE[command]) return skip(NO_RECIPE[command]);
                outcomes.push({ command, status: "failed", note: "no recipe" });
                return t.fail(`${command} is implemented by the simulator but this test has no recipe for it: add one to RECIPES`);
            }
            const missingNeeds = recipe.needs.filter((c) => !implemented.includes(c));
            if (missingNeeds.length) return skip(`prerequisite not implemented yet: ${missingNeeds.join(", ")}`);

            const world = new World(env);
            const params = await recipe.params(world);
            const target: RawTarget = env.sim;
            const method = /^(list|get|query)/.test(command) ? "GET" : "POST";
            const answer = await rawCall(target, command, params, method);
            const topKeys = answer.body && typeof answer.body === "object" ? Object.keys(answer.body) : [];
            if (answer.status !== 200 || topKeys.length !== 1) {
                outcomes.push({ command, status: "failed", note: `HTTP ${answer.status}` });
                return t.fail(`${command} ${JSON.stringify(params)} answered HTTP ${answer.status}: ${answer.text.slice(0, 400)}`);
            }

            // The envelope key. Hand-edited fixture keys (e.g. "listVirtualMachines") say nothing: then the rule applies.
            const expectedEnvelope = ENVELOPE_CORRECTIONS[command]?.key ?? (f.envelopeEdited ? `${command.toLowerCase()}response` : f.envelopeKey);
            if (ENVELOPE_CORRECTIONS[command])
                t.log(`${command}: recorded '${f.envelopeKey}', expecting '${expectedEnvelope}': ${ENVELOPE_CORRECTIONS[command].why}`);
            if (f.envelopeEdited) t.log(`fixture envelope key '${f.envelopeKey}' was edited upstream; expecting '${expectedEnvelope}'`);
            t.is(topKeys[0], expectedEnvelope, `${command}: envelope key`);
            let actual = answer.body[topKeys[0]];

            if (f.async) {
                t.is(typeof actual?.jobid, "string", `${command}: expected an async answer with a jobid, got ${JSON.stringify(actual)}`);
                if (typeof actual?.jobid !== "string") {
                    outcomes.push({ command, status: "failed", note: "not async" });
                    return;
                }
                actual = await waitJobRaw(target, actual.jobid);
                if (actual.jobstatus !== 1) {
                    outcomes.push({ command, status: "failed", note: "job failed" });
                    return t.fail(`${command} job failed: ${JSON.stringify(actual.jobresult)}`);
                }
            } else if (f.body && typeof f.body === "object" && "jobid" in f.body && !("jobstatus" in f.body)) {
                t.log(`${command}: fixture is a bare async submission`);
            }

            // The object key(s) inside: jobresult's for async commands, the response's for sync ones.
            const objectKeys = (o: any) =>
                o && typeof o === "object"
                    ? Object.keys(o)
                          .filter((k) => k !== "count")
                          .sort()
                    : [];
            const expectedObj = f.async ? objectKeys(f.body.jobresult) : objectKeys(f.body);
            const actualObj = f.async ? objectKeys(actual.jobresult) : objectKeys(actual);
            for (const k of expectedObj) {
                t.true(
                    actualObj.includes(k),
                    `${command}: object key '${k}' expected${f.async ? " in jobresult" : ""}, simulator has [${actualObj.join(", ")}]`,
                );
            }

            const report = compareShape(f.body, actual);
            const allow = recipe.allowMissing ?? {};
            const gaps = report.missing.filter((p) => !(p in allow));
            const usedAllow = report.missing.filter((p) => p in allow);
            const staleAllow = Object.keys(allow).filter((p) => !report.missing.includes(p));

            if (report.extra.length) t.log(`${command}: fields only the simulator emits (${report.extra.length}): ${report.extra.join(", ")}`);
            if (usedAllow.length) t.log(`${command}: allowed gaps: ${usedAllow.map((p) => `${p} (${allow[p]})`).join("; ")}`);
            if (report.notCompared.length) t.log(`${command}: not compared: ${report.notCompared.join("; ")}`);
            if (staleAllow.length) t.log(`${command}: allow-list entries not needed by this answer: ${staleAllow.join(", ")}`);
            t.deepEqual(report.typeMismatches, [], `${command}: JSON type mismatches against ${f.file}:${f.name}`);
            t.deepEqual(gaps, [], `${command}: recorded fields the simulator does not emit (add to allowMissing only with a reason)`);
            const ok = report.typeMismatches.length === 0 && gaps.length === 0;
            outcomes.push({ command, status: ok ? "compared" : "failed", note: ok ? undefined : "shape" });
        } finally {
            await env.stop();
        }
    });
}
