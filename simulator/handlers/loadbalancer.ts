// Load-balancer rules and their policies (mold-api-network.md §8). Mirrors provider/client/loadbalancer.ts.
// OWNER: network helper. The exported internal functions are a CONTRACT used by kubernetes.ts.
// Stickiness and health-check policies live in lb-policies.ts and are registered from here.
import { invalidParam, ruleConflict, unknownUuid } from "../errors";
import { matchesKeyword, ownerFields, T, tagFilter } from "../model";
import { listIdFilter } from "../gone";
import { table } from "../state";
import type { BaseContext, CommandSpec, JobCompleter } from "../types";
import { networkHasService } from "./address";
import { insertRuleOnIp } from "./firewall";
import * as policies from "./lb-policies";
import { renderVm } from "./vm";
import {
    applyLinkedFirewallRule,
    isCidr,
    isIpv4,
    isValidPort,
    liveRule,
    loadBalancerView,
    nicAddresses,
    publicIpOrThrow,
    queueRuleJob,
    removeLoadBalancerRow,
    renderRule,
    ruleVmNic,
    TAG_TYPE,
    validatePublicPorts,
    vmIsDestroyed,
    vmNicIn,
    dropOnFailure,
    listRules,
    ruleDeletion,
    updateRuleCommand,
    ruleOpenFirewall,
    tieVpcIp,
    untieOnFailure,
    vpcTierToTie,
} from "./rules-common";

export interface LoadBalancerSpec {
    name: string;
    description?: string;
    publicipid: string;
    publicport: number;
    privateport: number;
    algorithm: "roundrobin" | "leastconn" | "source";
    protocol?: "tcp" | "udp" | "tcp-proxy";
    networkid: string;
    cidrlist?: string[];
    /** Default false here: CKS creates its own firewall rules. */
    openfirewall?: boolean;
}

const CMD_PKG = "org.apache.cloudstack.api.command.user.loadbalancer";
const ALGORITHMS = ["roundrobin", "leastconn", "source"];
const HAPROXY_PROTOCOLS = ["tcp", "udp", "tcp-proxy", "ssl"];
/** network.loadbalancer.haproxy.stats.port: HAProxy keeps it for itself. */
const HAPROXY_STATS_PORT = 8081;

interface Member {
    vmid: string;
    vmip: string;
}

/** HAProxy checks (NetworkHelperImpl.validateHAProxyLBRule), run only once the network has a router. */
function providerAccepts(network: any, publicport: number, protocol: string): boolean {
    if (network.state !== "Implemented") return true;
    if (!HAPROXY_PROTOCOLS.includes(protocol)) throw invalidParam(`protocol ${protocol} is not in valid protocols [tcp, udp, tcp-proxy, ssl]`);
    return publicport !== HAPROXY_STATS_PORT && protocol !== "udp";
}

interface LoadBalancerDraft {
    name: string;
    description?: string;
    ip: any;
    publicport: number;
    privateport: number;
    algorithm: string;
    protocol: string;
    cidrs: string[];
    openfirewall: boolean;
}

