// One implementation of Mold's firewall rules, parameterised by direction (as aws-cdk's security-group code
// is): ingress rules sit on a public IP (mold:index:FirewallRule), egress rules on an isolated network
// (mold:index:EgressFirewallRule). Both are Mold's FirewallRule rows, checked by the same firewall manager
// (mold-api-network.md §6), so they share validation, canonical CIDRs, ICMP fields, ports, how a listed rule is
// recognised after a lost answer, read, conflicts and the ownership steps. A direction says only where the rule
// sits and which commands reach it.
//
// Mold cannot change a rule's protocol, ports or CIDRs (update only sets fordisplay), so every input but tags
// replaces it. Mold stores CIDRs with their network address and fills in defaults (0.0.0.0/0 on an IP, the
// network's CIDR on a network); diffs and refresh compare canonical forms so neither causes a perpetual diff.
import type { MoldClient, WaitOptions } from "../client/client";
import type { CreateEgressFirewallRuleArgs, FirewallRule } from "../client/firewall";
import type { EgressFirewallRuleInputs, FirewallRuleInputs } from "../generated/types";
import { createTagged } from "../runtime/common";
import { jsonEqual } from "../runtime/equal";
import type { CheckFailure, HookContext, ResourceDefinition, Wire } from "../runtime/hooks";
import { waitFor } from "../runtime/reconcile";
import { deleteOwned, ObjectKind, current, updateTags } from "../runtime/steps";
import { currentTags, isOwned } from "../runtime/tags";
import { Validator } from "../runtime/validate";
import { canonicalCidrs, declaredWhenSame, icmpField, portRange, rangesOverlap, splitCidrs } from "./rule-inputs";

/** The parameters that name where a rule sits, for its create and list commands. */
export type PlaceParams = { ipaddressid: string } | { networkid: string };

/** The inputs both rule kinds have besides their anchor, plus the egress rules' destCidrList. */
export type RuleFields = Omit<FirewallRuleInputs, "ipAddressId"> & Pick<EgressFirewallRuleInputs, "destCidrList">;

/** The outputs describing where a rule sits: an ingress rule's address, an egress rule's network. */
export type PlaceOuts = { ipAddress?: string; networkId?: string; networkName?: string; networkCidr?: string };

/**
 * A rule's outputs as the shared code sees them. The anchor input (its name differs by direction) is not among
 * the typed fields: the shared code reaches it through anchorIn/setAnchor, and the direction gets it as a string.
 */
export type RuleOutputs = RuleFields & PlaceOuts & { ruleId: string; state: string };

/** Where a rule sits: the parameters that name it and the outputs describing it. */
export interface Place {
    params: PlaceParams;
    outs: PlaceOuts;
}

/** The rule attributes Mold takes on create (all but where the rule sits; destcidrlist on egress rules only). */
export type RuleArgs = Omit<CreateEgressFirewallRuleArgs, "networkid">;

