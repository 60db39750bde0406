// pulumi-mold: Pulumi resources for ABLESTACK Mold.
export { AffinityGroup, AffinityGroupArgs } from "./affinity-group";
export { EgressFirewallRule, EgressFirewallRuleArgs } from "./egress-firewall-rule";
export { ExternalKubernetesCluster, ExternalKubernetesClusterArgs } from "./external-kubernetes-cluster";
export { FirewallRule, FirewallRuleArgs } from "./firewall-rule";
export { KubeadmCluster, KubeadmClusterArgs, KubeadmClusterNode, KubeadmRegistry, NodeGroupSpec } from "./kubeadm-cluster";
export { KubernetesCluster, KubernetesClusterArgs } from "./kubernetes-cluster";
export { KubeconfigSource, kubernetesProvider, KubernetesProviderOptions } from "./kubernetes-provider";
export { HealthCheckPolicy, LoadBalancerMember, LoadBalancerRule, LoadBalancerRuleArgs, StickinessPolicy } from "./load-balancer-rule";
export { Network, NetworkArgs } from "./network";
export { NodeGroup, NodeGroupArgs, NodeGroupBastion, NodeGroupNode, NodeTaint } from "./node-group";
export { PortForwardingRule, PortForwardingRuleArgs } from "./port-forwarding-rule";
export { Provider, ProviderArgs } from "./provider";
export { PublicIpAddress, PublicIpAddressArgs } from "./public-ip-address";
export { ServiceLoadBalancer, ServiceLoadBalancerArgs, ServicePort } from "./service-load-balancer";
export { SshKeyPair, SshKeyPairArgs } from "./ssh-key-pair";
export { VirtualMachine, VirtualMachineArgs } from "./virtual-machine";
export { Volume, VolumeArgs, VolumeSnapshotPolicy } from "./volume";
export { MoldClient, MoldClientOptions } from "../provider/client";
