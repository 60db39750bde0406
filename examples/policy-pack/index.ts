// The pulumi-mold policy pack: `pulumi preview --policy-pack examples/policy-pack` from a Mold program.
// Enforcement per policy: the defaults (DEFAULT_ENFORCEMENT), the options below, then the pack's config
// (`--policy-pack-config policy-config.json`), which wins.
import { PolicyPack } from "@pulumi/policy";
import { moldPolicies, moldPolicy } from "pulumi-mold/policy";

new PolicyPack("pulumi-mold", {
    policies: [
        ...moldPolicies({
            productionStacks: "^(prod|production)([-_.].*)?$",
            enforcement: { "mold-load-balancer-open-firewall": "advisory" },
        }),
        // A policy of your own for any mold kind is a check over (kind, props) returning messages.
        moldPolicy("vm-has-key-pair", "VMs are reached with an SSH key pair, not a password.", "advisory", (kind, args) =>
            kind === "VirtualMachine" && !args.props.keyPair ? ["set keyPair so logins use your key, not Mold's generated password"] : [],
        ),
    ],
});
