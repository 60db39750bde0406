// pulumi-mold/policy: each policy passes a good resource and fails a bad one, judged through the policy
// runtime's own deserialization (test/helpers/policy.ts); the kind tables cover every rule kind in schema.json.
import test from "ava";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { DEFAULT_ENFORCEMENT, INGRESS, moldPolicies, moldPolicy, moldType, NOT_INGRESS } from "../../policy";
import { remediation, secretValue, violations } from "../helpers/policy";
import { runCommand } from "../helpers/process";

const schema = require("../../../schema.json");

const policies = moldPolicies();
const policy = (name: string): ResourceValidationPolicy => {
    const p = policies.find((x) => x.name === name);
    if (!p) throw new Error(`no policy ${name}`);
    return p;
};
const reg = (kind: string, inputs: Record<string, unknown>, stack?: string) => ({ type: moldType(kind), name: `my-${kind.toLowerCase()}`, inputs, stack });

const PORTS = "mold-admin-ports-not-world-open";

test("SSH open to 0.0.0.0/0 through a FirewallRule is refused with the rule, the port and the input to change", async (t) => {
    const [message, ...rest] = await violations(policy(PORTS), reg("FirewallRule", { protocol: "tcp", startPort: 22, cidrList: ["0.0.0.0/0"] }));
    t.deepEqual(rest, []);
    t.regex(message, /^my-firewallrule: FirewallRule opens SSH \(port 22\) to 0\.0\.0\.0\/0: set cidrList/);
    t.deepEqual(await violations(policy(PORTS), reg("FirewallRule", { protocol: "tcp", startPort: 22, cidrList: ["203.0.113.0/24"] })), []);
    t.deepEqual(await violations(policy(PORTS), reg("FirewallRule", { protocol: "tcp", startPort: 443, cidrList: ["0.0.0.0/0"] })), []);
});

test("a port range covering 6443, ::/0, and a missing cidrList (Mold's anywhere) all count as open", async (t) => {
    const range = await violations(policy(PORTS), reg("FirewallRule", { protocol: "tcp", startPort: 6000, endPort: 7000, cidrList: ["10.0.0.0/8", "::/0"] }));
    t.is(range.length, 1);
    t.regex(range[0], /the Kubernetes API \(port 6443\) to ::\/0/);
    const missing = await violations(policy(PORTS), reg("FirewallRule", { protocol: "tcp", startPort: 2222 }));
    t.regex(missing[0], /SSH \(port 2222\) to anywhere \(no cidrList means 0\.0\.0\.0\/0\)/);
    t.deepEqual(await violations(policy(PORTS), reg("FirewallRule", { protocol: "icmp", cidrList: ["0.0.0.0/0"] })), [], "icmp carries no port");
});

