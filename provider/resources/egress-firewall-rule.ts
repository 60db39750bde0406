// mold:index:EgressFirewallRule — one egress rule on an isolated network (mold-api-network.md §6.6). The rule
// logic is shared with FirewallRule (firewall-rules.ts); this says where an egress rule sits. Mold rewrites
// source CIDRs on a network: none given or 0.0.0.0/0 become the network's CIDR.
import { createEgressFirewallRule, deleteEgressFirewallRule, getEgressFirewallRule, listEgressFirewallRules } from "../client/firewall";
import { getNetwork } from "../client/network";
import { findNetwork } from "../runtime/common";
import { egressFirewallRuleSchema } from "../generated/schema";
import type { EgressFirewallRuleInputs, EgressFirewallRuleOutputs } from "../generated/types";
import type { ResourceDefinition } from "../runtime/hooks";
import { namesInMold } from "./check-names";
import { firewallRuleDefinition, PlaceOuts, sharedRuleHandles } from "./firewall-rules";

const KIND = "EgressFirewallRule";
const ANYWHERE = "0.0.0.0/0";

/** The outputs describing the rule's network. */
function networkOuts(id: string, name: string, cidr: string): PlaceOuts {
    return { networkId: id, networkName: name, networkCidr: cidr };
}

export const egressFirewallRule: ResourceDefinition<EgressFirewallRuleInputs, EgressFirewallRuleOutputs> = firewallRuleDefinition<
    EgressFirewallRuleInputs,
    EgressFirewallRuleOutputs
>(
    {
        kind: KIND,
        what: "egress firewall rule",
        anchor: "network",
        extraInputs: ["destCidrList"],
        protocols: ["tcp", "udp", "icmp", "all"],
        // A tcp or udp rule without ports covers every port of that protocol.
        portsRequired: false,
        deleteFirstOnOverlap: false,
        // The network's CIDR is known once created; before that 0.0.0.0/0 stands for it.
        sourceCidrs(outs) {
            const netCidr: string = outs.networkCidr || ANYWHERE;
            return { whenEmpty: [netCidr], aliases: { [ANYWHERE]: netCidr } };
        },
        // The network as its id when it names the one in the old outputs.
        canonicalAnchor: (network, outs) =>
            outs.networkId && (network === outs.networkId || (outs.networkName && network === outs.networkName)) ? outs.networkId : network,
        anchorOf: (rule) => rule.networkid,
        async place(client, network) {
            const n = await findNetwork(client, network);
            return { params: { networkid: n.id }, outs: networkOuts(n.id, n.name, n.cidr ?? "") };
        },
        placeOf: (rule, olds) => networkOuts(rule.networkid, olds.networkName ?? "", olds.networkCidr ?? ""),
        // The network's name and CIDR come from the old outputs unless the rule is new to us (adoption).
        async lookupPlace(client, rule, olds) {
            if (olds.networkId === rule.networkid && olds.networkCidr) return networkOuts(rule.networkid, olds.networkName ?? "", olds.networkCidr);
            const n = await getNetwork(client, rule.networkid);
            return networkOuts(rule.networkid, n?.name ?? "", n?.cidr ?? "");
        },
        checkInMold: (ctx, inputs) => namesInMold(ctx, KIND, inputs, { networks: ["network"] }),
        get: getEgressFirewallRule,
        list: (client, place) => listEgressFirewallRules(client, place),
        create: (client, place, args, wait) => createEgressFirewallRule(client, { ...(place as { networkid: string }), ...args }, wait),
        remove: (client, id) => deleteEgressFirewallRule(client, id),
    },
    egressFirewallRuleSchema,
    {
        network: "createEgressFirewallRule networkid (found by name or id)",
        destCidrList: "createEgressFirewallRule destcidrlist",
        ...sharedRuleHandles("createEgressFirewallRule"),
    },
);
