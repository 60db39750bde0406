// The simulator's domain records (simulator/records/): pure operations on clusters, rules, VMs, networks and
// CIDRs, checked without a server.
import test from "ava";
import { cidrRange, cidrWithin, isCidr, isPrivateOrSharedCidr, netmaskToPrefix, prefixToNetmask } from "../../simulator/records/cidr";
import { ClusterRecord, emptyRules, memberVmIds, nodeNamePrefix, nodesOf, setNodes, sshOrderedVmIds, transit } from "../../simulator/records/cluster";
import { checkNetworkDomain, designAddressing, networkHasService } from "../../simulator/records/network";
import { detectRulesConflict, RuleView, shownState, validateProtocol, validatePublicPorts } from "../../simulator/records/rule";
import { applyOffering, nicAddresses, ruleVmNic, sizeFor, vmIsDestroyed, vmIsExpunged, vmNicIn } from "../../simulator/records/vm";

function cluster(state: string): ClusterRecord {
    return { id: "c-1", name: "prod", state, _nodes: [], _vmIds: [], _rules: emptyRules() } as unknown as ClusterRecord;
}

test("cluster state machine: Mold's transitions apply, an undefined one is ignored", (t) => {
    const c = cluster("Created");
    t.false(transit(c, "StopRequested"));
    t.is(c.state, "Created");
    t.true(transit(c, "StartRequested"));
    t.is(c.state, "Starting");
    t.true(transit(c, "OperationSucceeded"));
    t.is(c.state, "Running");
    t.true(transit(c, "StopRequested"));
    t.true(transit(c, "OperationSucceeded"));
    t.is(c.state, "Stopped");
    t.true(transit(c, "ScaleUpRequested"));
    t.is(c.state, "ScalingStoppedCluster", "a stopped cluster scales its offering in its own state (4.21+)");
    t.true(transit(c, "OperationSucceeded"));
    t.is(c.state, "Stopped");
    t.false(transit(c, "UpgradeRequested"), "no upgrade while Stopped");
});

test("cluster members: setNodes keeps the VM ids in step; SSH order is control nodes then workers, no etcd or external", (t) => {
    const c = cluster("Running");
    setNodes(c, [
        { vmId: "w1", role: "worker", external: false },
        { vmId: "e1", role: "etcd", external: false },
        { vmId: "c1", role: "control", external: false },
        { vmId: "x1", role: "worker", external: true },
    ]);
    t.deepEqual(c._vmIds, ["w1", "e1", "c1", "x1"]);
    t.deepEqual(
        nodesOf(c, "worker").map((n) => n.vmId),
        ["w1", "x1"],
    );
    t.deepEqual(
        nodesOf(c, "worker", false).map((n) => n.vmId),
        ["w1"],
    );
    t.deepEqual(sshOrderedVmIds(c), ["c1", "w1"]);
    t.deepEqual(memberVmIds({ _vmIds: ["a"], virtualmachines: [{ id: "b" }] }), ["a", "b"]);
    t.deepEqual(memberVmIds({ _vmIds: undefined as unknown as string[] }), []);
});

test("node name prefix: a DNS label as it is, else k8s- and its usable characters, at most 43", (t) => {
    t.is(nodeNamePrefix({ name: "Prod", id: "i" }), "prod");
    t.is(nodeNamePrefix({ name: "Prod_Cluster", id: "i" }), "k8s-prodcluster");
    t.is(nodeNamePrefix({ name: "___", id: "abc" }), "k8s-abc");
    t.is(nodeNamePrefix({ name: "a".repeat(60), id: "i" }).length, 43);
});

test("CIDR arithmetic: masks, ranges, containment, the private ranges Mold accepts", (t) => {
    t.is(netmaskToPrefix("255.255.255.0"), 24);
    t.is(netmaskToPrefix("255.0.255.0"), undefined, "not contiguous");
    t.is(prefixToNetmask(22), "255.255.252.0");
    t.is(prefixToNetmask(0), "0.0.0.0");
    t.deepEqual(cidrRange("10.1.1.77/24"), { first: 167837952, last: 167838207, prefix: 24 });
    t.true(cidrWithin("10.1.2.0/24", "10.0.0.0/8"));
    t.false(cidrWithin("10.0.0.0/8", "10.1.2.0/24"));
    t.true(isPrivateOrSharedCidr("100.64.1.0/24"));
    t.false(isPrivateOrSharedCidr("8.8.8.0/24"));
    t.true(isCidr("2001:db8::/32"));
    t.false(isCidr("10.0.0.0/33"));
    t.false(isCidr("10.0.0/8"));
});