export interface Direction {
    kind: string;
    /** How messages name a rule ("firewall rule"). */
    what: string;
    /** The input naming what the rule sits on (an IP's id, a network's name or id). */
    anchor: string;
    /** Inputs of this direction only (egress: destCidrList). */
    extraInputs: readonly string[];
    protocols: readonly string[];
    /** Whether a tcp/udp rule needs ports (ingress), or covers every port without them (egress). */
    portsRequired: boolean;
    /**
     * Whether a replacement deletes the old rule first whenever protocol and ports overlap, even where Mold
     * would accept both (other CIDRs, another icmp type): ingress rules have always been replaced so, and a
     * narrowed rule then never runs next to the wider one it replaces. Otherwise only Mold's conflicts do.
     */
    deleteFirstOnOverlap: boolean;
    /** Source CIDRs as Mold stores them: its default when none are given and the spellings it rewrites. */
    sourceCidrs(outs: PlaceOuts): { whenEmpty: string[]; aliases?: Record<string, string> };
    /** The anchor input in canonical form (a network's name as its id), given the old outputs. */
    canonicalAnchor(value: unknown, outs: PlaceOuts): unknown;
    /** The anchor as a listed rule has it. */
    anchorOf(rule: FirewallRule): string | undefined;
    /** Where a new rule goes. */
    place(client: MoldClient, anchor: string): Promise<Place>;
    /** The outputs describing where a listed rule sits, from the rule and the old outputs. */
    placeOf(rule: FirewallRule, olds: PlaceOuts): PlaceOuts;
    /** Optional: the same for read, which may look up what the old outputs do not know (adoption). */
    lookupPlace?(client: MoldClient, rule: FirewallRule, olds: PlaceOuts): Promise<PlaceOuts>;
    checkInMold(ctx: HookContext, inputs: RuleFields, anchor: string): Promise<CheckFailure[]>;
    get(client: MoldClient, id: string): Promise<FirewallRule | undefined>;
    list(client: MoldClient, place: PlaceParams): Promise<FirewallRule[]>;
    /** Passes `wait` on: createTagged tags the new rule beside its create job. */
    create(client: MoldClient, place: PlaceParams, args: RuleArgs, wait?: WaitOptions): Promise<FirewallRule>;
    remove(client: MoldClient, id: string): Promise<void>;
}

/** normalize of the rule definitions (see normalizer). */
type Normalize = (p: Partial<RuleFields>, olds: PlaceOuts) => Canonical;
/** Inputs in canonical form: the CIDR lists are always there. */
type Canonical = Partial<RuleFields> & { cidrList: string[]; destCidrList: string[] };

/** The hooks of a definition, without its schema lists. */
type RuleHooksOf<I extends Wire, O extends Wire> = Omit<ResourceDefinition<I, O>, "kind" | "inputs" | "replaceOnChanges" | "handles">;
type RuleHooks = RuleHooksOf<RuleFields, RuleOutputs>;

/** The anchor input as given (its name differs by direction; unknown at preview, unchecked before check). */
function anchorIn(p: Partial<RuleFields>, anchor: string): unknown {
    return (p as Wire)[anchor];
}

function setAnchor(p: Partial<RuleFields>, anchor: string, value: unknown): void {
    (p as Wire)[anchor] = value;
}

/** The anchor of checked inputs (check requires it to be a string). */
function checkedAnchor(d: Direction, p: Partial<RuleFields>): string {
    const value = anchorIn(p, d.anchor);
    if (typeof value !== "string") throw new Error(`${d.kind}: ${d.anchor} must be a string, got ${JSON.stringify(value)}`);
    return value;
}

const RULE_KEYS = ["protocol", "startPort", "endPort", "cidrList", "destCidrList", "icmpType", "icmpCode"] as const;

function outputsOf(r: FirewallRule, place: PlaceOuts): PlaceOuts & { ruleId: string; state: string } {
    return { ruleId: r.id, ...place, state: r.state };
}

/**
 * Canonical inputs: the anchor as Mold names it; source CIDRs with Mold's default and aliases resolved;
 * endPort defaulting to startPort; icmp type and code defaulting to -1 (any), as Mold stores them.
 */
function normalizer(d: Direction): Normalize {
    return (p, olds) => {
        const out: Canonical = { ...p, cidrList: canonicalCidrs(p.cidrList, d.sourceCidrs(olds)), destCidrList: canonicalCidrs(p.destCidrList) };
        setAnchor(out, d.anchor, d.canonicalAnchor(anchorIn(p, d.anchor), olds));
        out.endPort = p.endPort ?? p.startPort;
        if (p.protocol === "icmp") {
            out.icmpType = p.icmpType ?? -1;
            out.icmpCode = p.icmpCode ?? -1;
        }
        return out;
    };
}

