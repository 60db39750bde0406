// Runs a @pulumi/policy resource validation the way the policy runtime (its analyzer server) does: the
// resource's serialized inputs (secrets as secret envelopes, as a program registers them) go through the
// runtime's own deserialization and unknown-checking proxy, and violations are collected, no CLI involved.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import * as rpc from "@pulumi/pulumi/runtime/rpc";

const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
const { deserializeProperties } = require("@pulumi/policy/deserialize");
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

/** The violations `policy` reports for `r` (with the pack's `config` for that policy). */
export async function violations(policy: ResourceValidationPolicy, r: Registration, config: Record<string, unknown> = {}): Promise<string[]> {
    const props = unknownCheckingProxy(deserializeProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(r.inputs))), true));
    const stack = r.stack ?? "dev";
    const urn = `urn:pulumi:${stack}::app::${r.type}::${r.name}`;
    const found: string[] = [];
    const args: any = {
        type: r.type,
        props,
        urn,
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
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
    for (const v of validations) await v(args, (message: string) => found.push(message));
    return found;
}
