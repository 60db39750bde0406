// Kubernetes supported versions (mold-api-kubernetes.md §3.7, §4.3, §6.6): add, list, update, delete.
// Registered through kubernetes.ts. Texts follow KubernetesVersionManagerImpl in ablestack-cloud.
import { ApiError, UNAUTHORIZED_TEXT, unknownUuid } from "../errors";
import { matchesKeyword, render, T } from "../model";
import { table } from "../state";
import type { BaseContext, CommandSpec, JobCompleter } from "../types";
import { badVersionText, isSemver, semverOrder } from "../records/kubernetes-version";

/** The oldest Kubernetes version CKS accepts (KubernetesVersionManagerImpl.MIN_KUBERNETES_VERSION). */
export const MIN_KUBERNETES_VERSION = "1.11.0";
/** HA (several control nodes) needs at least this version. */
export const MIN_KUBERNETES_VERSION_HA_SUPPORT = "1.16.0";
/** Autoscaling needs at least this version; Mold compares it as a plain string. */
export const MIN_AUTOSCALER_SUPPORTED_VERSION = "1.15.0";
/** CKS node minimums (KubernetesClusterService.MIN_KUBERNETES_CLUSTER_NODE_CPU / _RAM_SIZE). */
export const MIN_NODE_CPU = 2;
export const MIN_NODE_RAM_MB = 2048;

/**
 * Errors of the CKS commands: each `execute()` wraps CloudRuntimeException (and so invalid-parameter and
 * permission-denied ones) in ServerApiException(INTERNAL_ERROR), hence 530 with cserrorcode 9999.
 */
export const cksError = (text: string) => new ApiError(530, text, 9999);

/**
 * add/update/deleteKubernetesSupportedVersion are root-admin commands (package admin.kubernetes.version): a role
 * without them fails ApiServer.verifyRequest's checkCommandAvailable with the plain 401, as listHosts does.
 */
function adminOnly(ctx: BaseContext & { caller: { roletype: string } }): void {
    if (ctx.caller.roletype !== "Admin") throw new ApiError(401, UNAUTHORIZED_TEXT, null);
}

export function versionsTable(ctx: BaseContext): Record<string, any> {
    return table(ctx.state, T.kubernetesVersions);
}

/** supportsautoscaling is a plain string comparison in Mold (`semver.compareTo("1.15.0") >= 0`). */
export function supportsAutoscaling(semver: string): boolean {
    return semver >= MIN_AUTOSCALER_SUPPORTED_VERSION;
}

/** The ISO of a freshly added version downloads for a while: `Creating`, then `Ready`. */
export function isoState(ctx: BaseContext, version: Record<string, any>): string {
    if (version.isostate === "Creating" && version._isoReadyAt !== undefined && ctx.now() >= version._isoReadyAt) {
        version.isostate = "Ready";
        delete version._isoReadyAt;
    }
    return version.isostate;
}

export function renderVersion(ctx: BaseContext, version: Record<string, any>): Record<string, any> {
    isoState(ctx, version);
    return render(version);
}

const addKubernetesSupportedVersion: CommandSpec = {
    name: "addKubernetesSupportedVersion",
    handle(ctx) {
        adminOnly(ctx);
        const p = ctx.params;
        const semanticVersion = p.required("semanticversion");
        const minimumCpu = p.requiredInt("mincpunumber");
        const minimumRam = p.requiredInt("minmemory");
        const zone = p.entity<any>("zoneid", table(ctx.state, T.zones));
        const url = p.str("url", 2048);
        const directDownload = p.bool("directdownload") ?? false;
        const arch = p.str("arch") ?? "x86_64";

        if (minimumCpu < MIN_NODE_CPU) throw cksError(`Invalid value for mincpunumber parameter. Minimum ${MIN_NODE_CPU} vCPUs required.`);
        if (minimumRam < MIN_NODE_RAM_MB) throw cksError(`Invalid value for minmemory parameter. Minimum ${MIN_NODE_RAM_MB}MB memory required`);
        if (!isSemver(semanticVersion)) throw cksError(badVersionText(semanticVersion));
        if (semverOrder(semanticVersion, MIN_KUBERNETES_VERSION) < 0) {
            throw cksError(`New supported Kubernetes version cannot be added as ${MIN_KUBERNETES_VERSION} is minimum version supported by Kubernetes Service`);
        }
        if (zone && zone.type === "Edge" && !directDownload) throw cksError(`Zone: ${zone.name} supports only direct download Kubernetes versions`);
        if (!url) throw cksError(`Invalid URL for ISO specified, ${p.has("url") ? "" : "null"}`);
        if (arch !== "x86_64" && arch !== "aarch64") throw cksError(`Invalid arch ${arch}, supported values are x86_64, aarch64`);

        let name = p.str("name");
        if (!name) name = zone ? `v${semanticVersion}-${zone.name}` : `v${semanticVersion}`;
        const id = ctx.uuid();
        const version: Record<string, any> = {
            id,
            name,
            semanticversion: semanticVersion,
            isoid: ctx.uuid(),
            isoname: `${name}-Kubernetes-Binaries-ISO`,
            // A direct-download ISO is never copied to secondary storage, so it is usable at once.
            isostate: directDownload ? "Ready" : "Creating",
            arch,
            zoneid: zone?.id,
            zonename: zone?.name,
            supportsha: semverOrder(semanticVersion, MIN_KUBERNETES_VERSION_HA_SUPPORT) >= 0,
            supportsautoscaling: supportsAutoscaling(semanticVersion),
            state: "Enabled",
            mincpunumber: minimumCpu,
            minmemory: minimumRam,
            created: ctx.timestamp(),
            directdownload: directDownload,
            _isoReadyAt: directDownload ? undefined : ctx.now() + ctx.latency("registerIso"),
            _url: url,
            _checksum: p.str("checksum"),
        };
        versionsTable(ctx)[id] = version;
        ctx.event({
            type: "KUBERNETES.VERSION.ADD",
            description: `Adding Kubernetes supported version ${name}`,
            resourceId: id,
            resourceType: "KubernetesSupportedVersion",
        });
        return { object: "kubernetessupportedversion", value: renderVersion(ctx, version) };
    },
};

