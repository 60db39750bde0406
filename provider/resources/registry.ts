// Each resource kind's definition, loaded the first time the host runs one of its hooks: a program that makes only
// networks and rules never loads SSH, kubeadm, YAML or the Kubernetes pieces, which is what every run pays before
// its first API call (`npm run bench`, providerLoad). A kind's module is named after it (NodeGroup → ./node-group,
// exporting nodeGroup); a kind whose module does not follow that naming is found in index.ts's full list, which
// loads every kind (a unit test asks that every kind follow it).
import type { ResourceDefinition } from "../runtime/hooks";

const loaded: Record<string, ResourceDefinition | undefined> = {};

/** The module a kind's definition lives in, relative to this folder. */
export function moduleOf(kind: string): string {
    return `./${kind.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase()}`;
}

/** The name the kind's module exports its definition under. */
export function exportOf(kind: string): string {
    return kind.charAt(0).toLowerCase() + kind.slice(1);
}

function resolves(specifier: string): boolean {
    try {
        require.resolve(specifier);
        return true;
    } catch {
        return false;
    }
}

/** The kind's definition by its own module only (undefined when the naming does not lead to it). */
export function byNaming(kind: string): ResourceDefinition | undefined {
    if (!/^[A-Z][A-Za-z0-9]*$/.test(kind) || !resolves(moduleOf(kind))) return undefined;
    const def = require(moduleOf(kind))[exportOf(kind)] as ResourceDefinition | undefined;
    return def?.kind === kind ? def : undefined;
}

/** The definition of one kind, loading only its module when it can; undefined for a kind pulumi-mold does not have. */
export function definitionOf(kind: string): ResourceDefinition | undefined {
    if (!Object.prototype.hasOwnProperty.call(loaded, kind)) {
        loaded[kind] = byNaming(kind) ?? (require("./index") as typeof import("./index")).RESOURCES[kind];
    }
    return loaded[kind];
}
