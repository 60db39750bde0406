// Load-balancer stickiness and health-check policies (mold-api-network.md §8.9–8.10). Registered by
// loadbalancer.ts (the handler index lists one module per concept). Mirrors provider/client/loadbalancer.ts.
import { invalidParam } from "../errors";
import { render, T } from "../model";
import { listIdFilter } from "../gone";
import { table } from "../state";
import type { BaseContext, CommandContext, CommandSpec, JobCompleter } from "../types";
import { jobFailure, nextDbId } from "./rules-common";

const CMD_PKG = "org.apache.cloudstack.api.command.user.loadbalancer";

/** HAProxy stickiness methods and their parameters; a trailing "*" marks a flag (no value needed). */
const STICKINESS_METHODS: Record<string, string[]> = {
    LbCookie: ["cookie-name", "mode", "nocache*", "indirect*", "postonly*", "domain"],
    AppCookie: ["cookie-name", "length", "holdtime", "request-learn*", "prefix*", "mode"],
    SourceBased: ["tablesize", "expire"],
};

/**
 * The VirtualRouter declares no HealthCheckPolicy capability, so Mold refuses health checks on router
 * networks. Setting this simulator option to true behaves like a provider that has it (NetScaler).
 */
export const HEALTHCHECK_SETTING = "sim.lb.healthcheck.supported";

function lbRule(ctx: CommandContext): any {
    return ctx.params.entity<any>("lbruleid", table(ctx.state, T.loadBalancerRules), true)!;
}

/** Fields both LBStickinessResponse and LBHealthCheckResponse take from the rule. */
function ruleFields(lb: any): Record<string, any> {
    return { lbruleid: lb.id, account: lb.account, domainid: lb.domainid, domain: lb.domain, zoneid: lb.zoneid };
}

function policyState(policy: any): string {
    return policy._revoke ? "Revoked" : "Active";
}

function policiesOf(ctx: BaseContext, tableName: string, lbId: string): any[] {
    return Object.values(table(ctx.state, tableName)).filter((p: any) => p._lbruleid === lbId && !p._revoke);
}

function stickinessResponse(ctx: BaseContext, lb: any, list: any[]): Record<string, any> {
    return { ...ruleFields(lb), stickinesspolicy: list.map((p) => ({ ...render(p), state: policyState(p) })) };
}

function healthCheckResponse(ctx: BaseContext, lb: any, list: any[]): Record<string, any> {
    return { ...ruleFields(lb), healthcheckpolicy: list.map((p) => ({ ...render(p), state: policyState(p) })) };
}

const createLBStickinessPolicy: CommandSpec = {
    name: "createLBStickinessPolicy",
    responseName: "createLBStickinessPolicy",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        const lb = lbRule(ctx);
        const name = p.required("name");
        const method = p.required("methodname");
        if (lb.state === "Revoke") throw invalidParam(`Failed: LB rule: ${lb.name} is in deleting state: `);
        const methodName = Object.keys(STICKINESS_METHODS).find((m) => m.toLowerCase() === method.toLowerCase());
        if (!methodName) throw invalidParam(`Failed to match Stickiness method name for LB rule:${lb.id}`);
        const params: Record<string, string> = {};
        for (const entry of p.map("param")) {
            const pname = entry.name;
            const known = STICKINESS_METHODS[methodName].find((n) => n.replace("*", "") === pname?.toLowerCase());
            if (!known) throw invalidParam(`Failed : Stickiness policy does not support param name :${pname}`);
            const isFlag = known.endsWith("*");
            if (!isFlag && (entry.value === undefined || entry.value === "")) throw invalidParam(`Failed : Value expected for the Param :${pname}`);
            // Repeated names are joined with ":".
            params[pname] = params[pname] !== undefined ? `${params[pname]}:${entry.value ?? ""}` : (entry.value ?? "");
        }
        if (policiesOf(ctx, T.lbStickinessPolicies, lb.id).length > 1) {
            throw invalidParam(`Failed to create Stickiness policy: Already two policies attached ${lb.id}`);
        }
        const network = table(ctx.state, T.networks)[lb.networkid];
        if (network?.state === "Implemented" && methodName === "SourceBased") {
            if (params.expire !== undefined && !/^\d+[dhms]?$/.test(params.expire)) {
                throw invalidParam(`Failed LB in validation rule: ${lb.name} Cause: expire is not in timeformat: ${params.expire}`);
            }
            if (params.tablesize !== undefined && !/^\d+[kmg]?$/i.test(params.tablesize)) {
                throw invalidParam(`Failed LB in validation rule: ${lb.name} Cause: tablesize is not in size format: ${params.tablesize}`);
            }
        }
        const id = ctx.uuid();
        table(ctx.state, T.lbStickinessPolicies)[id] = {
            id,
            name,
            methodname: methodName,
            description: p.str("description"),
            fordisplay: true,
            params,
            _lbruleid: lb.id,
            _dbid: nextDbId(ctx),
        };
        const jobid = ctx.queueJob({
            cmd: `${CMD_PKG}.CreateLBStickinessPolicyCmd`,
            completer: "createLBStickinessPolicy",
            instanceType: "FirewallRule",
            instanceId: lb.id,
            syncObject: lb.networkid,
            payload: { policyId: id },
        });
        return { id, jobid };
    },
};

