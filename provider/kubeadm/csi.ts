// PersistentVolumeClaims on Mold disks for a self-managed cluster: the control-plane group's `csi` input,
// checked at preview (the disk offering and the template resolved read-only in Mold) and applied by the
// idempotent csi-install step on a control-plane node. The driver's Mold credentials travel only inside the
// step's script (SECRET_ENV) into the cluster's Secret: never on a command line, never in the state.
import { findTemplate, findZone, MoldLookupError } from "../client/catalog";
import type { MoldClient } from "../client/client";
import { DiskOffering, findDiskOffering } from "../client/disk-offerings";
import type { KubeadmCsi } from "../generated/types";
import { CheckFailure, containsUnknown } from "../runtime/hooks";
import type { Validator } from "../runtime/validate";
import { ADMIN_CONNECT } from "./bootstrap";
import { admins } from "./converge";
import type { GroupContext } from "./group";

export const DEFAULT_STORAGE_CLASS = "mold-disk";
/**
 * The pinned driver release: github.com/cloudstack/cloudstack-csi-driver (the Apache CloudStack project's
 * driver), assets snapshot-crds.yaml and manifest.yaml of this tag. A newer one is adopted by changing this.
 */
export const CSI_DRIVER_VERSION = "v3.0.0";

/** The wanted install, or undefined when csi is absent or off. */
export interface CsiSpec {
    storageClassName: string;
    diskOffering: string;
    isDefault: boolean;
    apiKey?: string;
    secretKey?: string;
}

