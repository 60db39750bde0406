// mold:index:FirewallRule — one ingress rule on a public IP (never a set of rules in one resource).
// Mold cannot change a rule's protocol, ports or CIDRs, so those replace it; tags change in place.
import { createFirewallRule, deleteFirewallRule, FirewallRule, getFirewallRule, listFirewallRules } from "../client/firewall";
import { normalizeCidr } from "../net/cidr";
import { firewallRuleSchema } from "../generated/schema";
import type { FirewallRuleInputs, FirewallRuleOutputs } from "../generated/types";
import type { Reported, ResourceDefinition } from "../runtime/hooks";
import { currentTags } from "../runtime/tags";
import { Validator } from "../runtime/validate";
import { icmpField } from "./rule-inputs";
import { isOwned } from "../runtime/tags";
import { applyTags, assertOwned, createTagged } from "./common";
import { managementPortFailures } from "./management-ports";
import { rangesOverlap } from "./rule-inputs";
import { deleteConfirmed, waitFor } from "./reconcile";

const PROTOCOLS = ["tcp", "udp", "icmp"] as const;

function outputsOf(r: FirewallRule): Reported<FirewallRuleInputs, FirewallRuleOutputs> {
    return { ruleId: r.id, ipAddress: r.ipaddress ?? "", networkId: r.networkid, state: r.state };
}

const getRule = getFirewallRule;

/** Whether a listed rule has the declared protocol, ports and CIDRs. */
function sameRule(r: FirewallRule, inputs: FirewallRuleInputs): boolean {
    const cidrs = (r.cidrlist || "0.0.0.0/0").split(",").map((c) => normalizeCidr(c.trim())).sort();
    const wanted = ((inputs.cidrList as string[] | undefined) ?? ["0.0.0.0/0"]).map(normalizeCidr).sort();
    return (
        r.protocol === inputs.protocol &&
        (r.startport ?? undefined) === inputs.startPort &&
        (r.endport ?? undefined) === (inputs.endPort ?? inputs.startPort) &&
        JSON.stringify(cidrs) === JSON.stringify(wanted)
    );
}