/** create() of CreateLoadBalancerRuleCmd: validation, conflict check (537 without cause), openfirewall. */
function insertLoadBalancerRule(ctx: BaseContext, d: LoadBalancerDraft): any {
    const { ip } = d;
    for (const c of d.cidrs) if (!isCidr(c) && !isIpv4(c)) throw invalidParam(`CIDR [${c}] is invalid.`);
    if (ip.state !== "Allocated") throw invalidParam(`Unable to create load balancer rule, invalid IP address ID ${ip._dbid}`);
    if (ip.isstaticnat) throw ruleConflict(`Can't do load balance on ip address: ${ip.ipaddress}`, false);
    const network = ip.associatednetworkid ? table(ctx.state, T.networks)[ip.associatednetworkid] : undefined;
    if (!network) throw invalidParam("Unable to create load balancer rule ; specified sourceip id is not associated with any network");
    if (d.publicport === 53 && ip.issourcenat && networkHasService(network, "Dns")) {
        throw invalidParam("Error adding load balancer rule, cannot add port 53 with network service offering having DNS service and Source NAT.");
    }
    if (!isValidPort(d.privateport)) throw invalidParam(`privatePort is an invalid value: ${d.privateport}`);
    if (!ALGORITHMS.includes(d.algorithm.toLowerCase())) throw invalidParam(`Invalid algorithm: ${d.algorithm}`);
    validatePublicPorts(d.publicport, d.publicport);
    if (!networkHasService(network, "Lb")) throw invalidParam("LB service is not supported in specified network id");
    if (!providerAccepts(network, d.publicport, d.protocol)) throw invalidParam("LB service provider cannot support this rule");
    const id = ctx.uuid();
    const zone = table(ctx.state, T.zones)[network.zoneid];
    const fields = {
        id,
        name: d.name,
        description: d.description,
        publicipid: ip.id,
        publicip: ip.ipaddress,
        publicport: String(d.publicport),
        privateport: String(d.privateport),
        algorithm: d.algorithm,
        networkid: network.id,
        // Stored by generateCidrString: space-separated after create (comma after update).
        cidrlist: d.cidrs.join(" "),
        ...ownerFields(ctx),
        state: "Add",
        zoneid: network.zoneid,
        zonename: zone?.name,
        protocol: d.protocol,
        _members: [] as Member[],
    };
    return insertRuleOnIp(ctx, ip, fields, {
        table: T.loadBalancerRules,
        purpose: "LoadBalancing",
        view: loadBalancerView,
        keepCause: false,
        // Mold opens the firewall for tcp whatever the rule's protocol.
        openFirewall: d.openfirewall ? { protocol: "tcp", startport: d.publicport, endport: d.publicport, state: "Add" } : undefined,
    });
}

/** LoadBalancerResponse: ports are JSON strings; Revoke is shown as Deleting. */
export function renderLoadBalancerRule(ctx: BaseContext, rule: any): Record<string, any> {
    return renderRule(ctx, rule, TAG_TYPE.loadBalancer);
}

const RULES = { table: T.loadBalancerRules, tagType: TAG_TYPE.loadBalancer, list: "loadbalancerrule", render: renderLoadBalancerRule };

/** Stores a load-balancer rule directly (used inside other jobs, e.g. CKS's api-lb). */
export function createLoadBalancerRecord(ctx: BaseContext, spec: LoadBalancerSpec): Record<string, any> {
    const ip = publicIpOrThrow(ctx, spec.publicipid);
    const rule = insertLoadBalancerRule(ctx, {
        name: spec.name,
        description: spec.description,
        ip,
        publicport: spec.publicport,
        privateport: spec.privateport,
        algorithm: spec.algorithm,
        protocol: spec.protocol ?? "tcp",
        cidrs: spec.cidrlist ?? [],
        openfirewall: spec.openfirewall ?? false,
    });
    applyLinkedFirewallRule(ctx, rule);
    ctx.event({ type: "LB.CREATE", description: `Creating load balancer rule ${rule.name}`, resourceId: rule.id, resourceType: "LoadBalancer" });
    return rule;
}

/** Resolves the VMs of an assign request and checks them (LoadBalancingRulesManagerImpl.assignToLoadBalancer). */
function membersFor(ctx: BaseContext, rule: any, vmIds: string[], idIpMap: Record<string, string>[]): Member[] {
    const vms = table(ctx.state, T.vms);
    const wanted: { vm: any; ip?: string }[] = vmIds.map((id) => ({ vm: vms[id] }));
    for (const entry of idIpMap) {
        const vm = vms[entry.vmid];
        if (!vm) throw invalidParam(`Unable to find virtual machine ID: ${entry.vmid}`);
        if (entry.vmip !== undefined && !isIpv4(entry.vmip)) throw invalidParam(`Invalid ip address ${entry.vmip} passed in vmidipmap for vmid ${entry.vmid}`);
        wanted.push({ vm, ip: entry.vmip });
    }
    const network = table(ctx.state, T.networks)[rule.networkid];
    const members: Member[] = [];
    for (const { vm, ip } of wanted) {
        const nic = ruleVmNic(vm, rule.networkid, {
            destroyed: "Invalid instance id specified",
            notInNetwork: "VM with id specified cannot be added because it doesn't belong in the same network.",
        });
        const vmip = ip ?? nic.ipaddress ?? "";
        if (!nicAddresses(nic).includes(vmip)) throw invalidParam(`VM ip ${vmip} specified does not belong to nic in network ${network?._dbid}`);
        const taken = [...rule._members, ...members].some((m: Member) => m.vmid === vm.id && m.vmip === vmip);
        if (taken) throw invalidParam(`VM ${vm._dbId ?? vm.id} with ${vmip} is already mapped to load balancer.`);
        members.push({ vmid: vm.id, vmip });
    }
    return members;
}