export function csiSpec(csi: KubeadmCsi | null | undefined): CsiSpec | undefined {
    if (!csi || csi.enabled === false) return undefined;
    return {
        storageClassName: csi.storageClassName ?? DEFAULT_STORAGE_CLASS,
        diskOffering: csi.diskOffering,
        isDefault: csi.default === true,
        apiKey: csi.apiKey || undefined,
        secretKey: csi.secretKey || undefined,
    };
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Shape checks (no Mold): every problem at once, each naming its property. */
export function checkCsi(v: Validator, csi: unknown, role: unknown): void {
    if (!v.known(csi) || csi === undefined || csi === null) return;
    if (typeof csi !== "object" || Array.isArray(csi)) return v.fail("csi", "must be an object {enabled, diskOffering, storageClassName, default}");
    const c = csi as Record<string, unknown>;
    if (v.known(role) && role !== "control-plane") v.fail("csi", "is only for the control-plane group: only its nodes run admin steps");
    for (const p of ["enabled", "default"]) {
        if (v.known(c[p]) && c[p] !== undefined && typeof c[p] !== "boolean") v.fail(`csi.${p}`, `must be a boolean, got ${typeof c[p]}`);
    }
    if (c.enabled === false) return;
    v.string("csi.diskOffering", c.diskOffering, { required: true });
    v.string("csi.storageClassName", c.storageClassName);
    const name = c.storageClassName;
    if (typeof name === "string" && v.known(name) && (name.length > 253 || !DNS_SUBDOMAIN.test(name))) {
        v.fail("csi.storageClassName", `must be a lower-case DNS subdomain name (a Kubernetes object name), got '${name}'`);
    }
    v.string("csi.apiKey", c.apiKey, { maxLength: Infinity });
    v.string("csi.secretKey", c.secretKey, { maxLength: Infinity });
    if (v.known(c.apiKey) && v.known(c.secretKey) && !!c.apiKey !== !!c.secretKey) {
        v.fail(c.apiKey ? "csi.secretKey" : "csi.apiKey", "is required with the other: a dedicated key is a key pair");
    }
}

/**
 * Why the driver cannot work with this disk offering, if it cannot: it creates each volume at the size its
 * claim asks for, so the offering must have a custom size.
 */
export function diskOfferingProblem(o: Pick<DiskOffering, "name" | "iscustomized" | "disksize">): string | undefined {
    if (!o.iscustomized)
        return `'${o.name}' has a fixed size (${o.disksize} GB); the CSI driver needs an offering with a custom size (each claim asks for its own)`;
    return undefined;
}

/**
 * Why nodes from this template cannot use the driver, if they cannot. The driver finds an attached Mold disk as
 * a virtio block device (its serial is the volume id): that takes a KVM guest, whose kernel has virtio_blk.
 * Templates of other hypervisors attach disks on another bus (no virtio_blk device appears).
 */
export function templateProblem(t: { name: string; hypervisor?: unknown }): string | undefined {
    const hv = typeof t.hypervisor === "string" ? t.hypervisor : "";
    if (hv && hv.toLowerCase() !== "kvm")
        return `'${t.name}' is a ${hv} template: the CSI driver finds Mold disks as virtio block devices (kernel module virtio_blk), which only KVM guests get`;
    return undefined;
}

const usable = (value: unknown): value is string => typeof value === "string" && value !== "" && !containsUnknown(value);

/** Read-only checks in Mold at preview: the disk offering exists and has a custom size; the template suits the driver. */
export async function csiInMold(
    client: MoldClient,
    kind: string,
    inputs: { csi?: KubeadmCsi | null; zone?: unknown; template?: unknown },
): Promise<CheckFailure[]> {
    const spec = containsUnknown(inputs.csi) ? undefined : csiSpec(inputs.csi);
    if (!spec) return [];
    const failures: CheckFailure[] = [];
    const fail = (property: string, reason: string) => failures.push({ property, reason: `mold:${kind}: ${property} ${reason}` });
    if (usable(spec.diskOffering)) {
        try {
            const problem = diskOfferingProblem(await findDiskOffering(client, spec.diskOffering));
            if (problem) fail("csi.diskOffering", problem);
        } catch (e) {
            if (!(e instanceof MoldLookupError)) throw e;
            fail("csi.diskOffering", e.message);
        }
    }
    if (usable(inputs.template) && usable(inputs.zone)) {
        try {
            const zone = await findZone(client, inputs.zone);
            const problem = templateProblem(await findTemplate(client, inputs.template, zone.id));
            if (problem) fail("csi", `cannot work on this group's template: ${problem}`);
        } catch (e) {
            // An unknown zone or template is reported by the name checks.
            if (!(e instanceof MoldLookupError)) throw e;
        }
    }
    return failures;
}

/** What the group records of its CSI install (outputs storageClassName, csiDiskOfferingId). */
export interface CsiRecord {
    storageClassName: string;
    diskOfferingId: string;
}

/**
 * Installs or updates the driver, its Secret and the StorageClass on a control-plane node. The credentials are
 * the dedicated key pair when given, else the provider's own (its configuration, never the state).
 */
export async function installCsi(g: GroupContext): Promise<CsiRecord | undefined> {
    const spec = csiSpec(g.inputs.csi);
    if (!spec || g.inputs.role !== "control-plane") return undefined;
    const offering = await findDiskOffering(g.client, spec.diskOffering);
    const problem = diskOfferingProblem(offering);
    if (problem) throw new Error(`csi.diskOffering ${problem}`);
    const own = g.client.config;
    const previous = g.state.csi?.storageClassName;
    const env = {
        PM_CSI_API_URL: own.apiUrl,
        PM_CSI_API_KEY: spec.apiKey ?? own.apiKey,
        PM_CSI_SECRET_KEY: spec.secretKey ?? own.secretKey,
        PM_CSI_VERSION: CSI_DRIVER_VERSION,
        PM_STORAGE_CLASS: spec.storageClassName,
        PM_DISK_OFFERING_ID: offering.id,
        PM_DEFAULT: spec.isDefault ? "1" : "0",
        // Renamed: the class made under the old name goes (the step deletes only the driver's classes).
        ...(previous && previous !== spec.storageClassName ? { PM_REMOVE_STORAGE_CLASS: previous } : {}),
    };
    const { results } = await g.fleet.withAdmin(admins(g), (a) => g.fleet.runner(a, ADMIN_CONNECT).run("csi-install", env));
    g.ctx.log(
        `CSI driver ${results["driver-version"] ?? CSI_DRIVER_VERSION}: StorageClass ${spec.storageClassName} on disk offering ${offering.name} (${results.csi ?? "done"})`,
    );
    return { storageClassName: spec.storageClassName, diskOfferingId: offering.id };
}
