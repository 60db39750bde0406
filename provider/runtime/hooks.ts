// The run-time side of every dynamic resource. The serialized provider objects in sdk/ only forward
// to pulumi-mold/provider (`look` / `change`, which end in `runHook(kind, hook, settings, args)`), loaded
// with require() inside the host, so `__provider` stays tiny and holds no credentials, clients or Maps.
// Everything here runs in the provider host.
import { MoldClient } from "../client/client";
import type { GeneratedKinds } from "../generated/types";
import { hasCredentials, MoldClientOptions } from "../client/config";
import { jsonEqual as equal } from "./equal";
import { hookError } from "./errors";
import { sanitize } from "./sanitize";

/** The value Pulumi sends for inputs it does not know yet (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface CheckFailure {
    property: string;
    reason: string;
}

export interface HookContext {
    readonly kind: string;
    client(): MoldClient;
    log(message: string): void;
}

/** Plain JSON properties, for the runner, which serves every kind. */
export type Wire = Record<string, unknown>;

/** What the runner keeps in a resource's state besides its outputs (a type alias: a plain JSON record). */
export type RunnerState = {
    /** A create failed after the object existed: the next update must finish it. */
    createIncomplete?: boolean;
    __provider?: string;
};

/** The old outputs a hook gets: the resource's outputs as the state holds them. */
export type Olds<O> = O & RunnerState;

// An optional property is one that an empty object can stand for: `{}` is meant as "an empty object" here.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];

/**
 * What create and read must report: every output the schema says is always set that is not an input (the
 * runner merges the inputs in), the others when known. An output added to schema.json as always set and not
 * produced is a compile error; a property not in schema.json is one too (excess property).
 */
export type Reported<I, O> = Pick<O, Exclude<RequiredKeys<O>, keyof I>> & Partial<O>;

/**
 * Some properties, each may be null: a value gone from Mold (a removed policy or member set), which must
 * replace the old value when the runner merges the result over the old outputs (undefined would keep it).
 */
export type Cleared<T> = { [K in keyof T]?: T[K] | null };

// Identity, not mutual assignability: two kinds whose inputs differ only in optional properties (SshKeyPair and
// AffinityGroup) are assignable both ways.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** The inputs of the kind whose generated input type is `I` that its hooks must handle (never for the runner's Wire). */
export type HandledOf<I> = string extends keyof I
    ? never
    : { [K in keyof GeneratedKinds]: Same<GeneratedKinds[K]["inputs"], I> extends true ? GeneratedKinds[K]["handled"] : never }[keyof GeneratedKinds];

