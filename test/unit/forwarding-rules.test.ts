// EgressFirewallRule and PortForwardingRule hooks against the simulator: equivalent CIDR spellings
// cause no diff, PF edits Mold can make go in place, overlapping replacements delete first, a create
// that fails halfway leaks nothing (the openFirewall rule included) and a lost answer is found again.
import test from "ava";
import { runHook } from "../../provider";
import type { HookName } from "../../provider/runtime/hooks";
import { listFirewallRules } from "../../provider/client/firewall";
import { mulberry32 } from "../../simulator/faults";
import { inWorld, NetworkWorld } from "../helpers/network-world";

const hook = (w: NetworkWorld) => {
    const settings = { apiUrl: w.sim.url, apiKey: w.sim.apiKey, secretKey: w.sim.secretKey };
    return <H extends HookName>(kind: string, name: H, ...args: any[]) => runHook(kind, name, settings, args);
};

/** check then create, as the engine does. */
async function up(call: ReturnType<typeof hook>, kind: string, inputs: Record<string, unknown>) {
    const checked = await call(kind, "check", {}, { __provider: "p", ...inputs });
    if (checked.failures.length) throw new Error(JSON.stringify(checked.failures));
    return { inputs: checked.inputs, ...(await call(kind, "create", checked.inputs)) };
}

test(
    "EgressFirewallRule: default source, 0.0.0.0/0 and a host-bit spelling all mean the network's CIDR: no diff, refresh keeps the declared spelling",
    inWorld(async (t, w) => {
        const call = hook(w);
        const n = await w.newNetwork();
        const cidr: string = n.cidr!;
        const [address, prefix] = cidr.split("/");
        const hostBits = `${address.replace(/\.0$/, ".5")}/${prefix}`;
        for (const [i, cidrList] of [undefined, ["0.0.0.0/0"], [hostBits]].entries()) {
            const created = await up(call, "EgressFirewallRule", { network: n.name, protocol: "tcp", startPort: 80 + i, cidrList });
            t.is(created.outs.networkCidr, cidr);
            const rule = w.sim.inventory().firewallRules.find((r: any) => r.id === created.id);
            t.is(rule.traffictype, "Egress");
            // Every other spelling of the same source, and the network by id instead of name: no change.
            for (const other of [undefined, ["0.0.0.0/0"], [cidr], [hostBits], [cidr, "0.0.0.0/0"]]) {
                const news = { ...created.inputs, network: n.id, cidrList: other };
                const diff = await call("EgressFirewallRule", "diff", created.id, created.outs, news);
                t.false(diff.changes, `${JSON.stringify(cidrList)} vs ${JSON.stringify(other)}`);
            }
            const read = await call("EgressFirewallRule", "read", created.id, created.outs);
            t.deepEqual(read.inputs!.cidrList, cidrList, "the declared spelling is reported");
            t.deepEqual(read.props, created.outs);
        }
        const first = w.sim.inventory().firewallRules.find((r: any) => r.startport === 80);
        const diff = await call(
            "EgressFirewallRule",
            "diff",
            first.id,
            { network: n.name, protocol: "tcp", startPort: 80, networkId: n.id, networkCidr: cidr },
            {
                network: n.name,
                protocol: "tcp",
                startPort: 80,
                destCidrList: ["8.8.8.8/32"],
            },
        );
        t.deepEqual(diff.replaces, ["destCidrList"]);
        t.false(diff.deleteBeforeReplace, "a new destination does not duplicate the old rule");
        const endChanged = await call(
            "EgressFirewallRule",
            "diff",
            first.id,
            { network: n.name, protocol: "tcp", startPort: 80, networkId: n.id, networkCidr: cidr },
            {
                network: n.name,
                protocol: "tcp",
                startPort: 80,
                endPort: 90,
            },
        );
        t.true(endChanged.deleteBeforeReplace, "overlapping ports with the same CIDRs: Mold would refuse the new rule next to the old");
    }),
);