test("PortForwardingRule to a VM's port 22 and LoadBalancerRule on 6443 are judged by their cidrList when openFirewall admits the traffic", async (t) => {
    const pf = { protocol: "tcp", publicPort: 22001, privatePort: 22, virtualMachine: "vm", openFirewall: true };
    t.regex((await violations(policy(PORTS), reg("PortForwardingRule", pf)))[0], /PortForwardingRule opens SSH \(port 22\) to anywhere/);
    t.deepEqual(await violations(policy(PORTS), reg("PortForwardingRule", { ...pf, cidrList: ["198.51.100.7/32"] })), []);
    // pulumi-mold's default openFirewall false: the IP's FirewallRules decide (each judged by this policy).
    t.deepEqual(await violations(policy(PORTS), reg("PortForwardingRule", { ...pf, openFirewall: undefined })), []);
    const lb = { name: "api", publicPort: 6443, privatePort: 6443, cidrList: ["0.0.0.0/0"] };
    t.regex((await violations(policy(PORTS), reg("LoadBalancerRule", lb)))[0], /LoadBalancerRule opens the Kubernetes API \(port 6443\) to 0\.0\.0\.0\/0/);
    t.regex((await violations(policy(PORTS), reg("LoadBalancerRule", { ...lb, cidrList: undefined })))[0], /to anywhere \(no cidrList/);
    t.deepEqual(await violations(policy(PORTS), reg("LoadBalancerRule", { ...lb, cidrList: ["10.1.0.0/16"] })), []);
    t.deepEqual(await violations(policy(PORTS), reg("LoadBalancerRule", { ...lb, openFirewall: false })), []);
});

test("NetworkAclRule: an ingress allow rule (the defaults) is judged by its cidrList and ports; deny and egress rules open nothing", async (t) => {
    const rule = { aclList: "acl", number: 10, protocol: "tcp", startPort: 22, cidrList: ["0.0.0.0/0"] };
    t.regex((await violations(policy(PORTS), reg("NetworkAclRule", rule)))[0], /NetworkAclRule opens SSH \(port 22\) to 0\.0\.0\.0\/0/);
    t.regex(
        (await violations(policy(PORTS), reg("NetworkAclRule", { ...rule, protocol: "all", startPort: undefined })))[0],
        /opens SSH \(port 22, 2222\)/,
        "protocol all: every port",
    );
    t.deepEqual(await violations(policy(PORTS), reg("NetworkAclRule", { ...rule, cidrList: ["10.0.0.0/8"] })), []);
    t.deepEqual(await violations(policy(PORTS), reg("NetworkAclRule", { ...rule, action: "deny" })), []);
    t.deepEqual(await violations(policy(PORTS), reg("NetworkAclRule", { ...rule, trafficType: "egress" })), []);
});

test("a control-plane NodeGroup's SSH forwards (sshCidrs, default anywhere) count; workers reached through the control plane do not", async (t) => {
    t.regex(
        (await violations(policy(PORTS), reg("NodeGroup", { role: "control-plane", count: 3 })))[0],
        /NodeGroup opens SSH \(port 22\) to anywhere \(no sshCidrs/,
    );
    t.deepEqual(await violations(policy(PORTS), reg("NodeGroup", { role: "control-plane", count: 3, sshCidrs: ["10.9.0.0/16"] })), []);
    t.deepEqual(await violations(policy(PORTS), reg("NodeGroup", { role: "worker", count: 3 })), []);
});

test("sensitive ports come from the pack's config when set", async (t) => {
    const r = reg("FirewallRule", { protocol: "tcp", startPort: 5432, cidrList: ["0.0.0.0/0"] });
    t.deepEqual(await violations(policy(PORTS), r), []);
    t.regex((await violations(policy(PORTS), r, { sensitivePorts: { PostgreSQL: [5432] } }))[0], /opens PostgreSQL \(port 5432\)/);
});

test("every schema kind with source CIDR inputs is declared in INGRESS or NOT_INGRESS, so a new rule kind is never silently uncovered", (t) => {
    const uncovered = (resources: Record<string, any>) =>
        Object.entries(resources)
            .filter(([, spec]) => !spec.isComponent)
            .filter(([, spec]) => Object.keys(spec.inputProperties ?? {}).some((k) => k === "cidrList" || /Cidrs$/.test(k)))
            .map(([token]) => token.split(":").pop() as string)
            .filter((kind) => !(kind in INGRESS) && !(kind in NOT_INGRESS));
    t.deepEqual(uncovered(schema.resources), []);
    // The check can fail: a kind added to the schema without a table entry is reported.
    t.deepEqual(uncovered({ ...schema.resources, "mold:index:VpnRule": { inputProperties: { cidrList: {} } } }), ["VpnRule"]);
});

test("openFirewall: true, or left out on a LoadBalancerRule (Mold's default true), is reported; false passes", async (t) => {
    const p = policy("mold-load-balancer-open-firewall");
    t.regex(
        (await violations(p, reg("LoadBalancerRule", { publicPort: 443, openFirewall: true })))[0],
        /openFirewall: true makes Mold open tcp 443 from 0\.0\.0\.0\/0/,
    );
    t.regex((await violations(p, reg("LoadBalancerRule", { publicPort: 80 })))[0], /openFirewall left out \(Mold's default is true\)/);
    t.deepEqual(await violations(p, reg("LoadBalancerRule", { publicPort: 443, openFirewall: false })), []);
    t.deepEqual(await violations(p, reg("PortForwardingRule", { publicPort: 80 })), [], "pulumi-mold's PF default is false");
    t.is((await violations(p, reg("PortForwardingRule", { publicPort: 80, openFirewall: true }))).length, 1);
});

test("a single control-plane node is refused on production stacks only (pattern configurable)", async (t) => {
    const p = policy("mold-single-control-plane-in-production");
    t.regex(
        (await violations(p, reg("KubernetesCluster", { name: "k" }, "prod")))[0],
        /single control-plane node on production stack "prod".*set controlNodes to 3/,
    );
    t.regex(
        (await violations(p, reg("NodeGroup", { role: "control-plane", count: 1 }, "production-eu")))[0],
        /set count \(controlPlane\.count on a KubeadmCluster\) to 3/,
    );
    t.deepEqual(await violations(p, reg("KubernetesCluster", { controlNodes: 3 }, "prod")), []);
    t.deepEqual(await violations(p, reg("KubernetesCluster", {}, "dev")), []);
    t.deepEqual(await violations(p, reg("NodeGroup", { role: "worker", count: 1 }, "prod")), []);
    t.is((await violations(p, reg("KubernetesCluster", {}, "live"), { productionStacks: "^live$" })).length, 1);
    t.deepEqual(await violations(p, reg("KubernetesCluster", {}, "prod"), { productionStacks: "^live$" }), []);
});

test("an HA control-plane NodeGroup with anti-affinity switched off is reported; the default, affinity groups, or a single node are not", async (t) => {
    const p = policy("mold-control-plane-anti-affinity");
    t.regex(
        (await violations(p, reg("NodeGroup", { role: "control-plane", count: 3, antiAffinity: false })))[0],
        /control-plane NodeGroup of 3 nodes has antiAffinity: false and no affinityGroups/,
    );
    t.deepEqual(await violations(p, reg("NodeGroup", { role: "control-plane", count: 3 })), [], "unset: its own anti-affinity group by default");
    t.deepEqual(await violations(p, reg("NodeGroup", { role: "control-plane", count: 3, antiAffinity: false, affinityGroups: ["cp-anti"] })), []);
    t.deepEqual(await violations(p, reg("NodeGroup", { role: "control-plane", count: 1 })), []);
    t.deepEqual(await violations(p, reg("NodeGroup", { role: "worker", count: 5 })), []);
});

test("registry credentials and user data in plain text are remediated into secrets; the same values as secrets are left alone", async (t) => {
    const p = policy("mold-secret-inputs-marked-secret");
    const registry = { url: "https://r.example", username: "u", password: "p" };
    const fixed = await remediation(p, reg("KubernetesCluster", { name: "kc", privateRegistry: registry }));
    t.deepEqual(fixed, { name: "kc", privateRegistry: secretValue(registry) });
    t.is(await remediation(p, reg("KubernetesCluster", { name: "kc", privateRegistry: secretValue(registry) })), undefined);
    t.deepEqual(await remediation(p, reg("VirtualMachine", { userData: "#cloud-config" })), { userData: secretValue("#cloud-config") });
    t.is(await remediation(p, reg("VirtualMachine", { userData: secretValue("#cloud-config") })), undefined);
    t.is(await remediation(p, reg("VirtualMachine", { name: "v" })), undefined);
    // Validations never see secretness (the runtime unwraps secrets for them), so this policy has none.
    t.is(p.validateResource, undefined);
});

test("policies ignore resources that are not mold kinds, and a policy for a new kind is a few lines", async (t) => {
    for (const p of policies)
        t.deepEqual(
            await violations(p, { type: "aws:ec2/securityGroup:SecurityGroup", name: "sg", inputs: { cidrList: ["0.0.0.0/0"], startPort: 22 } }),
            [],
            p.name,
        );
    const keyPair = moldPolicy("mold-vm-key-pair", "VMs are reached with keys.", "advisory", (kind, a) =>
        kind === "VirtualMachine" && !a.props.keyPair ? ["set keyPair"] : [],
    );
    t.deepEqual(await violations(keyPair, reg("VirtualMachine", { name: "v" })), ["my-virtualmachine: set keyPair"]);
    t.deepEqual(await violations(keyPair, reg("VirtualMachine", { keyPair: "k" })), []);
});

test("enforcement levels: defaults per policy, overridden by options; every policy has a default", (t) => {
    t.deepEqual(Object.fromEntries(policies.map((p) => [p.name, p.enforcementLevel])), DEFAULT_ENFORCEMENT);
    const custom = moldPolicies({ enforcement: { "mold-load-balancer-open-firewall": "mandatory", "mold-control-plane-anti-affinity": "disabled" } });
    t.is(custom.find((p) => p.name === "mold-load-balancer-open-firewall")?.enforcementLevel, "mandatory");
    t.is(custom.find((p) => p.name === "mold-control-plane-anti-affinity")?.enforcementLevel, "disabled");
    t.is(custom.find((p) => p.name === PORTS)?.enforcementLevel, "mandatory");
});

test("examples/policy-pack/policy-config.json names only the pack's policies, valid levels and settings each policy declares", (t) => {
    const config = require("../../../examples/policy-pack/policy-config.json");
    const levels = ["advisory", "mandatory", "disabled", "remediate"];
    for (const [name, value] of Object.entries<any>(config)) {
        const p = policies.find((x) => x.name === name);
        t.truthy(p, `${name} is not a pulumi-mold policy`);
        if (typeof value === "string") {
            t.true(levels.includes(value), `${name}: ${value}`);
            continue;
        }
        const { enforcementLevel, ...settings } = value;
        t.true(levels.includes(enforcementLevel), `${name}: ${enforcementLevel}`);
        for (const k of Object.keys(settings)) t.truthy(p?.configSchema?.properties[k], `${name} declares no setting ${k}`);
    }
});

test("without @pulumi/policy installed the policies still load and judge; building a pack says which package to install", async (t) => {
    // A child Node where @pulumi/policy cannot be resolved, as in a program that never installed it.
    const script = `
        const Module = require("module");
        const resolve = Module._resolveFilename;
        Module._resolveFilename = function (request, ...rest) {
            if (request === "@pulumi/policy" || request.startsWith("@pulumi/policy/")) {
                const e = new Error("Cannot find module '" + request + "'"); e.code = "MODULE_NOT_FOUND"; throw e;
            }
            return resolve.call(this, request, ...rest);
        };
        const p = require(${JSON.stringify(require.resolve("../../policy"))});
        const v = [];
        p.moldPolicies()[0].validateResource({ type: p.moldType("FirewallRule"), name: "fw", urn: "urn:pulumi:dev::a::t::fw", props: { startPort: 22 }, getConfig: () => ({}) }, (m) => v.push(m));
        console.log(JSON.stringify(v));
        try { p.moldPolicyPack(); } catch (e) { console.log(e.message); }
    `;
    const r = await runCommand(process.execPath, ["-e", script], { cwd: __dirname, timeoutMs: 60_000 });
    t.is(r.code, 0, r.stderr);
    const [violationsLine, errorLine] = r.stdout.trim().split("\n");
    t.regex(JSON.parse(violationsLine)[0], /^fw: FirewallRule opens SSH \(port 22\) to anywhere/);
    t.regex(errorLine, /needs the package @pulumi\/policy, which is not installed .* run `npm install @pulumi\/policy`/);
});
