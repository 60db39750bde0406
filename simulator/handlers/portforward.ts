// Port forwarding (mold-api-network.md §7). Mirrors provider/client/portforward.ts.
// OWNER: network helper. The exported internal functions are a CONTRACT used by kubernetes.ts.
import { invalidParam } from "../errors";
import { T, tagFilter } from "../model";
import { listIdFilter } from "../gone";
import { table } from "../state";
import type { BaseContext, CommandSpec, JobCompleter } from "../types";
import { insertRuleOnIp } from "./firewall";
import {
    applyLinkedFirewallRule,
    isCidr,
    isIpv4,
    isValidPort,
    jobFailure,
    liveRule,
    nicAddresses,
    portForwardingView,
    publicIpOrThrow,
    queueRuleJob,
    removePortForwardingRow,
    renderRule,
    ruleVmNic,
    TAG_TYPE,
    validateProtocol,
    validatePublicPorts,
    vmName,
    dropOnFailure,
    listRules,
    ruleDeletion,
    updateRuleCommand,
    ruleOpenFirewall,
    tieVpcIp,
    untieOnFailure,
    vpcTierToTie,
} from "./rules-common";

export interface PortForwardingSpec {
    ipaddressid: string;
    protocol: "tcp" | "udp";
    publicport: number;
    publicendport?: number;
    privateport: number;
    privateendport?: number;
    virtualmachineid: string;
    /** Default false here: CKS creates its own firewall rules. */
    openfirewall?: boolean;
}

const CMD_PKG = "org.apache.cloudstack.api.command.user.firewall";

interface PortForwardingDraft {
    ip: any;
    vm: any;
    protocol: string;
    publicport: number;
    publicendport: number;
    privateport: number;
    privateendport: number;
    cidrs: string[];
    vmguestip?: string;
    openfirewall: boolean;
    state: "Add" | "Active";
}

/** The private-port rules shared by create and update. */
function validatePrivatePorts(start: number, end: number): void {
    if (!isValidPort(start)) throw invalidParam(`privatePort is an invalid value: ${start}`);
    if (!isValidPort(end)) throw invalidParam(`PrivateEndPort has an invalid value: ${end}`);
    if (start > end) throw invalidParam("Start port can't be bigger than end port");
}

/** The VM checks of RulesManagerImpl.createPortForwardingRule; returns the guest IP the rule points at. */
function checkVm(ip: any, vm: any, vmguestip: string | undefined): string {
    if (!vm) throw invalidParam(`Unable to create port forwarding rule on address ${ip.ipaddress}, invalid virtual machine id specified (${vm?.id}).`);
    const nic = ruleVmNic(vm, ip.associatednetworkid, {
        destroyed: `Invalid user vm: ${vmName(vm)}`,
        notInNetwork: "Vm doesn't belong to network associated with ipAddress",
    });
    if (vmguestip !== undefined && !nicAddresses(nic).includes(vmguestip)) throw invalidParam("IP Address is not in the VM nic's network ");
    return vmguestip ?? nic.ipaddress ?? "";
}

/** create() of CreatePortForwardingRuleCmd: all validation and the conflict check run before the job. */
function insertPortForwardingRule(ctx: BaseContext, d: PortForwardingDraft): any {
    const { ip } = d;
    if (ip.state !== "Allocated") throw invalidParam(`Unable to create PF rule, invalid IP address id ${ip._dbid}`);
    if (d.vmguestip !== undefined && !isIpv4(d.vmguestip)) throw invalidParam("Invalid vm ip address");
    for (const c of d.cidrs) if (!isCidr(c)) throw invalidParam(`The given source CIDR [${c}] is invalid.`);
    if (ip.isstaticnat) throw invalidParam(`Unable to create port forwarding rule; ip ${ip.ipaddress} has static nat enabled`);
    if (!ip.associatednetworkid) {
        throw invalidParam(
            `Unable to create port forwarding rule for the ipAddress id=${ip._dbid} as ip is not associated with any network and no networkId is passed in`,
        );
    }
    validatePublicPorts(d.publicport, d.publicendport);
    validateProtocol(d.protocol, "PortForwarding");
    validatePrivatePorts(d.privateport, d.privateendport);
    if (d.publicendport - d.publicport !== d.privateendport - d.privateport) {
        throw invalidParam("Source port and destination port ranges should be of equal sizes.");
    }
    // Only single ports may be translated; ranges must map onto themselves.
    if (d.publicport !== d.publicendport || d.privateport !== d.privateendport) {
        if (d.privateport !== d.publicport) throw invalidParam("Private port start should be equal to public port start");
        if (d.privateendport !== d.publicendport) throw invalidParam("Private port end should be equal to public port end");
    }
    const guestIp = checkVm(ip, d.vm, d.vmguestip);
    const id = ctx.uuid();
    const fields = {
        id,
        privateport: String(d.privateport),
        privateendport: String(d.privateendport),
        protocol: d.protocol,
        publicport: String(d.publicport),
        publicendport: String(d.publicendport),
        virtualmachineid: d.vm.id,
        virtualmachinename: d.vm.name,
        virtualmachinedisplayname: d.vm.displayname ?? d.vm.name,
        ipaddressid: ip.id,
        ipaddress: ip.ipaddress,
        state: d.state,
        cidrlist: d.cidrs.join(","),
        vmguestip: guestIp,
        networkid: ip.associatednetworkid,
        _cidrs: d.cidrs,
    };
    return insertRuleOnIp(ctx, ip, fields, {
        table: T.portForwardingRules,
        purpose: "PortForwarding",
        view: portForwardingView,
        keepCause: true,
        openFirewall: d.openfirewall ? { protocol: d.protocol, startport: d.publicport, endport: d.publicendport, state: d.state } : undefined,
    });
}