/** listLBStickinessPolicies / listLBHealthCheckPolicies: one response object for the rule, holding its policies. */
function listPolicies(name: string, tableName: string, listKey: string, respond: typeof stickinessResponse): CommandSpec {
    return {
        name,
        handle(ctx) {
            const p = ctx.params;
            const policyId = listIdFilter(ctx, "id", tableName);
            const lbId = listIdFilter(ctx, "lbruleid", T.loadBalancerRules);
            const policy = policyId === undefined ? undefined : table(ctx.state, tableName)[policyId];
            if ((policyId && !policy) || (lbId && !table(ctx.state, T.loadBalancerRules)[lbId])) return { list: listKey, items: [] };
            const lb = (lbId && table(ctx.state, T.loadBalancerRules)[lbId]) || (policy && table(ctx.state, T.loadBalancerRules)[policy._lbruleid]);
            if (!policy && !p.str("lbruleid")) throw invalidParam("load balancer rule ID and policy ID can't be null");
            if (!lb) return { list: listKey, items: [] };
            const list = policiesOf(ctx, tableName, lb.id).filter((x) => !policy || x.id === policy.id);
            return { list: listKey, items: [respond(ctx, lb, list)] };
        },
    };
}

function deletePolicy(name: string, tableName: string, cmdClass: string, completer: string, responseName?: string): CommandSpec {
    return {
        name,
        responseName,
        isAsync: true,
        handle(ctx) {
            const policy = ctx.params.entity<any>("id", table(ctx.state, tableName), true)!;
            const lb = table(ctx.state, T.loadBalancerRules)[policy._lbruleid];
            const jobid = ctx.queueJob({ cmd: `${CMD_PKG}.${cmdClass}`, completer, syncObject: lb?.networkid, payload: { policyId: policy.id } });
            return { jobid };
        },
    };
}

const createLBHealthCheckPolicy: CommandSpec = {
    name: "createLBHealthCheckPolicy",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        const lb = lbRule(ctx);
        const timeout = p.int("responsetimeout");
        const interval = p.int("intervaltime");
        if (timeout !== undefined && interval !== undefined && timeout > interval) {
            throw invalidParam("Failed to create HealthCheck policy : Monitor interval must be greater than response timeout");
        }
        if (lb.state === "Revoke") throw invalidParam(`Failed: LB rule: ${lb.name} is in deleting state: `);
        if (ctx.settings[HEALTHCHECK_SETTING] !== true) {
            throw invalidParam(
                `Failed to create HealthCheck policy: Validation Failed (HealthCheck Policy is not supported by LB Provider for the LB rule:${lb.id})`,
            );
        }
        if (policiesOf(ctx, T.lbHealthCheckPolicies, lb.id).length > 0) {
            throw invalidParam(`Failed to create HealthCheck policy: Already policy attached  for the LB Rule:${lb.id}`);
        }
        const id = ctx.uuid();
        // LBHealthCheckPolicyVO turns 0 or absent values into its defaults.
        const orDefault = (v: number | undefined, d: number) => (v ? v : d);
        table(ctx.state, T.lbHealthCheckPolicies)[id] = {
            id,
            pingpath: p.str("pingpath") ?? "/",
            description: p.str("description"),
            responsetime: orDefault(timeout, 2),
            healthcheckinterval: orDefault(interval, 5),
            healthcheckthresshold: orDefault(p.int("healthythreshold"), 2),
            unhealthcheckthresshold: orDefault(p.int("unhealthythreshold"), 1),
            fordisplay: true,
            _lbruleid: lb.id,
            _dbid: nextDbId(ctx),
        };
        const jobid = ctx.queueJob({
            cmd: `${CMD_PKG}.CreateLBHealthCheckPolicyCmd`,
            completer: "createLBHealthCheckPolicy",
            instanceType: "FirewallRule",
            instanceId: lb.id,
            syncObject: lb.networkid,
            payload: { policyId: id },
        });
        return { id, jobid };
    },
};

