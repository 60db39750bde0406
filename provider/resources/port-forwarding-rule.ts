// mold:index:PortForwardingRule — one port-forwarding rule on a public IP (mold-api-network.md §7).
// updatePortForwardingRule can change the private ports, the VM (and its guest IP) and the source
// CIDRs, so those change in place; the IP, protocol, public ports and openFirewall replace the rule.
//
// openFirewall: Mold's default is true, which makes Mold add an ingress firewall rule 0.0.0.0/0 for the
// public ports, linked to this rule and removed with it (or reuse an existing one with the same ports).
// We default to false, as the Terraform provider does: that hidden rule opens the ports to the world
// whatever the program declares, and it is not a resource of the program. Declare a FirewallRule for
// the ports instead, or set openFirewall: true explicitly.
import { pickOne } from "../client/catalog";
import type { MoldClient, WaitOptions } from "../client/client";
import {
    createPortForwardingRule,
    deletePortForwardingRule,
    getPortForwardingRule,
    listPortForwardingRules,
    PortForwardingRule,
    updatePortForwardingRule,
    UpdatePortForwardingRuleArgs,
} from "../client/portforward";
import { getVirtualMachine, listVirtualMachines, VirtualMachine } from "../client/vm";
import { jsonEqual } from "../runtime/equal";
import { portForwardingRuleSchema } from "../generated/schema";
import type { PortForwardingRuleInputs, PortForwardingRuleOutputs } from "../generated/types";
import type { Reported, ResourceDefinition } from "../runtime/hooks";
import { currentTags, isOwned } from "../runtime/tags";
import { Validator } from "../runtime/validate";
import { createTagged, findNetwork } from "../runtime/common";
import { managementPortFailures } from "./management-ports";
import { staticNatOnIpFailures } from "./static-nat";
import { changeIdempotent, waitFor } from "../runtime/reconcile";
import { convergeTags, current, deleteOwned, ObjectKind, ownedForChange } from "../runtime/steps";
import { lookupFailures } from "./check-names";
import { booleanField, canonicalCidrs, declaredWhenSame, portRange, rangesOverlap, splitCidrs } from "./rule-inputs";

const KIND = "PortForwardingRule";
const TAG_TYPE = "PortForwardingRule";
const PROTOCOLS = ["tcp", "udp"] as const;
/** Mold's own default is true; see the file comment for why ours is false. */
export const OPEN_FIREWALL_DEFAULT = false;
const ANYWHERE = "0.0.0.0/0";

function outputsOf(r: PortForwardingRule): Reported<PortForwardingRuleInputs, PortForwardingRuleOutputs> {
    return {
        ruleId: r.id,
        ipAddress: r.ipaddress,
        networkId: r.networkid,
        virtualMachineId: r.virtualmachineid,
        virtualMachineName: r.virtualmachinename ?? "",
        guestIpAddress: r.vmguestip ?? "",
        state: r.state,
    };
}

const RULE: ObjectKind<PortForwardingRule> = { what: "port forwarding rule", tagType: TAG_TYPE, get: getPortForwardingRule };

/** A VM by id or name (destroyed ones excluded); unknown or ambiguous names fail with the candidates. */
async function findVm(client: MoldClient, nameOrId: string): Promise<VirtualMachine> {
    const byId = await getVirtualMachine(client, nameOrId);
    if (byId) return byId;
    const live = (await listVirtualMachines(client)).filter((vm) => vm.state !== "Destroyed" && vm.state !== "Expunging");
    return pickOne("virtual machine", nameOrId, live);
}

/** Inputs in canonical form: the CIDR list is always there. */
type Canonical = Partial<PortForwardingRuleInputs> & { cidrList: string[] };

/**
 * Canonical inputs: end ports default to their start; the VM as its id when it names the one in the
 * old outputs; no source CIDRs, [] and 0.0.0.0/0 all mean "from anywhere" (Mold stores "" or 0.0.0.0/0).
 */
function normalize(p: Partial<PortForwardingRuleInputs>, olds: Partial<PortForwardingRuleOutputs>): Canonical {
    const out: Canonical = { ...p, cidrList: [] };
    out.publicEndPort = p.publicEndPort ?? p.publicPort;
    out.privateEndPort = p.privateEndPort ?? p.privatePort;
    if (olds.virtualMachineId && (p.virtualMachine === olds.virtualMachineId || (olds.virtualMachineName && p.virtualMachine === olds.virtualMachineName))) {
        out.virtualMachine = olds.virtualMachineId;
    }
    const cidrs = canonicalCidrs(p.cidrList);
    out.cidrList = Array.isArray(cidrs) && cidrs.length === 1 && cidrs[0] === ANYWHERE ? [] : cidrs;
    out.openFirewall = p.openFirewall ?? OPEN_FIREWALL_DEFAULT;
    return out;
}

