// pulumi-mold/provider, the entry point the serialized providers require in the dynamic-provider host: which hook
// a call to the shared `look` / `change` functions stands for, and that loading it and running one kind's hooks
// loads only what that kind needs (no SSH, kubeadm, YAML or Kubernetes pieces for a network).
import test from "ava";
import { execFileSync } from "child_process";
import * as path from "path";
import { RESOURCES } from "../../provider/resources";
import { byNaming } from "../../provider/resources/registry";
import { changingHook, lookingHook } from "../../provider/runtime/forward";

const req = { config: { get: () => undefined } };

test("the looking function tells configure, check, diff and read apart by the host's arguments", (t) => {
    t.is(lookingHook([req]), "configure");
    t.is(lookingHook([{}, { __provider: "p" }]), "check");
    t.is(lookingHook([{ name: "a" }, { name: "b" }]), "check");
    t.is(lookingHook(["id", { __provider: "p" }, { __provider: "q" }]), "diff");
    t.is(lookingHook(["id", { __provider: "p" }]), "read");
    // Plain JSON never carries a function: inputs with a `config` property are still a check.
    t.is(lookingHook([{ config: { get: "x" } }, {}]), "check");
    for (const bad of [[], ["id"], [undefined, {}], [[], {}], [{ config: { get: "x" } }]]) {
        t.throws(() => lookingHook(bad), { message: /arguments of an unknown shape/ }, JSON.stringify(bad));
    }
});

test("the changing function tells create, update and delete apart by the host's arguments", (t) => {
    t.is(changingHook([{ __provider: "p" }]), "create");
    t.is(changingHook(["id", { __provider: "p" }, { __provider: "q" }]), "update");
    t.is(changingHook(["id", { __provider: "p" }]), "delete");
    for (const bad of [[], ["id"], [null], ["id", "x"]]) {
        t.throws(() => changingHook(bad), { message: /arguments of an unknown shape/ }, JSON.stringify(bad));
    }
});

test("every kind's module follows the naming the lazy registry loads it by", (t) => {
    t.true(Object.keys(RESOURCES).length > 0);
    for (const [kind, def] of Object.entries(RESOURCES)) t.is(byNaming(kind), def, kind);
    t.is(byNaming("NoSuchKind"), undefined);
    t.is(byNaming("../index"), undefined);
});

/** Loads the provider in a fresh node, runs `check` of each kind in turn, and lists the modules loaded after each. */
function loadedAfter(kinds: string[]): { bare: string[]; after: Record<string, string[]> } {
    const entry = path.resolve(__dirname, "../../provider");
    const script = `
        const before = new Set(Object.keys(require.cache));
        const p = require(${JSON.stringify(entry)});
        const now = () => Object.keys(require.cache).filter((k) => !before.has(k));
        const out = { bare: now(), after: {} };
        (async () => {
            for (const kind of ${JSON.stringify(kinds)}) {
                const r = await p.runHook(kind, "check", undefined, [{}, { __provider: "p" }]);
                if (!r.failures.length) throw new Error(kind + ": empty inputs passed check");
                out.after[kind] = now();
            }
            process.stdout.write(JSON.stringify(out));
        })().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });`;
    return JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } }));
}

const HEAVY: Record<string, RegExp> = {
    ssh2: /[\\/]node_modules[\\/]ssh2[\\/]/,
    yaml: /[\\/]node_modules[\\/]yaml[\\/]/,
    kubeadm: /[\\/]provider[\\/]kubeadm[\\/]/,
    ssh: /[\\/]provider[\\/]ssh[\\/]/,
    bootstrap: /[\\/]provider[\\/]bootstrap[\\/]/,
    kubernetes: /[\\/]provider[\\/](kubernetes[\\/]|resources[\\/]kubernetes-cluster)/,
};
const heavyIn = (modules: string[]) => Object.keys(HEAVY).filter((k) => modules.some((m) => HEAVY[k].test(m)));

test("loading the provider loads no resource kind; a network-and-rules program loads no SSH, kubeadm, YAML or Kubernetes pieces", (t) => {
    const { bare, after } = loadedAfter([
        "Network",
        "PublicIpAddress",
        "FirewallRule",
        "PortForwardingRule",
        "LoadBalancerRule",
        "VirtualMachine",
        "KubernetesCluster",
        "NodeGroup",
    ]);
    t.false(
        bare.some((m) => /[\\/]provider[\\/]resources[\\/](?!registry)/.test(m)),
        `the bare entry point loaded resource modules: ${bare.filter((m) => /resources/.test(m)).join(", ")}`,
    );
    t.deepEqual(heavyIn(bare), []);
    t.false(
        after.Network.some((m) => /[\\/]resources[\\/](firewall-rule|virtual-machine|node-group)/.test(m)),
        "a Network loaded other kinds' modules",
    );
    t.deepEqual(heavyIn(after.VirtualMachine), [], "networks, IPs, rules and VMs");
    // A Mold-managed cluster loads its own pieces, but no SSH, kubeadm, or YAML until a kubeconfig is read.
    t.deepEqual(heavyIn(after.KubernetesCluster), ["kubernetes"]);
    // The same probe sees them once a node group is used, so the checks above can fail.
    t.deepEqual(heavyIn(after.NodeGroup).sort(), ["bootstrap", "kubeadm", "kubernetes", "ssh", "ssh2", "yaml"]);
});
