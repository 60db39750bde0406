// An async create that Mold answers with the new object's id tags it beside its create job (createTagged), so the
// tag job is off the critical path; a create job that fails leaves none of our tags on what Mold keeps.
import test from "ava";
import { runHook } from "../../provider";
import { findNetworkOffering, findZone } from "../../provider/client/catalog";
import { createNetwork } from "../../provider/client/network";
import type { MoldClient } from "../../provider/client/client";
import { MoldJobError, MoldOutcomeUnknownError } from "../../provider/client/errors";
import { listTags } from "../../provider/client/tags";
import { publicIpAddress } from "../../provider/resources/public-ip-address";
import type { HookContext, HookName } from "../../provider/runtime/hooks";
import { OWNER_TAG_KEY } from "../../provider/runtime/tags";
import { T } from "../../simulator/model";
import { table } from "../../simulator/state";
import type { JobRecord } from "../../simulator/types";
import { withSimulator } from "../helpers/sim";

async function world() {
    const s = await withSimulator();
    const zone = await findZone(s.client, "zone1");
    const offering = await findNetworkOffering(s.client, "DefaultIsolatedNetworkOfferingWithSourceNatService");
    const network = await createNetwork(s.client, { name: "app-net", zoneid: zone.id, networkofferingid: offering.id });
    const settings = { apiUrl: s.sim.url, apiKey: s.sim.apiKey, secretKey: s.sim.secretKey };
    const hook = (kind: string, name: HookName, ...args: unknown[]) => runHook(kind, name, settings, args);
    // Every API request the simulator answered, in order, with when; `after` runs right after one is answered.
    const requests: { t: number; command: string }[] = [];
    const after: Record<string, () => void> = {};
    const original = s.sim.simulator.handleApi.bind(s.sim.simulator);
    s.sim.simulator.handleApi = (raw: Record<string, string>) => {
        const answer = original(raw);
        requests.push({ t: Date.now(), command: raw.command ?? "" });
        after[raw.command ?? ""]?.();
        return answer;
    };
    const jobs = () => Object.values(table(s.sim.simulator.state, T.jobs)) as JobRecord[];
    const jobOf = (command: string) => jobs().find((j) => j.command === command);
    return { ...s, network, hook, requests, after, jobs, jobOf };
}

/** The client, with `after` run on each callAsync's answer before it is returned (it may throw instead). */
function afterCallAsync(client: MoldClient, after: (cmd: string, answer: any) => Promise<void>): MoldClient {
    return new Proxy(client, {
        get(target, prop) {
            const value = Reflect.get(target, prop, target);
            if (prop !== "callAsync") return typeof value === "function" ? value.bind(target) : value;
            return async (cmd: string, params: any, wait: any) => {
                const answer = await target.callAsync(cmd, params, wait);
                await after(cmd, answer);
                return answer;
            };
        },
    });
}

test("PublicIpAddress, FirewallRule, VirtualMachine: createTags is sent while the create job still runs, and the object ends tagged", async (t) => {
    const w = await world();
    try {
        w.sim.setLatency({ associateIpAddress: 600, createFirewallRule: 600, deployVirtualMachine: 600, createTags: 100 }, 1);
        const ip: any = await w.hook("PublicIpAddress", "create", { network: "app-net", tags: { team: "a" } });
        const rule: any = await w.hook("FirewallRule", "create", { ipAddressId: ip.id, protocol: "tcp", startPort: 22, cidrList: ["10.0.0.0/8"] });
        const vm: any = await w.hook("VirtualMachine", "create", {
            zone: "zone1",
            template: "ubuntu-22.04",
            serviceOffering: "1C-1GB",
            networks: [w.network.id],
            tags: { team: "a" },
        });
        for (const [create, type, id] of [
            ["associateIpAddress", "PublicIpAddress", ip.id],
            ["createFirewallRule", "FirewallRule", rule.id],
            ["deployVirtualMachine", "UserVm", vm.id],
        ] as const) {
            const job = w.jobOf(create)!;
            const tagJob = w.jobs().find((j) => j.command === "createTags" && (j.payload as any).ids.includes(id))!;
            t.truthy(tagJob, `a createTags job for ${type}`);
            // Submitted after the create's answer (it needs the id) and before its job ended: the two overlap.
            t.true(parseDate(tagJob.created) >= parseDate(job.created), `${type}: tags after the create's answer`);
            t.true(tagJob.finishedAt! < job.finishedAt!, `${type}: the tag job ended while the create job ran`);
            const tags = await listTags(w.client, { resourcetype: type, resourceid: id });
            t.deepEqual(
                tags.map((x) => `${x.key}=${x.value}`).sort(),
                ["pulumi-mold:managed-by=pulumi-mold", "team=a"].filter((x) => type !== "FirewallRule" || !x.startsWith("team")),
            );
        }
        // The createTags requests come before the requests that noticed each create job's end.
        const order = w.requests.map((r) => r.command).filter((c) => c !== "listAsyncJobs" && c !== "queryAsyncJobResult");
        t.deepEqual(order.slice(order.indexOf("associateIpAddress"), order.indexOf("associateIpAddress") + 2), ["associateIpAddress", "createTags"]);
        t.deepEqual(order.slice(order.indexOf("createFirewallRule"), order.indexOf("createFirewallRule") + 2), ["createFirewallRule", "createTags"]);
    } finally {
        await w.stop();
    }
});