/** The inputs a listed rule stands for, in Mold's spelling. */
function inputsInMold(d: Direction, r: FirewallRule): Partial<RuleFields> {
    // The anchor first, as the state has always listed it.
    const inputs: Partial<RuleFields> = {};
    setAnchor(inputs, d.anchor, d.anchorOf(r));
    Object.assign(inputs, {
        protocol: r.protocol,
        startPort: r.startport ?? undefined,
        endPort: r.endport ?? undefined,
        cidrList: splitCidrs(r.cidrlist),
        icmpType: r.icmptype ?? undefined,
        icmpCode: r.icmpcode ?? undefined,
    });
    if (d.extraInputs.includes("destCidrList")) inputs.destCidrList = splitCidrs(r.destcidrlist);
    return inputs;
}

/** Validation shared by both directions; every problem at once, each naming its property. */
function check(d: Direction, news: Partial<RuleFields>): { inputs: Partial<RuleFields>; failures: CheckFailure[] } {
    const v = new Validator(d.kind);
    v.string(d.anchor, anchorIn(news, d.anchor), { required: true });
    v.oneOf("protocol", news.protocol, d.protocols, { required: true });
    const protocol = typeof news.protocol === "string" ? news.protocol.toLowerCase() : undefined;
    if (protocol === "icmp" || protocol === "all") {
        if (news.startPort !== undefined || news.endPort !== undefined) v.fail("startPort", `and endPort do not apply to ${protocol} rules`);
    } else {
        portRange(v, ["startPort", news.startPort], ["endPort", news.endPort], d.portsRequired && protocol !== undefined);
    }
    if (protocol !== "icmp" && v.known(news.protocol) && (news.icmpType !== undefined || news.icmpCode !== undefined)) {
        v.fail("icmpType", "and icmpCode only apply to icmp rules");
    } else {
        icmpField(v, "icmpType", news.icmpType);
        icmpField(v, "icmpCode", news.icmpCode);
    }
    v.cidrList("cidrList", news.cidrList);
    if (d.extraInputs.includes("destCidrList")) v.cidrList("destCidrList", news.destCidrList);
    v.tags("tags", news.tags);
    const inputs = { ...news };
    if (protocol) inputs.protocol = protocol;
    return { inputs, failures: v.failures };
}

/**
 * Whether the old rule must go before the new one is made. Mold refuses a rule next to a conflicting one
 * (§6.5, the same for both directions): same place and protocol, source and destination CIDRs that share a
 * string (two empty lists count as shared), and then the same icmp type and code, both without ports, or
 * overlapping port ranges. With `deleteFirstOnOverlap`, place, protocol and ports alone decide.
 */
function deleteFirst(d: Direction, normalize: Normalize, olds: Partial<RuleOutputs>, news: Partial<RuleFields>): boolean {
    const o = normalize(olds, olds);
    const n = normalize(news, olds);
    if (anchorIn(o, d.anchor) !== anchorIn(n, d.anchor) || o.protocol !== n.protocol) return false;
    const intersect = (a: string[], b: string[]) => (a.length === 0 && b.length === 0) || a.some((c) => b.includes(c));
    const cidrsShared = intersect(o.cidrList, n.cidrList) && intersect(o.destCidrList, n.destCidrList);
    if (!cidrsShared && !d.deleteFirstOnOverlap) return false;
    if (n.protocol === "icmp") return d.deleteFirstOnOverlap || (o.icmpType === n.icmpType && o.icmpCode === n.icmpCode);
    // Both without ports overlap; one without and one with do not.
    if (o.startPort === undefined || n.startPort === undefined) return o.startPort === n.startPort;
    return rangesOverlap([o.startPort, o.endPort ?? o.startPort], [n.startPort, n.endPort ?? n.startPort]);
}

/** A rule kind's lists from schema.json (generated) and how its hooks handle each input. */
/** How both kinds handle the rule attributes they share: `command` (the create command) sends each one. */
export function sharedRuleHandles(command: string) {
    return {
        protocol: `${command} protocol`,
        startPort: `${command} startport`,
        endPort: `${command} endport`,
        cidrList: `${command} cidrlist`,
        icmpType: `${command} icmptype`,
        icmpCode: `${command} icmpcode`,
        tags: "createTags with the ownership tag; update: createTags/deleteTags",
    } as const;
}

