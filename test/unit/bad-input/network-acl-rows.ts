// Bad-input rows of NetworkAclList and NetworkAclRule (issue 15) that check alone can judge. Two rules of one
// program with one number are refused by the SDK (test/unit/network-acl-rule.test.ts, and through the engine in
// test/e2e/network-acl.test.ts); a number held in Mold by a rule pulumi-mold does not manage, by checkInMold.
import { Row } from "./common";

/** Valid NetworkAclRule inputs, one property spoiled per row. */
export const ACL_RULE = { aclList: "acl-1", number: 10, protocol: "tcp", startPort: 443, cidrList: ["10.0.0.0/8"] };
const ACL_LIST = { vpc: "vpc-1", name: "web" };

export const NETWORK_ACL_ROWS: Row[] = [
    { kind: "NetworkAclRule", case: "number 0", inputs: { ...ACL_RULE, number: 0 }, property: "number", message: /must be a rule number .* from 1 to/ },
    { kind: "NetworkAclRule", case: "number below 0", inputs: { ...ACL_RULE, number: -5 }, property: "number", message: /from 1 to .*got -5/ },
    { kind: "NetworkAclRule", case: "number not whole", inputs: { ...ACL_RULE, number: 1.5 }, property: "number", message: /got 1\.5/ },
    { kind: "NetworkAclRule", case: "number missing", inputs: { ...ACL_RULE, number: undefined }, property: "number", message: /is required/ },
    {
        kind: "NetworkAclRule",
        case: "deny rule with ports on protocol all",
        inputs: { ...ACL_RULE, action: "deny", protocol: "all", startPort: 22 },
        property: "startPort",
        message: /must not be set on protocol all: .*a deny meant for some ports would block all traffic/,
    },
    {
        kind: "NetworkAclRule",
        case: "ports on a protocol number",
        inputs: { ...ACL_RULE, protocol: "47", startPort: 22 },
        property: "startPort",
        message: /ports only apply to tcp and udp rules/,
    },
    {
        kind: "NetworkAclRule",
        case: "ICMP type on tcp",
        inputs: { ...ACL_RULE, icmpType: 8 },
        property: "icmpType",
        message: /only apply to icmp rules, not to protocol tcp/,
    },
    {
        kind: "NetworkAclRule",
        case: "ICMP code on udp",
        inputs: { ...ACL_RULE, protocol: "udp", icmpCode: 0 },
        property: "icmpType",
        message: /only apply to icmp rules, not to protocol udp/,
    },
    {
        kind: "NetworkAclRule",
        case: "ICMP type above 255",
        inputs: { ...ACL_RULE, protocol: "icmp", startPort: undefined, icmpType: 256 },
        property: "icmpType",
        message: /-1 \(any\) to 255/,
    },
    {
        kind: "NetworkAclRule",
        case: "unknown protocol",
        inputs: { ...ACL_RULE, protocol: "gre" },
        property: "protocol",
        message: /tcp, udp, icmp, all or a protocol number 0–255/,
    },
    { kind: "NetworkAclRule", case: "protocol number above 255", inputs: { ...ACL_RULE, protocol: "300" }, property: "protocol", message: /got "300"/ },
    { kind: "NetworkAclRule", case: "unknown action", inputs: { ...ACL_RULE, action: "drop" }, property: "action", message: /one of allow, deny/ },
    {
        kind: "NetworkAclRule",
        case: "unknown traffic type",
        inputs: { ...ACL_RULE, trafficType: "both" },
        property: "trafficType",
        message: /one of ingress, egress/,
    },
    {
        kind: "NetworkAclRule",
        case: "start port above end port",
        inputs: { ...ACL_RULE, startPort: 90, endPort: 80 },
        property: "startPort",
        message: /must not be above endPort/,
    },
    { kind: "NetworkAclRule", case: "bad CIDR", inputs: { ...ACL_RULE, cidrList: ["10.0.0.0/33"] }, property: "cidrList[0]", message: /not a valid IPv4 CIDR/ },
    {
        kind: "NetworkAclRule",
        case: "a rule on Mold's default list",
        inputs: { ...ACL_RULE, aclList: "default_allow" },
        property: "aclList",
        message: /'default_allow' is one of Mold's default lists, which cannot be changed/,
    },
    {
        kind: "NetworkAclList",
        case: "name of a default list",
        inputs: { ...ACL_LIST, name: "default_deny" },
        property: "name",
        message: /one of Mold's default lists/,
    },
    { kind: "NetworkAclList", case: "vpc missing", inputs: { ...ACL_LIST, vpc: undefined }, property: "vpc", message: /is required/ },
    { kind: "NetworkAclList", case: "name too long", inputs: { ...ACL_LIST, name: "x".repeat(256) }, property: "name", message: /at most 255 characters/ },
];
