// Output properties made when first read. @pulumi/pulumi gives every registered property of a resource an Output
// at once: four promises (value, known, secret, dependencies), each wrapped for its leak report (two more promises,
// a context label), and the Output's own dozen promises and closures — about 6 KB per property while the
// registration is in flight, which in a preview or up is until the engine answers, for all of a program's
// resources at once. A 2,000-rule program reads almost none of them (its rules' ids, not their fourteen other
// properties). So while a pulumi-mold resource registers, @pulumi/pulumi's `transferProperties` is replaced by
// `lazyTransferProperties`: each property is an accessor that makes the same Output (same resource, value,
// known, secret and dependencies) the first time it is read, and is a plain data property from then on. What is
// registered, sent to the engine and stored in the state does not change: only when the Output object is made.
// The replacement is installed only if @pulumi/pulumi's internals look as expected, and left out otherwise.
import type * as pulumi from "@pulumi/pulumi";

/** How @pulumi/pulumi settles one property when the engine answers (its `transferProperties` resolvers). */
export type Resolver = (value: unknown, isKnown: boolean, isSecret: boolean, deps?: pulumi.Resource[], err?: Error) => void;

/** Makes an Output as `transferProperties` does: of the resource, from its four promises. */
export type MakeOutput = (
    onto: pulumi.Resource,
    value: Promise<unknown>,
    isKnown: Promise<boolean>,
    isSecret: Promise<boolean>,
    deps: Promise<pulumi.Resource[]>,
) => unknown;

/** One property: what the engine answered (once `done`), or how to settle the Output read before it answered. */
interface Slot {
    done?: true;
    value?: unknown;
    isKnown?: boolean;
    isSecret?: boolean;
    deps?: pulumi.Resource[];
    err?: Error;
    settle?: (slot: Slot) => void;
}

// Most properties depend on nothing: one shared, frozen list (an Output copies the list it is given).
const NO_DEPS: pulumi.Resource[] = Object.freeze([]) as unknown as pulumi.Resource[];

const SLOTS = Symbol("pulumi-mold lazy outputs");

/** gRPC UNAVAILABLE or CANCELLED: the engine is going away, and @pulumi/pulumi leaves the outputs unsettled. */
function isGrpcShutdown(err: Error): boolean {
    const code = (err as { code?: unknown }).code;
    return code === 14 || code === 1;
}

/** The four promises of an Output, already settled. */
function settledPromises(s: Slot): [Promise<unknown>, Promise<boolean>, Promise<boolean>, Promise<pulumi.Resource[]>] {
    const err = s.err;
    if (err) return [Promise.reject(err), Promise.reject(err), Promise.reject(err), Promise.reject(err)];
    return [Promise.resolve(s.value), Promise.resolve(s.isKnown as boolean), Promise.resolve(s.isSecret as boolean), Promise.resolve(s.deps ?? NO_DEPS)];
}

