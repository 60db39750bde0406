// mold:index:LoadBalancerRule — one load-balancer rule on a public IP, with its members and policies.
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";

const provider = dynamicProvider("LoadBalancerRule");

/** A member sent traffic on a specific address of its NIC in the rule's network (e.g. a secondary IP). */
export interface LoadBalancerMember {
    /** VM name or id. */
    vm: pulumi.Input<string>;
    /** IPv4 address of the VM's NIC in the rule's network; default: the NIC's primary address. */
    ip?: pulumi.Input<string>;
}

/** HAProxy session stickiness. Mold cannot change a policy, so a change deletes and re-creates it. */
export interface StickinessPolicy {
    /** LbCookie, AppCookie or SourceBased. */
    method: pulumi.Input<string>;
    name: pulumi.Input<string>;
    /**
     * Method parameters. LbCookie: cookie-name, mode, nocache, indirect, postonly, domain. AppCookie:
     * cookie-name, length, holdtime, request-learn, prefix, mode. SourceBased: tablesize (e.g. 200k),
     * expire (e.g. 30m). Flags (nocache, indirect, postonly, request-learn, prefix) take "".
     */
    params?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * A health check. Mold's virtual router has no health-check support and refuses it with
 * "HealthCheck Policy is not supported by LB Provider"; only providers such as NetScaler accept it.
 */
export interface HealthCheckPolicy {
    /** Default "/". */
    pingPath?: pulumi.Input<string>;
    /** Seconds between checks (1–20940, default 5). */
    interval?: pulumi.Input<number>;
    /** Seconds to wait for an answer (2–60, default 2; not above interval). */
    responseTimeout?: pulumi.Input<number>;
    /** Default 2. */
    healthyThreshold?: pulumi.Input<number>;
    /** Default 1. */
    unhealthyThreshold?: pulumi.Input<number>;
}

export interface LoadBalancerRuleArgs {
    /** Take over this existing Mold object instead of creating one (see README, "Adopting existing objects"). */
    importId?: pulumi.Input<string>;
    /** 1–255 characters; changes in place. */
    name: pulumi.Input<string>;
    description?: pulumi.Input<string>;
    /** roundrobin, leastconn or source; changes in place. */
    algorithm: pulumi.Input<string>;
    /** Id of the public IP the rule listens on. */
    publicIpAddressId: pulumi.Input<string>;
    publicPort: pulumi.Input<number>;
    privatePort: pulumi.Input<number>;
    /** tcp (default), udp or tcp-proxy. Mold's virtual router refuses udp. */
    protocol?: pulumi.Input<string>;
    /** Source CIDRs HAProxy accepts; default: all. */
    cidrList?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * Default true (as in Mold): Mold also opens an ingress firewall rule tcp 0.0.0.0/0 on the public
     * port, tied to this rule and deleted with it. Set false to open the port with a FirewallRule.
     */
    openFirewall?: pulumi.Input<boolean>;
    /** VM names or ids (or { vm, ip }); omit for a rule without members (Mold keeps it in state Add). */
    members?: pulumi.Input<pulumi.Input<string | LoadBalancerMember>[]>;
    /**
     * Default true. false: this rule never assigns or removes members and refresh does not report them, because
     * another resource manages them (a control-plane NodeGroup does); leave `members` out then.
     */
    manageMembers?: pulumi.Input<boolean>;
    stickinessPolicy?: pulumi.Input<StickinessPolicy>;
    healthCheckPolicy?: pulumi.Input<HealthCheckPolicy>;
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class LoadBalancerRule extends pulumi.dynamic.Resource {
    declare public readonly name: pulumi.Output<string>;
    declare public readonly description: pulumi.Output<string | undefined>;
    declare public readonly algorithm: pulumi.Output<string>;
    declare public readonly publicIpAddressId: pulumi.Output<string>;
    declare public readonly publicPort: pulumi.Output<number>;
    declare public readonly privatePort: pulumi.Output<number>;
    declare public readonly protocol: pulumi.Output<string>;
    declare public readonly cidrList: pulumi.Output<string[] | undefined>;
    declare public readonly openFirewall: pulumi.Output<boolean>;
    declare public readonly members: pulumi.Output<(string | { vm: string; ip?: string })[] | undefined>;
    declare public readonly manageMembers: pulumi.Output<boolean | undefined>;
    declare public readonly stickinessPolicy: pulumi.Output<{ method: string; name: string; params?: Record<string, string> } | undefined>;
    declare public readonly healthCheckPolicy: pulumi.Output<
        { pingPath?: string; interval?: number; responseTimeout?: number; healthyThreshold?: number; unhealthyThreshold?: number } | undefined
    >;
    declare public readonly tags: pulumi.Output<Record<string, string> | undefined>;
    declare public readonly importId: pulumi.Output<string | undefined>;
    declare public readonly ruleId: pulumi.Output<string>;
    declare public readonly state: pulumi.Output<string>;
    declare public readonly publicIp: pulumi.Output<string>;
    declare public readonly networkId: pulumi.Output<string>;
    declare public readonly memberIds: pulumi.Output<string[]>;
    declare public readonly stickinessPolicyId: pulumi.Output<string>;
    declare public readonly healthCheckPolicyId: pulumi.Output<string>;

    /** A read-only reference to an existing LoadBalancerRule (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): LoadBalancerRule {
        return new LoadBalancerRule(name, {} as LoadBalancerRuleArgs, { ...opts, id });
    }

    constructor(name: string, args: LoadBalancerRuleArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            {
                // Every property is listed, set or not: the SDK only creates outputs for keys present here.
                name: args.name,
                description: args.description,
                algorithm: args.algorithm,
                publicIpAddressId: args.publicIpAddressId,
                publicPort: args.publicPort,
                privatePort: args.privatePort,
                protocol: args.protocol,
                cidrList: args.cidrList,
                openFirewall: args.openFirewall,
                members: args.members,
                manageMembers: args.manageMembers,
                stickinessPolicy: args.stickinessPolicy,
                healthCheckPolicy: args.healthCheckPolicy,
                tags: args.tags,
                importId: args.importId,
                ruleId: undefined,
                state: undefined,
                publicIp: undefined,
                networkId: undefined,
                memberIds: undefined,
                stickinessPolicyId: undefined,
                healthCheckPolicyId: undefined,
            },
            opts,
            "mold",
            "LoadBalancerRule",
        );
    }
}