/** Applying the configuration makes the rule and its firewall rule Active. */
function markApplied(ctx: BaseContext, rule: any): void {
    rule.state = "Active";
    applyLinkedFirewallRule(ctx, rule);
}

/** Adds VMs to a rule's members (state becomes Active once it has a member). */
export function assignVmsToLoadBalancer(ctx: BaseContext, ruleId: string, vmIds: string[]): void {
    const rule = table(ctx.state, T.loadBalancerRules)[ruleId];
    if (!rule) throw invalidParam(`Unable to find load balancer rule ${ruleId}`);
    rule._members.push(...membersFor(ctx, rule, vmIds, []));
    if (rule._members.length > 0) markApplied(ctx, rule);
}

export function deleteLoadBalancerRecord(ctx: BaseContext, ruleId: string): void {
    removeLoadBalancerRow(ctx, ruleId);
}

const createLoadBalancerRule: CommandSpec = {
    name: "createLoadBalancerRule",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        const name = p.required("name");
        const algorithm = p.required("algorithm");
        const privateport = p.requiredInt("privateport");
        const publicport = p.requiredInt("publicport");
        const ip = p.entity<any>("publicipid", table(ctx.state, T.publicIps));
        const zone = p.entity<any>("zoneid", table(ctx.state, T.zones));
        const network = p.entity<any>("networkid", table(ctx.state, T.networks));
        const description = p.str("description", 4096);
        if (!ip && !zone && !network) throw invalidParam("Either networkId or zoneId or publicIpId has to be specified");
        if (!ip) {
            if (!p.str("account") || !p.str("domainid")) throw invalidParam("Can't define IP owner. Either specify account/domainId or publicIpId");
            // Elastic LB (an IP allocated by the command) needs a shared network with the ELB service: none is simulated.
            throw invalidParam("Unable to create load balancer rule ; specified sourceip id is not associated with any network");
        }
        const tier = vpcTierToTie(ip, network);
        const openfirewall = ruleOpenFirewall(ip, p.bool("openfirewall"));
        if (tier) tieVpcIp(ip, tier);
        const insert = () =>
            insertLoadBalancerRule(ctx, {
                name,
                description,
                ip,
                publicport,
                privateport,
                algorithm,
                protocol: p.str("protocol")?.toLowerCase() ?? "tcp",
                cidrs: p.list("cidrlist") ?? [],
                openfirewall,
            });
        const rule = untieOnFailure(ip, tier, insert);
        const jobid = queueRuleJob(ctx, `${CMD_PKG}.CreateLoadBalancerRuleCmd`, "createLoadBalancerRule", rule, { ruleId: rule.id });
        return { id: rule.id, jobid };
    },
};

const listLoadBalancerRules: CommandSpec = {
    name: "listLoadBalancerRules",
    handle(ctx) {
        const p = ctx.params;
        const tags = tagFilter(ctx);
        const id = listIdFilter(ctx, "id", T.loadBalancerRules);
        const name = p.str("name");
        const keyword = p.str("keyword");
        const ipId = p.str("publicipid");
        const vmId = p.str("virtualmachineid");
        const zoneId = p.str("zoneid");
        const networkId = p.str("networkid");
        const keep = (r: any) =>
            r.account === ctx.caller.name &&
            (!id || r.id === id) &&
            matchesKeyword(name, r.name) &&
            matchesKeyword(keyword, r.name) &&
            (!ipId || r.publicipid === ipId) &&
            (!zoneId || r.zoneid === zoneId) &&
            (!networkId || r.networkid === networkId) &&
            (!vmId || r._members.some((m: Member) => m.vmid === vmId));
        return listRules(ctx, tags, RULES, keep);
    },
};

