// Unknown zone/offering/template/network/VM names are refused at preview (check) when credentials are
// present, with the candidates listed, by reads only; values not known yet and missing credentials skip.
import test from "ava";
import { runHook } from "../../provider";
import { UNKNOWN } from "../../provider/runtime/hooks";
import { startSimulatorServer } from "../../simulator/server";
import { createNetwork } from "../../provider/client";
import { MoldClient } from "../../provider/client";
import { NG } from "./bad-input/common";

interface Case {
    kind: string;
    inputs: (net: string) => Record<string, unknown>;
    /** Property spoiled with an unknown name → the message it must carry. */
    bad: Record<string, RegExp>;
}

const CASES: Case[] = [
    {
        kind: "VirtualMachine",
        inputs: (net) => ({ zone: "zone1", template: "ubuntu-22.04", serviceOffering: "1C-1GB", networks: [net] }),
        bad: {
            zone: /no zone named or with id 'nope'; available: zone1/,
            template: /no template named or with id 'nope'; available: .*ubuntu-22\.04/,
            serviceOffering: /no service offering named or with id 'nope'; available: .*1C-1GB/,
            "networks[0]": /no network named or with id 'nope'; available: .*checked-net/,
        },
    },
    {
        kind: "Network",
        inputs: () => ({ name: "n", zone: "zone1" }),
        bad: { zone: /no zone named .*available: zone1/, networkOffering: /no network offering named or with id 'nope'/ },
    },
    { kind: "PublicIpAddress", inputs: (net) => ({ network: net }), bad: { network: /no network named or with id 'nope'; available: .*checked-net/ } },
    { kind: "PublicIpAddress", inputs: () => ({ zone: "zone1" }), bad: { zone: /no zone named/ } },
    { kind: "EgressFirewallRule", inputs: (net) => ({ network: net, protocol: "tcp", startPort: 80 }), bad: { network: /no network named/ } },
    {
        kind: "ExternalKubernetesCluster",
        inputs: (net) => ({ name: "ext", zone: "zone1", network: net }),
        bad: { zone: /no zone named/, network: /no network named/ },
    },
    {
        kind: "NodeGroup",
        inputs: (net) => ({ ...NG, network: net }),
        bad: { zone: /no zone named/, template: /no template named/, serviceOffering: /no service offering named/, network: /no network named/ },
    },
    {
        kind: "PortForwardingRule",
        inputs: () => ({ ipAddressId: "ip", protocol: "tcp", publicPort: 2222, privatePort: 22, virtualMachine: "web-1" }),
        bad: { virtualMachine: /no virtual machine named or with id 'nope'/ },
    },
];

async function withSim(body: (settings: Record<string, string>, sim: any, net: string) => Promise<void>): Promise<void> {
    const sim = await startSimulatorServer({ port: 0 });
    const settings = { apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey };
    const client = new MoldClient(settings);
    try {
        const inv = sim.inventory();
        const offering = inv.networkOfferings.find((o: any) => o.isdefault && o.guestiptype === "Isolated") ?? inv.networkOfferings[0];
        const net = await createNetwork(client, { name: "checked-net", zoneid: inv.zones[0].id, networkofferingid: offering.id });
        await body(settings, sim, net.id);
    } finally {
        client.close();
        await sim.stop();
    }
}

const changes = (sim: any) => Object.keys(sim.requestCounts).filter((c) => !/^(list|query|get|find)/.test(c) && c !== "createNetwork");

for (const c of CASES) {
    test(`${c.kind} (${Object.keys(c.bad).join(", ")}): unknown names are refused at check with the candidates, by reads only`, async (t) => {
        await withSim(async (settings, sim, net) => {
            const valid = c.inputs(net);
            if (c.kind !== "PortForwardingRule") {
                const ok = await runHook(c.kind, "check", settings, [{}, { __provider: "p", ...valid }]);
                t.deepEqual(ok.failures, [], "the valid inputs pass");
            }
            for (const [property, message] of Object.entries(c.bad)) {
                const spoiled = property === "networks[0]" ? { ...valid, networks: ["nope"] } : { ...valid, [property]: "nope" };
                const r = await runHook(c.kind, "check", settings, [{}, { __provider: "p", ...spoiled }]);
                const f = r.failures.find((x: any) => x.property === property);
                t.truthy(f, `${property}: ${JSON.stringify(r.failures)}`);
                t.regex(f?.reason ?? "", new RegExp(`^mold:${c.kind}: ${property.replace(/[[\]]/g, "\\$&")} `));
                t.regex(f?.reason ?? "", message);
            }
            t.deepEqual(changes(sim), [], "check sends reads only");
        });
    });
}

test("values not known yet are skipped, the known ones still checked", async (t) => {
    await withSim(async (settings) => {
        const r = await runHook("VirtualMachine", "check", settings, [
            {},
            { __provider: "p", zone: "nope", template: "ubuntu-22.04", serviceOffering: "1C-1GB", networks: [UNKNOWN] },
        ]);
        t.deepEqual(
            r.failures.map((f: any) => f.property),
            ["zone"],
        );
        const all = await runHook("VirtualMachine", "check", settings, [
            {},
            { __provider: "p", zone: UNKNOWN, template: UNKNOWN, serviceOffering: UNKNOWN, networks: UNKNOWN },
        ]);
        t.deepEqual(all.failures, []);
    });
});

test("without credentials the reads are skipped silently", async (t) => {
    const saved = { ...process.env };
    for (const k of Object.keys(process.env)) if (/^(MOLD|CLOUDSTACK)_/.test(k)) delete process.env[k];
    try {
        const r = await runHook("VirtualMachine", "check", undefined, [
            {},
            { __provider: "p", zone: "nope", template: "t", serviceOffering: "o", networks: ["n"] },
        ]);
        t.deepEqual(r.failures, []);
    } finally {
        Object.assign(process.env, saved);
    }
});
