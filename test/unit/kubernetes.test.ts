import test, { ExecutionContext } from "ava";
import { parse } from "yaml";
import {
    addKubernetesSupportedVersion,
    addVirtualMachinesToKubernetesCluster,
    createKubernetesCluster,
    CreateKubernetesClusterArgs,
    deleteKubernetesCluster,
    deleteKubernetesSupportedVersion,
    getKubernetesCluster,
    getKubernetesClusterConfig,
    listKubernetesClusters,
    listKubernetesSupportedVersions,
    MoldApiError,
    MoldClient,
    MoldJobError,
    removeVirtualMachinesFromKubernetesCluster,
    scaleKubernetesCluster,
    startKubernetesCluster,
    stopKubernetesCluster,
    submitCreateKubernetesCluster,
    updateKubernetesSupportedVersion,
    upgradeKubernetesCluster,
} from "../../provider/client";
import { SEED_CKS_NETWORK_OFFERING, SEED_NETWORK_OFFERING } from "../../simulator/seed";
import { withSimulator } from "../helpers/sim";

interface Catalog {
    zoneId: string;
    offering: (name: string) => string;
    version: (semver: string) => string;
    templateId: string;
    networkOffering: (name: string) => string;
}

function catalogOf(inventory: Record<string, any[]>): Catalog {
    const byName = (rows: any[], name: string) => {
        const row = rows.find((r) => r.name === name);
        if (!row) throw new Error(`no '${name}' in the seed`);
        return row.id as string;
    };
    return {
        zoneId: inventory.zones[0].id,
        offering: (name) => byName(inventory.serviceOfferings, name),
        version: (semver) => inventory.kubernetesVersions.find((v: any) => v.semanticversion === semver).id,
        templateId: inventory.templates.find((t: any) => t.forcks).id,
        networkOffering: (name) => byName(inventory.networkOfferings, name),
    };
}

async function simWithCatalog(options: Parameters<typeof withSimulator>[0] = {}) {
    const s = await withSimulator(options);
    return { ...s, cat: catalogOf(s.sim.inventory()) };
}

/** A synchronous API error with the given HTTP code and exact Mold text. */
async function apiError(t: ExecutionContext, p: Promise<unknown>, code: number, text: string | RegExp): Promise<MoldApiError> {
    const e = await t.throwsAsync(p);
    t.true(e instanceof MoldApiError, `expected MoldApiError, got ${e}`);
    const err = e as MoldApiError;
    t.is(err.httpStatus, code);
    t.is(err.errorcode, code);
    if (typeof text === "string") t.is(err.errortext, text);
    else t.regex(err.errortext, text);
    return err;
}

/** A failed job with code 530 and Mold's text. */
async function jobError(t: ExecutionContext, p: Promise<unknown>, text: string | RegExp): Promise<MoldJobError> {
    const e = await t.throwsAsync(p);
    t.true(e instanceof MoldJobError, `expected MoldJobError, got ${e}`);
    const err = e as MoldJobError;
    t.is(err.errorcode, 530);
    if (typeof text === "string") t.is(err.errortext, text);
    else t.regex(err.errortext, text);
    return err;
}

const baseArgs = (cat: Catalog, name: string) => ({
    name,
    zoneid: cat.zoneId,
    kubernetesversionid: cat.version("1.30.11"),
    serviceofferingid: cat.offering("2C-4GB"),
    size: 1,
});

function rulesOn(inv: Record<string, any[]>, ipId: string) {
    return {
        firewall: (inv.firewallRules ?? []).filter((r) => r.ipaddressid === ipId),
        portForwarding: (inv.portForwardingRules ?? []).filter((r) => r.ipaddressid === ipId),
        loadBalancer: (inv.loadBalancerRules ?? []).filter((r) => r.publicipid === ipId),
    };
}

const sshRange = (firewall: any[]) => firewall.filter((r) => Number(r.startport) === 2222).map((r) => [Number(r.startport), Number(r.endport)]);

// ---------------------------------------------------------------- supported versions

