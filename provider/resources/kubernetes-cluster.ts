// mold:index:KubernetesCluster — a Mold-managed (CloudManaged) Kubernetes cluster. In place: size, the
// offerings and autoscaling (scaleKubernetesCluster), kubernetesVersion (upgradeKubernetesCluster, one step
// at a time as Mold requires, refused at check otherwise), desiredState (start/stop) and removeNodes (scale
// with nodeids, the Mold VM tab's delete). Everything else replaces the cluster. While autoscaling is on,
// `size` is ignored for diffs (the autoscaler owns the worker count, like pulumi-eks's ignoreScalingChanges).
// Mold cannot tag clusters, so ownership is the id recorded at submit time; the kubeconfig output only
// exists once the cluster's API answers /healthz with it (the health gate). A stopped cluster keeps its last
// kubeconfig: Mold hands out the same credentials after the start, and update passes the gate again then.
// Offering changes stop the cluster first (Mold refuses them on running KVM VMs) and compare against what
// Mold has, so an adoption whose inputs match changes nothing; adoption also refuses replace-only mismatches.
import { findZone, listServiceOfferings, pickOne } from "../client/catalog";
import {
    CreateKubernetesClusterArgs,
    deleteKubernetesCluster,
    getKubernetesCluster,
    getKubernetesClusterConfig,
    KubernetesCluster,
    KubernetesNodeType,
    listKubernetesClusters,
    listKubernetesSupportedVersions,
    scaleKubernetesCluster,
    ScaleKubernetesClusterArgs,
    startKubernetesCluster,
    stopKubernetesCluster,
    submitCreateKubernetesCluster,
    upgradeKubernetesCluster,
} from "../client/kubernetes";
import type { MoldClient, WaitOptions } from "../client/client";
import { partialFailure } from "../runtime/errors";
import { kubernetesClusterSchema } from "../generated/schema";
import type { KubernetesClusterAutoscaling, KubernetesClusterInputs, KubernetesClusterOutputs } from "../generated/types";
import type { Cleared, HookContext, ResourceDefinition } from "../runtime/hooks";
import { findNetwork } from "../runtime/common";
import { checkCluster, checkClusterInMold, findKubernetesVersion, semverOf } from "./kubernetes-cluster-check";
import { deadlineFor, healthyKubeconfig, latestEvents, outputsOf, progress, settledCluster, waitForCluster, withEvents } from "./kubernetes-cluster-ops";
import { count } from "../runtime/plural";
import { createOnce, deleteConfirmed } from "../runtime/reconcile";

const NODE_OFFERINGS: [KubernetesNodeType, OfferingInput][] = [
    ["control", "controlOffering"],
    ["worker", "workerOffering"],
    ["etcd", "etcdOffering"],
];

type OfferingInput = "serviceOffering" | "controlOffering" | "workerOffering" | "etcdOffering";

const autoscalingOn = <T extends { autoscaling?: KubernetesClusterAutoscaling | null }>(p: T): p is T & { autoscaling: KubernetesClusterAutoscaling } =>
    p.autoscaling?.enabled === true;

/** The cluster version's semver: from its name when that is "v<semver>", else from the catalog. */
async function semverOfCluster(client: MoldClient, c: KubernetesCluster): Promise<string> {
    const fromName = semverOf(c.kubernetesversionname);
    if (fromName) return fromName;
    const v = c.kubernetesversionid ? (await listKubernetesSupportedVersions(client, { id: c.kubernetesversionid }))[0] : undefined;
    return v?.semanticversion ?? c.kubernetesversionname ?? "";
}

/** Offering names or ids → ids; `keys` limits which inputs are resolved. */
async function offeringIds(
    client: MoldClient,
    inputs: Partial<KubernetesClusterInputs>,
): Promise<{ service?: string; nodes: Partial<Record<KubernetesNodeType, string>> }> {
    const all = await listServiceOfferings(client);
    const id = (k: OfferingInput) => (inputs[k] ? pickOne("service offering", inputs[k]!, all).id : undefined);
    const nodes: Partial<Record<KubernetesNodeType, string>> = {};
    for (const [node, key] of NODE_OFFERINGS) if (id(key)) nodes[node] = id(key);
    if (!((inputs.etcdNodes ?? 0) > 0)) delete nodes.etcd;
    return { service: id("serviceOffering"), nodes };
}

