// KubernetesCluster inputs: the pure check (every problem at once, no API call, including Mold's upgrade
// step rule judged against the previous inputs) and the read-only checks that need Mold's catalog.
import { findZone, listServiceOfferings, MoldLookupError, pickOne, ServiceOffering } from "../client/catalog";
import type { MoldClient } from "../client/client";
import { KubernetesSupportedVersion, listKubernetesSupportedVersions } from "../client/kubernetes";
import { checkUpgrade, isSemanticVersion, parseSemver } from "../kubernetes/versions";
import type { KubernetesClusterInputs } from "../generated/types";
import { CheckFailure, containsUnknown, HookContext } from "../runtime/hooks";
import { Validator } from "../runtime/validate";
import { findNetwork } from "../runtime/common";
import { tierAclProblem } from "./management-acl";

/**
 * Cluster names: Mold derives node host names (`<name>-control-<hex>`) and the auto network
 * (`<name>-network`) from it, so a DNS-label-like name keeps both readable and valid.
 */
const CLUSTER_NAME = /^[A-Za-z]([A-Za-z0-9-]{0,38}[A-Za-z0-9])?$/;
/** Mold refuses node root disks below its default of 8 GB. */
const MIN_ROOT_DISK_GB = 8;
/** Mold's floor for every node offering (KubernetesClusterService.MIN_KUBERNETES_CLUSTER_NODE_CPU / _RAM_SIZE). */
const MIN_NODE_CPU = 2;
const MIN_NODE_RAM_MB = 2048;

const OFFERING_INPUTS = ["serviceOffering", "controlOffering", "workerOffering", "etcdOffering"] as const;

/** A semver from "1.32.5" or a version name like "v1.32.5"; undefined for ids and other names. */
export function semverOf(version: unknown): string | undefined {
    if (typeof version !== "string") return undefined;
    const text = version.trim().replace(/^v/i, "");
    return isSemanticVersion(text) ? text : undefined;
}

/** "1.31.x (≥ 1.31.9) or 1.32.x": what Mold's rule lets a cluster on `current` move to, without a catalog. */
export function allowedNextText(current: string): string {
    const v = parseSemver(current);
    return `${v.major}.${v.minor}.x (≥ ${current}) or ${v.major}.${v.minor + 1}.x`;
}

function integer(v: Validator, property: string, value: unknown, min: number, why = ""): void {
    if (!v.known(value) || value === undefined) return;
    if (typeof value !== "number" || !Number.isInteger(value)) return v.fail(property, `must be a whole number, got ${JSON.stringify(value)}`);
    if (value < min) v.fail(property, `must be at least ${min}${why}, got ${value}`);
}

function known(v: Validator, ...values: unknown[]): boolean {
    return values.every((x) => v.known(x));
}

