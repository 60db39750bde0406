// IP forwarding (static NAT) rules, CloudStack's `nat` command package (mold-api-network.md §5). libcloud's
// list_nodes calls listIpForwardingRules for every node listing. Such rules are firewall_rules rows of purpose
// StaticNat made by createIpForwardingRule, which the simulator does not offer (enableStaticNat alone makes
// none): so the list is always empty, under Mold's response key, after the same parameter checks Mold runs.
import { invalidParam } from "../errors";
import { T } from "../model";
import { table } from "../state";
import type { CommandSpec, JobCompleter } from "../types";

/** Every row Mold keeps in firewall_rules, whatever its purpose: an `id` of any of them resolves. */
function firewallRulesRows(state: Parameters<typeof table>[0]): Record<string, unknown> {
    return { ...table(state, T.firewallRules), ...table(state, T.portForwardingRules), ...table(state, T.loadBalancerRules) };
}

/** ListIpForwardingRulesCmd → RulesManagerImpl.searchStaticNatRules. */
const listIpForwardingRules: CommandSpec = {
    name: "listIpForwardingRules",
    handle(ctx) {
        const p = ctx.params;
        const ip = p.entity<any>("ipaddressid", table(ctx.state, T.publicIps));
        if (ip && ip.state !== "Allocated") throw invalidParam(`Ip address id=${ip._dbid} not ready for static nat rules yet`);
        p.entity("virtualmachineid", table(ctx.state, T.vms));
        p.entity("id", firewallRulesRows(ctx.state));
        // Rows of purpose StaticNat: none, since createIpForwardingRule is not simulated.
        const staticNatRules: Record<string, any>[] = [];
        return { list: "ipforwardingrule", items: staticNatRules };
    },
};

export const commands: CommandSpec[] = [listIpForwardingRules];
export const jobs: Record<string, JobCompleter> = {};
