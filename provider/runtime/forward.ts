// Which hook the dynamic-provider host called, from its arguments. The serialized providers (sdk/dynamic.ts)
// share one function for the hooks that only look (configure, check, diff, read) and one for those that change
// Mold (create, update, delete), because each distinct function costs ~250 bytes in every state copy. Within each
// pair the host's calls differ in shape (@pulumi/pulumi cmd/dynamic-provider):
//   configure(req)               req.config.get is a function (hook arguments are plain JSON otherwise)
//   check(olds, news)            olds is an object
//   read(id, props)              id is a string, nothing after props
//   diff(id, olds, news)         id is a string, news is an object
//   create(inputs)               inputs is an object
//   delete(id, props)            id is a string, nothing after props
//   update(id, olds, news)       id is a string, news is an object
// A shape that fits none is refused with an error, never guessed.
import type { HookName } from "./hooks";

export type ForwardedHook = HookName | "configure";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function isConfigureRequest(v: unknown): boolean {
    return isObject(v) && isObject(v.config) && typeof (v.config as { get?: unknown }).get === "function";
}

/** The hook a call to the looking function stands for. */
export function lookingHook(args: readonly unknown[]): ForwardedHook {
    if (args.length === 1 && isConfigureRequest(args[0])) return "configure";
    if (isObject(args[0]) && isObject(args[1])) return "check";
    if (typeof args[0] === "string" && isObject(args[1])) return isObject(args[2]) ? "diff" : "read";
    throw new Error(`pulumi-mold: the dynamic-provider host called a hook with arguments of an unknown shape (${shape(args)})`);
}

/** The hook a call to the changing function stands for. */
export function changingHook(args: readonly unknown[]): ForwardedHook {
    if (isObject(args[0])) return "create";
    if (typeof args[0] === "string" && isObject(args[1])) return isObject(args[2]) ? "update" : "delete";
    throw new Error(`pulumi-mold: the dynamic-provider host called a hook with arguments of an unknown shape (${shape(args)})`);
}

function shape(args: readonly unknown[]): string {
    return args.map((a) => (a === null ? "null" : Array.isArray(a) ? "array" : typeof a)).join(", ") || "none";
}
