import test from "ava";
import {
    createNetwork,
    createTags,
    deleteNetwork,
    getNetwork,
    listEvents,
    listNetworks,
    listPublicIpAddresses,
    restartNetwork,
    updateNetwork,
} from "../../provider/client";
import { apiError, inWorld, isLoopback, jobError, UNKNOWN_UUID, unknownUuidText } from "../helpers/network-world";

const INVALID_DOMAIN =
    "Invalid network domain. Total length shouldn't exceed 190 chars. Each domain label must be between 1 and 63 characters long, can contain ASCII letters 'a' through 'z', the digits '0' through '9', and the hyphen ('-'); can't start or end with \"-\"";

test(
    "createNetwork is synchronous and answers an Allocated isolated network with the zone's guest CIDR",
    inWorld(async (t, w) => {
        const n = await createNetwork(w.client, { name: "web", zoneid: w.zoneId, networkofferingid: w.offeringId });
        t.is(n.state, "Allocated");
        t.is(n.type, "Isolated");
        t.is(n.displaytext, "web");
        t.is(n.related, n.id);
        t.is(n.cidr, "10.1.0.0/16");
        t.is(n.gateway, "10.1.0.1");
        t.is(n.netmask, "255.255.0.0");
        t.is(n.acltype, "Account");
        t.is(n.traffictype, "Guest");
        t.is(n.networkdomain, "cs2cloud.internal");
        t.deepEqual(n.tags, []);
        t.false(n.service!.some((s) => s.name === "Gateway"));
        t.deepEqual(n.service!.find((s) => s.name === "PortForwarding")!.capability, [
            { name: "SupportedProtocols", value: "tcp,udp", canchooseservicecapability: false },
        ]);
        t.false(Object.keys(n).some((k) => k.startsWith("_")));
        const events = await listEvents(w.client, { type: "NETWORK.CREATE" });
        t.true(events.some((e) => e.resourceid === n.id));
    }),
);

test(
    "createNetwork with gateway and netmask derives the CIDR; Mold's validation texts",
    inWorld(async (t, w) => {
        const base = { zoneid: w.zoneId, networkofferingid: w.offeringId };
        const n = await createNetwork(w.client, { ...base, name: "custom", gateway: "192.168.50.1", netmask: "255.255.255.0" });
        t.is(n.cidr, "192.168.50.0/24");
        await apiError(t, w.client.call("createNetwork", { ...base }), 431, 9999, "Unable to execute API command createnetwork due to missing parameter name");
        await apiError(
            t,
            w.client.call("createNetwork", { name: "x", zoneid: w.zoneId, networkofferingid: UNKNOWN_UUID }),
            431,
            9999,
            unknownUuidText("createnetwork", "networkofferingid"),
        );
        await apiError(
            t,
            createNetwork(w.client, { ...base, name: "x", gateway: "10.0.0.300", netmask: "255.255.255.0" }),
            431,
            4350,
            "Gateway parameter is invalid",
        );
        await apiError(t, createNetwork(w.client, { ...base, name: "x", gateway: "10.9.0.1" }), 431, 4350, "cidr and gateway must be specified together.");
        await apiError(t, createNetwork(w.client, { ...base, name: "x", gateway: "10.9.0.1", netmask: "255.0.255.0" }), 431, 4350, "Invalid netmask");
        await apiError(
            t,
            createNetwork(w.client, { ...base, name: "x", gateway: "10.9.0.0", netmask: "255.255.255.0" }),
            431,
            4350,
            "Invalid gateway IP provided. Either the IP is broadcast or network IP.",
        );
        await apiError(
            t,
            createNetwork(w.client, { ...base, name: "x", gateway: "8.8.8.1", netmask: "255.255.255.0" }),
            431,
            4350,
            "Virtual Guest Cidr 8.8.8.0/24 is not RFC 1918 or 6598 compliant",
        );
        await apiError(
            t,
            createNetwork(w.client, { ...base, name: "x", startip: "10.1.0.5" }),
            431,
            4350,
            "gateway and netmask should be defined when startIP/endIP are passed in",
        );
    }),
);

test(
    "listNetworks filters by id, name, keyword, type and tags; a tag filter entry needs a value",
    inWorld(async (t, w) => {
        const a = await w.newNetwork("alpha-net");
        const b = await w.newNetwork("beta-net");
        await createTags(w.client, "Network", [b.id], { tier: "db" });
        t.deepEqual(
            (await listNetworks(w.client)).map((n) => n.name),
            ["alpha-net", "beta-net"],
        );
        t.deepEqual(
            (await listNetworks(w.client, { id: a.id })).map((n) => n.name),
            ["alpha-net"],
        );
        t.deepEqual(
            (await listNetworks(w.client, { name: "beta-net" })).map((n) => n.id),
            [b.id],
        );
        t.deepEqual(
            (await listNetworks(w.client, { keyword: "ALPHA" })).map((n) => n.id),
            [a.id],
        );
        t.is((await listNetworks(w.client, { type: "l2" })).length, 0);
        const tagged = await listNetworks(w.client, { tags: { tier: "db" } });
        t.deepEqual(
            tagged.map((n) => n.id),
            [b.id],
        );
        t.is(tagged[0].tags[0].key, "tier");
        await apiError(t, w.client.call("listNetworks", { "tags[0].key": "tier" }), 431, 4350, "No value is passed in for key tier");
        // An id that names no network at all is refused; an empty list is an empty object.
        await apiError(t, w.client.call("listNetworks", { id: UNKNOWN_UUID }), 431, 9999, unknownUuidText("listnetworks", "id"));
        t.deepEqual(await w.client.call("listNetworks", { name: "nope" }), {});
    }),
);

