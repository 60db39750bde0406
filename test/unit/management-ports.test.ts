// Rules that would collide with the ports Mold's Kubernetes service owns on a cluster's IP are refused
// at check, saying why; other ports and other IPs are fine, and no API call is made when none could collide.
import test from "ava";
import { associateIpAddress } from "../../provider/client/address";
import { findServiceOffering, findZone } from "../../provider/client/catalog";
import { createKubernetesCluster, listKubernetesSupportedVersions } from "../../provider/client/kubernetes";
import { mayCollide, ownedRanges } from "../../provider/resources/management-ports";
import { runHook } from "../../provider";
import { withSimulator } from "../helpers/sim";

test("owned ranges: 6443 and one SSH port per node from 2222", (t) => {
    t.deepEqual(ownedRanges(1, 2), [
        { start: 6443, end: 6443 },
        { start: 2222, end: 2224 },
    ]);
    t.false(mayCollide([{ property: "startPort", start: 80, end: 443 }]));
    t.true(mayCollide([{ property: "startPort", start: 6000, end: 7000 }]));
    t.true(mayCollide([{ property: "startPort", start: 2222, end: 2222 }]));
});

test("FirewallRule check refuses 6443 and node SSH ports on a cluster's IP only", async (t) => {
    const { client, sim, stop } = await withSimulator();
    try {
        const zone = await findZone(client, "zone1");
        const offering = await findServiceOffering(client, "2C-4GB");
        const version = (await listKubernetesSupportedVersions(client)).find((v) => v.semanticversion.startsWith("1.32"))!;
        const { cluster } = await createKubernetesCluster(client, {
            name: "prod",
            zoneid: zone.id,
            kubernetesversionid: version.id,
            serviceofferingid: offering.id,
            size: 2,
        });
        const settings = { apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey };
        const check = async (ipAddressId: string, startPort: number, endPort?: number) => {
            const r = await runHook("FirewallRule", "check", settings, [{}, { __provider: "p", ipAddressId, protocol: "tcp", startPort, endPort }]);
            return r.failures.map((f: { reason: string }) => f.reason);
        };
        const api = await check(cluster.ipaddressid!, 6443);
        t.is(api.length, 1);
        t.regex(
            api[0],
            /mold:FirewallRule: startPort: port 6443 on 127\.\d{1,3}\.\d{1,3}\.\d{1,3} collide with 6443, which Mold's Kubernetes service manages for cluster 'prod'/,
        );
        t.regex((await check(cluster.ipaddressid!, 2220, 2230))[0], /ports 2220-2230 on .* collide with 2222-2224/);
        t.deepEqual(await check(cluster.ipaddressid!, 8080), []);
        t.deepEqual(await check(cluster.ipaddressid!, 2225), [], "past the nodes' SSH ports");
        const other = await associateIpAddress(client, { networkid: cluster.networkid });
        t.deepEqual(await check(other.id, 6443), [], "6443 on another public IP is the user's");

        const before = sim.requestCounts.listKubernetesClusters ?? 0;
        await check(cluster.ipaddressid!, 80);
        t.is(sim.requestCounts.listKubernetesClusters ?? 0, before, "no lookup when no range could collide");
    } finally {
        await stop();
    }
});

// ---- PortForwardingRule: the same refusal on the rule's public ports (private ports are the VM's) ----
test("PortForwardingRule check refuses public ports 6443 and node SSH on a cluster's IP only", async (t) => {
    const { client, sim, stop } = await withSimulator();
    try {
        const zone = await findZone(client, "zone1");
        const offering = await findServiceOffering(client, "2C-4GB");
        const version = (await listKubernetesSupportedVersions(client)).find((v) => v.semanticversion.startsWith("1.32"))!;
        const { cluster } = await createKubernetesCluster(client, {
            name: "prod",
            zoneid: zone.id,
            kubernetesversionid: version.id,
            serviceofferingid: offering.id,
            size: 2,
        });
        const settings = { apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey };
        const check = async (ipAddressId: string, publicPort: number, publicEndPort?: number, privatePort = publicPort) => {
            const inputs = {
                __provider: "p",
                ipAddressId,
                protocol: "tcp",
                publicPort,
                publicEndPort,
                privatePort,
                privateEndPort: publicEndPort,
                virtualMachine: "vm",
            };
            const r = await runHook("PortForwardingRule", "check", settings, [{}, inputs]);
            // "vm" names no VM in this simulator: that refusal (check-names.test.ts) is not what this test is about.
            return r.failures
                .filter((f: { property: string }) => f.property !== "virtualMachine")
                .map((f: { property: string; reason: string }) => `${f.property}: ${f.reason}`);
        };
        const api = await check(cluster.ipaddressid!, 6443, undefined, 443);
        t.is(api.length, 1);
        t.regex(
            api[0],
            /^publicPort: mold:PortForwardingRule: publicPort: port 6443 on 127\.\d{1,3}\.\d{1,3}\.\d{1,3} collide with 6443, which Mold's Kubernetes service manages for cluster 'prod'/,
        );
        t.regex((await check(cluster.ipaddressid!, 2220, 2230))[0], /ports 2220-2230 on .* collide with 2222-2224/);
        t.regex((await check(cluster.ipaddressid!, 2224, undefined, 22))[0], /port 2224 .* collide with 2222-2224/, "a node's SSH port forwarded elsewhere");
        t.deepEqual(await check(cluster.ipaddressid!, 8080, undefined, 6443), [], "6443 as the private port is the VM's business");
        t.deepEqual(await check(cluster.ipaddressid!, 2225), [], "past the nodes' SSH ports");
        const other = await associateIpAddress(client, { networkid: cluster.networkid });
        t.deepEqual(await check(other.id, 6443), [], "6443 on another public IP is the user's");

        const before = sim.requestCounts.listKubernetesClusters ?? 0;
        await check(cluster.ipaddressid!, 80, undefined, 8080);
        t.is(sim.requestCounts.listKubernetesClusters ?? 0, before, "no lookup when no public range could collide");
    } finally {
        await stop();
    }
});

