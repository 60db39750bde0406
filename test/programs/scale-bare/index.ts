// The shape of test/programs/scale — `rules` rules spread round-robin over `ips` addresses on `networks` networks —
// written with bare @pulumi/pulumi resources and no pulumi-mold code: what @pulumi/pulumi itself costs per resource
// (test/bench/program-alone.ts --bare). `kind` is `custom` (pulumi.CustomResource) or `dynamic`
// (pulumi.dynamic.Resource, which adds the `__provider` property). Each rule registers `props` properties, as
// mold.FirewallRule does (14 with `__provider`): the IP's id, three plain values, the rest undefined (so at least
// four, five with `__provider`). With `traces` = `off` each registers with Error.stackTraceLimit 0, as pulumi-mold's
// resources do (sdk/dynamic.ts).
import * as pulumi from "@pulumi/pulumi";

const config = new pulumi.Config();
const networkCount = config.getNumber("networks") ?? 2;
const ipCount = config.getNumber("ips") ?? 4;
const ruleCount = config.getNumber("rules") ?? 44;
const kind = config.get("kind") ?? "custom";
const props = config.getNumber("props") ?? 14;
const traces = config.get("traces") ?? "on";

const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs) {
        return { id: "id", outs: inputs };
    },
};

function resource(type: string, name: string, inputs: Record<string, unknown>, count: number): pulumi.CustomResource {
    const all: Record<string, unknown> = { ...inputs };
    // dynamic.Resource adds __provider itself, so it counts among the properties.
    for (let i = Object.keys(all).length + (kind === "dynamic" ? 1 : 0); i < count; i++) all[`extra${i}`] = undefined;
    const limit = Error.stackTraceLimit;
    if (traces === "off") Error.stackTraceLimit = 0;
    try {
        if (kind === "dynamic") return new pulumi.dynamic.Resource(provider, name, all, undefined, "bare", type);
        return new pulumi.CustomResource(`bare:index:${type}`, name, all);
    } finally {
        Error.stackTraceLimit = limit;
    }
}

const networks = Array.from({ length: networkCount }, (_, i) => resource("Network", `net-${i}`, { name: `scale-net-${i}`, zone: "zone1" }, props));
const ips = Array.from({ length: ipCount }, (_, i) => resource("PublicIpAddress", `ip-${i}`, { network: networks[i % networkCount].id }, props));
for (let i = 0; i < ruleCount; i++) {
    resource("FirewallRule", `rule-${i}`, { ipAddressId: ips[i % ipCount].id, protocol: "tcp", startPort: 1024 + i, cidrList: ["10.0.0.0/8"] }, props);
}

export const resources = networkCount + ipCount + ruleCount;