const view = (over: Partial<RuleView>): RuleView => ({
    id: "r",
    dbid: 7,
    purpose: "Firewall",
    protocol: "tcp",
    cidrs: ["0.0.0.0/0"],
    destCidrs: [],
    networkid: "n",
    state: "Active",
    ...over,
});

test("rule conflicts as FirewallManagerImpl.detectRulesConflict: overlapping ports, other networks, same ICMP", (t) => {
    const existing = [view({ id: "a", dbid: 11, start: 80, end: 90 })];
    const e = t.throws(() => detectRulesConflict(view({ id: "b", start: 85, end: 100 }), existing, true));
    t.like(e, { errorcode: 537, cserrorcode: 4360, errortext: "The range specified, 85-100, conflicts with rule 11 which has 80-90" });
    t.like(
        t.throws(() => detectRulesConflict(view({ id: "b", start: 85, end: 100 }), existing, false)),
        { cserrorcode: 9999 },
    );
    t.notThrows(() => detectRulesConflict(view({ id: "b", start: 91, end: 100 }), existing, true), "adjacent ranges");
    t.notThrows(() => detectRulesConflict(view({ id: "b", start: 85, end: 100, cidrs: ["10.0.0.0/8"] }), existing, true), "other CIDRs");
    t.notThrows(() => detectRulesConflict(view({ id: "a", start: 85, end: 100 }), existing, true), "a rule does not conflict with itself");
    t.like(
        t.throws(() => detectRulesConflict(view({ id: "b", networkid: "m", start: 1, end: 2 }), existing, true)),
        {
            errortext: "New rule is for a different network than what's specified in rule a",
        },
    );
    const icmp = [view({ id: "i", dbid: 12, protocol: "icmp", icmptype: 8, icmpcode: 0 })];
    t.like(
        t.throws(() => detectRulesConflict(view({ id: "j", protocol: "icmp", icmptype: 8, icmpcode: 0 }), icmp, true)),
        { errorcode: 431, errortext: "New rule conflicts with existing rule: 12" },
    );
    const pf = [view({ id: "p", dbid: 13, purpose: "PortForwarding", protocol: "tcp", start: 22, end: 22 })];
    t.notThrows(
        () => detectRulesConflict(view({ id: "q", purpose: "PortForwarding", protocol: "udp", start: 22, end: 22 }), pf, true),
        "tcp and udp forwards of one port",
    );
});

test("rule ports and protocols as validateFirewallRule; Revoke shows as Deleting", (t) => {
    t.like(
        t.throws(() => validatePublicPorts(70000, undefined)),
        { errorcode: 431, errortext: "publicPort is an invalid value: 70000" },
    );
    t.like(
        t.throws(() => validatePublicPorts(90, 80)),
        { errortext: "Start port can't be bigger than end port" },
    );
    t.notThrows(() => validatePublicPorts(0, 65535));
    t.like(
        t.throws(() => validateProtocol("icmp", "PortForwarding")),
        { errortext: "Protocol icmp is currently supported only for rules with purpose Firewall" },
    );
    t.like(
        t.throws(() => validateProtocol("all", "Firewall")),
        { errortext: "Protocol all is not supported in zone 1" },
    );
    t.notThrows(() => validateProtocol("all", "Firewall", true), "egress rules take 'all'");
    t.is(shownState("Revoke"), "Deleting");
    t.is(shownState("Active"), "Active");
});

