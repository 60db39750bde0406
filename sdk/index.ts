// pulumi-mold: Pulumi resources for ABLESTACK Mold.
export { FirewallRule, FirewallRuleArgs } from "./firewall-rule";
export { HealthCheckPolicy, LoadBalancerMember, LoadBalancerRule, LoadBalancerRuleArgs, StickinessPolicy } from "./load-balancer-rule";
export { Network, NetworkArgs } from "./network";
export { Provider, ProviderArgs } from "./provider";
export { PublicIpAddress, PublicIpAddressArgs } from "./public-ip-address";
export { SshKeyPair, SshKeyPairArgs } from "./ssh-key-pair";
export { VirtualMachine, VirtualMachineArgs } from "./virtual-machine";
export { MoldClient, MoldClientOptions } from "../provider/client";