test("supported versions: seeded list, add validation and defaults, state update, delete", async (t) => {
    const { client, sim, cat, stop } = await simWithCatalog();
    try {
        const seeded = await listKubernetesSupportedVersions(client);
        t.deepEqual(
            seeded.map((v) => v.semanticversion),
            ["1.29.15", "1.30.11", "1.30.14", "1.31.9", "1.32.5", "1.33.1"],
        );
        t.is(seeded[0].name, "v1.29.15");
        t.deepEqual(
            (await listKubernetesSupportedVersions(client, { minimumsemanticversion: "1.32.0" })).map((v) => v.semanticversion),
            ["1.32.5", "1.33.1"],
        );
        await apiError(
            t,
            listKubernetesSupportedVersions(client, { minimumsemanticversion: "1.32.0", minimumkubernetesversionid: cat.version("1.30.11") }),
            530,
            "Both parameters minimumsemanticversion and minimumkubernetesversionid can not be passed together",
        );

        const url = "http://download.example/k8s.iso";
        await apiError(
            t,
            addKubernetesSupportedVersion(client, { semanticversion: "1.34.0", url, mincpunumber: 1, minmemory: 2048 }),
            530,
            "Invalid value for mincpunumber parameter. Minimum 2 vCPUs required.",
        );
        await apiError(
            t,
            addKubernetesSupportedVersion(client, { semanticversion: "1.34.0", url, mincpunumber: 2, minmemory: 1024 }),
            530,
            "Invalid value for minmemory parameter. Minimum 2048MB memory required",
        );
        await apiError(
            t,
            addKubernetesSupportedVersion(client, { semanticversion: "invalid", url, mincpunumber: 2, minmemory: 2048 }),
            530,
            "Invalid version format, invalid. Semantic version should be specified in MAJOR.MINOR.PATCH format",
        );
        await apiError(
            t,
            addKubernetesSupportedVersion(client, { semanticversion: "1.1.1", url, mincpunumber: 2, minmemory: 2048 }),
            530,
            "New supported Kubernetes version cannot be added as 1.11.0 is minimum version supported by Kubernetes Service",
        );
        await apiError(
            t,
            client.call("addKubernetesSupportedVersion", { semanticversion: "1.34.0", mincpunumber: 2, minmemory: 2048 }),
            530,
            "Invalid URL for ISO specified, null",
        );
        await apiError(
            t,
            client.call("addKubernetesSupportedVersion", { semanticversion: "1.34.0", minmemory: 2048, url }),
            431,
            "Unable to execute API command addkubernetessupportedversion due to missing parameter mincpunumber",
        );

        const added = await addKubernetesSupportedVersion(client, { semanticversion: "1.34.0", url, mincpunumber: 2, minmemory: 2048, zoneid: cat.zoneId });
        t.is(added.name, "v1.34.0-zone1");
        t.is(added.isoname, "v1.34.0-zone1-Kubernetes-Binaries-ISO");
        t.is(added.isostate, "Creating");
        t.is(added.state, "Enabled");
        t.true(added.supportsha);
        t.true(added.supportsautoscaling);
        t.is(added.zonename, "zone1");
        // The ISO is ready once its download time (the registerIso latency) has passed on the simulator's clock.
        await sim.advanceClock(sim.simulator.latency.of("registerIso"));
        const [listed] = await listKubernetesSupportedVersions(client, { id: added.id });
        t.is(listed.isostate, "Ready");

        await apiError(t, updateKubernetesSupportedVersion(client, added.id, "disabled" as any), 530, "Invalid value for state parameter");
        t.is((await updateKubernetesSupportedVersion(client, added.id, "Disabled")).state, "Disabled");
        await deleteKubernetesSupportedVersion(client, added.id);
        t.is((await listKubernetesSupportedVersions(client, { id: added.id })).length, 0);
    } finally {
        await stop();
    }
});

// ---------------------------------------------------------------- create validation