test("VM records: NICs and their addresses, gone states, the size an offering gives", (t) => {
    const vm = { id: "v", state: "Running", nic: [{ networkid: "n1", ipaddress: "10.1.1.5", secondaryip: [{ ipaddress: "10.1.1.6" }] }] };
    t.deepEqual(nicAddresses(vmNicIn(vm, "n1")!), ["10.1.1.5", "10.1.1.6"]);
    t.is(vmNicIn(vm, "n2"), undefined);
    t.like(
        t.throws(() => ruleVmNic(vm, "n2", { destroyed: "gone", notInNetwork: "elsewhere" })),
        { errortext: "elsewhere" },
    );
    t.like(
        t.throws(() => ruleVmNic({ ...vm, state: "Destroyed" }, "n1", { destroyed: "gone", notInNetwork: "elsewhere" })),
        { errortext: "gone" },
    );
    t.true(vmIsDestroyed({ state: "Destroyed" }));
    t.false(vmIsExpunged({ state: "Destroyed" }), "a destroyed VM keeps its NICs until expunged");
    t.true(vmIsExpunged({ state: "Expunging" }));
    t.true(vmIsDestroyed(undefined));

    const fixed = { id: "o", name: "2C-4GB", cpunumber: 2, cpuspeed: 2000, memory: 4096 };
    t.deepEqual(sizeFor(fixed, { cpuNumber: "8" }), { cpunumber: 2, cpuspeed: 2000, memory: 4096, details: {} });
    const custom = { id: "c", name: "custom", iscustomized: true, cpuspeed: 1500 };
    t.deepEqual(sizeFor(custom, { cpuNumber: "4", memory: "8192" }), {
        cpunumber: 4,
        cpuspeed: 1500,
        memory: 8192,
        details: { cpuNumber: "4", cpuSpeed: "1500", memory: "8192" },
    });
    t.like(
        t.throws(() => sizeFor(custom, { cpuNumber: "4" })),
        { errorcode: 431 },
    );
    t.like(
        t.throws(() => sizeFor(custom, { cpuNumber: "4", memory: "16" })),
        { errortext: "Invalid memory value, specify a value between 32 and 2147483647 MB" },
    );
    const rec: Record<string, any> = { details: { rootdisksize: "20", cpuNumber: "4", memory: "8192" } };
    applyOffering(rec, fixed, {});
    t.like(rec, { serviceofferingid: "o", serviceofferingname: "2C-4GB", cpunumber: 2, memory: 4096 });
    t.deepEqual(rec.details, { rootdisksize: "20" }, "a fixed offering drops the custom size details, keeps the rest");
});

test("network records: services, the network domain rule, guest addressing as GuestNetworkGuru designs it", (t) => {
    t.true(networkHasService({ service: [{ name: "Lb" }] }, "Lb"));
    t.false(networkHasService({}, "Lb"));
    t.notThrows(() => checkNetworkDomain("apps.example.internal"));
    t.like(
        t.throws(() => checkNetworkDomain("-bad.example")),
        { errorcode: 431 },
    );
    t.like(
        t.throws(() => checkNetworkDomain(`${"a".repeat(63)}.`.repeat(4))),
        { errorcode: 431 },
    );
    const isolated = { guestiptype: "Isolated", service: [{ name: "SourceNat" }] };
    t.deepEqual(designAddressing({ guestcidraddress: "10.1.1.0/24" }, isolated), { cidr: "10.1.1.0/24", gateway: "10.1.1.1", netmask: "255.255.255.0" });
    t.deepEqual(designAddressing({}, isolated, "10.2.0.1", "255.255.252.0"), { cidr: "10.2.0.0/22", gateway: "10.2.0.1", netmask: "255.255.252.0" });
    t.like(
        t.throws(() => designAddressing({}, isolated, "10.2.0.0", "255.255.255.0")),
        { errortext: "Invalid gateway IP provided. Either the IP is broadcast or network IP." },
    );
    t.like(
        t.throws(() => designAddressing({}, isolated, "8.8.8.1", "255.255.255.0")),
        { errortext: "Virtual Guest Cidr 8.8.8.0/24 is not RFC 1918 or 6598 compliant" },
    );
    t.like(
        t.throws(() => designAddressing({}, isolated, "10.0.0.1", "255.255.0.0", { roletype: "User" })),
        { errortext: "Cidr size can't be less than 22" },
    );
    t.like(
        t.throws(() => designAddressing({}, isolated, "10.0.0.1", undefined)),
        { errortext: "cidr and gateway must be specified together." },
    );
    t.deepEqual(designAddressing({}, { guestiptype: "L2" }), {});
});
