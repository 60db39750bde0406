// The pure VPC and tier CIDR rules (provider/net/vpc-cidr.ts) that preview applies.
import test from "ava";
import { cidrWithin, tierCidr, tierProblem, vpcCidrProblem } from "../../provider/net/vpc-cidr";

test("a VPC CIDR must lie in an RFC 1918 range: 10.0.0.0/8 is the largest", (t) => {
    for (const ok of ["10.0.0.0/8", "10.10.0.0/16", "172.16.0.0/12", "172.31.5.0/24", "192.168.0.0/16"]) t.is(vpcCidrProblem(ok), undefined, ok);
    t.regex(vpcCidrProblem("10.0.0.0/7")!, /larger than any VPC Mold accepts/);
    t.regex(vpcCidrProblem("0.0.0.0/0")!, /not inside an RFC 1918 range/);
    t.regex(vpcCidrProblem("172.0.0.0/8")!, /not inside an RFC 1918 range/);
    t.notRegex(vpcCidrProblem("172.0.0.0/8")!, /larger than any/, "a /8 outside the ranges is not 'too large'");
    t.regex(vpcCidrProblem("100.64.0.0/10")!, /not inside an RFC 1918 range/, "shared space (RFC 6598) is not a VPC range");
    t.regex(vpcCidrProblem("10.0.0/8")!, /not a valid IPv4 CIDR/);
});

test("containment and tier CIDRs from gateway/netmask", (t) => {
    t.true(cidrWithin("10.10.1.0/24", "10.10.0.0/16"));
    t.true(cidrWithin("10.10.0.0/16", "10.10.0.0/16"));
    t.false(cidrWithin("10.10.0.0/15", "10.10.0.0/16"));
    t.false(cidrWithin("10.11.0.0/24", "10.10.0.0/16"));
    t.is(tierCidr("10.10.1.1", "255.255.255.0"), "10.10.1.0/24");
    t.is(tierCidr("10.10.1.130", "255.255.255.128"), "10.10.1.128/25");
    t.is(tierCidr("10.10.1.1", "255.0.255.0"), undefined);
});

test("a tier lies inside its VPC and overlaps no other tier, whatever the spelling", (t) => {
    t.is(tierProblem("10.10.1.0/24", "10.10.0.0/16", { app: "10.10.2.0/24" }), undefined);
    t.is(tierProblem("10.10.1.0/24", undefined, {}), undefined, "nothing known: nothing to say");
    t.regex(tierProblem("10.20.1.0/24", "10.10.0.0/16", {})!, /not inside the VPC's CIDR 10\.10\.0\.0\/16/);
    t.is(tierProblem("10.10.1.0/24", "10.10.5.7/16", {}), undefined, "a VPC CIDR written with host bits still contains it");
    t.regex(tierProblem("10.10.0.0/23", "10.10.0.0/16", { app: "10.10.1.0/24" })!, /overlaps tier 'app' \(10\.10\.1\.0\/24\)/);
    t.regex(tierProblem("10.10.1.0/24", "10.10.0.0/16", { big: "10.10.1.77/20" })!, /overlaps tier 'big' \(10\.10\.0\.0\/20\)/);
});
