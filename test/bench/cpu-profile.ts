// Where a V8 CPU profile's time went, by who owns the code: the engine emulation (what users replace with the
// real CLI), pulumi-mold, @pulumi/pulumi's runtime, source maps (ts-node's stack traces), gRPC/protobuf,
// Node itself, garbage collection and idle time. Self time of each sampled frame, in ms.
import * as fs from "fs";

export type Owner = "engineEmulation" | "pulumiMold" | "pulumiRuntime" | "sourceMaps" | "grpcProtobuf" | "otherPackages" | "node" | "gc" | "idle" | "program";

/** Who owns the code at `url` (a profile frame's script). */
export function ownerOf(url: string, functionName: string): Owner {
    if (functionName === "(garbage collector)") return "gc";
    if (functionName === "(idle)") return "idle";
    if (/\/testing\/engine\//.test(url)) return "engineEmulation";
    if (/source-map-support|trace-mapping|source-map\//.test(url)) return "sourceMaps";
    if (/node_modules\/@pulumi\/pulumi\//.test(url)) return "pulumiRuntime";
    if (/node_modules\/(@grpc|google-protobuf)\//.test(url)) return "grpcProtobuf";
    if (/node_modules\//.test(url)) return "otherPackages";
    if (/\/dist\/(sdk|provider)\/|\/(sdk|provider)\/[^/]+\.ts$/.test(url)) return "pulumiMold";
    if (/\/test\/programs\//.test(url)) return "program";
    return "node";
}

interface Profile {
    nodes: { id: number; callFrame: { functionName: string; url: string } }[];
    samples: number[];
    timeDeltas: number[];
}

/** Self time (ms) per owner of one profile. */
export function selfTimeByOwner(profile: Profile): Record<Owner, number> {
    const owner = new Map(profile.nodes.map((n) => [n.id, ownerOf(n.callFrame.url, n.callFrame.functionName)]));
    const out = {} as Record<Owner, number>;
    profile.samples.forEach((id, i) => {
        const o = owner.get(id) ?? "node";
        out[o] = (out[o] ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000;
    });
    for (const k of Object.keys(out) as Owner[]) out[k] = Math.round(out[k]);
    return out;
}

export function profileFileByOwner(file: string): Record<Owner, number> {
    return selfTimeByOwner(JSON.parse(fs.readFileSync(file, "utf8")));
}
