// mold:index:StaticNat — static NAT from a public IP to a VM or one of its secondary addresses (mold-api-network.md
// §5.5, §5.6). Mold has no object for it: the IP's isstaticnat / virtualmachineid / vmipaddress are the record, so
// the resource's id is the IP's id.
//
// In place: another guest address of the same VM is enableStaticNat again; another VM needs disableStaticNat first
// (Mold refuses an IP mapped to another VM), which also revokes the IP's firewall rules: said in the log, and the
// next refresh shows those rules gone.
//
// Exclusivity: Mold refuses static NAT on an IP with port-forwarding or load-balancer rules (537); checked at
// preview with one read of each when credentials are configured. An IP that is a network's source NAT is refused too.
//
// Ownership: the IP is not ours to tag (a PublicIpAddress owns it). The mapping is ours by the id recorded at
// create: delete disables static NAT only while the IP still maps to the VM we recorded.
import type { MoldClient } from "../client/client";
import { getPublicIpAddress, PublicIpAddress } from "../client/address";
import { pickOne } from "../client/catalog";
import { listLoadBalancerRules } from "../client/loadbalancer";
import { listPortForwardingRules } from "../client/portforward";
import { disableStaticNat, enableStaticNat, getStaticNat } from "../client/static-nat";
import { getVirtualMachine, listVirtualMachines, VirtualMachine } from "../client/vm";
import { staticNatSchema } from "../generated/schema";
import type { StaticNatInputs, StaticNatOutputs } from "../generated/types";
import { findNetwork } from "../runtime/common";
import { CheckFailure, containsUnknown, HookContext, Reported, ResourceDefinition } from "../runtime/hooks";
import { changeIdempotent, createOnce, deleteConfirmed } from "../runtime/reconcile";
import { Validator } from "../runtime/validate";
import { lookupFailures } from "./check-names";

const KIND = "StaticNat";

/** A VM by id or name (destroyed ones excluded); unknown or ambiguous names fail with the candidates. */
async function findVm(client: MoldClient, nameOrId: string): Promise<VirtualMachine> {
    const byId = await getVirtualMachine(client, nameOrId);
    if (byId) return byId;
    const live = (await listVirtualMachines(client)).filter((vm) => vm.state !== "Destroyed" && vm.state !== "Expunging");
    return pickOne("virtual machine", nameOrId, live);
}

function outputsOf(ip: PublicIpAddress): Reported<StaticNatInputs, StaticNatOutputs> {
    return {
        ipAddress: ip.ipaddress,
        networkId: ip.associatednetworkid ?? "",
        virtualMachineId: ip.virtualmachineid ?? "",
        virtualMachineName: ip.virtualmachinename ?? "",
        guestIpAddress: ip.vmipaddress ?? "",
    };
}

/** Canonical inputs: the VM as its id when it names the one in the old outputs. */
function normalize(p: Partial<StaticNatInputs>, olds: Partial<StaticNatOutputs>): Partial<StaticNatInputs> {
    const out = { ...p };
    if (olds.virtualMachineId && (p.virtualMachine === olds.virtualMachineId || (olds.virtualMachineName && p.virtualMachine === olds.virtualMachineName))) {
        out.virtualMachine = olds.virtualMachineId;
    }
    return out;
}

/**
 * What Mold would refuse on this IP, read at preview: port-forwarding or load-balancer rules on it (537 in Mold),
 * its being a network's source NAT (431), or static NAT to another VM. Mold's own texts, and what to do.
 */
async function exclusivityFailures(ctx: HookContext, inputs: StaticNatInputs): Promise<CheckFailure[]> {
    if (containsUnknown(inputs.ipAddressId) || typeof inputs.ipAddressId !== "string") return [];
    const client = ctx.client();
    const ip = await getPublicIpAddress(client, inputs.ipAddressId);
    const fail = (reason: string): CheckFailure[] => [{ property: "ipAddressId", reason: `mold:${KIND}: ipAddressId ${reason}` }];
    if (!ip) return fail(`${inputs.ipAddressId} is not an allocated public IP in Mold`);
    if (ip.issourcenat) {
        return fail(
            `${ip.ipaddress} is the source NAT address of its network: Mold refuses static NAT on it (Can't enable static, ip address ${ip.ipaddress} is a sourceNat ip address); use another public IP`,
        );
    }
    const forwards = await listPortForwardingRules(client, { ipaddressid: ip.id });
    if (forwards.length) {
        const rules = forwards.map((r) => `${r.protocol} ${r.publicport}`).join(", ");
        return fail(
            `${ip.ipaddress} already carries port forwarding (${rules}): Mold refuses static NAT there (Failed to enable static nat for the ip address ${ip.ipaddress} as it already has PortForwarding rules assigned); ` +
                `remove those rules or use another public IP`,
        );
    }
    const balancers = (await listLoadBalancerRules(client, { publicipid: ip.id })).filter((r) => r.publicipid === ip.id);
    if (balancers.length) {
        const rules = balancers.map((r) => `${r.name} (port ${r.publicport})`).join(", ");
        return fail(
            `${ip.ipaddress} already carries load balancing (${rules}): Mold refuses static NAT there (Failed to enable static nat for the ip address ${ip.ipaddress} as it already has LoadBalancing rules assigned); ` +
                `remove those rules or use another public IP`,
        );
    }
    return [];
}