/** What a resource module implements; see provider/resources/*.ts. `I`/`O`: its generated types. */
export interface ResourceDefinition<I extends Wire = Wire, O extends Wire = Wire> {
    kind: string;
    /** Input names (the SDK's args) from schema.json. Outputs repeat them, so diffs compare outputs with new inputs. */
    inputs: readonly (keyof I & string)[];
    /**
     * How the hooks apply each input, one short line each: what create sends it as, and what update does when it
     * changes (an input in replaceOnChanges is replaced by the engine instead; one refused at check says so). The
     * compiler holds this to schema.json: an input added there without an entry here is an error, and so is an
     * entry for an input schema.json does not have. Read with the create and update hooks, it is their checklist.
     */
    handles: { readonly [K in HandledOf<I>]: string };
    /** Inputs that Mold cannot change in place: a change replaces the resource (schema.json's replaceOnChanges). */
    replaceOnChanges: readonly (keyof I & string)[];
    /**
     * Optional inputs Mold fills in when they are left out (a network's gateway, say). Their outputs hold
     * Mold's value, so leaving them unset is "no opinion", not a change.
     */
    computedInputs?: readonly (keyof I & string)[];
    /**
     * Inputs that only say how to reach something (an SSH private key, the control-plane nodes to join
     * through): they are passed to the hooks but never make a change by themselves.
     */
    connectionInputs?: readonly (keyof I & string)[];
    /**
     * Optional: whether the object still has work left from an earlier run (a create or update that failed
     * part-way), so an update must run even though no input changed. Pulumi forgets a resource's init errors
     * once it is refreshed; this keeps such work from being dropped.
     */
    needsRepair?(olds: Olds<O>): boolean;
    /**
     * Optional: asked by diff and update when nothing else calls for an update, whether the object needs one
     * anyway for what only a look can tell (a node group's NotReady nodes under `repair`). Reads only; answers
     * false without any I/O when the inputs do not ask for such looks.
     */
    lookForRepair?(ctx: HookContext, id: string, olds: Olds<O>, news: I): Promise<boolean>;
    /**
     * Pure validation and defaults; no API call. Must let unknown values (UNKNOWN) through. `news` carry the
     * schema's input names with the values the program sent (not validated yet: that is check's job). `olds`
     * are the previous inputs ({} on create), for rules about a change (a Kubernetes upgrade's step); optional,
     * so definitions that judge the new inputs alone keep their one-argument form.
     */
    check(news: Partial<I>, olds?: Partial<I>): { inputs: Partial<I>; failures: CheckFailure[] };
    /**
     * Optional: inputs rewritten to a canonical form before diffs compare them, for spellings Mold treats
     * as the same (10.1.1.5/24 and 10.1.1.0/24, a name and its id). `olds` are the old outputs, which
     * carry what Mold resolved (ids, a network's CIDR). Must be pure and tolerate unknown values.
     */
    normalize?(props: Partial<I>, olds: Partial<O>): Partial<I>;
    /**
     * Optional: whether a replacement must delete the old object first, because Mold would refuse the
     * new one next to it (e.g. rules whose ports overlap on the same IP). Asked only when something replaces.
     */
    deleteBeforeReplace?(olds: Olds<O>, news: I): boolean;
    /**
     * Checks that need to read Mold (e.g. ports owned by a Kubernetes cluster, names that must exist). Runs
     * only when `check` found nothing wrong and credentials are configured; reads only, never changes
     * anything. Inputs may still be unknown (preview of dependent resources): skip what needs them.
     */
    checkInMold?(ctx: HookContext, inputs: I): Promise<CheckFailure[]>;
    create(ctx: HookContext, inputs: I): Promise<{ id: string; outs: Reported<I, O> }>;
    /** Current outputs and inputs as Mold has them, or undefined when the object is gone. */
    read(ctx: HookContext, id: string, olds: Olds<O>): Promise<{ outs: Reported<I, O>; inputs: Cleared<I> } | undefined>;
    update(ctx: HookContext, id: string, olds: Olds<O>, news: I): Promise<Cleared<O>>;
    delete(ctx: HookContext, id: string, olds: Olds<O>): Promise<void>;
}

export interface DiffResult {
    changes: boolean;
    replaces: string[];
    deleteBeforeReplace: boolean;
}

const clients: Record<string, MoldClient> = {};

function contextFor(kind: string, settings: MoldClientOptions | undefined, label: string): HookContext {
    return {
        kind,
        client() {
            const key = JSON.stringify(settings ?? {});
            return (clients[key] ??= new MoldClient(settings ?? {}));
        },
        log(message: string) {
            console.log(`mold:${kind} ${label}: ${message}`);
        },
    };
}

export function containsUnknown(value: unknown): boolean {
    if (value === UNKNOWN) return true;
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
    return false;
}

/** Which inputs changed, and whether any of them forces a replacement. `olds` are the old outputs. */
export function changedInputs(def: ResourceDefinition, olds: Wire, news: Wire): string[] {
    const [o, n] = def.normalize ? [def.normalize(olds, olds), def.normalize(news, olds)] : [olds, news];
    return def.inputs.filter((k) => {
        if (containsUnknown(news[k])) return true;
        if (news[k] === undefined && def.computedInputs?.includes(k)) return false;
        return !equal(o[k], n[k]);
    });
}

