// mold:index:LoadBalancerRule — one load-balancer rule on a public IP (HAProxy on the virtual router),
// with its members and at most one stickiness and one health-check policy (mold-api-network.md §8).
// Name, description and algorithm change in place (updateLoadBalancerRule); members are assigned and
// removed by difference; policies are replaced in place (Mold cannot change them). The public IP, the
// ports, the protocol, the CIDR list and openFirewall replace the rule.
import type { MoldClient, WaitOptions } from "../client/client";
import {
    createLoadBalancerRule,
    deleteLoadBalancerRule,
    getLoadBalancerRule,
    listLoadBalancerRules,
    LoadBalancerRule,
    updateLoadBalancerRule,
    UpdateLoadBalancerRuleArgs,
} from "../client/loadbalancer";
import { normalizeCidr } from "../net/cidr";
import { jsonEqual } from "../runtime/equal";
import { loadBalancerRuleSchema } from "../generated/schema";
import type { LoadBalancerRuleInputs, LoadBalancerRuleOutputs } from "../generated/types";
import type { Cleared, Reported, ResourceDefinition } from "../runtime/hooks";
import { currentTags, isOwned } from "../runtime/tags";
import { Validator } from "../runtime/validate";
import { afterCreate, createTagged, findNetwork } from "../runtime/common";
import { lookupFailures } from "./check-names";
import { checkMembers, convergeMembers, currentMembers, membersAsInput, resolveMembers } from "./load-balancer-members";
import { checkHealthCheck, checkStickiness, convergeHealthCheck, convergeStickiness, readHealthCheck, readStickiness } from "./load-balancer-policies";
import { managementPortFailures } from "./management-ports";
import { staticNatOnIpFailures } from "./static-nat";
import { changeIdempotent } from "../runtime/reconcile";
import { convergeTags, current, deleteOwned, ObjectKind, ownedForChange } from "../runtime/steps";

const TAG_TYPE = "LoadBalancer";
const ALGORITHMS = ["roundrobin", "leastconn", "source"] as const;
const PROTOCOLS = ["tcp", "udp", "tcp-proxy"] as const;

/** Optional inputs a program can drop: their outputs are set to null so the stale value does not linger as a diff. */
const OPTIONAL = ["description", "members", "stickinessPolicy", "healthCheckPolicy", "tags"] as const;

interface Extras {
    memberIds: string[];
    stickinessPolicyId: string;
    healthCheckPolicyId: string;
}

const NO_EXTRAS: Extras = { memberIds: [], stickinessPolicyId: "", healthCheckPolicyId: "" };

function outputsOf(r: LoadBalancerRule, extras: Extras): Reported<LoadBalancerRuleInputs, LoadBalancerRuleOutputs> {
    return { ruleId: r.id, state: r.state, publicIp: r.publicip ?? "", networkId: r.networkid, ...extras };
}

const getRule = getLoadBalancerRule;
const RULE: ObjectKind<LoadBalancerRule> = { what: "load balancer rule", tagType: TAG_TYPE, get: getRule };

/** Mold's CIDR string: space-separated after create, comma-separated after an update (§8.1). */
function cidrsOf(r: LoadBalancerRule): string[] {
    return (r.cidrlist ?? "").split(/[\s,]+/).filter((c) => c !== "");
}

/**
 * Members and policies, brought to the declared ones. Each step reads Mold first, so this is what both
 * the end of a create and the repair of an incomplete one run.
 */
async function converge(
    client: MoldClient,
    rule: LoadBalancerRule,
    inputs: Partial<LoadBalancerRuleInputs>,
    parts: { members: boolean; stickiness: boolean; healthCheck: boolean },
    olds: Partial<Cleared<LoadBalancerRuleOutputs>> = {},
): Promise<Extras> {
    const extras: Extras = {
        memberIds: olds.memberIds ?? [],
        stickinessPolicyId: olds.stickinessPolicyId ?? "",
        healthCheckPolicyId: olds.healthCheckPolicyId ?? "",
    };
    // manageMembers false: another resource (a control-plane NodeGroup) assigns and removes the members.
    if (parts.members && inputs.manageMembers !== false) {
        const { pairs, ids } = await resolveMembers(client, rule.networkid, inputs.members);
        await convergeMembers(client, rule.id, pairs);
        extras.memberIds = ids;
    }
    if (parts.stickiness) extras.stickinessPolicyId = await convergeStickiness(client, rule.id, inputs.stickinessPolicy ?? undefined);
    if (parts.healthCheck) extras.healthCheckPolicyId = await convergeHealthCheck(client, rule.id, rule.name, inputs.healthCheckPolicy ?? undefined);
    return extras;
}

