// Which ingress ACL rules cover the ports Mold's Kubernetes service opens on a VPC tier (provider/resources/management-acl.ts).
import test from "ava";
import { coveredManagementPorts } from "../../provider/resources/management-acl";

test("coveredManagementPorts: ingress tcp ranges and every-protocol rules cover 6443 and/or 22; egress, udp and icmp never do", (t) => {
    t.deepEqual(coveredManagementPorts({ trafficType: "ingress", protocol: "tcp", startPort: 22 }), [22]);
    t.deepEqual(coveredManagementPorts({ trafficType: "Ingress", protocol: "TCP", startPort: 6000, endPort: 7000 }), [6443]);
    t.deepEqual(coveredManagementPorts({ protocol: "tcp", startPort: 1, endPort: 65535 }), [6443, 22]);
    t.deepEqual(coveredManagementPorts({ protocol: "tcp" }), [6443, 22], "tcp without ports is every port");
    t.deepEqual(coveredManagementPorts({ protocol: "all" }), [6443, 22]);
    t.deepEqual(coveredManagementPorts({ protocol: "6", startPort: 22, endPort: 22 }), [22], "protocol number 6 is tcp");
    t.deepEqual(coveredManagementPorts({ protocol: "tcp", startPort: 80, endPort: 443 }), []);
    t.deepEqual(coveredManagementPorts({ protocol: "udp", startPort: 22 }), []);
    t.deepEqual(coveredManagementPorts({ protocol: "icmp" }), []);
    t.deepEqual(coveredManagementPorts({ trafficType: "egress", protocol: "all" }), []);
});