const updateLoadBalancerRule = updateRuleCommand("updateLoadBalancerRule", `${CMD_PKG}.UpdateLoadBalancerRuleCmd`, T.loadBalancerRules, (ctx) => {
    const p = ctx.params;
    return {
        name: p.str("name"),
        description: p.str("description", 4096),
        algorithm: p.str("algorithm"),
        protocol: p.str("protocol")?.toLowerCase(),
        cidrlist: p.list("cidrlist"),
        fordisplay: p.bool("fordisplay"),
    };
});

const deletion = ruleDeletion({
    name: "deleteLoadBalancerRule",
    cmdClass: `${CMD_PKG}.DeleteLoadBalancerRuleCmd`,
    table: T.loadBalancerRules,
    remove: removeLoadBalancerRow,
    event: (rule) => ({ type: "LB.DELETE", description: `Deleting load balancer rule ${rule.name}`, resourceId: rule.id, resourceType: "LoadBalancer" }),
    revokesLinkedFirewall: false,
});

/** assignTo/removeFromLoadBalancerRule: `virtualmachineids` UUIDs resolve synchronously; `vmidipmap` is read in the job. */
function membershipCommand(name: string, cmdClass: string, completer: string): CommandSpec {
    return {
        name,
        isAsync: true,
        handle(ctx) {
            const p = ctx.params;
            const rule = p.entity<any>("id", table(ctx.state, T.loadBalancerRules), true)!;
            const vmIds = p.list("virtualmachineids") ?? [];
            const vms = table(ctx.state, T.vms);
            for (const id of vmIds) if (!vms[id]) throw unknownUuid(ctx.cmdLower, "virtualmachineids", id);
            const jobid = queueRuleJob(ctx, `${CMD_PKG}.${cmdClass}`, completer, rule, { ruleId: rule.id, vmIds, idIpMap: p.map("vmidipmap") }, false);
            return { jobid };
        },
    };
}

const listLoadBalancerRuleInstances: CommandSpec = {
    name: "listLoadBalancerRuleInstances",
    handle(ctx) {
        const p = ctx.params;
        const rule = table(ctx.state, T.loadBalancerRules)[listIdFilter(ctx, "id", T.loadBalancerRules) ?? p.required("id")];
        if (!rule) return { list: "loadbalancerruleinstance", items: [] };
        const applied = p.bool("applied") ?? true;
        const withIps = p.bool("lbvmips") ?? false;
        const vms = table(ctx.state, T.vms);
        const members: Member[] = rule._members;
        const memberIds = [...new Set(members.map((m) => m.vmid))];
        const chosen = applied
            ? memberIds.map((id) => vms[id]).filter((vm) => vm)
            : Object.values(vms).filter((vm: any) => !vmIsDestroyed(vm) && vmNicIn(vm, rule.networkid) && !memberIds.includes(vm.id));
        const asVm = (vm: any) => ({ ...renderVm(ctx, vm), servicestate: "Unknown" });
        if (!withIps) return { list: "loadbalancerruleinstance", items: chosen.map(asVm) };
        const items = chosen.map((vm: any) => ({
            loadbalancerruleinstance: asVm(vm),
            lbvmipaddresses: members.filter((m) => m.vmid === vm.id).map((m) => m.vmip),
        }));
        return { list: "lbrulevmidip", items };
    },
};

export const commands: CommandSpec[] = [
    createLoadBalancerRule,
    listLoadBalancerRules,
    updateLoadBalancerRule,
    deletion.command,
    membershipCommand("assignToLoadBalancerRule", "AssignToLoadBalancerRuleCmd", "assignToLoadBalancerRule"),
    membershipCommand("removeFromLoadBalancerRule", "RemoveFromLoadBalancerRuleCmd", "removeFromLoadBalancerRule"),
    listLoadBalancerRuleInstances,
    ...policies.commands,
];

const liveLbRule = (ctx: BaseContext, ruleId: string, failureText: string) => liveRule(ctx, T.loadBalancerRules, ruleId, failureText);

