// ServiceLoadBalancer — a Kubernetes NodePort Service published on a public IP of the cluster's network: one
// LoadBalancerRule per port with the cluster's workers as members, one FirewallRule per port for cidrList (never
// openFirewall's hidden 0.0.0.0/0). The members are an input of the rules, so when the cluster scales the next
// `up` assigns/removes the difference in place and never replaces a rule. It only makes and touches its own
// IP and rules (a Mold cloud controller's rules for `type: LoadBalancer` Services are left alone).
import * as pulumi from "@pulumi/pulumi";
import { FirewallRule } from "./firewall-rule";
import type { ServiceLoadBalancerOutputs } from "./generated/resources";
import type { HealthCheckPolicy, ServiceLoadBalancerArgs as GeneratedArgs, ServicePort, StickinessPolicy } from "./generated/types";
import { KubeadmCluster } from "./kubeadm-cluster";
import { KubernetesCluster } from "./kubernetes-cluster";
import { LoadBalancerRule } from "./load-balancer-rule";
import { PublicIpAddress } from "./public-ip-address";
import { checkPorts, checkSettings, failure, PlainServicePort, portsOfService } from "./service-load-balancer-check";

export type { ServicePort } from "./generated/types";

export interface ServiceLoadBalancerArgs extends Omit<GeneratedArgs, "cluster" | "service"> {
    /** A KubernetesCluster or a KubeadmCluster; anything else is refused. */
    cluster: KubernetesCluster | KubeadmCluster;
    /**
     * A @pulumi/kubernetes `core.v1.Service` of type NodePort (duck-typed: only its `spec` output is read, so
     * pulumi-mold needs no @pulumi/kubernetes).
     */
    service?: pulumi.Resource;
}

/** True when v and everything in it is already a value (no Output or Promise): checked at construction. */
function known(v: unknown): boolean {
    if (pulumi.Output.isInstance(v) || v instanceof Promise) return false;
    if (Array.isArray(v)) return v.every(known);
    if (v && typeof v === "object") return Object.values(v).every(known);
    return true;
}

function kindOf(cluster: unknown): "KubernetesCluster" | "KubeadmCluster" | undefined {
    if (cluster instanceof KubernetesCluster) return "KubernetesCluster";
    if (cluster instanceof KubeadmCluster) return "KubeadmCluster";
    return undefined;
}

function describe(v: unknown): string {
    if (v === null || v === undefined) return String(v);
    if (typeof v !== "object") return `${typeof v} ${JSON.stringify(v)}`;
    return (v as object).constructor?.name ?? "object";
}

export class ServiceLoadBalancer extends pulumi.ComponentResource implements ServiceLoadBalancerOutputs {
    public readonly publicIpAddressId: pulumi.Output<string>;
    public readonly publicIp: pulumi.Output<string>;
    public readonly urls: pulumi.Output<Record<string, string>>;
    public readonly memberVmIds: pulumi.Output<string[]>;
    public readonly loadBalancerRuleIds: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: ServiceLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        // Everything that can be checked before any resource exists is, all at once.
        const kind = kindOf(args?.cluster);
        const workerGroups = kind === "KubeadmCluster" ? Object.keys((args.cluster as KubeadmCluster).workers) : [];
        const problems = checkSettings({
            clusterKind: kind,
            clusterDescription: describe(args?.cluster),
            workerGroups,
            nodeGroups: args?.nodeGroups,
            hasPorts: args?.ports !== undefined,
            hasService: args?.service !== undefined,
            cidrList: known(args?.cidrList) ? args?.cidrList : undefined,
            algorithm: known(args?.algorithm) ? args?.algorithm : undefined,
        });
        const service = args?.service as any;
        if (service !== undefined && !pulumi.Output.isInstance(service?.spec)) {
            problems.push(`service: must be a @pulumi/kubernetes Service (an object with a spec output; got ${describe(service)})`);
        }
        const plainPorts = args?.ports !== undefined && known(args.ports) ? checkPorts(args.ports) : undefined;
        problems.push(...(plainPorts?.problems ?? []));
        if (problems.length) throw failure(name, problems);

        super("mold:index:ServiceLoadBalancer", name, {}, opts);
        const parent = { parent: this };
        const cluster = args.cluster;

