// mold:index:KubernetesVersion — a Kubernetes version Mold's Kubernetes service offers: addKubernetesSupportedVersion
// registers the binaries ISO from its URL. Only `enabled` changes in place (updateKubernetesSupportedVersion).
//
// An administrator's commands (admin.kubernetes.version): a role without them gets Mold's bare 401, the answer a bad
// signature gets too. One read (listZones) then tells the two apart, so the error can name the missing permission.
//
// Ownership: Mold cannot tag versions. A version is ours by the id recorded at create (or adoption): delete goes by
// that id only.
import { findZone } from "../client/catalog";
import type { MoldClient } from "../client/client";
import { MoldApiError, rowsUnlessGone } from "../client/errors";
import {
    addKubernetesSupportedVersion,
    deleteKubernetesSupportedVersion,
    KubernetesSupportedVersion,
    listKubernetesSupportedVersions,
    updateKubernetesSupportedVersion,
} from "../client/kubernetes";
import { kubernetesVersionSchema } from "../generated/schema";
import type { KubernetesVersionInputs, KubernetesVersionOutputs } from "../generated/types";
import type { Reported, ResourceDefinition } from "../runtime/hooks";
import { changeIdempotent, createOnce, deleteConfirmed } from "../runtime/reconcile";
import { Validator } from "../runtime/validate";
import { namesInMold } from "./check-names";

const KIND = "KubernetesVersion";
const ARCHES = ["x86_64", "aarch64"] as const;
/** KubernetesVersionManagerImpl's floor, and CKS's node minimums. */
const MIN_VERSION = [1, 11, 0];
const MIN_CPU = 2;
const MIN_MEMORY_MB = 2048;
const SEMVER = /^(\d+)\.(\d+)\.(\d+)$/;

/** Whether the Mold error is the plain 401 of a command the caller's role does not have (credentials work). */
async function lacksCommand(client: MoldClient, e: unknown): Promise<boolean> {
    if (!(e instanceof MoldApiError) || e.errorcode !== 401) return false;
    try {
        await client.list("listZones", {}, "zone");
        return true;
    } catch {
        return false;
    }
}

/** Runs an admin command; the 401 of a role without it becomes an error naming the permission. */
export async function asAdmin<T>(client: MoldClient, command: string, what: string, run: () => Promise<T>): Promise<T> {
    try {
        return await run();
    } catch (e) {
        if (await lacksCommand(client, e)) {
            throw new Error(
                `mold:${KIND}: cannot ${what}: ${command} is a root-admin command and this account's role lacks the permission ` +
                    `'${command}' (Mold answered 401 to it while the same keys read zones). Use an administrator's API keys ` +
                    `for this resource, or ask an administrator to register the version.`,
                { cause: e },
            );
        }
        throw e;
    }
}

async function getVersion(client: MoldClient, id: string): Promise<KubernetesSupportedVersion | undefined> {
    return (await rowsUnlessGone(listKubernetesSupportedVersions(client, { id }))).find((v) => v.id === id);
}

function outputsOf(v: KubernetesSupportedVersion): Reported<KubernetesVersionInputs, KubernetesVersionOutputs> {
    return {
        name: v.name,
        zoneId: v.zoneid ?? "",
        arch: v.arch ?? "x86_64",
        state: v.state,
        isoId: v.isoid ?? "",
        isoName: v.isoname ?? "",
        isoState: v.isostate ?? "",
        supportsHa: v.supportsha,
        supportsAutoscaling: v.supportsautoscaling,
    };
}

/** Whether `a` is below `b`, both MAJOR.MINOR.PATCH. */
function below(a: number[], b: number[]): boolean {
    for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i];
    return false;
}