// ---- LoadBalancerRule: the same refusal on the rule's public port (the private port is the members') ----
test("LoadBalancerRule check refuses public port 6443 and node SSH ports on a cluster's IP only", async (t) => {
    const { client, sim, stop } = await withSimulator();
    try {
        const zone = await findZone(client, "zone1");
        const offering = await findServiceOffering(client, "2C-4GB");
        const version = (await listKubernetesSupportedVersions(client)).find((v) => v.semanticversion.startsWith("1.32"))!;
        const { cluster } = await createKubernetesCluster(client, {
            name: "prod",
            zoneid: zone.id,
            kubernetesversionid: version.id,
            serviceofferingid: offering.id,
            size: 2,
        });
        const settings = { apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey };
        const check = async (publicIpAddressId: string, publicPort: number, privatePort = publicPort) => {
            const inputs = { __provider: "p", name: "web", algorithm: "roundrobin", publicIpAddressId, publicPort, privatePort };
            const r = await runHook("LoadBalancerRule", "check", settings, [{}, inputs]);
            return r.failures.map((f: { property: string; reason: string }) => `${f.property}: ${f.reason}`);
        };
        const api = await check(cluster.ipaddressid!, 6443, 443);
        t.is(api.length, 1);
        t.regex(
            api[0],
            /^publicPort: mold:LoadBalancerRule: publicPort: port 6443 on 127\.\d{1,3}\.\d{1,3}\.\d{1,3} collide with 6443, which Mold's Kubernetes service manages for cluster 'prod'/,
        );
        t.regex((await check(cluster.ipaddressid!, 2223, 22))[0], /port 2223 .* collide with 2222-2224/, "a node's SSH port");
        t.deepEqual(await check(cluster.ipaddressid!, 8443, 6443), [], "6443 as the private port is the members' business");
        t.deepEqual(await check(cluster.ipaddressid!, 2225), [], "past the nodes' SSH ports");
        const other = await associateIpAddress(client, { networkid: cluster.networkid });
        t.deepEqual(await check(other.id, 6443), [], "6443 on another public IP is the user's");

        const before = sim.requestCounts.listKubernetesClusters ?? 0;
        await check(cluster.ipaddressid!, 80, 8080);
        t.is(sim.requestCounts.listKubernetesClusters ?? 0, before, "no lookup when the public port could not collide");
    } finally {
        await stop();
    }
});

test("the checks of a burst of rules on high ports share one listing of the clusters", async (t) => {
    const { sim, stop } = await withSimulator();
    try {
        // The check needs no IP to exist: it compares the id with the clusters' IPs.
        const ip = { id: "7a1c0e52-0000-4000-8000-000000000001" };
        const settings = { apiUrl: sim.url, apiKey: sim.apiKey, secretKey: sim.secretKey };
        const before = sim.requestCounts.listKubernetesClusters ?? 0;
        const checks = await Promise.all(
            Array.from({ length: 40 }, (_, i) =>
                runHook("FirewallRule", "check", settings, [{}, { __provider: "p", ipAddressId: ip.id, protocol: "tcp", startPort: 3000 + i }]),
            ),
        );
        t.true(checks.every((c) => c.failures.length === 0));
        t.is((sim.requestCounts.listKubernetesClusters ?? 0) - before, 1, "one listing for 40 checks");
    } finally {
        await stop();
    }
});