/** The pure check; `olds` are the previous inputs ({} on create). */
export function checkCluster(
    news: Partial<KubernetesClusterInputs>,
    olds: Partial<KubernetesClusterInputs>,
): { inputs: Partial<KubernetesClusterInputs>; failures: CheckFailure[] } {
    const v = new Validator("KubernetesCluster");
    const inputs: Partial<KubernetesClusterInputs> = { ...news };
    v.string("name", news.name, { required: true });
    if (known(v, news.name) && typeof news.name === "string" && news.name.trim() !== "" && !CLUSTER_NAME.test(news.name)) {
        v.fail(
            "name",
            `'${news.name}' is not a valid cluster name: 1 to 40 letters, digits and hyphens, starting with a letter, not ending with a hyphen (Mold names the nodes and the network after it)`,
        );
    }
    v.string("description", news.description, { text: true });
    v.string("zone", news.zone, { required: true });
    v.string("kubernetesVersion", news.kubernetesVersion, { required: true });
    for (const k of OFFERING_INPUTS) v.string(k, news[k]);
    if (known(v, news.serviceOffering, news.controlOffering, news.workerOffering) && !news.serviceOffering && !(news.controlOffering && news.workerOffering)) {
        v.fail("serviceOffering", "must be given unless both controlOffering and workerOffering are");
    }
    if (known(v, news.etcdNodes, news.serviceOffering, news.etcdOffering) && (news.etcdNodes ?? 0) > 0 && !news.serviceOffering && !news.etcdOffering) {
        v.fail("etcdOffering", "must be given for etcd nodes when serviceOffering is not");
    }
    v.string("network", news.network);
    v.string("keyPair", news.keyPair);
    if (news.externalLoadBalancerIpAddress !== undefined) v.ipv4("externalLoadBalancerIpAddress", news.externalLoadBalancerIpAddress);
    if (known(v, news.externalLoadBalancerIpAddress, news.network) && news.externalLoadBalancerIpAddress !== undefined && news.network === undefined) {
        v.fail("externalLoadBalancerIpAddress", "needs network (a Shared network; Mold's auto-created network is isolated)");
    }

    integer(v, "size", news.size, 1, " worker node");
    integer(v, "controlNodes", news.controlNodes, 1, " control node");
    if (
        known(v, news.controlNodes) &&
        typeof news.controlNodes === "number" &&
        Number.isInteger(news.controlNodes) &&
        news.controlNodes > 1 &&
        news.controlNodes % 2 === 0
    ) {
        v.fail(
            "controlNodes",
            `is ${news.controlNodes}: HA needs an odd number of control nodes. etcd needs a majority (quorum) to accept writes, so ${news.controlNodes} nodes survive no more failures than ${news.controlNodes - 1}; use ${news.controlNodes - 1} or ${news.controlNodes + 1}`,
        );
    }
    integer(v, "etcdNodes", news.etcdNodes, 0);
    integer(v, "nodeRootDiskSize", news.nodeRootDiskSize, MIN_ROOT_DISK_GB, " GB (Mold's minimum)");
    if (known(v, news.enableCsi) && news.enableCsi !== undefined && typeof news.enableCsi !== "boolean")
        v.fail("enableCsi", `must be true or false, got ${JSON.stringify(news.enableCsi)}`);

    const a = news.autoscaling;
    if (known(v, a) && a !== undefined && a !== null) {
        if (typeof a !== "object" || Array.isArray(a)) v.fail("autoscaling", "must be an object {enabled, minSize, maxSize}");
        else {
            if (known(v, a.enabled) && a.enabled !== undefined && typeof a.enabled !== "boolean")
                v.fail("autoscaling.enabled", `must be true or false, got ${JSON.stringify(a.enabled)}`);
            integer(v, "autoscaling.minSize", a.minSize, 1);
            integer(v, "autoscaling.maxSize", a.maxSize, 1);
            if (a.enabled === true) {
                if (a.minSize === undefined) v.fail("autoscaling.minSize", "is required when autoscaling is enabled");
                if (a.maxSize === undefined) v.fail("autoscaling.maxSize", "is required when autoscaling is enabled");
                if (known(v, a.minSize, a.maxSize) && typeof a.minSize === "number" && typeof a.maxSize === "number") {
                    if (a.minSize >= a.maxSize)
                        v.fail("autoscaling.minSize", `(${a.minSize}) must be below autoscaling.maxSize (${a.maxSize}), as Mold requires`);
                    else if (known(v, news.size) && typeof news.size === "number" && (news.size < a.minSize || news.size > a.maxSize)) {
                        v.fail("size", `(${news.size}) must be within autoscaling.minSize..maxSize (${a.minSize}..${a.maxSize}) while autoscaling is enabled`);
                    }
                }
            }
        }
    }

    const r = news.privateRegistry;
    if (known(v, r) && r !== undefined && r !== null) {
        if (typeof r !== "object" || Array.isArray(r)) v.fail("privateRegistry", "must be an object {url, username, password}");
        else {
            for (const k of ["url", "username", "password"] as const) v.string(`privateRegistry.${k}`, r[k], { text: k === "password" });
            if (known(v, r.url) && !r.url && (r.username || r.password))
                v.fail("privateRegistry.url", "is required when a registry username or password is given");
            if (known(v, r.url, r.username, r.password) && r.url && (!r.username || !r.password)) {
                v.fail("privateRegistry", "needs url, username and password together (Mold takes all three or none)");
            }
            if (known(v, r.url) && typeof r.url === "string" && r.url && !/^[a-z][a-z0-9+.-]*:\/\/[^\s/]+/i.test(r.url))
                v.fail("privateRegistry.url", `must be a URL such as https://registry.example:5000, got '${r.url}'`);
        }
    }

    v.oneOf("desiredState", news.desiredState, ["running", "stopped"]);
    if (known(v, news.removeNodes) && news.removeNodes !== undefined) {
        if (!Array.isArray(news.removeNodes)) v.fail("removeNodes", "must be a list of node VM ids or names");
        else
            news.removeNodes.forEach(
                (n: unknown, i: number) =>
                    known(v, n) && (typeof n !== "string" || !n.trim()) && v.fail(`removeNodes[${i}]`, "must be a non-empty VM id or name"),
            );
    }
    const t = news.timeouts;
    if (known(v, t) && t !== undefined) {
        if (typeof t !== "object" || Array.isArray(t) || t === null) v.fail("timeouts", "must be an object {create, update, delete} in minutes");
        else
            for (const [k, m] of Object.entries(t)) {
                if (!["create", "update", "delete"].includes(k)) v.fail(`timeouts.${k}`, "is not an operation (create, update, delete)");
                else if (known(v, m) && m !== undefined && (typeof m !== "number" || !(m > 0)))
                    v.fail(`timeouts.${k}`, `must be a positive number of minutes, got ${JSON.stringify(m)}`);
            }
    }

    // Mold's upgrade rule, judged before any API call: the previous inputs hold the version the cluster is on.
    const from = semverOf(olds?.kubernetesVersion);
    const to = semverOf(news.kubernetesVersion);
    if (from && to) {
        const verdict = checkUpgrade(from, to);
        if (!verdict.allowed) {
            v.fail(
                "kubernetesVersion",
                `cannot change from ${from} to ${to}: Mold upgrades only to a newer patch of the same minor or to the next minor, never down or across a skipped minor. Allowed next from ${from}: ${allowedNextText(from)} (Mold: ${verdict.reason})`,
            );
        }
    }

    if (inputs.desiredState === undefined) inputs.desiredState = "running";
    else if (typeof inputs.desiredState === "string" && v.known(inputs.desiredState))
        inputs.desiredState = inputs.desiredState.toLowerCase() as KubernetesClusterInputs["desiredState"];
    if (inputs.controlNodes === undefined) inputs.controlNodes = 1;
    return { inputs, failures: v.failures };
}