test("create validation fails synchronously with HTTP 530 and Mold's texts; a bad clustertype is 431", async (t) => {
    const { client, cat, stop } = await simWithCatalog();
    try {
        const create = (extra: Partial<CreateKubernetesClusterArgs> & Record<string, any>) =>
            client.call("createKubernetesCluster", { ...baseArgs(cat, "v"), ...extra } as any);
        const e = await apiError(
            t,
            create({ clustertype: "cloudmanaged" as any }),
            431,
            "Unable to resolve cluster type cloudmanaged to a supported value (CloudManaged, ExternalManaged)",
        );
        t.is(e.cserrorcode, 4350);
        const sizeErr = await apiError(t, create({ size: undefined }), 530, "Invalid cluster size: null");
        t.is(sizeErr.cserrorcode, 9999);
        await apiError(t, create({ size: 0 }), 530, "Invalid cluster size: 0");
        await apiError(t, create({ controlnodes: 0 }), 530, "Invalid cluster control nodes count: 0");
        await apiError(t, create({ size: 9, controlnodes: 2 }), 530, "Maximum cluster size can not exceed 10. Please contact your administrator");
        // etcd nodes are not counted against the maximum: this one fails later, on the etcd offering.
        await apiError(
            t,
            create({ size: 9, etcdnodes: 3, serviceofferingid: undefined, nodeofferings: undefined }),
            530,
            /^When serviceofferingid is not specified/,
        );
        await apiError(t, create({ kubernetesversionid: undefined }), 530, "Unable to find given Kubernetes version in supported versions");
        await apiError(t, create({ noderootdisksize: 5 }), 530, "Provided node root disk size is lesser than default size of 8GB");
        await apiError(
            t,
            create({ serviceofferingid: cat.offering("1C-1GB") }),
            530,
            `Given service offering ID: ${cat.offering("1C-1GB")} for WORKER nodes is not suitable for the Kubernetes cluster version v1.30.11 - Kubernetes cluster cannot be created with service offering ID: ${cat.offering("1C-1GB")}, Kubernetes cluster template needs minimum 2 vCPUs and 2048 MB RAM`,
        );
        await apiError(
            t,
            create({ serviceofferingid: cat.offering("Custom") }),
            530,
            /- Custom service offerings are not supported for creating clusters, service offering ID: /,
        );
        await apiError(
            t,
            client.call("createKubernetesCluster", {
                ...baseArgs(cat, "v"),
                serviceofferingid: undefined,
                nodeofferings: [{ node: "worker", offering: cat.offering("2C-4GB") }],
            }),
            530,
            "When serviceofferingid is not specified, service offerings for each node type must be specified in the nodeofferings parameter.",
        );
        await apiError(
            t,
            client.call("createKubernetesCluster", { ...baseArgs(cat, "v"), nodeofferings: [{ node: "master", offering: cat.offering("2C-4GB") }] }),
            530,
            "The provided value 'master' for Node Type is invalid",
        );
        await apiError(
            t,
            client.call("createKubernetesCluster", { ...baseArgs(cat, "v"), nodeofferings: [{ node: "worker" }] }),
            530,
            "Incomplete Node Type to Service Offering ID mapping: 'worker' -> 'null'",
        );
        await apiError(t, create({ keypair: "nope" }), 530, "Given SSH key pair with name: nope was not found for the account admin");
        await apiError(
            t,
            create({ dockerregistryusername: "u" }),
            530,
            "All the docker private registry parameters (username, password, url) required are specified",
        );
        await apiError(t, create({ externalloadbalanceripaddress: "10.0.0.300" }), 530, "Invalid external load balancer IP address");
        await apiError(
            t,
            create({ externalloadbalanceripaddress: "10.0.0.30" }),
            530,
            "externalloadbalanceripaddress parameter must be specified along with networkid parameter",
        );
        await apiError(
            t,
            create({ zoneid: "00000000-0000-0000-0000-000000000000" }),
            431,
            /^Unable to execute API command createkubernetescluster due to invalid value\. Invalid parameter zoneid value=/,
        );
        await apiError(
            t,
            client.call("createKubernetesCluster", { zoneid: cat.zoneId }),
            431,
            "Unable to execute API command createkubernetescluster due to missing parameter name",
        );

        await updateKubernetesSupportedVersion(client, cat.version("1.29.15"), "Disabled");
        await apiError(
            t,
            create({ kubernetesversionid: cat.version("1.29.15") }),
            530,
            `Kubernetes version ID: ${cat.version("1.29.15")} is in Disabled state`,
        );
        // Nothing was left behind by the refused requests.
        t.is((await listKubernetesClusters(client)).length, 0);
    } finally {
        await stop();
    }
});

test("create refuses a version whose ISO is not Ready yet, and an offering below the version's minimums", async (t) => {
    const { client, sim, cat, stop } = await simWithCatalog({ latencyProfile: "realistic", timeFactor: 1 });
    try {
        // The ISO's download outlasts the test by far, so the refusal does not depend on how fast the machine is.
        sim.setLatency({ registerIso: 600_000 });
        const v = await addKubernetesSupportedVersion(client, { semanticversion: "1.34.0", url: "http://x/iso", mincpunumber: 4, minmemory: 4096 });
        await apiError(
            t,
            client.call("createKubernetesCluster", { ...baseArgs(cat, "iso"), kubernetesversionid: v.id }),
            530,
            `ISO associated with version ID: ${v.id} is not in Ready state for datacenter ID: ${cat.zoneId}`,
        );
        const direct = await addKubernetesSupportedVersion(client, {
            semanticversion: "1.34.1",
            url: "http://x/iso",
            mincpunumber: 4,
            minmemory: 4096,
            directdownload: true,
        });
        t.is(direct.isostate, "Ready");
        await apiError(
            t,
            client.call("createKubernetesCluster", { ...baseArgs(cat, "small"), kubernetesversionid: direct.id }),
            530,
            `Given service offering ID: ${cat.offering("2C-4GB")} for WORKER nodes is not suitable for the Kubernetes cluster version v1.34.1 - Kubernetes cluster cannot be created with service offering ID: ${cat.offering("2C-4GB")}, Kubernetes version ID: ${direct.id} needs minimum 4 vCPUs`,
        );
        await apiError(t, client.call("getKubernetesClusterConfig", {}), 530, "Invalid Kubernetes cluster ID specified");
    } finally {
        await stop();
    }
});

// ---------------------------------------------------------------- lifecycle (needs the network, VM and rule modules)