for (const [label, latencies] of [
    ["the tag job ends first", { associateIpAddress: 400, createTags: 20 }],
    ["the tag job ends after the failure", { associateIpAddress: 20, createTags: 400 }],
] as const) {
    test(`a failed association leaves no tag of ours on the freed address (${label}); the error is Mold's, without an id`, async (t) => {
        const w = await world();
        try {
            w.sim.setLatency(latencies, 1);
            // The network changes hands between the create step and the job: Mold's job fails and frees the address.
            w.after.associateIpAddress = () => {
                table(w.sim.simulator.state, T.networks)[w.network.id].account = "someone-else";
            };
            const err: any = await t.throwsAsync(w.hook("PublicIpAddress", "create", { network: "app-net", tags: { team: "a" } }));
            t.regex(err.message, /owner of the network is not the same as owner of the IP/);
            t.is(err.id, undefined, "rolled back by Mold: nothing to record");
            const tagJob = w.jobOf("createTags")!;
            t.truthy(tagJob, "tags were sent beside the create job");
            const ipId = (tagJob.payload as any).ids[0];
            const ipRow = table(w.sim.simulator.state, T.publicIps)[ipId];
            t.is(ipRow.state, "Free");
            const left = Object.values(table(w.sim.simulator.state, T.tags)).filter((x: any) => x.resourceid === ipId);
            t.deepEqual(left, [], "no tag on the free address");
            t.false(left.some((x: any) => x.key === OWNER_TAG_KEY));
        } finally {
            await w.stop();
        }
    });
}

test("simulator: createTags on a public IP back in the Free pool fails in the job with Mold's permission text", async (t) => {
    const w = await world();
    try {
        const ip: any = await w.hook("PublicIpAddress", "create", { network: "app-net" });
        const second: any = await w.hook("PublicIpAddress", "create", { network: "app-net" });
        await w.hook("PublicIpAddress", "delete", second.id, second.outs);
        const err: any = await t.throwsAsync(
            w.client.callAsync("createTags", { resourcetype: "PublicIpAddress", resourceids: [second.id], tags: [{ key: "k", value: "v" }] }),
        );
        t.is(err.errorcode, 530);
        t.regex(err.message, new RegExp(`doesn't have permissions to create tags for resource \\[id: \\d+, uuid: ${second.id}\\] \\(k\\)`));
        // An allocated address takes them.
        await w.client.callAsync("createTags", { resourcetype: "PublicIpAddress", resourceids: [ip.id], tags: [{ key: "k", value: "v" }] });
        t.true((await listTags(w.client, { resourceid: ip.id })).some((x) => x.key === "k"));
    } finally {
        await w.stop();
    }
});

test("a wait lost after Mold's answer named the object: no search among untagged ones, no second create; the error carries the id", async (t) => {
    const w = await world();
    try {
        // The submit is answered (the id is known and the tags go on), then the wait's outcome is lost.
        const client = afterCallAsync(w.client, async (cmd) => {
            if (cmd === "associateIpAddress") throw new MoldOutcomeUnknownError(cmd, "test: the job's outcome lost");
        });
        const ctx: HookContext = { kind: "test", client: () => client, log: () => undefined };
        const err: any = await t.throwsAsync(publicIpAddress.create(ctx, { network: "app-net" }));
        t.regex(err.message, /created .* but lost track of its create job/);
        const ip = Object.values(table(w.sim.simulator.state, T.publicIps)).find((x: any) => x.state === "Allocated") as any;
        t.is(err.id, ip.id);
        t.true(err.properties.createIncomplete);
        t.is(w.sim.requestCounts.associateIpAddress, 1, "created once");
        t.true(
            (await listTags(w.client, { resourceid: ip.id })).some((x) => x.key === OWNER_TAG_KEY),
            "and tagged as ours",
        );
    } finally {
        await w.stop();
    }
});

test("a failed create job whose object kept our tags (a Mold that keeps them): the create deletes them, then reports Mold's error", async (t) => {
    const w = await world();
    try {
        // The job is reported failed while the address stays, tagged beside it: what a Mold keeping the tags would leave.
        const client = afterCallAsync(w.client, async (cmd, answer) => {
            if (cmd === "associateIpAddress") {
                // Let the tag job beside it end first.
                await waitUntil(() => w.jobOf("createTags")?.jobstatus === 1);
                throw new MoldJobError(cmd, answer.jobId, 530, "Failed to associate ip address", answer.id);
            }
        });
        const ctx: HookContext = { kind: "test", client: () => client, log: () => undefined };
        const err: any = await t.throwsAsync(publicIpAddress.create(ctx, { network: "app-net", tags: { team: "a" } }));
        t.true(err instanceof MoldJobError);
        t.regex(err.message, /Failed to associate ip address/);
        const ipId = (w.jobOf("createTags")!.payload as any).ids[0];
        t.deepEqual(await listTags(w.client, { resourceid: ipId }), [], "our tags were taken off");
        t.is(w.sim.requestCounts.deleteTags, 1);
    } finally {
        await w.stop();
    }
});

async function waitUntil(done: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
        if (Date.now() > deadline) throw new Error("timed out");
        await new Promise((r) => setTimeout(r, 10));
    }
}

function parseDate(s: string): number {
    return Date.parse(s.replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
}