test(
    "PortForwardingRule: private port, VM and CIDRs change in place; public ports replace (deleting first when they overlap)",
    inWorld(async (t, w) => {
        const call = hook(w);
        const n = await w.newNetwork();
        const vm1 = await w.deployVm(n.id);
        const vm2 = await w.deployVm(n.id);
        const ip = await w.newIp(n.id);
        const base = { ipAddressId: ip.id, protocol: "TCP", publicPort: 2222, privatePort: 22, virtualMachine: vm1.name, cidrList: ["10.0.0.5/8"] };
        const created = await up(call, "PortForwardingRule", base);
        t.is(created.inputs.protocol, "tcp");
        t.false(created.inputs.openFirewall, "our default");
        t.like(created.outs, { virtualMachineId: vm1.id, guestIpAddress: vm1.nic[0].ipaddress, state: "Active" });
        t.deepEqual(await listFirewallRules(w.client, { ipaddressid: ip.id }), [], "openFirewall false: no hidden firewall rule");

        const read = await call("PortForwardingRule", "read", created.id, created.outs);
        t.deepEqual(read.props, created.outs, "refresh: no drift (VM by name, CIDR with host bits, end ports left out)");
        const same = await call("PortForwardingRule", "diff", created.id, created.outs, {
            ...created.inputs,
            virtualMachine: vm1.id,
            cidrList: ["10.0.0.0/8"],
            publicEndPort: 2222,
        });
        t.false(same.changes);

        const news = { ...created.inputs, privatePort: 2022, virtualMachine: vm2.id, cidrList: undefined };
        const diff = await call("PortForwardingRule", "diff", created.id, created.outs, news);
        t.true(diff.changes);
        t.deepEqual(diff.replaces, []);
        const updated = await call("PortForwardingRule", "update", created.id, created.outs, news);
        t.like(updated.outs, { privatePort: 2022, virtualMachineId: vm2.id, guestIpAddress: vm2.nic[0].ipaddress });
        const rule = w.sim.inventory().portForwardingRules.find((r: any) => r.id === created.id);
        t.like(rule, { privateport: "2022", privateendport: "2022", virtualmachineid: vm2.id, cidrlist: "0.0.0.0/0" });
        t.false((await call("PortForwardingRule", "diff", created.id, updated.outs, news)).changes, "converged");

        const toggled = await call("PortForwardingRule", "diff", created.id, updated.outs, { ...news, openFirewall: true });
        t.deepEqual(toggled.replaces, ["openFirewall"]);
        t.true(toggled.deleteBeforeReplace, "the same public port: Mold refuses the new rule next to the old");
        const moved = await call("PortForwardingRule", "diff", created.id, updated.outs, { ...news, publicPort: 2223 });
        t.deepEqual(moved.replaces, ["publicPort", "publicEndPort"], "the end port left out follows the start");
        t.false(moved.deleteBeforeReplace, "another public port: create first, then delete");
    }),
);

test(
    "PortForwardingRule: tagging fails after the rule exists → partial failure with its id; deleting it removes the openFirewall rule too",
    inWorld(async (t, w) => {
        const call = hook(w);
        const n = await w.newNetwork();
        const vm = await w.deployVm(n.id);
        const ip = await w.newIp(n.id);
        const checked = await call(
            "PortForwardingRule",
            "check",
            {},
            { __provider: "p", ipAddressId: ip.id, protocol: "tcp", publicPort: 8080, privatePort: 80, virtualMachine: vm.id, openFirewall: true },
        );
        w.sim.setFaults({ throttleRate: 1, commands: ["createTags"] });
        const e: any = await t.throwsAsync(call("PortForwardingRule", "create", checked.inputs));
        w.sim.setFaults({});
        t.regex(e.message, /created [0-9a-f-]+ but could not finish/);
        const inv = w.sim.inventory();
        t.is(e.id, inv.portForwardingRules[0].id);
        t.true(e.properties.createIncomplete);
        t.is(inv.firewallRules.length, 1, "Mold opened the firewall for the rule");
        t.like(inv.firewallRules[0], { ipaddressid: ip.id, startport: 8080, cidrlist: "0.0.0.0/0" });

        // Not tagged, yet ours (createIncomplete): the delete goes through and takes the linked rule along.
        await call("PortForwardingRule", "delete", e.id, e.properties);
        t.deepEqual(w.sim.inventory().portForwardingRules, []);
        t.deepEqual(w.sim.inventory().firewallRules, [], "nothing leaked");
    }),
);

test(
    "PortForwardingRule: a lost create answer is reconciled by finding the rule, not by sending again",
    inWorld(async (t, w) => {
        const call = hook(w);
        const n = await w.newNetwork();
        const vm = await w.deployVm(n.id);
        const ip = await w.newIp(n.id);
        // A seed whose first dropped request is cut after the command ran (the second draw picks the side).
        const seed = [...Array(100).keys()].find((s) => {
            const r = mulberry32(s);
            r();
            return r() >= 0.5;
        })!;
        w.sim.setFaults({ dropRate: 1, commands: ["createPortForwardingRule"], seed });
        const created = await up(call, "PortForwardingRule", {
            ipAddressId: ip.id,
            protocol: "udp",
            publicPort: 5000,
            privatePort: 5000,
            virtualMachine: vm.name,
        });
        w.sim.setFaults({});
        t.is(w.sim.requestCounts.createPortForwardingRule, 1);
        const rules = w.sim.inventory().portForwardingRules;
        t.is(rules.length, 1);
        t.is(created.id, rules[0].id);
        t.true(w.sim.inventory().tags.some((x: any) => x.resourceid === created.id && x.key === "pulumi-mold:managed-by"));
    }),
);