test("create with every field: Created → Starting → Running, VMs named per §10.2, rules per §8.4, auto network", async (t) => {
    const { client, sim, cat, stop } = await simWithCatalog();
    try {
        // Created for the first 10 % of the job, Starting until the end: wide windows keep this stable under load.
        sim.setLatency({ createKubernetesCluster: 2500 });
        await client.call<any>("createSSHKeyPair", { name: "ops" });
        const args: CreateKubernetesClusterArgs = {
            name: "Prod_Cluster",
            description: "production",
            zoneid: cat.zoneId,
            kubernetesversionid: cat.version("1.30.11"),
            serviceofferingid: cat.offering("2C-4GB"),
            nodeofferings: { worker: cat.offering("4C-8GB"), control: cat.offering("2C-2GB") },
            nodetemplates: { worker: cat.templateId },
            controlnodes: 2,
            size: 2,
            etcdnodes: 1,
            keypair: "ops",
            noderootdisksize: 20,
            enablecsi: true,
        };
        const submitted = await submitCreateKubernetesCluster(client, args);
        const [created] = await listKubernetesClusters(client, { id: submitted.id });
        t.true(["Created", "Starting"].includes(created.state));
        t.is(created.endpoint, "");
        const job = await client.call<any>("queryAsyncJobResult", { jobid: submitted.jobId });
        t.is(job.jobinstancetype, "KubernetesCluster");
        t.is(job.jobinstanceid, submitted.id);
        await sim.advanceClock(500);
        const [starting] = await listKubernetesClusters(client, { id: submitted.id });
        t.is(starting.state, "Starting");
        await apiError(
            t,
            getKubernetesClusterConfig(client, submitted.id),
            530,
            "Setup is in progress for Kubernetes cluster : Prod_Cluster, config not available at this moment",
        );

        const done = await client.waitForJob("createKubernetesCluster", submitted.jobId);
        const cluster = (done.jobresult as any).kubernetescluster;
        t.is(cluster.state, "Running");
        t.is(cluster.description, "production");
        t.is(cluster.controlnodes, 2);
        t.is(cluster.masternodes, 2);
        t.is(cluster.size, 2);
        t.is(cluster.etcdnodes, 1);
        t.is(cluster.clustertype, "CloudManaged");
        t.is(cluster.kubernetesversionname, "v1.30.11");
        t.is(cluster.workerofferingname, "4C-8GB");
        t.is(cluster.controlofferingname, "2C-2GB");
        t.is(cluster.serviceofferingname, "2C-4GB");
        t.true(cluster.csienabled);
        t.is(cluster.autoscalingenabled, false);
        // 2 × 2C-2GB control + 2 × 4C-8GB worker + 1 × 2C-4GB etcd.
        t.is(cluster.cpunumber, "14");
        t.is(cluster.memory, String(2 * 2048 + 2 * 8192 + 4096));
        t.regex(cluster.ipaddress, /^127\./);
        t.is(cluster.endpoint, `https://${cluster.ipaddress}:6443/`);
        t.deepEqual(cluster.etcdips, { [cluster.ipaddressid]: cluster.ipaddress });
        t.is(cluster.associatednetworkname, "Prod_Cluster-network");
        t.is(cluster.consoleendpoint, undefined);

        const names: string[] = cluster.virtualmachines.map((v: any) => v.name);
        t.is(names.length, 5);
        t.regex(names[0], /^Prod_Cluster-etcd-1-[0-9a-f]+$/);
        t.regex(names[1], /^k8s-prodcluster-control-[0-9a-f]+$/);
        t.regex(names[2], /^k8s-prodcluster-control-[0-9a-f]+$/);
        t.regex(names[3], /^k8s-prodcluster-node-[0-9a-f]+$/);
        t.is(new Set(names).size, 5);
        const byName = (n: string) => cluster.virtualmachines.find((v: any) => v.name === n);
        t.true(byName(names[0]).isetcdnode);
        t.false(byName(names[3]).isexternalnode);
        t.is(byName(names[3]).kubernetesnodeversion, "1.30.11");
        t.is(byName(names[3]).vmtype, "cksnode");
        t.is(byName(names[3]).serviceofferingname, "4C-8GB");
        t.is(byName(names[1]).serviceofferingname, "2C-2GB");

        const inv = sim.inventory();
        const network = inv.networks.find((n: any) => n.id === cluster.networkid);
        t.is(network.name, "Prod_Cluster-network");
        t.is(network.displaytext, "admin-network");
        t.is(network.networkofferingid, cat.networkOffering(SEED_CKS_NETWORK_OFFERING));
        const rules = rulesOn(inv, cluster.ipaddressid);
        // SSH range covers control + worker VMs only (N = 4).
        t.deepEqual(sshRange(rules.firewall), [[2222, 2225]]);
        t.true(rules.firewall.some((r) => Number(r.startport) === 6443 && Number(r.endport) === 6443));
        t.true(rules.firewall.some((r) => Number(r.startport) === 50000));
        const ssh = rules.portForwarding.filter((r) => Number(r.privateport) === 22 && Number(r.publicport) < 50000);
        t.deepEqual(ssh.map((r) => Number(r.publicport)).sort(), [2222, 2223, 2224, 2225]);
        // The first control VM gets 2222, workers follow the control VMs.
        t.is(ssh.find((r) => Number(r.publicport) === 2222).virtualmachineid, byName(names[1]).id);
        t.is(ssh.find((r) => Number(r.publicport) === 2225).virtualmachineid, byName(names[4]).id);
        t.is(rules.loadBalancer.length, 1);
        const lb = rules.loadBalancer[0];
        t.is(lb.name, "api-lb");
        t.is(Number(lb.publicport), 6443);
        t.is(lb.algorithm, "roundrobin");

        const config = await getKubernetesClusterConfig(client, cluster.id);
        t.is(config.name, "Prod_Cluster");
        const kubeconfig = parse(config.configdata);
        t.is(kubeconfig.kind, "Config");
        t.is(kubeconfig.clusters[0].cluster.server, `https://${cluster.ipaddress}:6443`);
        t.regex(Buffer.from(kubeconfig.clusters[0].cluster["certificate-authority-data"], "base64").toString(), /^-----BEGIN CERTIFICATE-----/);
        t.truthy(kubeconfig.users[0].user["client-key-data"]);
        t.is(kubeconfig["current-context"], kubeconfig.contexts[0].name);

        // name is an exact match, keyword a substring.
        t.is((await listKubernetesClusters(client, { name: "Prod" })).length, 0);
        t.is((await listKubernetesClusters(client, { keyword: "prod" })).length, 1);
        await apiError(t, client.call("listKubernetesClusters", { page: 1 }), 530, `"pagesize" parameter is required when "page" is specified`);
        const events = await client.list("listEvents", { type: "KUBERNETES.CLUSTER.CREATE" }, "event");
        t.true(events.length >= 2);

        // A CloudManaged member cannot be destroyed directly.
        await t.throwsAsync(client.callAsync("destroyVirtualMachine", { id: byName(names[3]).id }), {
            message: /Instance is a part of a Kubernetes cluster: Prod_Cluster\./,
        });
    } finally {
        await stop();
    }
});