export const kubernetesVersion: ResourceDefinition<KubernetesVersionInputs, KubernetesVersionOutputs> = {
    kind: KIND,
    inputs: kubernetesVersionSchema.inputs,
    replaceOnChanges: kubernetesVersionSchema.replaceOnChanges,
    // Left out, Mold names the version and picks x86_64: the outputs hold its values.
    computedInputs: ["name", "arch"],
    handles: {
        semanticVersion: "addKubernetesSupportedVersion semanticversion",
        url: "addKubernetesSupportedVersion url",
        name: "addKubernetesSupportedVersion name",
        zone: "addKubernetesSupportedVersion zoneid (found by name or id)",
        minCpuNumber: "addKubernetesSupportedVersion mincpunumber",
        minMemory: "addKubernetesSupportedVersion minmemory",
        checksum: "addKubernetesSupportedVersion checksum",
        directDownload: "addKubernetesSupportedVersion directdownload",
        arch: "addKubernetesSupportedVersion arch",
        enabled: "updateKubernetesSupportedVersion state (Enabled/Disabled)",
    },

    check(news) {
        const v = new Validator(KIND);
        v.string("semanticVersion", news.semanticVersion, { required: true });
        if (typeof news.semanticVersion === "string" && news.semanticVersion.trim() === news.semanticVersion) {
            const m = SEMVER.exec(news.semanticVersion);
            if (!m) v.fail("semanticVersion", `must be MAJOR.MINOR.PATCH (e.g. 1.31.9), got '${news.semanticVersion}'`);
            else if (below(m.slice(1).map(Number), MIN_VERSION)) {
                v.fail("semanticVersion", `is ${news.semanticVersion}; Mold's Kubernetes service supports ${MIN_VERSION.join(".")} and newer`);
            }
        }
        if (news.url === undefined || news.url === null || news.url === "") {
            v.fail("url", "is required: the URL of the Kubernetes binaries ISO, which Mold registers for the version (it takes no ISO id)");
        } else {
            v.string("url", news.url, { maxLength: 2048 });
            if (typeof news.url === "string" && v.known(news.url) && !/^https?:\/\/[^\s/]+/i.test(news.url)) {
                v.fail("url", `must be an http or https URL of the ISO, got '${news.url}'`);
            }
        }
        v.string("name", news.name);
        v.string("zone", news.zone);
        v.integer("minCpuNumber", news.minCpuNumber, { min: MIN_CPU, required: true, what: "a number of vCPUs" });
        v.integer("minMemory", news.minMemory, { min: MIN_MEMORY_MB, required: true, what: "a memory size in MB" });
        v.string("checksum", news.checksum);
        v.oneOf("arch", news.arch, ARCHES);
        const inputs = { ...news };
        if (typeof inputs.arch === "string" && v.known(inputs.arch)) inputs.arch = inputs.arch.toLowerCase() as KubernetesVersionInputs["arch"];
        return { inputs, failures: v.failures };
    },

    checkInMold: (ctx, inputs) => namesInMold(ctx, KIND, inputs, { zone: "zone" }),

    async create(ctx, inputs) {
        const client = ctx.client();
        const zoneid = inputs.zone !== undefined ? (await findZone(client, inputs.zone)).id : undefined;
        const started = new Set((await listKubernetesSupportedVersions(client, zoneid ? { zoneid } : {})).map((v) => v.id));
        // After a lost answer: a version of this semantic version and zone that was not there before is the one added.
        const find = async () =>
            (await listKubernetesSupportedVersions(client, zoneid ? { zoneid } : {})).find(
                (v) => !started.has(v.id) && v.semanticversion === inputs.semanticVersion && (v.zoneid ?? undefined) === zoneid,
            );
        let made = await asAdmin(client, "addKubernetesSupportedVersion", `add Kubernetes version ${inputs.semanticVersion}`, () =>
            createOnce(
                () =>
                    addKubernetesSupportedVersion(client, {
                        semanticversion: inputs.semanticVersion,
                        url: inputs.url,
                        mincpunumber: inputs.minCpuNumber,
                        minmemory: inputs.minMemory,
                        name: inputs.name,
                        zoneid,
                        checksum: inputs.checksum,
                        directdownload: inputs.directDownload,
                        arch: inputs.arch,
                    }),
                find,
            ),
        );
        if (inputs.enabled === false) {
            try {
                made = await updateKubernetesSupportedVersion(client, made.id, "Disabled");
            } catch (e) {
                throw Object.assign(new Error(`added Kubernetes version ${made.id} but could not disable it: ${(e as Error).message}`), {
                    id: made.id,
                    properties: { ...inputs, ...outputsOf(made), createIncomplete: true },
                });
            }
        }
        return { id: made.id, outs: outputsOf(made) };
    },

    async read(ctx, id, olds) {
        const v = await getVersion(ctx.client(), id);
        if (!v) return undefined;
        return {
            outs: outputsOf(v),
            // Mold shows neither the URL nor the checksum: the declared values stand.
            inputs: {
                semanticVersion: v.semanticversion,
                minCpuNumber: v.mincpunumber,
                minMemory: v.minmemory,
                ...(v.directdownload !== undefined && olds.directDownload !== undefined ? { directDownload: v.directdownload } : {}),
                enabled: olds.enabled === undefined && v.state === "Enabled" ? undefined : v.state === "Enabled",
            },
        };
    },

    async update(ctx, id, olds, news) {
        const client = ctx.client();
        let v = await getVersion(client, id);
        if (!v) throw new Error(`Kubernetes version ${id} no longer exists in Mold; run refresh`);
        const state = news.enabled === false ? "Disabled" : "Enabled";
        if (v.state !== state) {
            v = await changeIdempotent(() =>
                asAdmin(client, "updateKubernetesSupportedVersion", `${state === "Enabled" ? "enable" : "disable"} Kubernetes version ${v!.name}`, () =>
                    updateKubernetesSupportedVersion(client, id, state),
                ),
            );
        }
        void olds;
        return outputsOf(v);
    },

    async delete(ctx, id) {
        const client = ctx.client();
        const v = await getVersion(client, id);
        if (!v) return;
        await deleteConfirmed(
            () =>
                asAdmin(client, "deleteKubernetesSupportedVersion", `delete Kubernetes version ${v.name}`, () => deleteKubernetesSupportedVersion(client, id)),
            async () => (await getVersion(client, id)) !== undefined,
        );
    },
};