/** FirewallRuleResponse: every port is a JSON string; Revoke is shown as Deleting. */
export function renderPortForwardingRule(ctx: BaseContext, rule: any): Record<string, any> {
    return renderRule(ctx, rule, TAG_TYPE.portForwarding);
}

const RULES = { table: T.portForwardingRules, tagType: TAG_TYPE.portForwarding, list: "portforwardingrule", render: renderPortForwardingRule };

/** Stores a port-forwarding rule directly in state Active (used inside other jobs, e.g. CKS). */
export function createPortForwardingRecord(ctx: BaseContext, spec: PortForwardingSpec): Record<string, any> {
    const ip = publicIpOrThrow(ctx, spec.ipaddressid);
    const rule = insertPortForwardingRule(ctx, {
        ip,
        vm: table(ctx.state, T.vms)[spec.virtualmachineid],
        protocol: spec.protocol,
        publicport: spec.publicport,
        publicendport: spec.publicendport ?? spec.publicport,
        privateport: spec.privateport,
        privateendport: spec.privateendport ?? spec.privateport,
        cidrs: [],
        openfirewall: spec.openfirewall ?? false,
        state: "Active",
    });
    ctx.event({ type: "NET.RULEADD", description: `Creating port forwarding rule ${rule.id}`, resourceId: rule.id, resourceType: "FirewallRule" });
    return rule;
}

export function deletePortForwardingRecord(ctx: BaseContext, ruleId: string): void {
    removePortForwardingRow(ctx, ruleId);
}

const createPortForwardingRule: CommandSpec = {
    name: "createPortForwardingRule",
    isAsync: true,
    handle(ctx) {
        const p = ctx.params;
        const ip = p.entity<any>("ipaddressid", table(ctx.state, T.publicIps), true)!;
        const privateport = p.requiredInt("privateport");
        const publicport = p.requiredInt("publicport");
        const protocol = p.required("protocol").trim().toLowerCase();
        const vm = p.entity<any>("virtualmachineid", table(ctx.state, T.vms), true)!;
        const tier = vpcTierToTie(ip, p.entity<any>("networkid", table(ctx.state, T.networks)));
        const openfirewall = ruleOpenFirewall(ip, p.bool("openfirewall"));
        if (tier) tieVpcIp(ip, tier);
        const insert = () =>
            insertPortForwardingRule(ctx, {
                ip,
                vm,
                protocol,
                publicport,
                publicendport: p.int("publicendport") ?? publicport,
                privateport,
                privateendport: p.int("privateendport") ?? privateport,
                cidrs: p.list("cidrlist") ?? [],
                vmguestip: p.str("vmguestip"),
                openfirewall,
                state: "Add",
            });
        const rule = untieOnFailure(ip, tier, insert);
        const jobid = queueRuleJob(ctx, `${CMD_PKG}.CreatePortForwardingRuleCmd`, "createPortForwardingRule", rule, { ruleId: rule.id });
        return { id: rule.id, jobid };
    },
};

const listPortForwardingRules: CommandSpec = {
    name: "listPortForwardingRules",
    handle(ctx) {
        const p = ctx.params;
        const tags = tagFilter(ctx);
        const id = listIdFilter(ctx, "id", T.portForwardingRules, T.firewallRules, T.loadBalancerRules);
        const networkId = p.str("networkid");
        const ip = p.entity<any>("ipaddressid", table(ctx.state, T.publicIps));
        if (ip && ip.state !== "Allocated") throw invalidParam(`Ip address id=${ip._dbid} not ready for port forwarding rules yet`);
        const keep = (r: any) => (!id || r.id === id) && (!networkId || r.networkid === networkId) && (!ip || r.ipaddressid === ip.id);
        return listRules(ctx, tags, RULES, keep);
    },
};