test("scale: size up and down re-creates SSH rules, nodeids, autoscaling on and off, refusals", async (t) => {
    const { client, sim, cat, stop } = await simWithCatalog();
    try {
        const { cluster } = await createKubernetesCluster(client, baseArgs(cat, "scaler"));
        const ipId = cluster.ipaddressid!;
        t.deepEqual(sshRange(rulesOn(sim.inventory(), ipId).firewall), [[2222, 2223]]);

        const up = await scaleKubernetesCluster(client, { id: cluster.id, size: 3 });
        t.is(up.state, "Running");
        t.is(up.size, 3);
        t.is(up.virtualmachines.length, 4);
        t.is(up.cpunumber, "8");
        t.deepEqual(sshRange(rulesOn(sim.inventory(), ipId).firewall), [[2222, 2225]]);
        t.is(rulesOn(sim.inventory(), ipId).portForwarding.length, 4);

        const newest = up.virtualmachines[up.virtualmachines.length - 1];
        const down = await scaleKubernetesCluster(client, { id: cluster.id, size: 2 });
        t.is(down.size, 2);
        t.false(
            down.virtualmachines.some((v) => v.id === newest.id),
            "the newest worker goes first",
        );
        t.deepEqual(sshRange(rulesOn(sim.inventory(), ipId).firewall), [[2222, 2224]]);
        t.false(sim.inventory().vms.some((v: any) => v.id === newest.id));

        const worker = down.virtualmachines.find((v) => v.name.includes("-node-"))!;
        const byIds = await scaleKubernetesCluster(client, { id: cluster.id, nodeids: [worker.id] });
        t.is(byIds.size, 1);
        t.false(byIds.virtualmachines.some((v) => v.id === worker.id));
        await jobError(
            t,
            scaleKubernetesCluster(client, { id: cluster.id, nodeids: [byIds.virtualmachines[1].id] }),
            "Can not remove all nodes from a cluster",
        );
        await jobError(
            t,
            scaleKubernetesCluster(client, { id: cluster.id, size: 10 }),
            "Maximum cluster size can not exceed 10. Please contact your administrator",
        );
        await jobError(
            t,
            client.callAsync("scaleKubernetesCluster", { id: cluster.id }),
            "Kubernetes cluster scaler cannot be scaled, either service offering or cluster size or nodeids to be removed or autoscaling must be passed",
        );

        await jobError(
            t,
            scaleKubernetesCluster(client, { id: cluster.id, autoscalingenabled: true, minsize: 1 }),
            "Autoscaling requires minsize and maxsize to be passed",
        );
        await jobError(
            t,
            scaleKubernetesCluster(client, { id: cluster.id, autoscalingenabled: true, minsize: 3, maxsize: 3 }),
            "Maxsize must be greater than minsize",
        );
        await jobError(
            t,
            scaleKubernetesCluster(client, { id: cluster.id, autoscalingenabled: true, minsize: 1, maxsize: 3, size: 2 }),
            "Autoscaling can not be passed along with nodeids or clustersize",
        );
        const auto = await scaleKubernetesCluster(client, { id: cluster.id, autoscalingenabled: true, minsize: 1, maxsize: 5 });
        t.true(auto.autoscalingenabled);
        t.is(auto.minsize, 1);
        t.is(auto.maxsize, 5);
        const manual = await scaleKubernetesCluster(client, { id: cluster.id, autoscalingenabled: false });
        t.false(manual.autoscalingenabled);
        t.is(manual.minsize, undefined);
        t.is(manual.maxsize, undefined);

        // Running clusters on KVM cannot change offering; smaller ones are refused first.
        await jobError(
            t,
            scaleKubernetesCluster(client, { id: cluster.id, serviceofferingid: cat.offering("2C-2GB") }),
            /^Kubernetes cluster cannot be scaled down for service offering\. Service offering : 2C-2GB offers lesser resources/,
        );
        await jobError(
            t,
            scaleKubernetesCluster(client, { id: cluster.id, serviceofferingid: cat.offering("4C-8GB") }),
            "Scaling Kubernetes cluster : scaler failed, scaling Kubernetes cluster with running VMs on hypervisor KVM is not supported!",
        );
        t.is((await getKubernetesCluster(client, cluster.id))!.state, "Running");

        // Stopped: the offering may change (even down), the size may not.
        await stopKubernetesCluster(client, cluster.id);
        await jobError(t, scaleKubernetesCluster(client, { id: cluster.id, size: 2 }), "Kubernetes cluster : scaler is in Stopped state");
        const resized = await scaleKubernetesCluster(client, { id: cluster.id, serviceofferingid: cat.offering("4C-8GB") });
        t.is(resized.state, "Stopped");
        t.is(resized.serviceofferingname, "4C-8GB");
        t.is(resized.cpunumber, "8");
        t.true(resized.virtualmachines.every((v) => v.serviceofferingname === "4C-8GB"));
    } finally {
        await stop();
    }
});

