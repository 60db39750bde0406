// Deploy-time validation of virtual machines: the create() phase of deployVirtualMachine (host names,
// user data, key pairs, networks and requested addresses), also used by updateVirtualMachine and
// resetSSHKeyForVirtualMachine. Split out of vm.ts, which owns the records, commands and jobs.
import { ApiError, invalidParam, unknownUuid } from "../errors";
import { T } from "../model";
import { table } from "../state";
import type { BaseContext, CommandContext } from "../types";
import { findKeyPair } from "./sshkeys";

/** RFCComplianceDomainName validator on deployVirtualMachine's `name` (a ServerApiException without cause). */
export const DEPLOY_NAME_ERROR =
    `Invalid value provided for API arg: name - it can contain ASCII letters 'a' through 'z', the digits '0' through '9', and the hyphen ('-'), ` +
    `must be between 1 and 63 characters long, and can't start or end with "-" and can't start with digit`;
/** UserVmManagerImpl.updateVirtualMachine's own host-name check. */
export const UPDATE_NAME_ERROR =
    `Invalid name. Vm name can contain ASCII letters 'a' through 'z', the digits '0' through '9', and the hyphen ('-'), ` +
    `must be between 1 and 63 characters long, and can't start or end with "-" and can't start with digit`;
export const HOST_NAME = /^[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * UserDataManagerImpl.validateUserData. The simulator cannot tell GET from POST, so the POST limit
 * applies (our client always POSTs changes). Returns the value re-encoded with padding, as Mold stores it.
 */
export function validateUserData(ctx: BaseContext, raw: string): string {
    let value = raw;
    if (value.includes("%")) {
        try {
            value = decodeURIComponent(value.replace(/\+/g, " "));
        } catch {
            // Mold's URLDecoder would fail too; the base64 check below reports it.
        }
    }
    // commons-codec isBase64: only alphabet characters (standard or URL-safe), padding and whitespace.
    if (!/^[A-Za-z0-9+/=\-_\s]*$/.test(value)) throw invalidParam("User data is not base64 encoded.");
    if (value.length > 1048576) throw invalidParam("User data is too long for http POST request");
    const decoded = Buffer.from(value.replace(/\s/g, "").replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (decoded.length < 1) throw invalidParam("User data is too short.");
    const max = Number(ctx.settings["vm.userdata.max.length"] ?? 32768);
    if (value.length > max) throw invalidParam(`User data has exceeded configurable max length: ${max}`);
    return decoded.toString("base64");
}

/** Every key pair name must exist for the owner (UserVmManagerImpl: "Not all specified keypairs exist"). */
export function checkKeyPairs(ctx: BaseContext, names: string[]): void {
    if (names.some((n) => !findKeyPair(ctx, n))) throw invalidParam("Not all specified keypairs exist");
}

/** Names from `keypair` and `keypairs`, merged without duplicates. */
export function keyPairNames(ctx: CommandContext): string[] {
    const names = [...(ctx.params.str("keypair") ? [ctx.params.str("keypair")!] : []), ...(ctx.params.list("keypairs") ?? [])];
    return [...new Set(names)];
}

/** checkIfHostNameUniqueInNtwkDomain: VMs keep their host names in a network until expunged. */
export function checkHostNameUnique(ctx: BaseContext, hostName: string, networks: any[], exceptVmId?: string): void {
    const vms = Object.values(table(ctx.state, T.vms)) as any[];
    for (const net of networks) {
        const taken = vms.some((vm) => vm.id !== exceptVmId && vm.name === hostName && (vm.nic ?? []).some((n: any) => n.networkid === net.id));
        if (taken) {
            throw invalidParam(`The vm with hostName ${hostName} already exists in the network domain: ${net.networkdomain ?? ""}; network=${net.name}`);
        }
    }
}

/** Networks of a deploy: `networkids`, `iptonetworklist`, or the owner's single default Isolated network. */
export function deployNetworks(ctx: CommandContext, zone: any): { networks: any[]; ips: (string | undefined)[] } {
    const all = table(ctx.state, T.networks);
    const ids = ctx.params.list("networkids");
    const ipMap = ctx.params.map("iptonetworklist");
    const ip = ctx.params.str("ipaddress");
    if (ipMap.length > 0 && (ids || ip)) throw invalidParam("ipToNetworkMap can't be specified along with networkIds or ipAddress");
    let networks: any[];
    let ips: (string | undefined)[] = [ip];
    if (ipMap.length > 0) {
        networks = ipMap.map((e) => {
            const n = e.networkid !== undefined ? all[e.networkid] : undefined;
            if (!n) throw unknownUuid(ctx.cmdLower, "iptonetworklist", e.networkid ?? "");
            return n;
        });
        ips = ipMap.map((e) => e.ip);
    } else if (ids) {
        networks = ids.map((id) => {
            if (!all[id]) throw unknownUuid(ctx.cmdLower, "networkids", id);
            return all[id];
        });
    } else {
        const own = (Object.values(all) as any[]).filter(
            (n) => n.account === ctx.caller.name && n.domainid === ctx.caller.domainid && n.type === "Isolated" && n.zoneid === zone.id,
        );
        if (own.length === 0) throw invalidParam(`No (virtual) networks are found for account ${ctx.caller.name}`);
        if (own.length > 1) throw invalidParam(`More than 1 default Isolated networks are found for account ${ctx.caller.name}; please specify networkIds`);
        networks = own;
    }
    for (const n of networks) {
        if (n.zoneid !== zone.id) throw invalidParam(`Network ${n.name} doesn't belong to zone ${zone.name}`);
    }
    networks.forEach((n, i) => {
        const wanted = ips[i];
        if (wanted === undefined) return;
        const used = (Object.values(table(ctx.state, T.vms)) as any[]).some((vm) =>
            (vm.nic ?? []).some((x: any) => x.networkid === n.id && x.ipaddress === wanted),
        );
        if (used) throw new ApiError(533, `The requested ip address ${wanted} is not available in network ${n.name}`, 4320);
    });
    return { networks, ips };
}