function waitOptions(ctx: HookContext, what: string, deadline: number): WaitOptions {
    const log = progress(ctx, what);
    return { timeoutMs: Math.max(1000, deadline - Date.now()), onPoll: () => log("in progress") };
}

/**
 * Replace-only inputs that differ from the cluster Mold has, resolved as create resolves them (a zone or
 * network by name or id). Asked before any change when the cluster was not made by this update's own
 * create (an adoption with importId, or an incomplete create), so a mismatch is refused untouched.
 */
async function immutableConflicts(client: MoldClient, c: KubernetesCluster, news: KubernetesClusterInputs): Promise<string[]> {
    const out: string[] = [];
    const differ = (k: string, inMold: unknown, inProgram: unknown) =>
        out.push(`${k} is ${JSON.stringify(inMold)} in Mold but ${JSON.stringify(inProgram)} in the program`);
    if (news.name !== undefined && news.name !== c.name) differ("name", c.name, news.name);
    if (news.zone !== undefined && ![c.zoneid, c.zonename].includes(news.zone) && (await findZone(client, news.zone)).id !== c.zoneid)
        differ("zone", c.zonename ?? c.zoneid, news.zone);
    if (news.controlNodes !== undefined && Number(news.controlNodes) !== Number(c.controlnodes))
        differ("controlNodes", Number(c.controlnodes), news.controlNodes);
    if (news.etcdNodes !== undefined && Number(news.etcdNodes) !== Number(c.etcdnodes ?? 0)) differ("etcdNodes", Number(c.etcdnodes ?? 0), news.etcdNodes);
    if (
        news.network !== undefined &&
        ![c.networkid, c.associatednetworkname].includes(news.network) &&
        (await findNetwork(client, news.network)).id !== c.networkid
    ) {
        differ("network", c.associatednetworkname ?? c.networkid, news.network);
    }
    if (news.keyPair !== undefined && c.keypair !== undefined && news.keyPair !== c.keypair) differ("keyPair", c.keypair, news.keyPair);
    return out;
}

/** Whether the offerings the program resolves to differ from the cluster's: `nodes` when some node VMs change. */
function offeringDifference(
    c: KubernetesCluster,
    o: { service?: string; nodes: Partial<Record<KubernetesNodeType, string>> },
): { any: boolean; nodes: boolean } {
    const current = (node: KubernetesNodeType) => c[`${node}offeringid`] ?? c.serviceofferingid;
    const nodes = (["control", "worker", "etcd"] as KubernetesNodeType[])
        .filter((node) => node !== "etcd" || Number(c.etcdnodes ?? 0) > 0)
        .some((node) => {
            const target = o.nodes[node] ?? o.service;
            return target !== undefined && target !== current(node);
        });
    return { any: nodes || (o.service !== undefined && o.service !== c.serviceofferingid), nodes };
}

async function kubeconfigIfRunning(client: MoldClient, c: KubernetesCluster, fallback?: string): Promise<string | undefined> {
    if (c.state !== "Running") return fallback;
    try {
        return (await getKubernetesClusterConfig(client, c.id)).configdata;
    } catch {
        return fallback;
    }
}