export function diffInputs(def: ResourceDefinition, olds: Wire, news: Wire): DiffResult {
    const changed = changedInputs(def, olds, news);
    const replaces = changed.filter((k) => def.replaceOnChanges.includes(k));
    // New provider code must reach the state even when nothing else changed, or a later delete or
    // refresh would run the stale code stored there.
    const providerChanged = olds.__provider !== news.__provider;
    // New connection details (a rolled control plane, a rotated key) must reach the state too, or a later
    // delete would use stale ones; they change nothing in Mold by themselves.
    const connectionChanged = (def.connectionInputs ?? []).some((k) => containsUnknown(news[k]) || !equal(olds[k], news[k]));
    const repair = olds.createIncomplete === true || (def.needsRepair?.(olds) ?? false);
    const deleteFirst = replaces.length > 0 && !containsUnknown(news) && (def.deleteBeforeReplace?.(olds, news) ?? false);
    return { changes: changed.length > 0 || providerChanged || connectionChanged || repair, replaces, deleteBeforeReplace: deleteFirst };
}

/** What each hook answers the dynamic-provider host. */
export interface HookResults {
    check: { inputs: Wire; failures: CheckFailure[] };
    diff: DiffResult;
    create: { id: string; outs: Wire };
    read: { id: string; props: Wire; inputs?: Wire };
    update: { outs: Wire };
    delete: undefined;
}

export type HookName = keyof HookResults;

/** Runs one hook of one resource kind; `args` are the host's arguments for that hook. */
export function runHook<H extends HookName>(
    definitions: Record<string, ResourceDefinition>,
    kind: string,
    hook: H,
    settings: MoldClientOptions | undefined,
    args: unknown[],
): Promise<HookResults[H]> {
    return dispatch(definitions, kind, hook, settings, args) as Promise<HookResults[H]>;
}

async function dispatch(
    definitions: Record<string, ResourceDefinition>,
    kind: string,
    hook: string,
    settings: MoldClientOptions | undefined,
    args: unknown[],
): Promise<unknown> {
    const def = definitions[kind];
    if (!def) throw new Error(`pulumi-mold: unknown resource kind '${kind}' (is the installed pulumi-mold older than the program's?)`);
    try {
        switch (hook) {
            case "check": {
                const [olds, news] = args as [Wire, Wire];
                const { inputs, failures } = def.check(news, olds ?? {});
                if (failures.length === 0 && def.checkInMold && hasCredentials(settings)) {
                    failures.push(...(await def.checkInMold(contextFor(kind, settings, "check"), inputs)));
                }
                return { inputs: sanitize({ ...inputs, __provider: news.__provider }), failures };
            }
            case "diff": {
                const [id, olds, news] = args as [string, Wire, Wire];
                const result = diffInputs(def, olds, news);
                if (!result.changes && def.lookForRepair && !containsUnknown(news)) {
                    result.changes = await def.lookForRepair(contextFor(kind, settings, id), id, olds, news);
                }
                return result;
            }
            case "create": {
                const [inputs] = args as [Wire];
                const importId = inputs.importId;
                if (typeof importId === "string" && importId) return await adopt(def, contextFor(kind, settings, importId), importId, inputs);
                const { id, outs } = await def.create(contextFor(kind, settings, "create"), inputs);
                return { id, outs: sanitize({ ...inputs, ...outs }) };
            }
            case "read": {
                const [id, olds] = args as [string, Wire];
                const current = await def.read(contextFor(kind, settings, id), id, olds);
                if (!current) return { id: "", props: {} };
                return {
                    id,
                    props: sanitize({ ...olds, ...current.inputs, ...current.outs }),
                    // Computed inputs are left out: their outputs hold Mold's value, so an unset one would
                    // otherwise come back as a declared value. Diffs compare outputs, so drift still shows.
                    inputs: sanitize({
                        ...pick(olds, [...def.inputs.filter((k) => !def.computedInputs?.includes(k)), ...(def.connectionInputs ?? [])]),
                        ...current.inputs,
                        __provider: olds.__provider,
                    }),
                };
            }
            case "update": {
                const [id, olds, news] = args as [string, Wire, Wire];
                const needsWork =
                    changedInputs(def, olds, news).length > 0 ||
                    olds.createIncomplete === true ||
                    (def.needsRepair?.(olds) ?? false) ||
                    ((await def.lookForRepair?.(contextFor(kind, settings, id), id, olds, news)) ?? false);
                // A provider-code-only change needs no API call: re-emit the outputs with the new inputs.
                const outs = needsWork ? await def.update(contextFor(kind, settings, id), id, olds, news) : {};
                return { outs: sanitize({ ...olds, ...news, ...outs, createIncomplete: undefined }) };
            }
            case "delete": {
                const [id, olds] = args as [string, Wire];
                await def.delete(contextFor(kind, settings, id), id, olds);
                return undefined;
            }
            default:
                throw new Error(`unknown hook ${hook}`);
        }
    } catch (e) {
        // Partial failures keep their id so the host reports ErrorResourceInitFailed.
        // An update may fail part-way too (nodes added before one failed): a PartialFailure (with `reasons`)
        // records what exists now instead of the stale outputs.
        const partial = hook === "create" || (hook === "update" && Array.isArray((e as { reasons?: unknown })?.reasons));
        if (e && typeof e === "object" && "id" in e && (e as { id: unknown }).id && partial) {
            const p = e as Error & { id: string; properties?: Wire };
            throw Object.assign(hookError(kind, hook, e), { id: p.id, properties: sanitize(p.properties ?? {}), reasons: [p.message] });
        }
        throw hookError(kind, hook, e);
    }
}

