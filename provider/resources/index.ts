// Every resource kind the dynamic providers dispatch to, by the kind name the SDK uses.
import type { ResourceDefinition } from "../runtime/hooks";
import { affinityGroup } from "./affinity-group";
import { egressFirewallRule } from "./egress-firewall-rule";
import { externalKubernetesCluster } from "./external-kubernetes-cluster";
import { firewallRule } from "./firewall-rule";
import { kubernetesCluster } from "./kubernetes-cluster";
import { kubernetesVersion } from "./kubernetes-version";
import { loadBalancerRule } from "./load-balancer-rule";
import { network } from "./network";
import { networkAclList } from "./network-acl-list";
import { networkAclRule } from "./network-acl-rule";
import { nodeGroup } from "./node-group";
import { portForwardingRule } from "./port-forwarding-rule";
import { privateGateway } from "./private-gateway";
import { publicIpAddress } from "./public-ip-address";
import { sshKeyPair } from "./ssh-key-pair";
import { staticNat } from "./static-nat";
import { staticRoute } from "./static-route";
import { virtualMachine } from "./virtual-machine";
import { volume } from "./volume";
import { vpc } from "./vpc";

export const RESOURCES: Record<string, ResourceDefinition> = {
    [vpc.kind]: vpc,
    [network.kind]: network,
    [publicIpAddress.kind]: publicIpAddress,
    [virtualMachine.kind]: virtualMachine,
    [sshKeyPair.kind]: sshKeyPair,
    [affinityGroup.kind]: affinityGroup,
    [firewallRule.kind]: firewallRule,
    [egressFirewallRule.kind]: egressFirewallRule,
    [networkAclList.kind]: networkAclList,
    [networkAclRule.kind]: networkAclRule,
    [portForwardingRule.kind]: portForwardingRule,
    [loadBalancerRule.kind]: loadBalancerRule,
    [kubernetesCluster.kind]: kubernetesCluster,
    [externalKubernetesCluster.kind]: externalKubernetesCluster,
    [nodeGroup.kind]: nodeGroup,
    [volume.kind]: volume,
    [kubernetesVersion.kind]: kubernetesVersion,
    [staticNat.kind]: staticNat,
    [privateGateway.kind]: privateGateway,
    [staticRoute.kind]: staticRoute,
};