test("stop and start: no-ops in their target state, VMs follow, delete refused while Starting", async (t) => {
    const { client, sim, cat, stop } = await simWithCatalog();
    try {
        sim.setLatency({ createKubernetesCluster: 3000 });
        const submitted = await submitCreateKubernetesCluster(client, baseArgs(cat, "toggler"));
        await sim.advanceClock(600);
        await jobError(t, deleteKubernetesCluster(client, submitted.id), "Cannot perform delete operation on cluster : toggler in state: Starting");
        await client.waitForJob("createKubernetesCluster", submitted.jobId);

        const again = await startKubernetesCluster(client, submitted.id);
        t.is(again.state, "Running");
        await stopKubernetesCluster(client, submitted.id);
        const stopped = (await getKubernetesCluster(client, submitted.id))!;
        t.is(stopped.state, "Stopped");
        t.true(stopped.virtualmachines.every((v) => v.state === "Stopped"));
        await stopKubernetesCluster(client, submitted.id);
        t.is((await getKubernetesCluster(client, submitted.id))!.state, "Stopped");
        await apiError(t, getKubernetesClusterConfig(client, "not-a-cluster"), 431, /Invalid parameter id value=not-a-cluster/);
        const started = await startKubernetesCluster(client, submitted.id);
        t.is(started.state, "Running");
        t.true(started.virtualmachines.every((v) => v.state === "Running"));
        t.true(started.endpoint.startsWith("https://127."));
    } finally {
        await stop();
    }
});

test("upgrade: next minor allowed, minor skip, downgrade and non-Running refused inside the job (530)", async (t) => {
    const { client, cat, stop } = await simWithCatalog();
    try {
        const { cluster } = await createKubernetesCluster(client, baseArgs(cat, "upgrader"));
        await jobError(
            t,
            upgradeKubernetesCluster(client, cluster.id, cat.version("1.32.5")),
            "Kubernetes clusters can be upgraded between next minor or patch version releases, current version: 1.30.11, upgrade version: 1.32.5",
        );
        await jobError(
            t,
            upgradeKubernetesCluster(client, cluster.id, cat.version("1.29.15")),
            "Kubernetes clusters can not be downgraded, current version: 1.30.11, upgrade version: 1.29.15",
        );
        const same = await upgradeKubernetesCluster(client, cluster.id, cat.version("1.30.11"));
        t.is(same.kubernetesversionname, "v1.30.11");
        const upgraded = await upgradeKubernetesCluster(client, cluster.id, cat.version("1.31.9"));
        t.is(upgraded.state, "Running");
        t.is(upgraded.kubernetesversionid, cat.version("1.31.9"));
        t.true(upgraded.virtualmachines.every((v) => v.kubernetesnodeversion === "1.31.9"));
        // A version in use cannot be deleted.
        await jobError(
            t,
            deleteKubernetesSupportedVersion(client, cat.version("1.31.9")),
            `Unable to delete Kubernetes version ID: ${cat.version("1.31.9")}. Existing clusters currently using the version.`,
        );
        await stopKubernetesCluster(client, cluster.id);
        await jobError(t, upgradeKubernetesCluster(client, cluster.id, cat.version("1.32.5")), "Kubernetes cluster : upgrader is not in running state");
    } finally {
        await stop();
    }
});