/**
 * Takes over an existing Mold object instead of creating one (`importId`; dynamic resources cannot be
 * `pulumi import`ed). Inputs Mold cannot change must already match; the others are brought to the
 * program's values and the ownership tag is put on, so from then on the object is managed like any other.
 */
async function adopt(def: ResourceDefinition, ctx: HookContext, id: string, inputs: Wire): Promise<{ id: string; outs: Wire }> {
    const current = await def.read(ctx, id, {});
    if (!current) throw new Error(`importId ${id}: Mold has no such ${def.kind}`);
    // What Mold has for an input: read's inputs, else an output of the same name (a computed input).
    const inMold = (k: string) => (k in current.inputs ? current.inputs[k] : current.outs[k]);
    // Compared in canonical form when the resource has one (Mold's normalised CIDRs, a name for an id).
    const norm = (p: Wire) => (def.normalize ? def.normalize(p, current.outs) : p);
    const [mold, wanted] = [norm({ ...current.outs, ...current.inputs }), norm(inputs)];
    const conflicts = def.replaceOnChanges.filter((k) => inputs[k] !== undefined && inMold(k) !== undefined && !equal(mold[k], wanted[k]));
    if (conflicts.length) {
        const detail = conflicts.map((k) => `${k} is ${JSON.stringify(inMold(k))} in Mold but ${JSON.stringify(inputs[k])} in the program`);
        throw new Error(`importId ${id} cannot be adopted: ${detail.join("; ")} (changing it would need a replacement)`);
    }
    ctx.log(`adopting existing ${def.kind} ${id}`);
    // As after an incomplete create: update converges what Mold can change and puts the ownership tag on.
    const olds = { ...current.outs, ...current.inputs, createIncomplete: true };
    const outs = await def.update(ctx, id, olds, inputs);
    return { id, outs: sanitize({ ...inputs, ...current.outs, ...outs }) };
}

export function pick(props: Wire, keys: readonly string[]): Wire {
    const out: Wire = {};
    for (const k of keys) if (props[k] !== undefined) out[k] = props[k];
    return out;
}
