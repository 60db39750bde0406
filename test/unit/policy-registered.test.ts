// The policies judge what the SDK really registers: a program runs under Pulumi's mocks
// (pulumi.runtime.setMocks), its registrations (type tokens, inputs with secret envelopes) are recorded, and
// every policy runs on each of them through the policy runtime's deserialization.
import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { moldPolicies } from "../../policy";
import { Registration, remediation, violations } from "../helpers/policy";

const recorded: Registration[] = [];
const stack = "prod";

test.before(async () => {
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                recorded.push({ type: args.type, name: args.name, stack, inputs: args.inputs });
                const state: Record<string, unknown> = { ...args.inputs };
                if (args.type.endsWith(":PublicIpAddress")) state.ipAddress = "127.0.0.10";
                if (args.type.endsWith(":NodeGroup")) state.nodes = [];
                return { id: `${args.name}-id`, state };
            },
            call: () => ({}),
        },
        "app",
        stack,
    );
});

/** Runs `program`, waits for the given resources to register, and returns every policy's violations by policy. */
async function judge(program: () => pulumi.Resource[]): Promise<Record<string, string[]>> {
    recorded.length = 0;
    const resources = program();
    await Promise.all(resources.map((r) => new Promise((resolve) => r.urn.apply(resolve))));
    const out: Record<string, string[]> = {};
    for (const policy of moldPolicies()) {
        out[policy.name] = [];
        for (const r of recorded) {
            out[policy.name].push(...(await violations(policy, r)));
            const fixed = await remediation(policy, r);
            if (fixed)
                out[policy.name].push(
                    `${r.name}: remediated ${Object.keys(fixed)
                        .filter((k) => JSON.stringify(fixed[k]) !== JSON.stringify(r.inputs[k]))
                        .join(", ")}`,
                );
        }
    }
    return out;
}

/** "<resource>: <first word of the message>" per violation: which resource, of which kind. */
const msgs = (found: Record<string, string[]>, policy: string) =>
    found[policy].map((m) => m.split(":")[0] + ": " + m.split(": ")[1].split(" ").slice(0, 1).join(" "));

test.serial("a KubeadmCluster with defaults, an LB rule, a single-node KubernetesCluster on a prod stack: what the SDK registers is flagged", async (t) => {
    const sdk = require("../../sdk");
    const found = await judge(() => {
        const k = new sdk.KubeadmCluster("k", {
            network: "net",
            keyPair: "kp",
            sshPrivateKey: "KEY",
            kubernetesVersion: "1.32.5",
            workerGroups: { w: { count: 2 } },
        });
        const lb = new sdk.LoadBalancerRule("web", { publicIpAddressId: "ip", publicPort: 443, privatePort: 443, name: "web" });
        const c = new sdk.KubernetesCluster("kc", {
            name: "kc",
            zone: "z",
            kubernetesVersion: "1.32.5",
            serviceOffering: "so",
            privateRegistry: { url: "u", username: "n", password: "p" },
        });
        const vm = new sdk.VirtualMachine("vm", { zone: "z", template: "t", serviceOffering: "so", userData: "#cloud-config" });
        return [k.controlPlane, ...Object.values<pulumi.Resource>(k.workers), k.apiLoadBalancerRule, lb, c, vm];
    });
    t.true(
        recorded.some((r) => r.type === "pulumi-nodejs:dynamic/mold:NodeGroup"),
        "the SDK registers mold kinds under pulumi-nodejs:dynamic/mold:<Kind>",
    );
    // The cluster's defaults open the API (its firewall rule and LB rule) and the control plane's SSH forwards to anywhere.
    t.deepEqual(
        msgs(found, "mold-admin-ports-not-world-open").sort(),
        ["k-api: FirewallRule", "k-control-plane: NodeGroup"],
        "its LB rule sets openFirewall: false: the FirewallRule is the gate",
    );
    t.deepEqual(msgs(found, "mold-load-balancer-open-firewall"), ["web: LoadBalancerRule"], "the cluster's own API rule sets openFirewall: false");
    t.deepEqual(msgs(found, "mold-single-control-plane-in-production").sort(), ["k-control-plane: NodeGroup", "kc: KubernetesCluster"]);
    t.deepEqual(found["mold-control-plane-anti-affinity"], [], "one control-plane node: the single-node policy speaks");
    t.deepEqual(found["mold-secret-inputs-marked-secret"], [], "the SDK registers privateRegistry and userData as secrets");
});

test.serial(
    "the same program hardened passes every policy (its control plane is anti-affine by default); a hand-made resource's plain user data is remediated into a secret",
    async (t) => {
        const sdk = require("../../sdk");
        const { dynamicProvider } = require("../../sdk/dynamic");
        const found = await judge(() => {
            const k = new sdk.KubeadmCluster("k", {
                network: "net",
                keyPair: "kp",
                sshPrivateKey: "KEY",
                kubernetesVersion: "1.32.5",
                controlPlane: { count: 3 },
                apiAccessCidrs: ["10.20.0.0/16"],
                sshCidrs: ["10.20.0.0/16"],
            });
            const lb = new sdk.LoadBalancerRule("web", { publicIpAddressId: "ip", publicPort: 443, privatePort: 443, name: "web", openFirewall: false });
            const c = new sdk.KubernetesCluster("kc", { name: "kc", zone: "z", kubernetesVersion: "1.32.5", serviceOffering: "so", controlNodes: 3 });
            const raw = new (pulumi.dynamic.Resource as any)(
                dynamicProvider("VirtualMachine"),
                "raw",
                { userData: "#cloud-config" },
                {},
                "mold",
                "VirtualMachine",
            );
            return [k.controlPlane, k.apiLoadBalancerRule, lb, c, raw];
        });
        t.deepEqual(found["mold-admin-ports-not-world-open"], []);
        t.deepEqual(found["mold-load-balancer-open-firewall"], []);
        t.deepEqual(found["mold-single-control-plane-in-production"], []);
        t.deepEqual(found["mold-control-plane-anti-affinity"], []);
        t.deepEqual(found["mold-secret-inputs-marked-secret"], ["raw: remediated userData"]);
    },
);