/** The inputs a listed rule stands for, in Mold's spelling (its ports are strings on the wire). */
function inputsInMold(r: PortForwardingRule, olds: Partial<PortForwardingRuleOutputs>): Partial<PortForwardingRuleInputs> {
    return {
        ipAddressId: r.ipaddressid,
        protocol: r.protocol,
        publicPort: Number(r.publicport),
        publicEndPort: Number(r.publicendport),
        privatePort: Number(r.privateport),
        privateEndPort: Number(r.privateendport),
        virtualMachine: r.virtualmachineid,
        // Unset means "the NIC's primary address, Mold's pick"; only a declared guest IP is compared.
        vmGuestIp: olds.vmGuestIp === undefined ? undefined : r.vmguestip,
        cidrList: splitCidrs(r.cidrlist),
    };
}

type RuleKey = keyof PortForwardingRuleInputs;
const SAME_RULE_KEYS: RuleKey[] = ["protocol", "publicPort", "publicEndPort", "privatePort", "privateEndPort", "virtualMachine", "cidrList"];
const IN_PLACE: RuleKey[] = ["privatePort", "privateEndPort", "virtualMachine", "vmGuestIp", "cidrList"];

export const portForwardingRule: ResourceDefinition<PortForwardingRuleInputs, PortForwardingRuleOutputs> = {
    kind: KIND,
    inputs: portForwardingRuleSchema.inputs,
    replaceOnChanges: portForwardingRuleSchema.replaceOnChanges,
    handles: {
        ipAddressId: "createPortForwardingRule ipaddressid",
        protocol: "createPortForwardingRule protocol",
        publicPort: "createPortForwardingRule publicport",
        publicEndPort: "createPortForwardingRule publicendport (default: publicPort)",
        privatePort: "createPortForwardingRule privateport; update: updatePortForwardingRule (with privateEndPort)",
        privateEndPort: "createPortForwardingRule privateendport (default: privatePort); update: updatePortForwardingRule",
        virtualMachine: "createPortForwardingRule virtualmachineid (found by name or id); update: updatePortForwardingRule",
        vmGuestIp: "createPortForwardingRule vmguestip; update: updatePortForwardingRule (with the VM)",
        cidrList: "createPortForwardingRule cidrlist; update: updatePortForwardingRule",
        openFirewall: "createPortForwardingRule openfirewall, always sent (default false)",
        network: "createPortForwardingRule networkid (the VPC tier, found by name or id)",
        tags: "createTags with the ownership tag; update: createTags/deleteTags",
    },
    normalize,

    check(news) {
        const v = new Validator(KIND);
        v.string("ipAddressId", news.ipAddressId, { required: true });
        v.oneOf("protocol", news.protocol, PROTOCOLS, { required: true });
        portRange(v, ["publicPort", news.publicPort], ["publicEndPort", news.publicEndPort], true);
        portRange(v, ["privatePort", news.privatePort], ["privateEndPort", news.privateEndPort], true);
        // Numbers once the guard below holds (the values are the program's, not checked yet).
        const [ps, pe, qs, qe] = [
            news.publicPort,
            news.publicEndPort ?? news.publicPort,
            news.privatePort,
            news.privateEndPort ?? news.privatePort,
        ] as number[];
        if ([ps, pe, qs, qe].every((x) => typeof x === "number" && Number.isInteger(x)) && ps <= pe && qs <= qe) {
            // Mold translates single ports only (2222 → 22); a range maps onto the same private range.
            if (pe - ps !== qe - qs) {
                v.fail(
                    "privateEndPort",
                    `gives a private range ${qs}-${qe} of another length than the public range ${ps}-${pe}; Mold needs ranges of equal length`,
                );
            } else if (ps !== pe && qs !== ps) {
                v.fail(
                    "privatePort",
                    `must equal publicPort (${ps}) for a port range: Mold forwards a range to the same ports (${ps}-${pe}) and translates single ports only`,
                );
            }
        }
        v.string("virtualMachine", news.virtualMachine, { required: true });
        v.ipv4("vmGuestIp", news.vmGuestIp);
        v.cidrList("cidrList", news.cidrList);
        booleanField(v, "openFirewall", news.openFirewall);
        v.string("network", news.network);
        // A VPC's address: Mold refuses openfirewall=true ("Can't have openFirewall=true when IP address belongs to VPC"):
        // tiers are filtered by their ACL list instead.
        if (news.network !== undefined && news.openFirewall === true) {
            v.fail(
                "openFirewall",
                "cannot be true for a rule on a VPC tier (Mold: Can't have openFirewall=true when IP address belongs to VPC); open the ports with the tier's ACL list",
            );
        }
        v.tags("tags", news.tags);
        const inputs: Partial<PortForwardingRuleInputs> = { ...news, openFirewall: news.openFirewall ?? OPEN_FIREWALL_DEFAULT };
        if (typeof inputs.protocol === "string") inputs.protocol = inputs.protocol.toLowerCase();
        return { inputs, failures: v.failures };
    },

    async checkInMold(ctx, inputs) {
        const range = { property: "publicPort", start: inputs.publicPort, end: inputs.publicEndPort ?? inputs.publicPort };
        return [
            ...(await managementPortFailures(ctx, KIND, inputs.ipAddressId, [range])),
            ...(await staticNatOnIpFailures(ctx, KIND, "ipAddressId", inputs.ipAddressId)),
            ...(await lookupFailures(ctx, KIND, [
                { property: "virtualMachine", value: inputs.virtualMachine, find: findVm },
                { property: "network", value: inputs.network, find: findNetwork },
            ])),
        ];
    },

    async create(ctx, inputs) {
        const client = ctx.client();
        const vm = await findVm(client, inputs.virtualMachine);
        const tier = inputs.network !== undefined ? await findNetwork(client, inputs.network) : undefined;
        const create = (wait?: WaitOptions) =>
            createPortForwardingRule(
                client,
                {
                    networkid: tier?.id,
                    ipaddressid: inputs.ipAddressId,
                    protocol: inputs.protocol,
                    publicport: inputs.publicPort,
                    publicendport: inputs.publicEndPort ?? inputs.publicPort,
                    privateport: inputs.privatePort,
                    privateendport: inputs.privateEndPort ?? inputs.privatePort,
                    virtualmachineid: vm.id,
                    vmguestip: inputs.vmGuestIp,
                    cidrlist: inputs.cidrList,
                    // Always sent: left out, Mold would open the firewall (its default is true).
                    openfirewall: inputs.openFirewall ?? OPEN_FIREWALL_DEFAULT,
                },
                wait,
            );
        // After a lost answer: Mold refuses a second rule with overlapping public ports and protocol on
        // an IP, so an untagged rule with exactly these attributes is the one just made.
        const facts = { virtualMachineId: vm.id, virtualMachineName: vm.name };
        const wanted = normalize(inputs, facts);
        const same = (r: PortForwardingRule) => {
            const got = normalize(inputsInMold(r, inputs), facts);
            return SAME_RULE_KEYS.every((k) => jsonEqual(got[k], wanted[k])) && (inputs.vmGuestIp === undefined || r.vmguestip === inputs.vmGuestIp);
        };
        const find = () =>
            waitFor(async () => {
                const rule = (await listPortForwardingRules(client, { ipaddressid: inputs.ipAddressId })).filter((r) => !isOwned(r.tags) && same(r)).pop();
                return { done: !rule || rule.state !== "Add", value: rule };
            });
        return createTagged(client, TAG_TYPE, inputs, create, outputsOf, find);
    },

    async read(ctx, id, olds) {
        const rule = await current(ctx.client(), RULE, id);
        if (!rule) return undefined;
        const outs = outputsOf(rule);
        const inputs = declaredWhenSame(normalize, { ...olds, ...outs }, inputsInMold(rule, olds));
        // Mold does not show whether openFirewall was set: the declared value stands.
        // (Left out when adopting, so an importId never conflicts over it.)
        // The tier as declared while the rule serves the same one (Mold shows its id).
        const network = olds.network === undefined || rule.networkid === olds.networkId ? olds.network : rule.networkid;
        return { outs, inputs: { ...inputs, network, openFirewall: olds.openFirewall, tags: currentTags(olds.tags, rule.tags) } };
    },

    /** Mold refuses a rule whose public ports overlap a live one of the same protocol on the IP (§6.5). */
    deleteBeforeReplace(olds, news) {
        const o = normalize(olds, olds);
        const n = normalize(news, olds);
        return (
            o.ipAddressId === n.ipAddressId &&
            o.protocol === n.protocol &&
            rangesOverlap([olds.publicPort, o.publicEndPort ?? olds.publicPort], [news.publicPort, n.publicEndPort ?? news.publicPort])
        );
    },

    async update(ctx, id, olds, news) {
        const client = ctx.client();
        let rule = await ownedForChange(ctx, RULE, id, olds);
        const o = normalize(olds, olds);
        const n = normalize(news, olds);
        const changed = (k: RuleKey) => !jsonEqual(o[k], n[k]);
        if (IN_PLACE.some(changed)) {
            const args: UpdatePortForwardingRuleArgs = {};
            if (changed("privatePort") || changed("privateEndPort")) {
                // Both sent: Mold wants both or neither for a ranged rule.
                args.privateport = n.privatePort;
                args.privateendport = n.privateEndPort;
            }
            if (changed("virtualMachine") || changed("vmGuestIp")) {
                // Mold takes a guest IP only along with the VM; without one it uses the NIC's primary address.
                args.virtualmachineid =
                    n.virtualMachine === o.virtualMachine && olds.virtualMachineId ? olds.virtualMachineId : (await findVm(client, news.virtualMachine)).id;
                args.vmguestip = news.vmGuestIp;
            }
            // An empty list would be dropped on the wire, so "from anywhere" is sent as 0.0.0.0/0.
            if (changed("cidrList")) args.cidrlist = n.cidrList.length ? n.cidrList : [ANYWHERE];
            rule = await changeIdempotent(() => updatePortForwardingRule(client, id, args));
        }
        await convergeTags(ctx, RULE, id, olds, news);
        return outputsOf(rule);
    },

    // Mold revokes the firewall rule its openfirewall created along with it (§7.5).
    delete: (ctx, id, olds) => deleteOwned(ctx, RULE, id, olds, (client) => deletePortForwardingRule(client, id)),
};