export const loadBalancerRule: ResourceDefinition<LoadBalancerRuleInputs, LoadBalancerRuleOutputs> = {
    kind: "LoadBalancerRule",
    inputs: loadBalancerRuleSchema.inputs,
    replaceOnChanges: loadBalancerRuleSchema.replaceOnChanges,
    handles: {
        name: "createLoadBalancerRule name; update: updateLoadBalancerRule",
        description: "createLoadBalancerRule description; update: updateLoadBalancerRule",
        algorithm: "createLoadBalancerRule algorithm; update: updateLoadBalancerRule",
        publicIpAddressId: "createLoadBalancerRule publicipid",
        publicPort: "createLoadBalancerRule publicport",
        privatePort: "createLoadBalancerRule privateport",
        protocol: "createLoadBalancerRule protocol",
        cidrList: "createLoadBalancerRule cidrlist",
        openFirewall: "createLoadBalancerRule openfirewall",
        network: "createLoadBalancerRule networkid (the VPC tier, found by name or id)",
        members: "assignToLoadBalancerRule; update: assign/remove the difference",
        manageMembers: "whether members are converged at all",
        stickinessPolicy: "createLBStickinessPolicy; update: delete and create the policy",
        healthCheckPolicy: "createLBHealthCheckPolicy; update: delete and create the policy",
        tags: "createTags with the ownership tag; update: createTags/deleteTags",
    },

    // Mold refuses a second rule on the same public IP and port (conflict detection, 537), so a
    // replacement that keeps both must delete the old rule first.
    deleteBeforeReplace(olds, news) {
        return olds.publicIpAddressId === news.publicIpAddressId && olds.publicPort === news.publicPort;
    },

    check(news) {
        const v = new Validator("LoadBalancerRule");
        v.string("name", news.name, { required: true });
        v.string("description", news.description, { maxLength: 4096, text: true });
        v.oneOf("algorithm", news.algorithm, ALGORITHMS, { required: true });
        v.string("publicIpAddressId", news.publicIpAddressId, { required: true });
        v.port("publicPort", news.publicPort, { required: true });
        v.port("privatePort", news.privatePort, { required: true });
        v.oneOf("protocol", news.protocol, PROTOCOLS);
        v.cidrList("cidrList", news.cidrList);
        if (v.known(news.openFirewall) && news.openFirewall !== undefined && typeof news.openFirewall !== "boolean") {
            v.fail("openFirewall", `must be true or false, got ${JSON.stringify(news.openFirewall)}`);
        }
        v.string("network", news.network);
        // A VPC's address: Mold refuses openfirewall=true ("Can't have openFirewall=true when IP address belongs to VPC"):
        // tiers are filtered by their ACL list instead.
        if (news.network !== undefined && news.openFirewall === true) {
            v.fail(
                "openFirewall",
                "cannot be true for a rule on a VPC tier (Mold: Can't have openFirewall=true when IP address belongs to VPC); open the ports with the tier's ACL list",
            );
        }
        checkMembers(v, news.members);
        if (v.known(news.manageMembers) && news.manageMembers !== undefined && typeof news.manageMembers !== "boolean") {
            v.fail("manageMembers", `must be true or false, got ${JSON.stringify(news.manageMembers)}`);
        }
        if (news.manageMembers === false && news.members !== undefined) {
            v.fail("members", "cannot be given with manageMembers: false (the members are managed elsewhere, e.g. by a NodeGroup)");
        }
        const stickinessPolicy = checkStickiness(v, "stickinessPolicy", news.stickinessPolicy);
        checkHealthCheck(v, "healthCheckPolicy", news.healthCheckPolicy);
        v.tags("tags", news.tags);
        const inputs: Partial<LoadBalancerRuleInputs> = { ...news, stickinessPolicy };
        if (typeof inputs.algorithm === "string") inputs.algorithm = inputs.algorithm.toLowerCase();
        // Mold's own defaults, written down so the state says what the rule is.
        inputs.protocol = typeof news.protocol === "string" ? news.protocol.toLowerCase() : (news.protocol ?? "tcp");
        // On a VPC tier Mold's default is false (and true is refused).
        inputs.openFirewall = news.openFirewall ?? news.network === undefined;
        return { inputs, failures: v.failures };
    },

    async checkInMold(ctx, inputs) {
        return [
            ...(await managementPortFailures(ctx, "LoadBalancerRule", inputs.publicIpAddressId, [
                { property: "publicPort", start: inputs.publicPort, end: inputs.publicPort },
            ])),
            ...(await staticNatOnIpFailures(ctx, "LoadBalancerRule", "publicIpAddressId", inputs.publicIpAddressId)),
            ...(await lookupFailures(ctx, "LoadBalancerRule", [{ property: "network", value: inputs.network, find: findNetwork }])),
        ];
    },

    async create(ctx, inputs) {
        const client = ctx.client();
        const tier = inputs.network !== undefined ? await findNetwork(client, inputs.network) : undefined;
        const create = (wait?: WaitOptions) =>
            createLoadBalancerRule(
                client,
                {
                    networkid: tier?.id,
                    name: inputs.name,
                    description: inputs.description,
                    // check allows only these three.
                    algorithm: inputs.algorithm as "roundrobin" | "leastconn" | "source",
                    publicipid: inputs.publicIpAddressId,
                    publicport: inputs.publicPort,
                    privateport: inputs.privatePort,
                    protocol: inputs.protocol,
                    cidrlist: inputs.cidrList,
                    openfirewall: inputs.openFirewall,
                },
                wait,
            );
        // After a lost answer: Mold does not keep names unique, but an untagged rule of this name on
        // this IP is the one just made (ours are tagged right after create). It may stay in state Add
        // (no member yet), so no waiting for Active.
        const find = async () =>
            (await listLoadBalancerRules(client, { publicipid: inputs.publicIpAddressId, name: inputs.name }))
                .filter((r) => r.name === inputs.name && !isOwned(r.tags))
                .pop();
        const { id, outs } = await createTagged(client, TAG_TYPE, inputs, create, (r) => outputsOf(r, NO_EXTRAS), find);
        // Members and policies: a failure here leaves a recorded rule that the next up completes.
        return afterCreate(id, { ...inputs, ...outs }, async () => {
            const rule = (await getRule(client, id)) ?? ({ id, name: inputs.name, networkid: outs.networkId } as LoadBalancerRule);
            const extras = await converge(client, rule, inputs, { members: true, stickiness: true, healthCheck: true });
            // Assigning the first member moves the rule from Add to Active.
            const now = (await getRule(client, id)) ?? rule;
            return { id, outs: outputsOf(now, extras) };
        });
    },

    async read(ctx, id, olds) {
        const client = ctx.client();
        const rule = await current(client, RULE, id);
        if (!rule) return undefined;
        const { pairs, vms } = await currentMembers(client, id);
        const { members, memberIds } = membersAsInput(olds.members ?? undefined, olds.memberIds, pairs, vms, rule.networkid);
        const stickiness = await readStickiness(client, id, olds.stickinessPolicy ?? undefined);
        const health = await readHealthCheck(client, id, olds.healthCheckPolicy ?? undefined);
        const cidrs = cidrsOf(rule);
        const declared: string[] | undefined = olds.cidrList;
        // Mold stores CIDRs normalised; report the declared spelling when it means the same thing.
        const sameCidrs = jsonEqual((declared ?? []).map(normalizeCidr).sort(), cidrs.map(normalizeCidr).sort());
        return {
            outs: outputsOf(rule, { memberIds, stickinessPolicyId: stickiness.id, healthCheckPolicyId: health.id }),
            inputs: {
                name: rule.name,
                // Mold omits an empty description: unset stays unset, a cleared one shows as "".
                description: rule.description ? rule.description : olds.description === undefined ? undefined : "",
                algorithm: rule.algorithm,
                publicIpAddressId: rule.publicipid,
                // The tier as declared while the rule serves the same one (Mold shows its id).
                network: olds.network === undefined || rule.networkid === olds.networkId ? (olds.network ?? undefined) : rule.networkid,
                publicPort: Number(rule.publicport),
                privatePort: Number(rule.privateport),
                protocol: rule.protocol ?? olds.protocol,
                cidrList: sameCidrs ? declared : cidrs,
                // null, not undefined: a member set or policy removed behind our back must show as a change.
                members: olds.manageMembers === false ? undefined : (members ?? null),
                stickinessPolicy: stickiness.spec,
                healthCheckPolicy: health.spec,
                tags: currentTags(olds.tags, rule.tags),
            },
        };
    },

    async update(ctx, id, olds, news) {
        const client = ctx.client();
        const rule = await ownedForChange(ctx, RULE, id, olds);
        const repair = olds.createIncomplete === true;
        const changes: UpdateLoadBalancerRuleArgs = {};
        if (news.name !== rule.name) changes.name = news.name;
        if (news.description !== undefined && news.description !== (rule.description ?? "")) changes.description = news.description;
        if (news.algorithm !== rule.algorithm) changes.algorithm = news.algorithm;
        let current = rule;
        if (Object.keys(changes).length) current = await changeIdempotent(() => updateLoadBalancerRule(client, id, changes));
        const changed = (k: keyof LoadBalancerRuleInputs) => repair || !jsonEqual(olds[k] ?? undefined, news[k]);
        const extras = await converge(
            client,
            current,
            news,
            { members: changed("members"), stickiness: changed("stickinessPolicy"), healthCheck: changed("healthCheckPolicy") },
            olds,
        );
        await convergeTags(ctx, RULE, id, olds, news);
        const now = (await getRule(client, id)) ?? current;
        const outs: Cleared<LoadBalancerRuleOutputs> = outputsOf(now, extras);
        for (const k of OPTIONAL) if (news[k] === undefined) outs[k] = null;
        return outs;
    },

    // Mold revokes the rule's members, policies and its openFirewall rule with it.
    delete: (ctx, id, olds) => deleteOwned(ctx, RULE, id, olds, (client) => deleteLoadBalancerRule(client, id)),
};