        // A given address is only read (never changed or released). A KubernetesCluster's own IP is known from the
        // cluster; another given id is read once it is known (never with a preview's placeholder).
        const network = cluster instanceof KubernetesCluster ? cluster.networkId : cluster.controlPlane.network;
        if (args.publicIpAddressId === undefined) {
            const ip = new PublicIpAddress(name, { network, tags: args.tags }, parent);
            this.publicIpAddressId = ip.id;
            this.publicIp = ip.ipAddress;
        } else {
            const given = args.publicIpAddressId;
            this.publicIpAddressId = pulumi.output(given);
            const own = cluster instanceof KubernetesCluster ? [cluster.ipAddressId, cluster.ipAddress] : [undefined, undefined];
            this.publicIp = pulumi
                .all([given, own[0], own[1]])
                .apply(([id, ownId, ownAddress]) => (id === ownId ? pulumi.output(ownAddress!) : PublicIpAddress.get(name, id, parent).ipAddress));
        }

        this.memberVmIds = memberIds(cluster, args.nodeGroups);

        const build = (ports: PlainServicePort[]) => {
            const made = ports.map((p) => this.publish(name, p, args));
            return {
                urls: pulumi
                    .all(made.map(({ port }) => pulumi.interpolate`${port.protocol}://${this.publicIp}:${port.publicPort}`))
                    .apply((us) => Object.fromEntries(us.map((u, i) => [String(ports[i].publicPort), u]))),
                ruleIds: pulumi.all(made.map(({ rule }) => rule.id)).apply((ids) => Object.fromEntries(ids.map((id, i) => [String(ports[i].publicPort), id]))),
            };
        };
        let built: { urls: pulumi.Output<Record<string, string>>; ruleIds: pulumi.Output<Record<string, string>> };
        if (plainPorts) {
            built = build(plainPorts.ports);
        } else {
            // The ports are only known later (a Service's spec, or computed ports): the rules are made once they
            // resolve, so a preview with unknown ports does not list them.
            const source: pulumi.Output<unknown> = service ? service.spec : pulumi.output(args.ports as pulumi.Input<ServicePort[]>);
            const resolved = source.apply((v: any) => {
                const fromService = service ? portsOfService(v) : { problems: [], ports: v };
                const checked = checkPorts(fromService.ports, service ? "service.spec.ports" : "ports");
                const all = [...fromService.problems, ...(fromService.problems.length ? [] : checked.problems)];
                if (all.length) throw failure(name, all);
                return build(checked.ports);
            });
            built = { urls: resolved.apply((b) => b.urls), ruleIds: resolved.apply((b) => b.ruleIds) };
        }
        this.urls = built.urls;
        this.loadBalancerRuleIds = built.ruleIds;
        this.registerOutputs({
            publicIpAddressId: this.publicIpAddressId,
            publicIp: this.publicIp,
            urls: this.urls,
            memberVmIds: this.memberVmIds,
            loadBalancerRuleIds: this.loadBalancerRuleIds,
        });
    }

    /** One port: its rule (members = the workers) and its firewall rule. */
    private publish(name: string, port: PlainServicePort, args: ServiceLoadBalancerArgs) {
        const parent = { parent: this };
        const id = `${name}-${port.publicPort}`;
        const rule = new LoadBalancerRule(
            id,
            {
                name: id,
                description: `NodePort ${port.nodePort} of the cluster's workers (pulumi-mold ServiceLoadBalancer ${name})`,
                algorithm: args.algorithm ?? "roundrobin",
                publicIpAddressId: this.publicIpAddressId,
                publicPort: port.publicPort,
                privatePort: port.nodePort,
                protocol: port.protocol,
                openFirewall: false,
                members: this.memberVmIds,
                stickinessPolicy: args.stickinessPolicy as pulumi.Input<StickinessPolicy> | undefined,
                healthCheckPolicy: args.healthCheckPolicy as pulumi.Input<HealthCheckPolicy> | undefined,
                tags: args.tags,
            },
            parent,
        );
        new FirewallRule(
            id,
            {
                ipAddressId: this.publicIpAddressId,
                protocol: port.protocol,
                startPort: port.publicPort,
                cidrList: args.cidrList ?? ["0.0.0.0/0"],
                tags: args.tags,
            },
            parent,
        );
        return { port, rule };
    }
}

/** The VM ids of the workers receiving traffic, sorted (a reordering is no change). */
function memberIds(cluster: KubernetesCluster | KubeadmCluster, nodeGroups: string[] | undefined): pulumi.Output<string[]> {
    if (cluster instanceof KubernetesCluster) {
        return cluster.nodes.apply((nodes) =>
            (nodes ?? [])
                .filter((n) => n.role === "worker")
                .map((n) => n.id)
                .sort(),
        );
    }
    const groups = nodeGroups ?? Object.keys(cluster.workers);
    return pulumi.all(groups.map((g) => cluster.workers[g].virtualMachineIds)).apply((lists) => lists.flat().sort());
}
