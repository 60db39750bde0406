// A control-plane node whose kube-apiserver restarts (kubeadm upgrade rewrites its static pod manifests; a
// certificate renewal restarts the static pods) leaves the API load balancer first: Mold's haproxy health
// checks need a few seconds of failures to mark a member down, longer than such a restart, so without this
// clients going through the endpoint would be sent to it and refused. It goes back once it answers again. A
// failure in between leaves it out; converge puts Ready control-plane nodes back at the start of every up.
import type { GroupContext } from "./group";
import { addApiMembers, removeApiMember } from "./machines";
import type { NodeRecord } from "./plan";

/**
 * Takes the node out of the API rule when another Ready control-plane node stays behind it (the only one
 * stays: kubeadm on the node reaches the API through the endpoint too). Whether it left.
 */
export async function leaveApiLoadBalancer(g: GroupContext, node: NodeRecord): Promise<boolean> {
    const ruleId = g.inputs.apiLoadBalancerRuleId;
    if (!ruleId || g.inputs.role !== "control-plane") return false;
    if (!g.state.nodes.some((n) => n.status === "ready" && n.vmId !== node.vmId)) {
        g.ctx.log(`${node.name}: the only control-plane node stays behind the API load balancer (the API is briefly unavailable while it restarts)`);
        return false;
    }
    g.ctx.log(`${node.name}: out of the API load balancer while its API server restarts`);
    await removeApiMember(g.client, ruleId, node.vmId);
    return true;
}

/** Puts a node that left back behind the API rule (a member already there is left alone). */
export async function rejoinApiLoadBalancer(g: GroupContext, node: NodeRecord): Promise<void> {
    const ruleId = g.inputs.apiLoadBalancerRuleId;
    if (!ruleId) return;
    await addApiMembers(g.client, ruleId, [node.vmId]);
    g.ctx.log(`${node.name}: back behind the API load balancer`);
}