test(
    "updateNetwork is a job on the network that returns it; bad values fail the job",
    inWorld(async (t, w) => {
        const n = await w.newNetwork("old");
        const submitted = await w.submit("updateNetwork", { id: n.id, name: "new" });
        t.deepEqual(Object.keys(submitted), ["jobid"]);
        const updated = await updateNetwork(w.client, n.id, { displaytext: "New text", networkdomain: "corp.example" });
        t.is(updated.displaytext, "New text");
        t.is(updated.networkdomain, "corp.example");
        t.is((await getNetwork(w.client, n.id))!.name, "new");
        const job = w.job(submitted.jobid);
        t.is(job.instanceType, "Network");
        t.is(job.instanceId, n.id);
        t.is(job.cmd, "org.apache.cloudstack.api.command.user.network.UpdateNetworkCmd");
        await jobError(t, updateNetwork(w.client, n.id, { networkdomain: "-bad-.example" }), 431, INVALID_DOMAIN);
    }),
);

test(
    "the first VM implements the network and acquires a loopback source-NAT IP; restart needs Implemented",
    inWorld(async (t, w) => {
        const n = await w.newNetwork();
        await jobError(t, restartNetwork(w.client, n.id), 431, "Network is not in the right state to be restarted. Correct states are: Implemented, Setup");
        t.is((await listPublicIpAddresses(w.client, { associatednetworkid: n.id })).length, 0);
        const vm = await w.deployVm(n.id);
        t.is(vm.nic[0].networkid, n.id);
        const implemented = (await getNetwork(w.client, n.id))!;
        t.is(implemented.state, "Implemented");
        t.regex(implemented.broadcasturi!, /^vlan:\/\/\d+$/);
        const ips = await listPublicIpAddresses(w.client, { associatednetworkid: n.id });
        t.is(ips.length, 1);
        t.true(ips[0].issourcenat);
        t.true(isLoopback(ips[0].ipaddress));
        t.is(ips[0].state, "Allocated");
        await restartNetwork(w.client, n.id, true);
    }),
);

test(
    "deleteNetwork fails as job 530 while a VM has a NIC in it, then removes it with its IPs and rules",
    inWorld(async (t, w) => {
        const n = await w.newNetwork();
        const vm = await w.deployVm(n.id);
        const ip = await w.newIp(n.id);
        await w.client.callAsync("createFirewallRule", { ipaddressid: ip.id, protocol: "tcp", startport: 22 });
        await jobError(t, deleteNetwork(w.client, n.id), 530, "Failed to delete network");
        t.truthy(await getNetwork(w.client, n.id));
        await w.client.callAsync("destroyVirtualMachine", { id: vm.id });
        // A destroyed but not expunged VM still holds its NIC.
        await jobError(t, deleteNetwork(w.client, n.id), 530, "Failed to delete network");
        await w.expungeVm(vm.id);
        const dbid = w.sim.inventory().networks.find((x: any) => x.id === n.id)._dbid;
        await deleteNetwork(w.client, n.id);
        // Mold keeps a deleted network's row: its id still resolves, so the list is empty...
        t.deepEqual(await w.client.call("listNetworks", { id: n.id }), {});
        t.is(await getNetwork(w.client, n.id), undefined);
        t.is((await listPublicIpAddresses(w.client)).length, 0);
        t.is(w.sim.inventory().firewallRules.length, 0);
        // ...and deleteNetwork fails in getEntityOwnerId, which finds no live network.
        await apiError(t, deleteNetwork(w.client, n.id), 431, 4350, `Networkd id=${dbid} doesn't exist`);
        const events = await listEvents(w.client, { type: "NETWORK.DELETE" });
        t.is(events.length, 1);
    }),
);

test(
    "jobs on one network run one after another; other networks are not held back",
    inWorld(async (t, w) => {
        w.sim.setLatency({ updateNetwork: 300 });
        const n = await w.newNetwork();
        const first = await w.submit("updateNetwork", { id: n.id, name: "one" });
        const second = await w.submit("updateNetwork", { id: n.id, name: "two" });
        const other = await w.newNetwork();
        const third = await w.submit("updateNetwork", { id: other.id, name: "elsewhere" });
        const [j1, j2, j3] = [w.job(first.jobid), w.job(second.jobid), w.job(third.jobid)];
        t.is(j1.syncObject, n.id);
        t.true(j2.dueAt - j1.dueAt >= 300, "the second job is queued behind the first");
        t.true(j3.dueAt < j2.dueAt, "another network's job is not held back");
        await w.client.waitForJob("updateNetwork", second.jobid);
    }),
);