test("delete: the auto network and every rule disappear; on a user network only the CKS rules go", async (t) => {
    const { client, sim, cat, stop } = await simWithCatalog();
    try {
        const { cluster } = await createKubernetesCluster(client, baseArgs(cat, "doomed"));
        const vmIds = cluster.virtualmachines.map((v) => v.id);
        await deleteKubernetesCluster(client, cluster.id);
        t.is(await getKubernetesCluster(client, cluster.id), undefined);
        let inv = sim.inventory();
        t.false(inv.networks.some((n: any) => n.id === cluster.networkid));
        t.false((inv.vms ?? []).some((v: any) => vmIds.includes(v.id)));
        const left = rulesOn(inv, cluster.ipaddressid!);
        t.is(left.firewall.length + left.portForwarding.length + left.loadBalancer.length, 0);

        const net = await client.call<any>("createNetwork", {
            name: "shared-by-user",
            zoneid: cat.zoneId,
            networkofferingid: cat.networkOffering(SEED_NETWORK_OFFERING),
        });
        const networkId = net.network.id;
        const onUserNet = await createKubernetesCluster(client, { ...baseArgs(cat, "tenant"), networkid: networkId });
        t.is(onUserNet.cluster.networkid, networkId);
        await apiError(
            t,
            client.call<any>("createKubernetesCluster", { ...baseArgs(cat, "second"), networkid: networkId }),
            530,
            `Network ID: ${networkId} is already under use by another Kubernetes cluster`,
        );
        await deleteKubernetesCluster(client, onUserNet.cluster.id);
        inv = sim.inventory();
        t.true(inv.networks.some((n: any) => n.id === networkId));
        const rest = rulesOn(inv, onUserNet.cluster.ipaddressid!);
        t.is(rest.firewall.length + rest.portForwarding.length + rest.loadBalancer.length, 0);
        // The network's source-NAT IP stays with the network.
        t.true(inv.publicIps.some((ip: any) => ip.id === onUserNet.cluster.ipaddressid));
    } finally {
        await stop();
    }
});

test("ExternalManaged: created Running without VMs, add/remove VMs, type checks, no config", async (t) => {
    const { client, cat, stop } = await simWithCatalog();
    try {
        const net = await client.call<any>("createNetwork", {
            name: "ext-net",
            zoneid: cat.zoneId,
            networkofferingid: cat.networkOffering(SEED_NETWORK_OFFERING),
        });
        const deploy = (name: string) =>
            client.callAsync<any>("deployVirtualMachine", {
                name,
                zoneid: cat.zoneId,
                templateid: cat.templateId,
                serviceofferingid: cat.offering("2C-2GB"),
                networkids: [net.network.id],
            });
        const vm1 = (await deploy("ext-a")).result.virtualmachine;
        const vm2 = (await deploy("ext-b")).result.virtualmachine;
        const vm3 = (await deploy("ext-c")).result.virtualmachine;

        const { cluster } = await createKubernetesCluster(client, {
            name: "byo",
            zoneid: cat.zoneId,
            clustertype: "ExternalManaged",
            serviceofferingid: cat.offering("2C-2GB"),
        });
        t.is(cluster.state, "Running");
        t.is(cluster.endpoint, "");
        t.deepEqual(cluster.virtualmachines, []);
        t.is(cluster.controlnodes, 1);
        t.is(cluster.size, 0);
        t.is(cluster.cpunumber, "2");
        t.is(cluster.templateid, undefined);

        await addVirtualMachinesToKubernetesCluster(client, cluster.id, [vm1.id], true);
        await addVirtualMachinesToKubernetesCluster(client, cluster.id, [vm2.id, vm3.id, vm1.id]);
        let now = (await getKubernetesCluster(client, cluster.id))!;
        t.is(now.controlnodes, 1);
        t.is(now.size, 2);
        t.is(now.virtualmachines.length, 3);

        const raw = await client.call("removeVirtualMachinesFromKubernetesCluster", { id: cluster.id, virtualmachineids: [vm2.id] });
        t.deepEqual(raw, { count: 1, removevirtualmachinesfromkubernetesclusterresponse: [{ id: vm2.id, success: true }] });
        const rows = await removeVirtualMachinesFromKubernetesCluster(client, cluster.id, [vm2.id, vm3.id]);
        t.deepEqual(rows, [
            { id: vm2.id, success: false, displaytext: "VM is not part of the cluster" },
            { id: vm3.id, success: true },
        ]);
        now = (await getKubernetesCluster(client, cluster.id))!;
        t.is(now.size, 0);
        t.is(now.controlnodes, 1);

        await apiError(t, getKubernetesClusterConfig(client, cluster.id), 530, "Config not found for Kubernetes cluster : byo");
        await jobError(
            t,
            scaleKubernetesCluster(client, { id: cluster.id, size: 2 }),
            "Scale kubernetes cluster is not supported for an externally managed cluster (byo)",
        );
        await jobError(t, startKubernetesCluster(client, cluster.id), "Start kubernetes cluster is not supported for an externally managed cluster (byo)");
        // ExternalManaged members may be destroyed directly.
        await client.callAsync<any>("destroyVirtualMachine", { id: vm1.id, expunge: true });

        const managed = await createKubernetesCluster(client, baseArgs(cat, "managed"));
        await apiError(
            t,
            addVirtualMachinesToKubernetesCluster(client, managed.id, [vm2.id]),
            530,
            "VM cannot be added to a CloudStack managed Kubernetes cluster",
        );

        await deleteKubernetesCluster(client, cluster.id);
        t.is(await getKubernetesCluster(client, cluster.id), undefined);
    } finally {
        await stop();
    }
});