export const jobs: Record<string, JobCompleter> = {
    ...policies.jobs,
    createLoadBalancerRule(ctx, job) {
        const rule = liveLbRule(ctx, job.payload.ruleId, "Failed to create load balancer rule");
        // Only the firewall rule is applied now; the LB itself stays Add until a VM is assigned.
        applyLinkedFirewallRule(ctx, rule);
        ctx.event({ type: "LB.CREATE", description: `Creating load balancer rule ${rule.name}`, resourceId: rule.id, resourceType: "LoadBalancer" });
        return { object: "loadbalancer", value: renderLoadBalancerRule(ctx, rule) };
    },
    "createLoadBalancerRule:failed": dropOnFailure(removeLoadBalancerRow),
    updateLoadBalancerRule(ctx, job) {
        const pl = job.payload;
        const rule = liveLbRule(ctx, pl.ruleId, `Failed to update load balancer rule: ${pl.ruleId}`);
        if (pl.cidrlist && !pl.cidrlist.every((c: string) => isCidr(c) || isIpv4(c))) throw invalidParam(`Invalid CIDR list: ${pl.cidrlist.join(",")}`);
        const network = table(ctx.state, T.networks)[rule.networkid];
        if (pl.protocol !== undefined && !providerAccepts(network, Number(rule.publicport), pl.protocol)) {
            throw invalidParam(`Modifications in lb rule ${rule.id} are not supported.`);
        }
        const reapply =
            (pl.algorithm !== undefined && pl.algorithm !== rule.algorithm) ||
            (pl.protocol !== undefined && pl.protocol !== rule.protocol) ||
            pl.cidrlist !== undefined;
        if (pl.name !== undefined) rule.name = pl.name;
        if (pl.description !== undefined) rule.description = pl.description;
        if (pl.algorithm !== undefined) rule.algorithm = pl.algorithm;
        if (pl.protocol !== undefined) rule.protocol = pl.protocol;
        if (pl.cidrlist !== undefined) rule.cidrlist = pl.cidrlist.join(",");
        if (pl.fordisplay !== undefined) rule.fordisplay = pl.fordisplay;
        if (reapply) {
            rule.state = "Add";
            if (rule._members.length > 0) markApplied(ctx, rule);
        }
        ctx.event({ type: "LB.UPDATE", description: `Updating load balancer rule ${rule.name}`, resourceId: rule.id, resourceType: "LoadBalancer" });
        return { object: "loadbalancer", value: renderLoadBalancerRule(ctx, rule) };
    },
    ...deletion.jobs,
    assignToLoadBalancerRule(ctx, job) {
        const { ruleId, vmIds, idIpMap } = job.payload;
        const rule = liveLbRule(ctx, ruleId, "Failed to assign load balancer rule");
        if (vmIds.length === 0 && idIpMap.length === 0) throw invalidParam("Both instanceids and vmidipmap  can't be null");
        rule._members.push(...membersFor(ctx, rule, vmIds, idIpMap));
        markApplied(ctx, rule);
        ctx.event({
            type: "LB.ASSIGN.TO.RULE",
            description: `Assigning instances to load balancer rule ${rule.name}`,
            resourceId: rule.id,
            resourceType: "LoadBalancer",
        });
        return { success: true };
    },
    removeFromLoadBalancerRule(ctx, job) {
        const { ruleId, vmIds, idIpMap } = job.payload;
        const rule = liveLbRule(ctx, ruleId, "Failed to remove instance from load balancer rule");
        // Mold turns every InvalidParameterValueException of this command into one text.
        const failure = invalidParam("Failed to remove instance from load balancer rule");
        if (vmIds.length === 0 && idIpMap.length === 0) throw failure;
        const removals: ((m: Member) => boolean)[] = [
            ...vmIds.map((id: string) => (m: Member) => m.vmid === id),
            ...idIpMap.map((e: Record<string, string>) => (m: Member) => m.vmid === e.vmid && (e.vmip === undefined || m.vmip === e.vmip)),
        ];
        if (!removals.every((matches) => rule._members.some(matches))) throw failure;
        rule._members = rule._members.filter((m: Member) => !removals.some((matches) => matches(m)));
        ctx.event({
            type: "LB.REMOVE.FROM.RULE",
            description: `Removing instances from load balancer rule ${rule.name}`,
            resourceId: rule.id,
            resourceType: "LoadBalancer",
        });
        return { success: true };
    },
};
