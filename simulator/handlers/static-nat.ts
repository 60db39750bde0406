// Static NAT on a public IP (mold-api-network.md §5.5, §5.6): CloudStack's `nat` commands enableStaticNat (sync)
// and disableStaticNat (a job). The record is the address itself (isstaticnat, virtualmachineid, vmipaddress) and
// the VM's publicip; Mold keeps static NAT and port forwarding / load balancing apart on one IP (the other
// direction is refused in portforward.ts and loadbalancer.ts). Mirrors provider/client/static-nat.ts.
import { invalidParam, ruleConflict, unknownUuid } from "../errors";
import { T } from "../model";
import { networkHasService } from "../records/network";
import { table } from "../state";
import type { CommandSpec, JobCompleter } from "../types";
import { clearStaticNat, ipTable, queueIpJob } from "./address";
import { isIpv4, nicAddresses, removeFirewallRow, ruleVmNic, vmName } from "./rules-common";

/** RulesManagerImpl.enableStaticNat with isIpReadyForStaticNat and checkIpAndUserVm, all synchronous. */
const enableStaticNat: CommandSpec = {
    name: "enableStaticNat",
    handle(ctx) {
        const p = ctx.params;
        const ip = p.entity<any>("ipaddressid", ipTable(ctx), true)!;
        const vm = p.entity<any>("virtualmachineid", table(ctx.state, T.vms), true)!;
        const networkParam = p.entity<any>("networkid", table(ctx.state, T.networks));
        const vmGuestIp = p.str("vmguestip");
        const networkId = ip.associatednetworkid ?? networkParam?.id;
        if (!networkId) {
            throw invalidParam(
                `Unable to enable static NAT for the ipAddress id=${ip._dbid} as IP is not associated with any network and no networkId is passed in`,
            );
        }
        const network = table(ctx.state, T.networks)[networkId];
        // A VPC's address is tied to a tier by its first rule: here the tier given as networkid.
        const assignToTier = !ip.associatednetworkid && ip.vpcid !== undefined && network?.vpcid === ip.vpcid;
        if (!ip.associatednetworkid && ip.vpcid !== undefined && !assignToTier) {
            throw invalidParam(`Invalid network ${network?.name}. IP is associated with a different network than passed network id`);
        }
        if (ip.state !== "Allocated") throw invalidParam(`Unable to create ip forwarding rule on address ${ip.ipaddress}, invalid IP address specified.`);
        const nic = ruleVmNic(vm, networkId, {
            destroyed: `Invalid user vm: ${vmName(vm)}`,
            notInNetwork: "Vm doesn't belong to the network with specified id",
        });
        if (!networkHasService(network, "StaticNat")) {
            throw invalidParam("Unable to create static nat rule; StaticNat service is not supported in network with specified id");
        }
        if (networkParam && ip.associatednetworkid && networkParam.id !== ip.associatednetworkid) {
            throw invalidParam(`Invalid network ${networkParam.name}. IP is associated with a different network than passed network id`);
        }
        if (ip.issourcenat) throw invalidParam(`Can't enable static, ip address ${ip.ipaddress} is a sourceNat ip address`);
        const hasRule = (name: string, field: string) => Object.values(table(ctx.state, name)).some((r: any) => r[field] === ip.id);
        // Mold drops the NetworkRuleConflictException cause here, hence 9999.
        if (hasRule(T.portForwardingRules, "ipaddressid")) {
            throw ruleConflict(`Failed to enable static nat for the ip address ${ip.ipaddress} as it already has PortForwarding rules assigned`, false);
        }
        if (hasRule(T.loadBalancerRules, "publicipid")) {
            throw ruleConflict(`Failed to enable static nat for the ip address ${ip.ipaddress} as it already has LoadBalancing rules assigned`, false);
        }
        if (ip.isstaticnat && ip.virtualmachineid !== vm.id) {
            throw ruleConflict(`Failed to enable static for the ip address ${ip.ipaddress} and vm id=${vm.id} as it's already assigned to antoher vm`, false);
        }
        const vmIp = vmGuestIp ?? nic.ipaddress;
        const other = Object.values(ipTable(ctx)).find((r: any) => r.id !== ip.id && r.isstaticnat && r.virtualmachineid === vm.id && r.vmipaddress === vmIp);
        if (other) {
            throw invalidParam(
                `Failed to enable static nat on the  ip ${ip.ipaddress} with Id ${ip.id} as the vm ${vmName(vm)} with Id ${vm.id} is already associated with another public ip ${other.ipaddress} with id ${other.id}`,
            );
        }
        if (vmGuestIp && !(isIpv4(vmGuestIp) && nicAddresses(nic).includes(vmGuestIp))) {
            throw invalidParam(`VM ip ${vmGuestIp} address not belongs to the vm`);
        }
        if (assignToTier) Object.assign(ip, { associatednetworkid: network.id, associatednetworkname: network.name });
        Object.assign(ip, {
            isstaticnat: true,
            virtualmachineid: vm.id,
            virtualmachinename: vm.name,
            virtualmachinedisplayname: vm.displayname ?? vm.name,
            virtualmachinetype: "UserVm",
            vmipaddress: vmIp,
        });
        vm.publicip = ip.ipaddress;
        vm.publicipid = ip.id;
        ctx.event({
            type: "STATICNAT.ENABLE",
            description: `Enabled static nat on ${ip.ipaddress} for vm ${vm.id}`,
            resourceId: ip.id,
            resourceType: "IpAddress",
        });
        return { success: true };
    },
};

const disableStaticNat: CommandSpec = {
    name: "disableStaticNat",
    isAsync: true,
    handle(ctx) {
        const ip = ctx.params.entity<any>("ipaddressid", ipTable(ctx), true)!;
        return { jobid: queueIpJob(ctx, "nat.DisableStaticNatCmd", "disableStaticNat", ip, ip.associatednetworkid) };
    },
};

export const commands: CommandSpec[] = [enableStaticNat, disableStaticNat];

export const jobs: Record<string, JobCompleter> = {
    disableStaticNat(ctx, job) {
        const ip = ipTable(ctx)[job.payload.ipId];
        if (!ip) throw unknownUuid("disablestaticnat", "ipaddressid", job.payload.ipId);
        if (ip.issystem) throw invalidParam("Can't disable static nat for system IP address with specified id");
        if (!ip.virtualmachineid) throw invalidParam("Specified IP address id is not associated with any vm Id");
        if (!ip.isstaticnat) throw invalidParam("One to one nat is not enabled for the specified ip id");
        // Disabling static NAT revokes the IP's firewall rules too.
        for (const [id, r] of Object.entries(table(ctx.state, T.firewallRules))) if ((r as any).ipaddressid === ip.id) removeFirewallRow(ctx, id);
        clearStaticNat(ctx, ip);
        // A VPC's address leaves its tier with its last rule (VpcManagerImpl.unassignIPFromVpcNetwork).
        const rulesLeft = [T.portForwardingRules, T.loadBalancerRules].some((name) =>
            Object.values(table(ctx.state, name)).some((r: any) => r.ipaddressid === ip.id || r.publicipid === ip.id),
        );
        if (ip.vpcid !== undefined && !ip.issourcenat && !rulesLeft) {
            delete ip.associatednetworkid;
            delete ip.associatednetworkname;
        }
        ctx.event({ type: "STATICNAT.DISABLE", description: `Disabled static nat on ${ip.ipaddress}`, resourceId: ip.id, resourceType: "IpAddress" });
        return { success: true };
    },
};
