// mold:index:FirewallRule — one ingress rule on a public IP (never a set of rules in one resource). The rule
// logic is shared with EgressFirewallRule (firewall-rules.ts); this says where an ingress rule sits.
import { createFirewallRule, deleteFirewallRule, getFirewallRule, listFirewallRules } from "../client/firewall";
import { firewallRuleSchema } from "../generated/schema";
import type { FirewallRuleInputs, FirewallRuleOutputs } from "../generated/types";
import type { ResourceDefinition } from "../runtime/hooks";
import { firewallRuleDefinition, sharedRuleHandles } from "./firewall-rules";
import { managementPortFailures } from "./management-ports";

const ANYWHERE = "0.0.0.0/0";

export const firewallRule: ResourceDefinition<FirewallRuleInputs, FirewallRuleOutputs> = firewallRuleDefinition<FirewallRuleInputs, FirewallRuleOutputs>(
    {
        kind: "FirewallRule",
        what: "firewall rule",
        anchor: "ipAddressId",
        extraInputs: [],
        protocols: ["tcp", "udp", "icmp"],
        portsRequired: true,
        deleteFirstOnOverlap: true,
        // Mold stores "from anywhere" when no source CIDR is given.
        sourceCidrs: () => ({ whenEmpty: [ANYWHERE] }),
        canonicalAnchor: (ipAddressId) => ipAddressId,
        anchorOf: (rule) => rule.ipaddressid,
        place: (_client, ipAddressId) => Promise.resolve({ params: { ipaddressid: ipAddressId }, outs: {} }),
        placeOf: (rule) => ({ ipAddress: rule.ipaddress ?? "", networkId: rule.networkid }),
        // Ports a Kubernetes cluster publishes on the IP are Mold's, not the program's.
        checkInMold(ctx, inputs, ipAddressId) {
            if (inputs.protocol === "icmp" || inputs.startPort === undefined) return Promise.resolve([]);
            const range = { property: "startPort", start: inputs.startPort, end: inputs.endPort ?? inputs.startPort };
            return managementPortFailures(ctx, "FirewallRule", ipAddressId, [range]);
        },
        get: getFirewallRule,
        list: (client, place) => listFirewallRules(client, place),
        create: (client, place, args, wait) => createFirewallRule(client, { ...(place as { ipaddressid: string }), ...args }, wait),
        remove: (client, id) => deleteFirewallRule(client, id),
    },
    firewallRuleSchema,
    { ipAddressId: "createFirewallRule ipaddressid", ...sharedRuleHandles("createFirewallRule") },
);
