// Runs a @pulumi/policy resource validation or remediation the way the policy runtime (its analyzer server)
// does: the resource's serialized inputs (secrets as secret envelopes, as a program registers them) go through
// the runtime's own deserialization — secrets unwrapped for validations, kept visible for remediations — and
// unknown-checking proxy, no CLI involved.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import * as rpc from "@pulumi/pulumi/runtime/rpc";

const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
const { deserializeProperties, serializeProperties } = require("@pulumi/policy/deserialize");
const { unknownCheckingProxy } = require("@pulumi/policy/proxy");

/** One registered resource: its type token, name, stack and serialized inputs. */
export interface Registration {
    type: string;
    name: string;
    stack?: string;
    inputs: Record<string, unknown>;
}

/** A value as a program registers a pulumi.secret() (the wire's secret envelope). */
export function secretValue(value: unknown): Record<string, unknown> {
    return { [rpc.specialSigKey]: rpc.specialSecretSig, value };
}

function validationArgs(r: Registration, config: Record<string, unknown>, proxySecrets: boolean): any {
    const props = unknownCheckingProxy(deserializeProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(r.inputs))), proxySecrets));
    const stack = r.stack ?? "dev";
    return {
        type: r.type,
        props,
        urn: `urn:pulumi:${stack}::app::${r.type}::${r.name}`,
        name: r.name,
        opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: {}, additionalSecretOutputs: [] },
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: () => config,
        notApplicable: (reason?: string) => {
            throw new Error(`not applicable: ${reason}`);
        },
    };
}

/** The violations `policy` reports for `r` (with the pack's `config` for that policy); secrets arrive unwrapped, as in Analyze. */
export async function violations(policy: ResourceValidationPolicy, r: Registration, config: Record<string, unknown> = {}): Promise<string[]> {
    const args = validationArgs(r, config, false);
    const found: string[] = [];
    if (!policy.validateResource) return found;
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    for (const v of validations) await v(args, (message: string) => found.push(message));
    return found;
}

/** The inputs `policy` remediates `r` to, serialized as the runtime sends them back (undefined: no change), as in Remediate. */
export async function remediation(policy: ResourceValidationPolicy, r: Registration): Promise<Record<string, unknown> | undefined> {
    const result = await policy.remediateResource?.(validationArgs(r, {}, true));
    return result === undefined ? undefined : serializeProperties(result);
}
