// The control plane's kubeadm certificates over SSH: their expiry read on every up (and refresh) of a
// control-plane group, and with renewCertificatesBefore a renewal of the nodes inside that window, one node at a
// time, the API answering /healthz with the renewed node's admin credentials before the next one starts.
import { untilHealthy } from "../resources/kubernetes-cluster-ops";
import type { ConnectPolicy } from "../ssh/connection";
import type { GroupContext } from "./group";
import { earliest, insideWindow, latest, parseDuration } from "./certs-plan";
import { leaveApiLoadBalancer, rejoinApiLoadBalancer } from "./api-restart";

const HEALTHY_WITHIN_MS = 300_000;
/** The nodes are up already: a few quick attempts (a refresh must not wait a boot's worth for a node that is down). */
const QUICK: ConnectPolicy = { attempts: 4, initialDelayMs: 500, maxDelayMs: 2000 };

/**
 * Reads each ready control-plane node's certificate expiry (and its clock) into the state; with `renew`, renews
 * those inside the window first. The group's certificatesExpireAt is the earliest over its nodes.
 */
export async function keepCertificates(g: GroupContext, renew = true): Promise<void> {
    if (g.inputs.role !== "control-plane" || !g.state.initialised) return;
    const nodes = g.state.nodes.filter((n) => n.status === "ready").sort((a, b) => a.slot - b.slot);
    if (!nodes.length) return;
    const windowMs = renew ? parseDuration(g.inputs.renewCertificatesBefore) : undefined;
    const seen: string[] = [];
    for (const node of nodes) {
        const runner = g.fleet.runner(node, QUICK);
        let results: Record<string, string>;
        try {
            ({ results } = await runner.run("certs-check"));
            if (!results.expires || !results.now) throw new Error(`${node.name}: certs-check printed no expiry`);
        } catch (e) {
            // Without renewal the expiry is information only: an up does not fail for want of it.
            if (windowMs !== undefined) throw e;
            g.ctx.log(`${node.name}: certificate expiry not read (${(e as Error).message})`);
            continue;
        }
        if (windowMs !== undefined && insideWindow(results.expires, Date.parse(results.now), windowMs)) {
            g.ctx.log(
                `${node.name}: certificates expire at ${results.expires}, within renewCertificatesBefore (${g.inputs.renewCertificatesBefore}): renewing`,
            );
            // The renewal restarts the node's static pods, its API server among them: out of the load balancer
            // meanwhile, back once the step is done (the kubelet keeps running: the node stays Ready).
            const left = await leaveApiLoadBalancer(g, node);
            ({ results } = await runner.run("certs-renew", { PM_RENEW_WITHIN_SECONDS: String(Math.floor(windowMs / 1000)) }));
            if (left) await rejoinApiLoadBalancer(g, node);
            g.ctx.log(`${node.name}: certificates ${results.renewed === "already" ? "had already been renewed" : "renewed"}, valid until ${results.expires}`);
            // The API (through the endpoint) answers with this node's new admin credentials before the next node.
            await untilHealthy(
                g.ctx,
                () => g.fleet.adminKubeconfig(node),
                Date.now() + HEALTHY_WITHIN_MS,
                `the API at ${g.inputs.controlPlaneEndpoint} after renewing ${node.name}'s certificates`,
            );
        }
        node.certificatesExpireAt = results.expires;
        seen.push(results.now);
    }
    g.state.certificatesExpireAt = earliest(nodes.map((n) => n.certificatesExpireAt));
    g.state.certificatesCheckedAt = latest(seen);
}
