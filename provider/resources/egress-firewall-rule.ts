// mold:index:EgressFirewallRule — one egress rule on an isolated network (mold-api-network.md §6.6).
// Mold cannot change an egress rule's protocol, ports or CIDRs (update only sets fordisplay), so every
// input but tags replaces it. Mold rewrites source CIDRs: none given or 0.0.0.0/0 become the network's
// CIDR, and CIDRs are stored with their network address; diffs and refresh compare canonical forms so
// neither causes a perpetual diff.
import type { MoldClient } from "../client/client";
import { createEgressFirewallRule, deleteEgressFirewallRule, FirewallRule, getEgressFirewallRule, listEgressFirewallRules } from "../client/firewall";
import { getNetwork } from "../client/network";
import { jsonEqual } from "../runtime/equal";
import { egressFirewallRuleSchema } from "../generated/schema";
import type { EgressFirewallRuleInputs, EgressFirewallRuleOutputs } from "../generated/types";
import type { Props, Reported, ResourceDefinition } from "../runtime/hooks";
import { currentTags, isOwned } from "../runtime/tags";
import { Validator } from "../runtime/validate";
import { applyTags, assertOwned, createTagged, findNetwork } from "./common";
import { namesInMold } from "./check-names";
import { deleteConfirmed, waitFor } from "./reconcile";
import { canonicalCidrs, declaredWhenSame, icmpField, portRange, rangesOverlap, splitCidrs } from "./rule-inputs";

const KIND = "EgressFirewallRule";
const TAG_TYPE = "FirewallRule";
const PROTOCOLS = ["tcp", "udp", "icmp", "all"] as const;
const ANYWHERE = "0.0.0.0/0";

interface NetworkFacts {
    id: string;
    name: string;
    cidr: string;
}

function outputsOf(r: FirewallRule, net: NetworkFacts): Reported<EgressFirewallRuleInputs, EgressFirewallRuleOutputs> {
    return { ruleId: r.id, networkId: net.id, networkName: net.name, networkCidr: net.cidr, state: r.state };
}

const getRule = getEgressFirewallRule;

/**
 * Canonical inputs: the network as its id when it names the one in the old outputs; source CIDRs
 * with Mold's default and 0.0.0.0/0 alias resolved to the network's CIDR (known once created);
 * endPort defaulting to startPort; icmp type and code defaulting to -1 (any), as Mold stores them.
 */
function normalize(p: Props, olds: Props): Props {
    const out = { ...p };
    if (olds.networkId && (p.network === olds.networkId || (olds.networkName && p.network === olds.networkName))) out.network = olds.networkId;
    const netCidr: string = olds.networkCidr || ANYWHERE;
    out.cidrList = canonicalCidrs(p.cidrList, { whenEmpty: [netCidr], aliases: { [ANYWHERE]: netCidr } });
    out.destCidrList = canonicalCidrs(p.destCidrList);
    out.endPort = p.endPort ?? p.startPort;
    if (p.protocol === "icmp") {
        out.icmpType = p.icmpType ?? -1;
        out.icmpCode = p.icmpCode ?? -1;
    }
    return out;
}

/** The inputs a listed rule stands for, in Mold's spelling. */
function inputsInMold(r: FirewallRule, net: NetworkFacts): Props {
    return {
        network: net.id,
        protocol: r.protocol,
        startPort: r.startport ?? undefined,
        endPort: r.endport ?? undefined,
        cidrList: splitCidrs(r.cidrlist),
        destCidrList: splitCidrs(r.destcidrlist),
        icmpType: r.icmptype ?? undefined,
        icmpCode: r.icmpcode ?? undefined,
    };
}

const SAME_RULE_KEYS = ["protocol", "startPort", "endPort", "cidrList", "destCidrList", "icmpType", "icmpCode"];