export const commands: CommandSpec[] = [
    createLBStickinessPolicy,
    listPolicies("listLBStickinessPolicies", T.lbStickinessPolicies, "stickinesspolicies", stickinessResponse),
    deletePolicy(
        "deleteLBStickinessPolicy",
        T.lbStickinessPolicies,
        "DeleteLBStickinessPolicyCmd",
        "deleteLBStickinessPolicy",
        "deleteLBstickinessrruleresponse",
    ),
    createLBHealthCheckPolicy,
    listPolicies("listLBHealthCheckPolicies", T.lbHealthCheckPolicies, "healthcheckpolicies", healthCheckResponse),
    deletePolicy("deleteLBHealthCheckPolicy", T.lbHealthCheckPolicies, "DeleteLBHealthCheckPolicyCmd", "deleteLBHealthCheckPolicy"),
];

function policyWithRule(ctx: BaseContext, tableName: string, policyId: string, failure: string): { policy: any; lb: any } {
    const policy = table(ctx.state, tableName)[policyId];
    const lb = policy && table(ctx.state, T.loadBalancerRules)[policy._lbruleid];
    if (!policy || !lb || lb.state === "Revoke") throw jobFailure(failure);
    return { policy, lb };
}

export const jobs: Record<string, JobCompleter> = {
    createLBStickinessPolicy(ctx, job) {
        const { policy, lb } = policyWithRule(ctx, T.lbStickinessPolicies, job.payload.policyId, "Failed to create stickiness policy");
        ctx.event({
            type: "LB.STICKINESSPOLICY.CREATE",
            description: `Creating stickiness policy ${policy.name}`,
            resourceId: lb.id,
            resourceType: "LoadBalancer",
        });
        return { object: "stickinesspolicies", value: stickinessResponse(ctx, lb, [policy]) };
    },
    "createLBStickinessPolicy:failed"(ctx, job) {
        delete table(ctx.state, T.lbStickinessPolicies)[job.payload.policyId];
        return { success: true };
    },
    deleteLBStickinessPolicy(ctx, job) {
        const policies = table(ctx.state, T.lbStickinessPolicies);
        if (policies[job.payload.policyId]) delete policies[job.payload.policyId];
        ctx.event({ type: "LB.STICKINESSPOLICY.DELETE", description: `Deleting stickiness policy ${job.payload.policyId}` });
        return { success: true };
    },
    createLBHealthCheckPolicy(ctx, job) {
        const { policy, lb } = policyWithRule(ctx, T.lbHealthCheckPolicies, job.payload.policyId, "Failed to create HealthCheck policy");
        ctx.event({
            type: "LB.HEALTHCHECKPOLICY.CREATE",
            description: `Creating health check policy ${policy.id}`,
            resourceId: lb.id,
            resourceType: "LoadBalancer",
        });
        return { object: "healthcheckpolicies", value: healthCheckResponse(ctx, lb, [policy]) };
    },
    "createLBHealthCheckPolicy:failed"(ctx, job) {
        delete table(ctx.state, T.lbHealthCheckPolicies)[job.payload.policyId];
        return { success: true };
    },
    deleteLBHealthCheckPolicy(ctx, job) {
        delete table(ctx.state, T.lbHealthCheckPolicies)[job.payload.policyId];
        ctx.event({ type: "LB.HEALTHCHECKPOLICY.DELETE", description: `Deleting health check policy ${job.payload.policyId}` });
        return { success: true };
    },
};