export const kubernetesCluster: ResourceDefinition<KubernetesClusterInputs, KubernetesClusterOutputs> = {
    kind: "KubernetesCluster",
    inputs: kubernetesClusterSchema.inputs,
    replaceOnChanges: kubernetesClusterSchema.replaceOnChanges,
    handles: {
        name: "createKubernetesCluster name",
        description: "createKubernetesCluster description",
        zone: "createKubernetesCluster zoneid (found by name or id)",
        kubernetesVersion: "createKubernetesCluster kubernetesversionid; update: upgradeKubernetesCluster",
        serviceOffering: "createKubernetesCluster serviceofferingid; update: scaleKubernetesCluster",
        controlOffering: "createKubernetesCluster nodeofferings; update: scaleKubernetesCluster (stop → scale → start)",
        workerOffering: "createKubernetesCluster nodeofferings; update: scaleKubernetesCluster (stop → scale → start)",
        etcdOffering: "createKubernetesCluster nodeofferings; update: scaleKubernetesCluster (stop → scale → start)",
        etcdNodes: "createKubernetesCluster etcdnodes",
        nodeRootDiskSize: "createKubernetesCluster noderootdisksize",
        enableCsi: "createKubernetesCluster enablecsi",
        network: "createKubernetesCluster networkid (found by name or id; unset: Mold makes one)",
        controlNodes: "createKubernetesCluster controlnodes",
        externalLoadBalancerIpAddress: "createKubernetesCluster externalloadbalanceripaddress",
        size: "createKubernetesCluster size; update: scaleKubernetesCluster (ignored while autoscaling is on)",
        keyPair: "createKubernetesCluster keypair",
        privateRegistry: "createKubernetesCluster dockerregistryurl/username/password",
        autoscaling: "the create's size; update: scaleKubernetesCluster autoscalingenabled/minsize/maxsize",
        desiredState: "stopKubernetesCluster after create when stopped; update: startKubernetesCluster/stopKubernetesCluster",
        removeNodes: "update: scaleKubernetesCluster nodeids",
        timeouts: "the hooks' deadlines: nothing to send",
    },
    computedInputs: ["description", "controlNodes"],

    check: (news, olds) => checkCluster(news, olds ?? {}),
    checkInMold: checkClusterInMold,

    // Versions compare as semvers (a name or id the cluster resolved to counts as its semver), and while
    // autoscaling is on the worker count is the autoscaler's, so `size` never shows as a change.
    normalize(props, olds) {
        const out = { ...props };
        const v = props.kubernetesVersion;
        if (typeof v === "string") {
            if (olds.kubernetesVersion && (v === olds.kubernetesVersionId || v === olds.kubernetesVersionName)) out.kubernetesVersion = olds.kubernetesVersion;
            else out.kubernetesVersion = semverOf(v) ?? v;
        }
        if (autoscalingOn(props)) out.size = olds.size;
        return out;
    },

    async create(ctx, inputs) {
        const client = ctx.client();
        const deadline = deadlineFor(inputs, "create");
        const zone = await findZone(client, inputs.zone);
        const version = await findKubernetesVersion(client, inputs.kubernetesVersion, zone.id);
        const offerings = await offeringIds(client, inputs);
        const network = inputs.network ? await findNetwork(client, inputs.network) : undefined;
        const reg = inputs.privateRegistry;
        const args: CreateKubernetesClusterArgs = {
            name: inputs.name,
            description: inputs.description,
            zoneid: zone.id,
            kubernetesversionid: version.id,
            serviceofferingid: offerings.service,
            nodeofferings: Object.keys(offerings.nodes).length ? offerings.nodes : undefined,
            etcdnodes: inputs.etcdNodes,
            controlnodes: inputs.controlNodes,
            size: autoscalingOn(inputs) ? (inputs.size ?? inputs.autoscaling.minSize) : (inputs.size ?? 1),
            networkid: network?.id,
            keypair: inputs.keyPair,
            externalloadbalanceripaddress: inputs.externalLoadBalancerIpAddress,
            noderootdisksize: inputs.nodeRootDiskSize,
            enablecsi: inputs.enableCsi || undefined,
            clustertype: "CloudManaged",
            dockerregistryurl: reg?.url,
            dockerregistryusername: reg?.username,
            dockerregistrypassword: reg?.password,
        };
        // After a lost answer: a cluster of this name created since we asked is the one just submitted.
        const askedAt = Date.now() - 5000;
        const find = async () => {
            const c = (await listKubernetesClusters(client, { name: inputs.name })).find(
                (x) => x.name === inputs.name && Date.parse(String(x.created).replace(/(\d\d)(\d\d)$/, "$1:$2")) >= askedAt,
            );
            return c ? { id: c.id, jobId: "" } : undefined;
        };
        const submitted = await createOnce(() => submitCreateKubernetesCluster(client, args), find);
        const id = submitted.id;
        ctx.log(`cluster ${inputs.name} submitted as ${id}`);
        // From here on the cluster exists in Mold: every failure carries its id so Pulumi records it.
        try {
            let c = await waitForCluster(
                ctx,
                id,
                `creating cluster ${inputs.name}`,
                deadline,
                (x) => !["Created", "Starting"].includes(x.state),
                submitted.jobId || undefined,
            );
            if (!c) throw new Error(`Mold no longer lists cluster ${id}`);
            if (c.state !== "Running") throw new Error(`the cluster ended in state ${c.state}`);
            const kubeconfig = await healthyKubeconfig(ctx, id, deadline);
            if (inputs.desiredState === "stopped") {
                await stopKubernetesCluster(client, id, waitOptions(ctx, "stopping", deadline));
                c = (await getKubernetesCluster(client, id)) ?? c;
            }
            return { id, outs: outputsOf(c, version.semanticversion, kubeconfig) };
        } catch (e) {
            const message = `cluster ${id} was created but is not ready: ${(e as Error).message}. It is recorded; the next \`pulumi up\` waits for it again.${await latestEvents(client, id)}`;
            throw partialFailure(message, id, { ...inputs, clusterId: id, createIncomplete: true }, e);
        }
    },

    async read(ctx, id, olds) {
        const client = ctx.client();
        const c = await getKubernetesCluster(client, id);
        if (!c || c.state === "Destroyed") return undefined;
        const semver = await semverOfCluster(client, c);
        const outs = outputsOf(c, semver, await kubeconfigIfRunning(client, c, olds.kubeconfig));
        const inputs: Cleared<KubernetesClusterInputs> = {};
        if (semver && semverOf(olds.kubernetesVersion) !== semver && olds.kubernetesVersion !== c.kubernetesversionid) inputs.kubernetesVersion = semver;
        if (c.state === "Running" || c.state === "Stopped") inputs.desiredState = c.state.toLowerCase() as "running" | "stopped";
        if (!!c.csienabled !== !!olds.enableCsi) inputs.enableCsi = !!c.csienabled;
        const offering = olds.serviceOffering;
        if (offering !== undefined && c.serviceofferingid && ![c.serviceofferingid, c.serviceofferingname].includes(offering))
            inputs.serviceOffering = c.serviceofferingname ?? c.serviceofferingid;
        if (!!c.autoscalingenabled !== autoscalingOn(olds)) {
            inputs.autoscaling = c.autoscalingenabled
                ? { enabled: true, minSize: c.minsize, maxSize: c.maxsize }
                : olds.autoscaling
                  ? { ...olds.autoscaling, enabled: false }
                  : undefined;
        }
        return { outs, inputs };
    },

    async update(ctx, id, olds, news) {
        const client = ctx.client();
        const deadline = deadlineFor(news, "update");
        const step = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
            ctx.log(what);
            try {
                return await f();
            } catch (e) {
                return withEvents(client, id, what, e);
            }
        };
        const refetch = async () => {
            const c = await getKubernetesCluster(client, id);
            if (!c) throw new Error(`Kubernetes cluster ${id} no longer exists in Mold; run \`pulumi refresh\``);
            return c;
        };
        let c = await settledCluster(ctx, id, deadline);
        if (!c) throw new Error(`Kubernetes cluster ${id} no longer exists in Mold; run \`pulumi refresh\``);
        if (c.state === "Error")
            throw new Error(
                `Kubernetes cluster ${id} is in state Error (its create failed) and cannot be changed; replace it (pulumi up --replace) or destroy it.${await latestEvents(client, id)}`,
            );
        if (olds.createIncomplete) {
            const conflicts = await immutableConflicts(client, c, news);
            if (conflicts.length)
                throw new Error(`Kubernetes cluster ${id} does not match the program: ${conflicts.join("; ")} (changing it would need a replacement)`);
        }
        const want = news.desiredState === "stopped" ? "Stopped" : "Running";
        const start = async () => {
            await step(`starting cluster ${id}`, () => startKubernetesCluster(client, id, waitOptions(ctx, "starting", deadline)));
            c = await refetch();
        };
        if (c.state === "Alert") {
            // A failed scale or upgrade leaves Alert; stop → start is Mold's own way back to a known state.
            ctx.log(`cluster ${id} is in Alert: stopping and starting it to recover`);
            await step(`stopping cluster ${id}`, () => stopKubernetesCluster(client, id, waitOptions(ctx, "stopping", deadline)));
            await start();
        }

        const members = c.virtualmachines ?? [];
        const removals = ((news.removeNodes ?? []) as string[])
            .map((n) => members.find((vm) => vm.id === n || vm.name === n)?.id)
            .filter((x): x is string => !!x);
        const version = await findKubernetesVersion(client, news.kubernetesVersion, c.zoneid);
        const upgrade = version.id !== c.kubernetesversionid && version.semanticversion !== (await semverOfCluster(client, c));
        const autoChange = autoscalingOn(news)
            ? !c.autoscalingenabled || c.minsize !== news.autoscaling.minSize || c.maxsize !== news.autoscaling.maxSize
            : !!c.autoscalingenabled;
        // Judged against the offerings Mold has, so an adoption (whose olds know none) or a spelling change
        // (a name for an id) does not stop a running cluster for nothing.
        const offeringInputsChanged =
            olds.createIncomplete === true ||
            (["serviceOffering", "controlOffering", "workerOffering", "etcdOffering"] as const).some((k) => olds[k] !== news[k]);
        const sizeAfterRemovals = () => Number(c!.size);
        const needsRunning = removals.length > 0 || upgrade || autoChange || (!autoscalingOn(news) && news.size !== undefined && news.size !== Number(c.size));
        if (c.state === "Stopped" && (want === "Running" || needsRunning)) await start();

        const scale = async (what: string, args: Omit<ScaleKubernetesClusterArgs, "id">) => {
            await step(what, () => scaleKubernetesCluster(client, { id, ...args }, waitOptions(ctx, what, deadline)));
            c = await refetch();
        };
        if (removals.length) await scale(`removing nodes ${removals.join(", ")} from cluster ${id}`, { nodeids: removals });
        if (upgrade) {
            await step(`upgrading cluster ${id} to ${version.semanticversion}`, () =>
                upgradeKubernetesCluster(client, id, version.id, waitOptions(ctx, "upgrading", deadline)),
            );
            c = await refetch();
        }
        const o = offeringInputsChanged ? await offeringIds(client, news) : undefined;
        const offerings = o ? offeringDifference(c, o) : { any: false, nodes: false };
        if (o && offerings.any) {
            // Mold changes node offerings only on stopped VMs (KVM): stop → scale → start, as for a VM.
            // Started again only when the cluster is to run, or a later step needs it running.
            const stopFirst = offerings.nodes && c.state === "Running";
            if (stopFirst)
                await step(`stopping cluster ${id} to change its offerings`, () => stopKubernetesCluster(client, id, waitOptions(ctx, "stopping", deadline)));
            await scale(`changing the offerings of cluster ${id}`, {
                serviceofferingid: o.service,
                nodeofferings: Object.keys(o.nodes).length ? o.nodes : undefined,
            });
            if (stopFirst && (want === "Running" || needsRunning)) await start();
        }
        if (autoChange && !autoscalingOn(news)) await scale(`turning autoscaling off on cluster ${id}`, { autoscalingenabled: false });
        if (autoChange && autoscalingOn(news))
            await scale(`turning autoscaling on (${news.autoscaling.minSize}..${news.autoscaling.maxSize}) on cluster ${id}`, {
                autoscalingenabled: true,
                minsize: news.autoscaling.minSize,
                maxsize: news.autoscaling.maxSize,
            });
        if (!autoscalingOn(news) && news.size !== undefined && news.size !== sizeAfterRemovals())
            await scale(`scaling cluster ${id} to ${count(news.size, "worker")}`, { size: news.size });

        if (want === "Stopped" && c.state !== "Stopped") {
            await step(`stopping cluster ${id}`, () => stopKubernetesCluster(client, id, waitOptions(ctx, "stopping", deadline)));
            c = await refetch();
        }
        if (want === "Running" && c.state === "Stopped") await start();
        // The health gate again: a started, upgraded or repaired cluster hands out its kubeconfig only once its API answers.
        const kubeconfig = c.state === "Running" ? await healthyKubeconfig(ctx, id, deadline) : olds.kubeconfig;
        return outputsOf(c, await semverOfCluster(client, c), kubeconfig);
    },

    async delete(ctx, id, olds) {
        const client = ctx.client();
        const deadline = deadlineFor(olds, "delete");
        // Mold refuses to delete a cluster mid-operation: wait that out first.
        const c = await settledCluster(ctx, id, deadline);
        if (!c) return;
        try {
            await deleteConfirmed(
                () => deleteKubernetesCluster(client, id, {}, waitOptions(ctx, "deleting", deadline)),
                async () => (await getKubernetesCluster(client, id)) !== undefined,
            );
            await waitForCluster(ctx, id, `deleting cluster ${id}`, deadline, () => false);
        } catch (e) {
            await withEvents(client, id, `deleting cluster ${id}`, e);
        }
    },
};
