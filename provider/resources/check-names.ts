// Read-only checks at preview that the zones, offerings, templates and networks a resource names exist in
// Mold, so an unknown name fails at preview (with the candidates listed) instead of half-way through an up.
// Each lookup is skipped while its value is unknown (a dependency not created yet); the hook runner skips
// them all when no credentials are configured.
import { findNetworkOffering, findServiceOffering, findTemplate, findZone, MoldLookupError } from "../client/catalog";
import type { MoldClient } from "../client/client";
import { CheckFailure, containsUnknown, HookContext } from "../runtime/hooks";
import { findNetwork } from "../runtime/common";

export interface NameLookup {
    property: string;
    value: unknown;
    /** Resolves the name; throws MoldLookupError when Mold has no such object (or several). Returns its id. */
    find(client: MoldClient, value: string): Promise<{ id: string } | undefined>;
}

const usable = (value: unknown): value is string => typeof value === "string" && value !== "" && !containsUnknown(value);

/** Failures for the lookups that name nothing in Mold; other errors (Mold unreachable…) propagate. */
export async function lookupFailures(ctx: HookContext, kind: string, lookups: NameLookup[]): Promise<CheckFailure[]> {
    const client = ctx.client();
    const failures: CheckFailure[] = [];
    for (const l of lookups) {
        if (!usable(l.value)) continue;
        try {
            await l.find(client, l.value);
        } catch (e) {
            if (!(e instanceof MoldLookupError)) throw e;
            failures.push({ property: l.property, reason: `mold:${kind}: ${l.property} ${e.message}` });
        }
    }
    return failures;
}

/** The usual lookups by input name; `zone` first so a template can be looked up in that zone. */
export async function namesInMold(
    ctx: HookContext,
    kind: string,
    inputs: Record<string, unknown>,
    props: { zone?: string; template?: string; serviceOffering?: string[]; networkOffering?: string; networks?: string[] },
): Promise<CheckFailure[]> {
    let zoneId: string | undefined;
    const lookups: NameLookup[] = [];
    if (props.zone) {
        lookups.push({
            property: props.zone,
            value: inputs[props.zone],
            find: async (c, v) => {
                const z = await findZone(c, v);
                zoneId = z.id;
                return z;
            },
        });
    }
    if (props.template) lookups.push({ property: props.template, value: inputs[props.template], find: (c, v) => findTemplate(c, v, zoneId) });
    for (const p of props.serviceOffering ?? []) lookups.push({ property: p, value: inputs[p], find: findServiceOffering });
    if (props.networkOffering) lookups.push({ property: props.networkOffering, value: inputs[props.networkOffering], find: findNetworkOffering });
    for (const p of props.networks ?? []) {
        const value = inputs[p];
        if (Array.isArray(value)) value.forEach((v, i) => lookups.push({ property: `${p}[${i}]`, value: v, find: findNetwork }));
        else lookups.push({ property: p, value, find: findNetwork });
    }
    return lookupFailures(ctx, kind, lookups);
}