export const egressFirewallRule: ResourceDefinition<EgressFirewallRuleInputs, EgressFirewallRuleOutputs> = {
    kind: KIND,
    inputs: egressFirewallRuleSchema.inputs,
    replaceOnChanges: egressFirewallRuleSchema.replaceOnChanges,
    handles: {
        network: "createEgressFirewallRule networkid (found by name or id)",
        protocol: "createEgressFirewallRule protocol",
        startPort: "createEgressFirewallRule startport",
        endPort: "createEgressFirewallRule endport",
        cidrList: "createEgressFirewallRule cidrlist",
        destCidrList: "createEgressFirewallRule destcidrlist",
        icmpType: "createEgressFirewallRule icmptype",
        icmpCode: "createEgressFirewallRule icmpcode",
        tags: "createTags with the ownership tag; update: createTags/deleteTags",
    },
    normalize,

    check(news) {
        const v = new Validator(KIND);
        v.string("network", news.network, { required: true });
        v.oneOf("protocol", news.protocol, PROTOCOLS, { required: true });
        const protocol = typeof news.protocol === "string" ? news.protocol.toLowerCase() : undefined;
        if (protocol === "icmp" || protocol === "all") {
            if (news.startPort !== undefined || news.endPort !== undefined) v.fail("startPort", `and endPort do not apply to ${protocol} rules`);
        } else {
            // A tcp or udp rule without ports covers every port of that protocol.
            portRange(v, ["startPort", news.startPort], ["endPort", news.endPort], false);
        }
        if (protocol !== "icmp" && v.known(news.protocol) && (news.icmpType !== undefined || news.icmpCode !== undefined)) {
            v.fail("icmpType", "and icmpCode only apply to icmp rules");
        } else {
            icmpField(v, "icmpType", news.icmpType);
            icmpField(v, "icmpCode", news.icmpCode);
        }
        v.cidrList("cidrList", news.cidrList);
        v.cidrList("destCidrList", news.destCidrList);
        v.tags("tags", news.tags);
        const inputs = { ...news };
        if (protocol) inputs.protocol = protocol;
        return { inputs, failures: v.failures };
    },

    checkInMold: (ctx, inputs) => namesInMold(ctx, KIND, inputs, { networks: ["network"] }),

    async create(ctx, inputs) {
        const client = ctx.client();
        const network = await findNetwork(client, inputs.network);
        const net: NetworkFacts = { id: network.id, name: network.name, cidr: network.cidr ?? "" };
        const create = () =>
            createEgressFirewallRule(client, {
                networkid: net.id,
                protocol: inputs.protocol,
                startport: inputs.startPort,
                endport: inputs.endPort,
                cidrlist: inputs.cidrList,
                destcidrlist: inputs.destCidrList,
                icmptype: inputs.icmpType,
                icmpcode: inputs.icmpCode,
            });
        // After a lost answer: Mold refuses a second rule with the same protocol, ports and CIDRs on a
        // network, so an untagged rule with exactly these attributes is the one just made.
        const facts = { networkId: net.id, networkName: net.name, networkCidr: net.cidr };
        const wanted = normalize(inputs, facts);
        const same = (r: FirewallRule) => {
            const got = normalize(inputsInMold(r, net), facts);
            return SAME_RULE_KEYS.every((k) => jsonEqual(got[k], wanted[k]));
        };
        const find = () =>
            waitFor(async () => {
                const rule = (await listEgressFirewallRules(client, { networkid: net.id })).filter((r) => !isOwned(r.tags) && same(r)).pop();
                return { done: !rule || rule.state !== "Add", value: rule };
            });
        return createTagged(client, TAG_TYPE, inputs, create, (r) => outputsOf(r, net), find);
    },

    async read(ctx, id, olds) {
        const client = ctx.client();
        const rule = await getRule(client, id);
        if (!rule) return undefined;
        // The network's name and CIDR come from the old outputs unless the rule is new to us (adoption).
        let net: NetworkFacts = { id: rule.networkid, name: olds.networkName ?? "", cidr: olds.networkCidr ?? "" };
        if (olds.networkId !== rule.networkid || !olds.networkCidr) {
            const n = await getNetwork(client, rule.networkid);
            net = { id: rule.networkid, name: n?.name ?? "", cidr: n?.cidr ?? "" };
        }
        const outs = outputsOf(rule, net);
        const inputs = declaredWhenSame(normalize, { ...olds, ...outs }, inputsInMold(rule, net));
        return { outs, inputs: { ...inputs, tags: currentTags(olds.tags, rule.tags) } };
    },

    /** Mold refuses a rule that duplicates a live one (§6.5): then the old one must go first. */
    deleteBeforeReplace(olds, news) {
        const o = normalize(olds, olds);
        const n = normalize(news, olds);
        if (o.network !== n.network || o.protocol !== n.protocol) return false;
        const intersect = (a: string[], b: string[]) => (a.length === 0 && b.length === 0) || a.some((c) => b.includes(c));
        if (!intersect(o.cidrList, n.cidrList) || !intersect(o.destCidrList, n.destCidrList)) return false;
        if (n.protocol === "icmp") return o.icmpType === n.icmpType && o.icmpCode === n.icmpCode;
        const ports = [o.startPort, n.startPort];
        if (ports.every((p) => p === undefined)) return true;
        if (ports.some((p) => p === undefined)) return false;
        return rangesOverlap([o.startPort, o.endPort], [n.startPort, n.endPort]);
    },

    async update(ctx, id, olds, news) {
        const client = ctx.client();
        const rule = await getRule(client, id);
        if (!rule) throw new Error(`egress firewall rule ${id} no longer exists in Mold; run refresh`);
        assertOwned(ctx, id, rule.tags, "change egress firewall rule", olds);
        await applyTags(client, TAG_TYPE, id, news);
        return outputsOf(rule, { id: rule.networkid, name: olds.networkName ?? "", cidr: olds.networkCidr ?? "" });
    },

    async delete(ctx, id, olds) {
        const client = ctx.client();
        const rule = await getRule(client, id);
        if (!rule) return;
        assertOwned(ctx, id, rule.tags, "delete egress firewall rule", olds);
        await deleteConfirmed(
            () => deleteEgressFirewallRule(client, id),
            async () => (await getRule(client, id)) !== undefined,
        );
    },
};
