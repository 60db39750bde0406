// mold:index:NetworkAclRule — one numbered rule (item) of a network ACL list. One resource per rule, so
// inserting a rule in the middle of a list creates that rule only (its number places it), and one rule's
// change never touches another. Every attribute but the list changes in place: update sends them all with
// partialupgrade=false, so an attribute the program drops (ports, ICMP fields, a reason) is cleared in Mold.
// The pure parts (validation, canonical form) are in network-acl-rules.ts.
import type { MoldClient } from "../client/client";
import { createNetworkAcl, deleteNetworkAcl, getNetworkAcl, listNetworkAcls, NetworkAcl, updateNetworkAclItem } from "../client/network-acl";
import { networkAclRuleSchema } from "../generated/schema";
import type { NetworkAclRuleInputs, NetworkAclRuleOutputs } from "../generated/types";
import { createTagged } from "../runtime/common";
import { jsonEqual } from "../runtime/equal";
import type { CheckFailure, HookContext, ResourceDefinition } from "../runtime/hooks";
import { changeIdempotent } from "../runtime/reconcile";
import { convergeTags, deleteOwned, ObjectKind, current, ownedForChange } from "../runtime/steps";
import { currentTags, isOwned } from "../runtime/tags";
import { Validator } from "../runtime/validate";
import { managementAclFailures } from "./management-acl";
import { lookupAclList } from "./network-acl-list";
import { checkRule, itemArgs, normalizeRule, RULE_ATTRIBUTES, ruleInputsInMold } from "./network-acl-rules";
import { declaredWhenSame } from "./rule-inputs";

const KIND = "NetworkAclRule";
const kind: ObjectKind<NetworkAcl> = { what: "network ACL rule", tagType: "NetworkACL", get: getNetworkAcl };

function outputsOf(r: NetworkAcl) {
    // Not the list's name: it belongs to the list, and renaming the list would make every rule drift.
    return { ruleId: r.id, state: r.state };
}

/** Whether a listed item is exactly the rule these inputs describe (canonical forms compared). */
function sameRule(r: NetworkAcl, inputs: Partial<NetworkAclRuleInputs>): boolean {
    const got = normalizeRule(ruleInputsInMold(r));
    const wanted = normalizeRule(inputs);
    return RULE_ATTRIBUTES.every((k) => jsonEqual(got[k], wanted[k]));
}

/**
 * What only Mold can tell at preview: the list exists and is not a default one, and no rule pulumi-mold does
 * not manage holds the number already (Mold would refuse the create). Rules of one program that share a number
 * are refused by the SDK before any of this runs; one of the program's own rules moving away from a number is
 * not known here, so rules with the ownership tag are left to Mold's own check.
 */
async function checkList(ctx: HookContext, inputs: NetworkAclRuleInputs): Promise<CheckFailure[]> {
    const v = new Validator(KIND);
    if (!v.known(inputs.aclList) || !v.known(inputs.number)) return [];
    const client = ctx.client();
    const list = await lookupAclList(client, inputs.aclList);
    if (!list) {
        v.fail("aclList", `names no network ACL list in Mold (${inputs.aclList})`);
        return v.failures;
    }
    if (!list.vpcid) {
        v.fail("aclList", `is Mold's default list '${list.name}', which cannot be changed: create a NetworkAclList for the VPC and put the tier on it`);
        return v.failures;
    }
    const holder = (await listNetworkAcls(client, { aclid: list.id })).find((r) => r.number === inputs.number && !isOwned(r.tags));
    if (holder) {
        v.fail(
            "number",
            `${inputs.number} is already taken in list '${list.name}' by rule ${holder.id}, which pulumi-mold does not manage (Mold refuses two rules with one number in a list): choose another number`,
        );
    }
    return [...v.failures, ...(await managementAclFailures(ctx, KIND, list, inputs))];
}

async function create(ctx: HookContext, inputs: NetworkAclRuleInputs) {
    const client = ctx.client();
    const args = { aclid: inputs.aclList, ...itemArgs(inputs) };
    // After a lost answer: a number is unique in a list, so an untagged item with it and these attributes is the one just made.
    const find = async () =>
        (await listNetworkAcls(client, { aclid: inputs.aclList })).find((r) => r.number === inputs.number && !isOwned(r.tags) && sameRule(r, inputs));
    return createTagged(client, kind.tagType, inputs, () => createNetworkAcl(client, args), outputsOf, find);
}

async function update(client: MoldClient, id: string, inputs: NetworkAclRuleInputs): Promise<NetworkAcl> {
    return changeIdempotent(() => updateNetworkAclItem(client, id, { ...itemArgs(inputs), partialupgrade: false }));
}

export const networkAclRule: ResourceDefinition<NetworkAclRuleInputs, NetworkAclRuleOutputs> = {
    kind: KIND,
    inputs: networkAclRuleSchema.inputs,
    replaceOnChanges: networkAclRuleSchema.replaceOnChanges,
    handles: {
        aclList: "createNetworkACL aclid",
        number: "createNetworkACL number; update: updateNetworkACLItem (all attributes, partialupgrade=false)",
        action: "createNetworkACL action; update: updateNetworkACLItem",
        trafficType: "createNetworkACL traffictype; update: updateNetworkACLItem",
        protocol: "createNetworkACL protocol; update: updateNetworkACLItem",
        startPort: "createNetworkACL startport; update: updateNetworkACLItem",
        endPort: "createNetworkACL endport; update: updateNetworkACLItem",
        cidrList: "createNetworkACL cidrlist; update: updateNetworkACLItem",
        icmpType: "createNetworkACL icmptype; update: updateNetworkACLItem",
        icmpCode: "createNetworkACL icmpcode; update: updateNetworkACLItem",
        reason: "createNetworkACL reason; update: updateNetworkACLItem",
        tags: "createTags with the ownership tag; update: createTags/deleteTags",
    },

    normalize: (p) => normalizeRule(p),

    check: (news) => checkRule(news),

    checkInMold: checkList,

    create,

    async read(ctx, id, olds) {
        const rule = await current(ctx.client(), kind, id);
        if (!rule) return undefined;
        const inputs = declaredWhenSame((p: Partial<NetworkAclRuleInputs>) => normalizeRule(p), olds, ruleInputsInMold(rule));
        return { outs: outputsOf(rule), inputs: { ...inputs, tags: currentTags(olds.tags, rule.tags) } };
    },

    async update(ctx, id, olds, news) {
        const client = ctx.client();
        let rule = await ownedForChange(ctx, kind, id, olds);
        if (!sameRule(rule, news)) rule = await update(client, id, news);
        await convergeTags(ctx, kind, id, olds, news);
        return outputsOf(rule);
    },

    delete: (ctx, id, olds) => deleteOwned(ctx, kind, id, olds, (client) => deleteNetworkAcl(client, id)),
};
