// pulumi-mold/policy: guard rails for Mold programs as a Pulumi policy pack. @pulumi/policy is an optional
// peer dependency, required only when a pack is built, so programs that never use policies need not install it.
import type { EnforcementLevel, PolicyPack, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import * as checks from "./checks";
import { moldKind } from "./kinds";

// Pulumi's wire signature of a secret value (@pulumi/pulumi runtime/rpc specialSigKey / specialSecretSig).
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export { INGRESS, NOT_INGRESS, OPEN_FIREWALL_DEFAULT, CONTROL_PLANE_COUNT, moldKind, moldType } from "./kinds";
export type { Ingress, PortInputs } from "./kinds";
export * as checks from "./checks";

/** The pack's policies by name. */
export type MoldPolicyName =
    | "mold-admin-ports-not-world-open"
    | "mold-load-balancer-open-firewall"
    | "mold-single-control-plane-in-production"
    | "mold-control-plane-anti-affinity"
    | "mold-secret-inputs-marked-secret";

/** Enforcement when neither the options nor the pack's config say otherwise. */
export const DEFAULT_ENFORCEMENT: Readonly<Record<MoldPolicyName, EnforcementLevel>> = {
    "mold-admin-ports-not-world-open": "mandatory",
    "mold-load-balancer-open-firewall": "advisory",
    "mold-single-control-plane-in-production": "mandatory",
    "mold-control-plane-anti-affinity": "advisory",
    // Validations see secrets unwrapped (the runtime hides secretness from them); remediation sees it and fixes it.
    "mold-secret-inputs-marked-secret": "remediate",
};

export interface MoldPolicyOptions {
    /** Per-policy levels over DEFAULT_ENFORCEMENT; the pack's config (`--policy-pack-config`) overrides both. */
    enforcement?: Partial<Record<MoldPolicyName, EnforcementLevel>>;
    /** Stack names (regex) that must have an HA control plane; default checks.DEFAULT_PRODUCTION_STACKS. */
    productionStacks?: string;
    /** Ports refused from anywhere, by service; default SSH 22/2222 and the Kubernetes API 6443. */
    sensitivePorts?: Record<string, number[]>;
}

/** The judgement one policy applies to one mold resource: messages, one per violation. */
export type MoldCheck = (kind: string, args: ResourceValidationArgs) => string[];

/**
 * A policy over mold resources. A policy for a new kind is a check over (kind, props), e.g.
 * `moldPolicy("mold-vm-needs-keypair", "VMs log in with keys", "advisory", (kind, a) => kind === "VirtualMachine" && !a.props.keyPair ? ["set keyPair"] : [])`.
 */
export function moldPolicy(
    name: string,
    description: string,
    enforcementLevel: EnforcementLevel,
    check: MoldCheck,
    configSchema?: ResourceValidationPolicy["configSchema"],
): ResourceValidationPolicy {
    return {
        name,
        description,
        enforcementLevel,
        configSchema,
        validateResource: (args, reportViolation) => {
            const kind = moldKind(args.type);
            if (kind === undefined) return;
            for (const message of check(kind, args)) reportViolation(`${args.name}: ${message}`);
        },
    };
}

/**
 * Whether the policy runtime received `key` as a secret: its props proxy unwraps secrets, but the raw value
 * behind it is @pulumi/policy's Secret. Recognised by shape, not instanceof: a pack installed next to a linked
 * pulumi-mold (`file:`) loads its own copy of @pulumi/policy.
 */
function receivedAsSecret(props: Record<string, unknown>, key: string): boolean {
    const raw: unknown = Object.getOwnPropertyDescriptor(props, key)?.value;
    return typeof raw === "object" && raw !== null && raw.constructor?.name === "Secret" && "value" in raw;
}

/** The pulumi-mold policies, with their enforcement levels. */
export function moldPolicies(options: MoldPolicyOptions = {}): ResourceValidationPolicy[] {
    const level = (name: MoldPolicyName) => options.enforcement?.[name] ?? DEFAULT_ENFORCEMENT[name];
    const secrets = checks.secretInputs();
    return [
        moldPolicy(
            "mold-admin-ports-not-world-open",
            "SSH and the Kubernetes API are not reachable from 0.0.0.0/0 or ::/0 through any rule kind.",
            level("mold-admin-ports-not-world-open"),
            (kind, a) =>
                checks.worldOpenPorts(kind, a.props, a.getConfig<{ sensitivePorts?: Record<string, number[]> }>().sensitivePorts ?? options.sensitivePorts),
            { properties: { sensitivePorts: { type: "object", additionalProperties: { type: "array", items: { type: "integer" } } } } },
        ),
        moldPolicy(
            "mold-load-balancer-open-firewall",
            "Load balancers do not make Mold open their public port to 0.0.0.0/0 (openFirewall).",
            level("mold-load-balancer-open-firewall"),
            (kind, a) => checks.openFirewall(kind, a.props),
        ),
        moldPolicy(
            "mold-single-control-plane-in-production",
            "Production stacks run 3 or more control-plane nodes.",
            level("mold-single-control-plane-in-production"),
            (kind, a) =>
                checks.singleControlPlane(
                    kind,
                    a.props,
                    checks.stackOfUrn(a.urn),
                    a.getConfig<{ productionStacks?: string }>().productionStacks ?? options.productionStacks,
                ),
            { properties: { productionStacks: { type: "string" } } },
        ),
        moldPolicy(
            "mold-control-plane-anti-affinity",
            "HA control-plane nodes are kept on different hosts.",
            level("mold-control-plane-anti-affinity"),
            (kind, a) => checks.controlPlaneAntiAffinity(kind, a.props),
        ),
        {
            name: "mold-secret-inputs-marked-secret",
            description: "Registry credentials, user data and private keys are secrets: plain values are marked secret.",
            enforcementLevel: level("mold-secret-inputs-marked-secret"),
            remediateResource: (a) => {
                const kind = moldKind(a.type);
                if (kind === undefined) return undefined;
                const keys = checks.plaintextSecretKeys(kind, a.props, (k) => receivedAsSecret(a.props, k), secrets);
                if (keys.length === 0) return undefined;
                // The wire's secret envelope, not @pulumi/policy's Secret class: a linked pulumi-mold may load another copy.
                for (const k of keys) a.props[k] = { [SECRET_SIG_KEY]: SECRET_SIG, value: a.props[k] };
                return a.props;
            },
        },
    ];
}

/** @pulumi/policy, loaded when a pack is built; a missing package gets an error naming it and how to install it. */
export function loadPolicyModule(load: (id: string) => any = require): typeof import("@pulumi/policy") {
    const id = "@pulumi/policy";
    try {
        return load(id);
    } catch (e) {
        const err = e as NodeJS.ErrnoException;
        // Only the package itself missing, not a module it fails to load in turn.
        if (err?.code === "MODULE_NOT_FOUND" && String(err.message).includes(`'${id}'`)) {
            throw new Error(
                "pulumi-mold/policy: a policy pack needs the package @pulumi/policy, which is not installed (it is an optional " +
                    "peer dependency of pulumi-mold): run `npm install @pulumi/policy` in your policy pack's folder",
                { cause: e },
            );
        }
        throw e;
    }
}

/** A PolicyPack named `pulumi-mold` (or `name`) with the pulumi-mold policies plus any of your own. It starts serving. */
export function moldPolicyPack(options: MoldPolicyOptions & { name?: string; extra?: ResourceValidationPolicy[] } = {}): PolicyPack {
    const { PolicyPack } = loadPolicyModule();
    return new PolicyPack(options.name ?? "pulumi-mold", { policies: [...moldPolicies(options), ...(options.extra ?? [])] });
}