const updatePortForwardingRule = updateRuleCommand("updatePortForwardingRule", `${CMD_PKG}.UpdatePortForwardingRuleCmd`, T.portForwardingRules, (ctx) => {
    const p = ctx.params;
    const vm = p.entity<any>("virtualmachineid", table(ctx.state, T.vms));
    return {
        privateport: p.int("privateport"),
        privateendport: p.int("privateendport"),
        vmId: vm?.id,
        vmguestip: p.str("vmguestip"),
        cidrlist: p.list("cidrlist"),
        fordisplay: p.bool("fordisplay"),
    };
});

// The firewall rule its openfirewall created is revoked with it.
const deletion = ruleDeletion({
    name: "deletePortForwardingRule",
    cmdClass: `${CMD_PKG}.DeletePortForwardingRuleCmd`,
    table: T.portForwardingRules,
    remove: removePortForwardingRow,
    event: (rule) => ({ type: "NET.RULEDELETE", description: `Deleting port forwarding rule ${rule.id}`, resourceId: rule.id, resourceType: "FirewallRule" }),
    revokesLinkedFirewall: true,
});

export const commands: CommandSpec[] = [createPortForwardingRule, listPortForwardingRules, updatePortForwardingRule, deletion.command];

export const jobs: Record<string, JobCompleter> = {
    createPortForwardingRule(ctx, job) {
        const rule = liveRule(ctx, T.portForwardingRules, job.payload.ruleId, "Failed to apply port forwarding rule");
        // The firewall rule is applied first, then the port forwarding.
        applyLinkedFirewallRule(ctx, rule);
        rule.state = "Active";
        ctx.event({ type: "NET.RULEADD", description: `Creating port forwarding rule ${rule.id}`, resourceId: rule.id, resourceType: "FirewallRule" });
        return { object: "portforwardingrule", value: renderPortForwardingRule(ctx, rule) };
    },
    "createPortForwardingRule:failed": dropOnFailure(removePortForwardingRow),
    updatePortForwardingRule(ctx, job) {
        const pl = job.payload;
        const rule = table(ctx.state, T.portForwardingRules)[pl.ruleId];
        if (!rule) throw jobFailure("Unable to find port forwarding rule");
        const pubStart = Number(rule.publicport);
        const pubEnd = Number(rule.publicendport);
        if (pl.privateport !== undefined && !isValidPort(pl.privateport)) throw invalidParam(`privatePort is an invalid value: ${pl.privateport}`);
        if (pl.privateendport !== undefined && !isValidPort(pl.privateendport)) throw invalidParam(`PrivateEndPort has an invalid value: ${pl.privateendport}`);
        let privStart = Number(rule.privateport);
        let privEnd = Number(rule.privateendport);
        const inconsistent = () =>
            invalidParam(
                `Unable to update the private port range of port forwarding rule as  the provided port range is not consistent with the port range : ${pubStart} to ${pubEnd}`,
            );
        if (pl.privateport !== undefined && pl.privateendport !== undefined) {
            if (pl.privateendport - pl.privateport !== pubEnd - pubStart) throw inconsistent();
            [privStart, privEnd] = [pl.privateport, pl.privateendport];
        } else if (pubStart !== pubEnd && (pl.privateport !== undefined || pl.privateendport !== undefined)) {
            throw inconsistent();
        } else if (pl.privateport !== undefined) {
            privStart = privEnd = pl.privateport;
        } else if (pl.privateendport !== undefined) {
            privStart = privEnd = pl.privateendport;
        }
        if (pl.vmguestip !== undefined && pl.vmId === undefined) throw invalidParam("vmguestip should be set along with virtualmachineid");
        if (pl.cidrlist) for (const c of pl.cidrlist) if (!isCidr(c)) throw invalidParam(`The given source CIDR [${c}] is invalid.`);
        const ip = table(ctx.state, T.publicIps)[rule.ipaddressid];
        if (pl.vmId !== undefined) {
            const vm = table(ctx.state, T.vms)[pl.vmId];
            const guestIp = checkVm(ip, vm, pl.vmguestip);
            Object.assign(rule, {
                virtualmachineid: vm.id,
                virtualmachinename: vm.name,
                virtualmachinedisplayname: vm.displayname ?? vm.name,
                vmguestip: guestIp,
            });
        }
        Object.assign(rule, { privateport: String(privStart), privateendport: String(privEnd) });
        if (pl.cidrlist) Object.assign(rule, { cidrlist: pl.cidrlist.join(","), _cidrs: pl.cidrlist });
        if (pl.fordisplay !== undefined) rule.fordisplay = pl.fordisplay;
        // Revoked and re-applied in one go: Add → Active.
        rule.state = "Active";
        ctx.event({ type: "NET.RULEMODIFY", description: `Updating port forwarding rule ${rule.id}`, resourceId: rule.id, resourceType: "FirewallRule" });
        return { object: "portforwardingrule", value: renderPortForwardingRule(ctx, rule) };
    },
    ...deletion.jobs,
};