export const firewallRule: ResourceDefinition<FirewallRuleInputs, FirewallRuleOutputs> = {
    kind: "FirewallRule",
    inputs: firewallRuleSchema.inputs,
    replaceOnChanges: firewallRuleSchema.replaceOnChanges,
    handles: {
        ipAddressId: "createFirewallRule ipaddressid",
        protocol: "createFirewallRule protocol",
        startPort: "createFirewallRule startport",
        endPort: "createFirewallRule endport",
        cidrList: "createFirewallRule cidrlist",
        icmpType: "createFirewallRule icmptype",
        icmpCode: "createFirewallRule icmpcode",
        tags: "createTags with the ownership tag; update: createTags/deleteTags",
    },

    // Mold refuses a rule whose ports overlap another rule of the same protocol on the IP (537), so a
    // replacement that overlaps the old rule must delete it first.
    deleteBeforeReplace(olds, news) {
        return (
            olds.ipAddressId === news.ipAddressId &&
            olds.protocol === news.protocol &&
            (news.protocol === "icmp" || // Non-icmp rules have a start port (check requires it).
            rangesOverlap([olds.startPort!, olds.endPort ?? olds.startPort!], [news.startPort!, news.endPort ?? news.startPort!]))
        );
    },

    check(news) {
        const v = new Validator("FirewallRule");
        v.string("ipAddressId", news.ipAddressId, { required: true });
        v.oneOf("protocol", news.protocol, PROTOCOLS, { required: true });
        const icmp = typeof news.protocol === "string" && news.protocol.toLowerCase() === "icmp";
        if (icmp) {
            if (news.startPort !== undefined || news.endPort !== undefined) v.fail("startPort", "and endPort do not apply to icmp rules");
            icmpField(v, "icmpType", news.icmpType);
            icmpField(v, "icmpCode", news.icmpCode);
        } else {
            v.port("startPort", news.startPort, { required: news.protocol !== undefined });
            v.port("endPort", news.endPort);
            if (typeof news.startPort === "number" && typeof news.endPort === "number" && news.startPort > news.endPort) {
                v.fail("startPort", `(${news.startPort}) must not be above endPort (${news.endPort})`);
            }
            if (news.icmpType !== undefined || news.icmpCode !== undefined) v.fail("icmpType", "and icmpCode only apply to icmp rules");
        }
        v.cidrList("cidrList", news.cidrList);
        v.tags("tags", news.tags);
        const inputs = { ...news };
        if (typeof inputs.protocol === "string") inputs.protocol = inputs.protocol.toLowerCase();
        return { inputs, failures: v.failures };
    },

    checkInMold(ctx, inputs) {
        if (inputs.protocol === "icmp" || inputs.startPort === undefined) return Promise.resolve([]);
        const range = { property: "startPort", start: inputs.startPort, end: inputs.endPort ?? inputs.startPort };
        return managementPortFailures(ctx, "FirewallRule", inputs.ipAddressId, [range]);
    },

    async create(ctx, inputs) {
        const client = ctx.client();
        const create = () =>
            createFirewallRule(client, {
                ipaddressid: inputs.ipAddressId,
                protocol: inputs.protocol,
                startport: inputs.startPort,
                endport: inputs.endPort,
                cidrlist: inputs.cidrList,
                icmptype: inputs.icmpType,
                icmpcode: inputs.icmpCode,
            });
        // After a lost answer: Mold keeps rules unique per IP, protocol and ports, so an untagged rule
        // with exactly these attributes is the one just made.
        const find = () =>
            waitFor(async () => {
                const rule = (await listFirewallRules(client, { ipaddressid: inputs.ipAddressId }))
                    .filter((r) => !isOwned(r.tags) && sameRule(r, inputs))
                    .pop();
                return { done: !rule || rule.state !== "Add", value: rule };
            });
        return createTagged(client, "FirewallRule", inputs, create, outputsOf, find);
    },

    async read(ctx, id, olds) {
        const rule = await getRule(ctx.client(), id);
        if (!rule) return undefined;
        const cidrs = rule.cidrlist ? rule.cidrlist.split(",").map((c) => c.trim()) : [];
        const declared: string[] | undefined = olds.cidrList;
        // Mold stores CIDRs normalised; report the declared spelling when it means the same thing.
        const sameCidrs = declared !== undefined && JSON.stringify(declared.map(normalizeCidr).sort()) === JSON.stringify(cidrs.map(normalizeCidr).sort());
        const defaultCidrs = declared === undefined && cidrs.length === 1 && cidrs[0] === "0.0.0.0/0";
        return {
            outs: outputsOf(rule),
            inputs: {
                cidrList: sameCidrs || defaultCidrs ? declared : cidrs,
                startPort: olds.startPort === undefined ? undefined : rule.startport,
                endPort: olds.endPort === undefined ? undefined : rule.endport,
                tags: currentTags(olds.tags, rule.tags),
            },
        };
    },

    async update(ctx, id, olds, news) {
        const client = ctx.client();
        const rule = await getRule(client, id);
        if (!rule) throw new Error(`firewall rule ${id} no longer exists in Mold; run refresh`);
        assertOwned(ctx, id, rule.tags, "change firewall rule", olds);
        await applyTags(client, "FirewallRule", id, news);
        return outputsOf(rule);
    },

    async delete(ctx, id, olds) {
        const client = ctx.client();
        const rule = await getRule(client, id);
        if (!rule) return;
        assertOwned(ctx, id, rule.tags, "delete firewall rule", olds);
        await deleteConfirmed(
            () => deleteFirewallRule(client, id),
            async () => (await getRule(client, id)) !== undefined,
        );
    },
};
