// List filters as callers write them (`tags` as a plain object) turned into wire params (`tags[i].key/value`).
import { Params, ParamValue, tagsParam } from "./client";

/** Scalar filters plus an optional `tags` object; every tag must have a value (Mold rejects it otherwise). */
export type ListFilter = { tags?: Record<string, string> } & { [name: string]: ParamValue | Record<string, string> };

export function listParams(filter: ListFilter = {}): Params {
    const { tags, ...rest } = filter;
    return { ...(rest as Params), tags: tagsParam(tags) };
}