/** A rule kind's lists from schema.json (provider/generated/schema.ts). */
export interface RuleSchema<I extends Wire, O extends Wire> {
    inputs: ResourceDefinition<I, O>["inputs"];
    replaceOnChanges: ResourceDefinition<I, O>["replaceOnChanges"];
}

/**
 * The resource definition of one direction. Inside, the shared logic works on the fields both kinds have
 * (RuleFields; the kinds' inputs differ only by the anchor and destCidrList); the definition is typed by the kind's
 * generated inputs and outputs, so its `handles` table is held to schema.json.
 */
export function firewallRuleDefinition<I extends Wire & RuleFields, O extends Wire & RuleOutputs>(
    d: Direction,
    schema: RuleSchema<I, O>,
    handles: ResourceDefinition<I, O>["handles"],
): ResourceDefinition<I, O> {
    const normalize = normalizer(d);
    const kind: ObjectKind<FirewallRule> = { what: d.what, tagType: "FirewallRule", get: d.get };
    const hooks: RuleHooks = {
        normalize,

        check: (news) => check(d, news),

        checkInMold: (ctx, inputs) => d.checkInMold(ctx, inputs, checkedAnchor(d, inputs)),

        deleteBeforeReplace: (olds, news) => deleteFirst(d, normalize, olds, news),

        async create(ctx, inputs) {
            const client = ctx.client();
            const place = await d.place(client, checkedAnchor(d, inputs));
            const create = (wait?: WaitOptions) =>
                d.create(
                    client,
                    place.params,
                    {
                        protocol: inputs.protocol,
                        startport: inputs.startPort,
                        endport: inputs.endPort,
                        cidrlist: inputs.cidrList,
                        destcidrlist: inputs.destCidrList,
                        icmptype: inputs.icmpType,
                        icmpcode: inputs.icmpCode,
                    },
                    wait,
                );
            // After a lost answer: Mold refuses a second rule with the same protocol, ports and CIDRs at one
            // place, so an untagged rule with exactly these attributes is the one just made.
            const wanted = normalize(inputs, place.outs);
            const same = (r: FirewallRule) => {
                const got = normalize(inputsInMold(d, r), place.outs);
                return RULE_KEYS.every((k) => jsonEqual(got[k], wanted[k]));
            };
            const find = () =>
                waitFor(async () => {
                    const rule = (await d.list(client, place.params)).filter((r) => !isOwned(r.tags) && same(r)).pop();
                    return { done: !rule || rule.state !== "Add", value: rule };
                });
            return createTagged(client, kind.tagType, inputs, create, (r) => outputsOf(r, d.placeOf(r, place.outs)), find);
        },

        async read(ctx, id, olds) {
            const client = ctx.client();
            const rule = await current(client, kind, id);
            if (!rule) return undefined;
            const outs = outputsOf(rule, d.lookupPlace ? await d.lookupPlace(client, rule, olds) : d.placeOf(rule, olds));
            const inputs = declaredWhenSame(normalize, { ...olds, ...outs }, inputsInMold(d, rule));
            return { outs, inputs: { ...inputs, tags: currentTags(olds.tags, rule.tags) } };
        },

        // Only tags change in place.
        update: (ctx, id, olds, news) => updateTags(ctx, kind, id, olds, news, (r) => outputsOf(r, d.placeOf(r, olds))),

        delete: (ctx, id, olds) => deleteOwned(ctx, kind, id, olds, (client) => d.remove(client, id)),
    };
    // The one cast: the hooks above are typed by the shape both kinds share (RuleFields/RuleOutputs), which
    // each kind's generated types have (I is held to it; O repeats I's fields and adds its place outputs).
    return { kind: d.kind, inputs: schema.inputs, replaceOnChanges: schema.replaceOnChanges, handles, ...(hooks as unknown as RuleHooksOf<I, O>) };
}