const listKubernetesSupportedVersions: CommandSpec = {
    name: "listKubernetesSupportedVersions",
    handle(ctx) {
        const p = ctx.params;
        const versions = versionsTable(ctx);
        const id = p.str("id");
        const zoneId = p.str("zoneid");
        if (zoneId && !table(ctx.state, T.zones)[zoneId]) throw unknownUuid(ctx.cmdLower, "zoneid", zoneId);
        let minimum = p.str("minimumsemanticversion");
        const minimumId = p.str("minimumkubernetesversionid");
        if (minimum && minimumId) {
            // No wrapper in this command: a plain CloudRuntimeException (cserrorcode 4250).
            throw new ApiError(530, "Both parameters minimumsemanticversion and minimumkubernetesversionid can not be passed together", 4250);
        }
        if (minimumId) {
            const min = versions[minimumId];
            if (!min) throw unknownUuid(ctx.cmdLower, "minimumkubernetesversionid", minimumId);
            minimum = min.semanticversion;
        }
        const arch = p.str("arch");
        const keyword = p.str("keyword");
        const items = Object.values(versions)
            .filter((v: any) => !id || v.id === id)
            .filter((v: any) => !zoneId || v.zoneid === undefined || v.zoneid === zoneId)
            .filter((v: any) => !arch || v.arch === arch)
            .filter((v: any) => matchesKeyword(keyword, v.name, v.id))
            .filter((v: any) => {
                if (!minimum) return true;
                // Mold drops rows it cannot compare, and rows below the minimum.
                try {
                    return semverOrder(minimum, v.semanticversion) <= 0;
                } catch {
                    return false;
                }
            })
            .map((v: any) => renderVersion(ctx, v));
        return { list: "kubernetessupportedversion", items };
    },
};

const updateKubernetesSupportedVersion: CommandSpec = {
    name: "updateKubernetesSupportedVersion",
    handle(ctx) {
        adminOnly(ctx);
        const version = ctx.params.entity<any>("id", versionsTable(ctx), true)!;
        const state = ctx.params.required("state");
        // State.valueOf: case-sensitive.
        if (state !== "Enabled" && state !== "Disabled") throw cksError("Invalid value for state parameter");
        version.state = state;
        ctx.event({
            type: "KUBERNETES.VERSION.UPDATE",
            description: `Updating Kubernetes supported version ${version.name}`,
            resourceId: version.id,
            resourceType: "KubernetesSupportedVersion",
        });
        return { object: "kubernetessupportedversion", value: renderVersion(ctx, version) };
    },
};

const deleteKubernetesSupportedVersion: CommandSpec = {
    name: "deleteKubernetesSupportedVersion",
    isAsync: true,
    handle(ctx) {
        adminOnly(ctx);
        const version = ctx.params.entity<any>("id", versionsTable(ctx), true)!;
        return {
            jobid: ctx.queueJob({
                cmd: "org.apache.cloudstack.api.command.admin.kubernetes.version.DeleteKubernetesSupportedVersionCmd",
                completer: "deleteKubernetesSupportedVersion",
                payload: { id: version.id },
            }),
        };
    },
};

export const versionCommands: CommandSpec[] = [
    addKubernetesSupportedVersion,
    listKubernetesSupportedVersions,
    updateKubernetesSupportedVersion,
    deleteKubernetesSupportedVersion,
];

export const versionJobs: Record<string, JobCompleter> = {
    deleteKubernetesSupportedVersion(ctx, job) {
        const versions = versionsTable(ctx);
        const version = versions[job.payload.id];
        if (!version) throw cksError("Invalid Kubernetes version id specified");
        const inUse = Object.values(table(ctx.state, T.kubernetesClusters)).some((c: any) => c.kubernetesversionid === version.id);
        if (inUse) throw cksError(`Unable to delete Kubernetes version ID: ${version.id}. Existing clusters currently using the version.`);
        // The binaries ISO goes with the version.
        delete versions[version.id];
        ctx.event({
            type: "KUBERNETES.VERSION.DELETE",
            description: `deleting Kubernetes supported version ${version.name}`,
            resourceId: version.id,
            resourceType: "KubernetesSupportedVersion",
        });
        return { success: true };
    },
};