/** enableStaticNat, reconciled after a lost answer by reading the IP (the call is idempotent for the same VM). */
async function enable(client: MoldClient, ipId: string, vm: VirtualMachine, inputs: StaticNatInputs, networkid?: string): Promise<PublicIpAddress> {
    const args = { ipaddressid: ipId, virtualmachineid: vm.id, networkid, vmguestip: inputs.vmGuestIp };
    const mapped = async () => {
        const ip = await getStaticNat(client, ipId);
        return ip && ip.virtualmachineid === vm.id && (inputs.vmGuestIp === undefined || ip.vmipaddress === inputs.vmGuestIp) ? ip : undefined;
    };
    return createOnce(async () => {
        await enableStaticNat(client, args);
        const ip = await mapped();
        if (!ip) throw new Error(`enableStaticNat on ${ipId} succeeded but the IP does not show static NAT to ${vm.id}`);
        return ip;
    }, mapped);
}

export const staticNat: ResourceDefinition<StaticNatInputs, StaticNatOutputs> = {
    kind: KIND,
    inputs: staticNatSchema.inputs,
    replaceOnChanges: staticNatSchema.replaceOnChanges,
    handles: {
        ipAddressId: "enableStaticNat ipaddressid",
        virtualMachine: "enableStaticNat virtualmachineid (found by name or id); update: disableStaticNat, then enableStaticNat",
        vmGuestIp: "enableStaticNat vmguestip; update: enableStaticNat again",
        network: "enableStaticNat networkid (found by name or id)",
    },
    normalize,

    check(news) {
        const v = new Validator(KIND);
        v.string("ipAddressId", news.ipAddressId, { required: true });
        v.string("virtualMachine", news.virtualMachine, { required: true });
        v.ipv4("vmGuestIp", news.vmGuestIp);
        v.string("network", news.network);
        return { inputs: news, failures: v.failures };
    },

    async checkInMold(ctx, inputs) {
        return [
            ...(await exclusivityFailures(ctx, inputs)),
            ...(await lookupFailures(ctx, KIND, [
                { property: "virtualMachine", value: inputs.virtualMachine, find: findVm },
                { property: "network", value: inputs.network, find: findNetwork },
            ])),
        ];
    },

    async create(ctx, inputs) {
        const client = ctx.client();
        const vm = await findVm(client, inputs.virtualMachine);
        const networkid = inputs.network !== undefined ? (await findNetwork(client, inputs.network)).id : undefined;
        const ip = await enable(client, inputs.ipAddressId, vm, inputs, networkid);
        return { id: ip.id, outs: outputsOf(ip) };
    },

    async read(ctx, id, olds) {
        const ip = await getStaticNat(ctx.client(), id);
        if (!ip) return undefined;
        return {
            outs: outputsOf(ip),
            inputs: {
                ipAddressId: ip.id,
                virtualMachine: ip.virtualmachineid,
                // Unset means "the NIC's primary address, Mold's pick"; only a declared guest IP is compared.
                ...(olds.vmGuestIp !== undefined ? { vmGuestIp: ip.vmipaddress } : {}),
            },
        };
    },

    async update(ctx, id, olds, news) {
        const client = ctx.client();
        const ip = await getStaticNat(client, id);
        if (!ip) throw new Error(`static NAT on ${id} is no longer enabled in Mold; run refresh`);
        const o = normalize(olds, olds);
        const n = normalize(news, olds);
        const vm = n.virtualMachine === ip.virtualmachineid && olds.virtualMachineId ? { id: ip.virtualmachineid } : await findVm(client, news.virtualMachine);
        const guestChanged = news.vmGuestIp !== undefined ? news.vmGuestIp !== ip.vmipaddress : o.vmGuestIp !== undefined;
        if (vm.id === ip.virtualmachineid && !guestChanged && !olds.createIncomplete) return outputsOf(ip);
        if (vm.id !== ip.virtualmachineid) {
            // Mold maps an IP to one VM: unmap first. That revokes the IP's firewall rules (§5.6).
            ctx.log(`moving static NAT on ${ip.ipaddress} to another VM: Mold's disableStaticNat also revokes the firewall rules of ${ip.ipaddress}`);
            await changeIdempotent(() => disableStaticNat(client, id));
        }
        const networkid = news.network !== undefined ? (await findNetwork(client, news.network)).id : undefined;
        const now = await enable(client, id, vm as VirtualMachine, news, networkid);
        return outputsOf(now);
    },

    async delete(ctx, id, olds) {
        const client = ctx.client();
        const ip = await getStaticNat(client, id);
        if (!ip) return;
        if (olds.virtualMachineId && ip.virtualmachineid !== olds.virtualMachineId) {
            ctx.log(`static NAT on ${ip.ipaddress} now maps to VM ${ip.virtualmachineid}, not ${olds.virtualMachineId}: left as it is`);
            return;
        }
        await deleteConfirmed(
            () => disableStaticNat(client, id),
            async () => (await getStaticNat(client, id)) !== undefined,
        );
    },
};

/**
 * The other direction, for PortForwardingRule and LoadBalancerRule at preview: Mold refuses a port forward (431)
 * or a load-balancer rule (537) on an IP with static NAT. One read of the IP, when its id is known.
 */
export async function staticNatOnIpFailures(ctx: HookContext, kind: string, property: string, ipAddressId: unknown): Promise<CheckFailure[]> {
    if (typeof ipAddressId !== "string" || containsUnknown(ipAddressId)) return [];
    const ip = await getStaticNat(ctx.client(), ipAddressId);
    if (!ip) return [];
    const mold =
        kind === "LoadBalancerRule"
            ? `Can't do load balance on ip address: ${ip.ipaddress}`
            : `Unable to create port forwarding rule; ip ${ip.ipaddress} has static nat enabled`;
    return [
        {
            property,
            reason:
                `mold:${kind}: ${property}: ${ip.ipaddress} has static NAT to VM ${ip.virtualmachinename ?? ip.virtualmachineid}, and Mold refuses other rules ` +
                `on such an IP (${mold}); use another public IP, or remove the StaticNat first (its own up)`,
        },
    ];
}
