// What CKS does for a cluster on a VPC tier (KubernetesClusterResourceModifierActionWorker /
// StartWorker.setupKubernetesClusterVpcTierRules, ScaleWorker, DestroyWorker; reference §8.3–8.4):
// a fresh public IP of the VPC (detail `publicipid`), ingress ACL allow rules for TCP 6443 and 22 moved to
// the top of the tier's list (none on default_allow), the API through an LB rule when the tier's offering
// is in conserve mode else a port forward 6443 → first control VM, and SSH port forwards 2222+i → 22.
// No firewall rules: a tier has no Firewall service.
import { T } from "../model";
import { CLUSTER_API_PORT, ClusterRecord, nodesOf } from "../records/cluster";
import { AclItemFields, isDefaultAclList } from "../records/network-acl";
import { table } from "../state";
import type { BaseContext } from "../types";
import { allocateIpRecord, associateIpWithNetwork, ipTable, releaseIpRecord } from "./address";
import { cksError } from "./kubernetes-versions";
import { assignVmsToLoadBalancer, createLoadBalancerRecord } from "./loadbalancer";
import { aclList, itemRecord, itemsOf } from "./network-acl";
import { createPortForwardingRecord } from "./portforward";

/** Node SSH port on the VMs (KubernetesClusterActionWorker.DEFAULT_SSH_PORT). */
export const NODE_SSH_PORT = 22;

/** The check getKubernetesClusterNetworkIfMissing makes for a VPC tier: default_deny is refused. */
export function checkVpcTier(ctx: BaseContext, network: Record<string, any>): void {
    if (!network.vpcid) return;
    const list = network.aclid ? aclList(ctx, network.aclid) : undefined;
    if (isDefaultAclList(list) && list.name === "default_deny") {
        throw cksError(`Network ID: ${network.id} can not be used for Kubernetes cluster as it uses default deny ACL`);
    }
}

/** The cluster's own public IP on a VPC tier (undefined before start or once released). */
export function vpcTierPublicIp(ctx: BaseContext, cluster: ClusterRecord): any | undefined {
    const id = cluster._rules.vpcPublicIpId;
    const ip = id ? ipTable(ctx)[id] : undefined;
    return ip && ip.state !== "Free" ? ip : undefined;
}

/**
 * NetworkACLServiceImpl.moveRuleToTheTopInACLList: the rule takes number 1 and the rules in its way move
 * down one by one, only as far as they collide (a gap stops the shift).
 */
export function moveAclItemToTop(ctx: BaseContext, item: any): void {
    const others = itemsOf(ctx, item.aclid)
        .filter((i) => i.id !== item.id)
        .sort((a, b) => a.number - b.number);
    let number = 1;
    item.number = number;
    for (const other of others) {
        if (other.number !== number) continue;
        number++;
        other.number = number;
    }
}

function addTopAllowRule(ctx: BaseContext, aclId: string, port: number): string {
    const fields: AclItemFields = {
        number: 0,
        action: "Allow",
        traffictype: "Ingress",
        protocol: "tcp",
        startport: port,
        endport: port,
        cidrs: ["0.0.0.0/0"],
    };
    const id = ctx.uuid();
    const item = itemRecord(ctx, id, aclId, fields, true);
    item.state = "Active";
    table(ctx.state, T.networkAcls)[id] = item;
    moveAclItemToTop(ctx, item);
    return id;
}

/** setupKubernetesClusterVpcTierRules at start: IP, ACL rules, API access and SSH forwards. */
export function setupVpcTierRules(ctx: BaseContext, cluster: ClusterRecord, network: Record<string, any>): void {
    const rules = cluster._rules;
    let ip = vpcTierPublicIp(ctx, cluster);
    if (!ip) {
        ip = allocateIpRecord(ctx, network.zoneid);
        associateIpWithNetwork(ctx, ip, network);
        ctx.event({
            type: "NET.IPASSIGN",
            description: `Assigned public IP ${ip.ipaddress} to Kubernetes cluster ${cluster.name}`,
            resourceId: ip.id,
            resourceType: "IpAddress",
        });
        rules.vpcPublicIpId = ip.id;
    }
    const list = network.aclid ? aclList(ctx, network.aclid) : undefined;
    rules.aclItemIds = [];
    if (list && !(isDefaultAclList(list) && list.name === "default_allow")) {
        // API first, then SSH: each goes to the top, so SSH ends as #1 and API as #2 (Mold's order).
        rules.aclItemIds.push(addTopAllowRule(ctx, list.id, CLUSTER_API_PORT));
        rules.aclItemIds.push(addTopAllowRule(ctx, list.id, NODE_SSH_PORT));
    }
    const offering = table(ctx.state, T.networkOfferings)[network.networkofferingid];
    const controls = nodesOf(cluster, "control").map((n) => n.vmId);
    if (offering?.conservemode) {
        rules.lbId = createApiLoadBalancer(ctx, ip.id, network.id, controls);
    } else if (controls[0]) {
        rules.apiPortForwardId = createPortForwardingRecord(ctx, {
            ipaddressid: ip.id,
            protocol: "tcp",
            publicport: CLUSTER_API_PORT,
            privateport: CLUSTER_API_PORT,
            virtualmachineid: controls[0],
            openfirewall: false,
        }).id;
    }
}

/** DestroyWorker on a VPC tier: the ACL rules CKS added go, and the cluster's IP is released with its rules. */
export function deleteVpcTierRules(ctx: BaseContext, cluster: ClusterRecord): void {
    const rules = cluster._rules;
    for (const id of rules.aclItemIds ?? []) delete table(ctx.state, T.networkAcls)[id];
    const ip = vpcTierPublicIp(ctx, cluster);
    if (ip) releaseIpRecord(ctx, ip);
    rules.aclItemIds = [];
    rules.vpcPublicIpId = undefined;
    rules.apiPortForwardId = undefined;
}

/** CKS's `api-lb`: 6443 round-robin to the control VMs, on an isolated network's source NAT or a tier's address. */
export function createApiLoadBalancer(ctx: BaseContext, ipId: string, networkId: string, controlVmIds: string[]): string {
    const lb = createLoadBalancerRecord(ctx, {
        name: "api-lb",
        description: "LB rule for API access",
        publicipid: ipId,
        publicport: CLUSTER_API_PORT,
        privateport: CLUSTER_API_PORT,
        algorithm: "roundrobin",
        protocol: "tcp",
        networkid: networkId,
        openfirewall: false,
    });
    assignVmsToLoadBalancer(ctx, lb.id, controlVmIds);
    return lb.id;
}
