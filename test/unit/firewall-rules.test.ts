// FirewallRule (ingress, on a public IP) and EgressFirewallRule (on a network) are one rule module
// parameterised by direction: the same canonical CIDRs, ICMP defaults, ports, checks and Mold's conflict rule
// (mold-api-network.md §6.5) hold for both; only where the rule sits and Mold's default source CIDR differ.
import test from "ava";
import { egressFirewallRule } from "../../provider/resources/egress-firewall-rule";
import { firewallRule } from "../../provider/resources/firewall-rule";
import { changedInputs, diffInputs, ResourceDefinition, Wire } from "../../provider/runtime/hooks";

interface Case {
    def: ResourceDefinition;
    /** Inputs naming where the rule sits. */
    at: Wire;
    /** Old outputs Mold resolved (the egress network's id, name and CIDR). */
    outs: Wire;
    /** The source CIDRs Mold stores when none are given. */
    defaultCidrs: string[];
}

const CASES: Record<string, Case> = {
    ingress: { def: firewallRule, at: { ipAddressId: "ip-1" }, outs: { ruleId: "r", ipAddress: "203.0.113.5", networkId: "n-1" }, defaultCidrs: ["0.0.0.0/0"] },
    egress: {
        def: egressFirewallRule,
        at: { network: "n-1" },
        outs: { ruleId: "r", networkId: "n-1", networkName: "app", networkCidr: "10.1.1.0/24" },
        defaultCidrs: ["10.1.1.0/24"],
    },
};

for (const [direction, c] of Object.entries(CASES)) {
    const olds = (p: Wire) => ({ ...c.outs, ...c.at, ...p });
    const changed = (o: Wire, n: Wire) => changedInputs(c.def, olds(o), { ...c.at, ...n });
    const dbr = (o: Wire, n: Wire) => diffInputs(c.def, olds(o), { ...c.at, ...n }).deleteBeforeReplace;

    test(`${direction}: Mold's spellings are no change (CIDR network address, default CIDRs, endPort, icmp -1)`, (t) => {
        const tcp = { protocol: "tcp", startPort: 22 };
        t.deepEqual(changed({ ...tcp, cidrList: ["10.1.1.5/24"] }, { ...tcp, cidrList: ["10.1.1.0/24"] }), []);
        t.deepEqual(changed({ ...tcp, cidrList: c.defaultCidrs }, { ...tcp }), []);
        t.deepEqual(changed({ ...tcp, endPort: 22 }, tcp), []);
        t.deepEqual(changed({ protocol: "icmp", icmpType: -1, icmpCode: -1 }, { protocol: "icmp" }), []);
        t.deepEqual(changed({ ...tcp, cidrList: ["10.1.1.0/24", "10.1.1.0/24"] }, { ...tcp, cidrList: ["10.1.1.0/24"] }), []);
        // Real changes replace.
        t.deepEqual(diffInputs(c.def, olds(tcp), { ...c.at, ...tcp, startPort: 23 }).replaces, ["startPort", "endPort"]);
        t.deepEqual(diffInputs(c.def, olds({ protocol: "icmp" }), { ...c.at, protocol: "icmp", icmpType: 8 }).replaces, ["icmpType"]);
        t.deepEqual(diffInputs(c.def, olds({ ...tcp, tags: { a: "1" } }), { ...c.at, ...tcp, tags: { a: "2" } }).replaces, []);
    });

    test(`${direction}: the old rule goes first when Mold would refuse the new one next to it`, (t) => {
        const tcp = { protocol: "tcp", startPort: 20, endPort: 30 };
        t.true(dbr({ ...tcp, cidrList: ["10.1.1.0/24"] }, { ...tcp, startPort: 25, endPort: 40, cidrList: ["10.1.1.7/24"] }), "overlapping ports, same CIDR");
        t.false(dbr({ ...tcp, cidrList: ["10.1.1.0/24"] }, { ...tcp, startPort: 31, endPort: 40, cidrList: ["10.1.1.0/24"] }), "disjoint ports");
        t.false(dbr({ ...tcp, cidrList: ["10.1.1.0/24"] }, { ...tcp, protocol: "udp", cidrList: ["10.1.1.0/24"] }), "another protocol");
        t.false(
            dbr({ protocol: "icmp", icmpType: 8, cidrList: ["10.1.1.0/24"] }, { protocol: "icmp", icmpType: 8, cidrList: ["10.1.1.0/24"], tags: { x: "y" } }),
            "nothing replaces",
        );
        t.true(dbr({ protocol: "icmp", icmpType: 8, cidrList: ["10.1.1.0/24"] }, { protocol: "icmp", icmpType: 8, cidrList: ["10.1.1.0/24", "10.2.0.0/16"] }));
        t.false(
            dbr({ ...tcp, cidrList: ["10.1.1.0/24"] }, { ...tcp, cidrList: ["10.1.1.0/24"], ...c.at, [Object.keys(c.at)[0]]: "elsewhere" }),
            "another place",
        );
    });

    test(`${direction}: the same checks, each naming its property`, (t) => {
        const failures = (p: Wire) => c.def.check({ ...c.at, ...p }).failures.map((f) => `${f.property}: ${f.reason}`);
        t.deepEqual(failures({ protocol: "TCP", startPort: 22 }), []);
        t.is(c.def.check({ ...c.at, protocol: "TCP", startPort: 22 }).inputs.protocol, "tcp");
        t.true(failures({ protocol: "tcp", startPort: 22, icmpType: 8 }).some((f) => /^icmpType: .*only apply to icmp rules/.test(f)));
        t.true(failures({ protocol: "icmp", startPort: 22 }).some((f) => /^startPort: .*do not apply to icmp rules/.test(f)));
        t.true(failures({ protocol: "icmp", icmpCode: 16 }).some((f) => /^icmpCode: .*-1 \(any\) to 15, got 16/.test(f)));
        t.true(failures({ protocol: "tcp", startPort: 90, endPort: 80 }).some((f) => /^startPort: .*\(90\) must not be above endPort \(80\)/.test(f)));
        t.true(failures({ protocol: "tcp", startPort: 22, cidrList: ["10.0.0.0/33"] }).some((f) => f.startsWith("cidrList[0]")));
        const anchor = Object.keys(c.at)[0];
        t.true(c.def.check({ protocol: "tcp", startPort: 22 }).failures.some((f) => f.property === anchor));
    });
}

