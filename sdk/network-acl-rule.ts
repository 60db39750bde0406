// mold:index:NetworkAclRule — one numbered rule of a network ACL list (one resource per rule).
// Its args, outputs and registration are generated from schema.json (sdk/generated/).
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";
import { NetworkAclRuleBase } from "./generated/resources";
import type { NetworkAclRuleArgs } from "./generated/types";

export type { NetworkAclRuleArgs } from "./generated/types";

const provider = dynamicProvider("NetworkAclRule");

// The numbers the program's rules claim, per list: a list given as an id string by that string, one given as
// an output (`list.id`, not known at preview) by that output object, which every rule of the list shares.
const byId = new Map<string, Map<number, string>>();
const byOutput = new WeakMap<object, Map<number, string>>();

/**
 * Two rules of one program with one number in one list: refused while the program is read, so at preview
 * already and before any call to Mold (each rule's own check cannot see the others; Mold would refuse the
 * second create only halfway through an update).
 */
function claimNumber(name: string, args: NetworkAclRuleArgs): void {
    const list: unknown = args.aclList;
    const number: unknown = args.number;
    if (typeof number !== "number") return;
    let claims: Map<number, string> | undefined;
    if (typeof list === "string") {
        claims = byId.get(list) ?? new Map();
        byId.set(list, claims);
    } else if (list !== null && typeof list === "object") {
        claims = byOutput.get(list) ?? new Map();
        byOutput.set(list, claims);
    } else return;
    const other = claims.get(number);
    if (other !== undefined && other !== name) {
        throw new Error(
            `mold:NetworkAclRule '${name}': number ${number} is already used by rule '${other}' in the same list; ` +
                `Mold refuses two rules with one number in a list: give each rule its own number`,
        );
    }
    claims.set(number, name);
}

export class NetworkAclRule extends NetworkAclRuleBase {
    /** A read-only reference to an existing NetworkAclRule (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): NetworkAclRule {
        return new NetworkAclRule(name, {} as NetworkAclRuleArgs, { ...opts, id });
    }

    constructor(name: string, args: NetworkAclRuleArgs, opts?: pulumi.CustomResourceOptions) {
        if (!opts?.id) claimNumber(name, args);
        super(provider, name, args, opts);
    }
}