/** The enabled version named by a semver ("1.32.5"), a version name ("v1.32.5") or an id. */
export async function findKubernetesVersion(client: MoldClient, wanted: string, zoneid?: string): Promise<KubernetesSupportedVersion> {
    const all = await listKubernetesSupportedVersions(client, { zoneid });
    const enabled = all.filter((x) => x.state === "Enabled");
    const semver = semverOf(wanted);
    const bySemver = semver ? enabled.filter((x) => x.semanticversion === semver) : [];
    if (bySemver.length === 1 || (bySemver.length > 1 && !all.some((x) => x.id === wanted || x.name === wanted))) return bySemver[0];
    return pickOne(
        "Kubernetes version",
        wanted,
        all.map((x) => ({ ...x, name: x.name ?? x.semanticversion })),
    );
}

function belowMinimum(o: ServiceOffering, version: KubernetesSupportedVersion): string | undefined {
    const cpu = Number(o.cpunumber ?? 0);
    const ram = Number(o.memory ?? 0);
    if (o.iscustomized) return "custom offerings are not allowed for cluster nodes";
    const needCpu = Math.max(MIN_NODE_CPU, Number(version.mincpunumber ?? 0));
    const needRam = Math.max(MIN_NODE_RAM_MB, Number(version.minmemory ?? 0));
    if (cpu < needCpu || ram < needRam)
        return `it has ${cpu} vCPU and ${ram} MB, Kubernetes ${version.semanticversion} nodes need at least ${needCpu} vCPU and ${needRam} MB`;
    return undefined;
}

/** Reads only: names resolve in Mold (candidates listed otherwise) and offerings meet the version's minimums. */
export async function checkClusterInMold(ctx: HookContext, inputs: KubernetesClusterInputs): Promise<CheckFailure[]> {
    const client = ctx.client();
    const failures: CheckFailure[] = [];
    const fail = (property: string, reason: string) => failures.push({ property, reason: `mold:KubernetesCluster: ${property} ${reason}` });
    const lookup = async <T>(property: keyof KubernetesClusterInputs, f: () => Promise<T>): Promise<T | undefined> => {
        // A value not known yet (preview of a dependent resource) is judged at up.
        if (containsUnknown(inputs[property])) return undefined;
        try {
            return await f();
        } catch (e) {
            if (e instanceof MoldLookupError) fail(property, e.message);
            else throw e;
            return undefined;
        }
    };
    const zone = await lookup("zone", () => findZone(client, inputs.zone));
    const version = await lookup("kubernetesVersion", () => findKubernetesVersion(client, inputs.kubernetesVersion, zone?.id));
    const offerings = await listServiceOfferings(client);
    for (const k of OFFERING_INPUTS) {
        if (!inputs[k] || (k === "etcdOffering" && !((inputs.etcdNodes ?? 0) > 0))) continue;
        if (k === "etcdOffering" && containsUnknown(inputs.etcdNodes)) continue;
        const o = await lookup(k, async () => pickOne("service offering", inputs[k]!, offerings));
        const why = o && version ? belowMinimum(o, version) : undefined;
        if (why) fail(k, `'${inputs[k]}' is too small: ${why}`);
    }
    const network = inputs.network ? await lookup("network", () => findNetwork(client, inputs.network!)) : undefined;
    const aclProblem = network ? await tierAclProblem(client, network) : undefined;
    if (aclProblem) fail("network", aclProblem);
    return failures;
}