test("where the directions differ: a replacement of an ingress rule deletes first on any port overlap; an egress one only on Mold's conflicts", (t) => {
    const ingress = (o: Wire, n: Wire) =>
        diffInputs(firewallRule, { ...CASES.ingress.outs, ipAddressId: "ip-1", ...o }, { ipAddressId: "ip-1", ...n }).deleteBeforeReplace;
    const egress = (o: Wire, n: Wire) =>
        diffInputs(egressFirewallRule, { ...CASES.egress.outs, network: "n-1", ...o }, { network: "n-1", ...n }).deleteBeforeReplace;
    const tcp = { protocol: "tcp", startPort: 443 };
    // Other CIDRs: Mold takes both rules (§6.5).
    t.true(ingress({ ...tcp, cidrList: ["0.0.0.0/0"] }, { ...tcp, cidrList: ["192.0.2.0/24"] }));
    t.false(egress({ ...tcp, cidrList: ["10.1.1.0/24"] }, { ...tcp, cidrList: ["10.1.1.0/25"] }));
    // Another icmp type.
    t.true(ingress({ protocol: "icmp", icmpType: 8 }, { protocol: "icmp", icmpType: 0 }));
    t.false(egress({ protocol: "icmp", icmpType: 8 }, { protocol: "icmp", icmpType: 0 }));
    // The same icmp type with shared CIDRs: both.
    t.true(egress({ protocol: "icmp", icmpType: 8 }, { protocol: "icmp", icmpType: 8, cidrList: ["10.1.1.0/24", "10.1.1.128/25"] }));
});

test("where the directions differ: ingress tcp needs ports and has no protocol 'all'; egress rewrites 0.0.0.0/0 and takes destinations", (t) => {
    t.true(firewallRule.check({ ipAddressId: "ip", protocol: "tcp" }).failures.some((f) => f.property === "startPort"));
    t.deepEqual(egressFirewallRule.check({ network: "n", protocol: "tcp" }).failures, []);
    t.true(firewallRule.check({ ipAddressId: "ip", protocol: "all" }).failures.some((f) => f.property === "protocol"));
    t.deepEqual(egressFirewallRule.check({ network: "n", protocol: "all" }).failures, []);
    t.false((firewallRule.inputs as readonly string[]).includes("destCidrList"));
    t.true(egressFirewallRule.replaceOnChanges.includes("destCidrList"));
    const egressOuts = CASES.egress.outs;
    // On a network Mold stores 0.0.0.0/0 as the network's CIDR, and a network named by its name is the same one.
    t.deepEqual(
        changedInputs(egressFirewallRule, { ...egressOuts, network: "n-1", protocol: "all", cidrList: ["0.0.0.0/0"] }, { network: "app", protocol: "all" }),
        [],
    );
    // On an IP 0.0.0.0/0 is just the default: a narrower list is a change.
    t.deepEqual(
        changedInputs(
            firewallRule,
            { ipAddressId: "ip", protocol: "icmp", cidrList: ["0.0.0.0/0"] },
            { ipAddressId: "ip", protocol: "icmp", cidrList: ["10.0.0.0/8"] },
        ),
        ["cidrList"],
    );
});