function defineData(target: object, key: string, value: unknown): void {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** The Output of property `key`, made now: settled if the engine has answered, else settled when it does. */
function materialize(onto: pulumi.Resource, key: string, makeOutput: MakeOutput): unknown {
    const slot = (onto as unknown as Record<symbol, Record<string, Slot>>)[SLOTS][key];
    let promises;
    if (slot.done) {
        promises = settledPromises(slot);
    } else {
        const deferred: ((s: Slot) => void)[] = [];
        const make = <T>(pick: (s: Slot) => T) => new Promise<T>((resolve, reject) => deferred.push((s) => (s.err ? reject(s.err) : resolve(pick(s)))));
        promises = [make((s) => s.value), make((s) => s.isKnown as boolean), make((s) => s.isSecret as boolean), make((s) => s.deps ?? NO_DEPS)] as const;
        slot.settle = (s) => deferred.forEach((settle) => settle(s));
    }
    const output = makeOutput(onto, ...promises);
    defineData(onto, key, output);
    return output;
}

/** One getter and setter per property name, shared by every resource (V8 then shares the objects' shapes too). */
function accessor(accessors: Map<string, PropertyDescriptor>, key: string, makeOutput: MakeOutput): PropertyDescriptor {
    let descriptor = accessors.get(key);
    if (!descriptor) {
        descriptor = {
            get(this: pulumi.Resource) {
                return materialize(this, key, makeOutput);
            },
            // The Output was a writable data property: an assignment replaces it, as before.
            set(this: pulumi.Resource, value: unknown) {
                defineData(this, key, value);
            },
            enumerable: true,
            configurable: true,
        };
        accessors.set(key, descriptor);
    }
    return descriptor;
}

/**
 * `transferProperties(onto, label, props)` as @pulumi/pulumi calls it from its resource registration: defines each
 * property of `props` but `id` and `urn` on `onto` and returns the functions that settle them, by name. The
 * properties are accessors that make their Output when first read (see the file's header).
 */
export function lazyTransferProperties(makeOutput: MakeOutput) {
    const accessors = new Map<string, PropertyDescriptor>();
    return (onto: pulumi.Resource, label: string, props: Record<string, unknown>): Record<string, Resolver> => {
        const slots: Record<string, Slot> = {};
        const resolvers: Record<string, Resolver> = {};
        for (const key of Object.keys(props)) {
            if (key === "id" || key === "urn") continue;
            if (Object.prototype.hasOwnProperty.call(onto, key)) {
                throw new Error(`Property '${key}' is already initialized on target '${label}`);
            }
            const slot: Slot = (slots[key] = {});
            resolvers[key] = (value, isKnown, isSecret, deps, err) => {
                if (err && isGrpcShutdown(err)) return;
                Object.assign(slot, { done: true, value, isKnown, isSecret, deps: deps ?? NO_DEPS, err });
                slot.settle?.(slot);
                slot.settle = undefined;
            };
        }
        Object.defineProperty(onto, SLOTS, { value: slots, enumerable: false, configurable: true });
        for (const key of Object.keys(slots)) Object.defineProperty(onto, key, accessor(accessors, key, makeOutput));
        return resolvers;
    };
}

/** The parts of @pulumi/pulumi the replacement needs: its rpc module and its Output constructor. */
export interface PulumiInternals {
    rpc: { transferProperties?: unknown };
    Output: unknown;
}

/**
 * Replaces `rpc.transferProperties` with the lazy one and returns what restores it, or returns undefined and
 * changes nothing when the internals are not what this was written against (a function of three parameters,
 * writable; an Output constructor), when PULUMI_DEBUG_PROMISE_LEAKS asks for @pulumi/pulumi's own labelled
 * promises, or when PULUMI_MOLD_EAGER_OUTPUTS is set.
 */
export function installLazyOutputs(internals: PulumiInternals | undefined, env: NodeJS.ProcessEnv = process.env): (() => void) | undefined {
    if (!internals || env.PULUMI_DEBUG_PROMISE_LEAKS || env.PULUMI_MOLD_EAGER_OUTPUTS) return undefined;
    const { rpc, Output } = internals;
    const original = rpc.transferProperties;
    const descriptor = Object.getOwnPropertyDescriptor(rpc, "transferProperties");
    if (typeof original !== "function" || original.length !== 3 || typeof Output !== "function" || !descriptor?.writable) return undefined;
    const OutputClass = Output as new (...args: unknown[]) => unknown;
    rpc.transferProperties = lazyFor(OutputClass);
    return () => {
        rpc.transferProperties = original;
    };
}

// One replacement per Output class, so that the accessors' shared descriptors stay shared.
const replacements = new Map<unknown, ReturnType<typeof lazyTransferProperties>>();

function lazyFor(OutputClass: new (...args: unknown[]) => unknown) {
    let replacement = replacements.get(OutputClass);
    if (!replacement) {
        replacement = lazyTransferProperties((onto, value, isKnown, isSecret, deps) => new OutputClass(onto, value, isKnown, isSecret, deps));
        replacements.set(OutputClass, replacement);
    }
    return replacement;
}