test("a create job that fails leaves the cluster in Error; delete from Error cleans up", async (t) => {
    const { client, sim, cat, stop } = await simWithCatalog();
    try {
        const submitted = await submitCreateKubernetesCluster(client, baseArgs(cat, "broken"));
        sim.setFaults({ jobFailureRate: 1 });
        await jobError(t, client.waitForJob("createKubernetesCluster", submitted.jobId), /injected fault/);
        sim.setFaults({});
        const failed = (await getKubernetesCluster(client, submitted.id))!;
        t.is(failed.state, "Error");
        await jobError(t, upgradeKubernetesCluster(client, submitted.id, cat.version("1.31.9")), "Kubernetes cluster : broken is not in running state");
        await deleteKubernetesCluster(client, submitted.id);
        t.is(await getKubernetesCluster(client, submitted.id), undefined);
        t.false(sim.inventory().networks.some((n: any) => n.id === failed.networkid));
    } finally {
        await stop();
    }
});

test("addNodes / removeNodes: an existing VM on the cluster network joins as an external worker with its own SSH rules", async (t) => {
    const { client, sim, cat, stop } = await simWithCatalog();
    try {
        const { cluster } = await createKubernetesCluster(client, baseArgs(cat, "grower"));
        const vm = (
            await client.callAsync<any>("deployVirtualMachine", {
                name: "byo-node",
                zoneid: cat.zoneId,
                templateid: cat.templateId,
                serviceofferingid: cat.offering("4C-8GB"),
                networkids: [cluster.networkid!],
            })
        ).result.virtualmachine;
        const outsider = (
            await client.callAsync<any>("deployVirtualMachine", {
                zoneid: cat.zoneId,
                templateid: cat.templateId,
                serviceofferingid: cat.offering("2C-2GB"),
                networkids: [cluster.networkid!],
            })
        ).result.virtualmachine;
        await jobError(
            t,
            client.callAsync("addNodesToKubernetesCluster", { id: cluster.id, nodeids: [cluster.virtualmachines[0].id] }),
            `Failed to add nodes to cluster ID ${cluster.id} due to: No valid nodes found to be added to the Kubernetes cluster`,
        );
        const grown = (await client.callAsync<any>("addNodesToKubernetesCluster", { id: cluster.id, nodeids: [vm.id] })).result.kubernetescluster;
        t.is(grown.state, "Running");
        t.is(grown.size, 2);
        t.is(grown.cpunumber, String(2 + 2 + 4));
        const joined = grown.virtualmachines.find((v: any) => v.id === vm.id);
        t.true(joined.isexternalnode);
        const rules = rulesOn(sim.inventory(), cluster.ipaddressid!);
        t.true(rules.firewall.some((r) => Number(r.startport) === 2224 && Number(r.endport) === 2224));
        t.true(rules.portForwarding.some((r) => Number(r.publicport) === 2224 && r.virtualmachineid === vm.id));
        // Deleting an auto-network cluster is refused while a non-member VM uses the network.
        await jobError(
            t,
            deleteKubernetesCluster(client, cluster.id),
            "Network : grower-network for Kubernetes cluster : grower has instances using it which are not part of the Kubernetes cluster",
        );

        const shrunk = (await client.callAsync<any>("removeNodesFromKubernetesCluster", { id: cluster.id, nodeids: [vm.id] })).result.kubernetescluster;
        t.is(shrunk.size, 1);
        t.false(shrunk.virtualmachines.some((v: any) => v.id === vm.id));
        t.true(
            sim.inventory().vms.some((v: any) => v.id === vm.id),
            "the VM itself stays",
        );
        t.false(rulesOn(sim.inventory(), cluster.ipaddressid!).portForwarding.some((r) => r.virtualmachineid === vm.id));
        await client.callAsync("destroyVirtualMachine", { id: outsider.id, expunge: true });
        await client.callAsync("destroyVirtualMachine", { id: vm.id, expunge: true });
        await deleteKubernetesCluster(client, cluster.id);
        t.is(await getKubernetesCluster(client, cluster.id), undefined);
    } finally {
        await stop();
    }
});

test("client: nodeofferings go out sorted by node type as cloudstack-go sends them", async (t) => {
    const { client, cat, stop } = await simWithCatalog();
    const seen: Record<string, string>[] = [];
    const spy = new MoldClient({
        apiUrl: client.config.apiUrl,
        apiKey: client.config.apiKey,
        secretKey: client.config.secretKey,
        signature: client.config.signature,
        logger: (e) => {
            if (e.command === "createKubernetesCluster") seen.push(e.params);
        },
    });
    try {
        await t.throwsAsync(
            submitCreateKubernetesCluster(spy, { ...baseArgs(cat, "order"), size: 0, nodeofferings: { worker: "w", etcd: "e", control: "c" } }),
        );
        t.like(seen[0], {
            "nodeofferings[0].node": "control",
            "nodeofferings[0].offering": "c",
            "nodeofferings[1].node": "etcd",
            "nodeofferings[2].node": "worker",
        });
    } finally {
        spy.close();
        await stop();
    }
});
