// Compile-time checks, run by every build (tsc compiles this file; ava runs only *.test.js): the generated
// types hold the SDK and the resource definitions to schema.json. Each `@ts-expect-error` fails the build
// when the error it expects goes away, so these lines prove the errors exist. test/unit/schema-drift.test.ts
// shows the other direction: schema.json changed, code not.
import type { Network, NetworkArgs } from "../../sdk";
import type { NetworkInputs, NetworkOutputs } from "../../provider/generated/types";
import type { Reported, ResourceDefinition } from "../../provider/runtime/hooks";
import { network } from "../../provider/resources/network";

type NetworkDefinition = ResourceDefinition<NetworkInputs, NetworkOutputs>;

/** What Network's create reports for a network Mold made: every always-set output that is not an input. */
const reported: Reported<NetworkInputs, NetworkOutputs> = {
    networkId: "n-1",
    cidr: "10.1.1.0/24",
    gateway: "10.1.1.1",
    netmask: "255.255.255.0",
    type: "Isolated",
    zoneId: "z-1",
    zoneName: "zone1",
    networkOfferingId: "o-1",
    networkOfferingName: "DefaultIsolatedNetworkOfferingWithSourceNatService",
    networkDomain: "cs1cloud.internal",
    vpcId: "",
    aclListId: "",
    aclListName: "",
};

export const checks = {
    // A hook reading an input schema.json does not have.
    readsUnknownInput: (inputs: NetworkInputs) =>
        // @ts-expect-error `mtu` is not an input of Network in schema.json
        inputs.mtu,

    // A hook reporting an output schema.json does not have.
    reportsUnknownOutput: (): Reported<NetworkInputs, NetworkOutputs> => ({
        ...reported,
        // @ts-expect-error `mtu` is not an output of Network in schema.json
        mtu: 1500,
    }),

    // create leaving out an output schema.json says is always set.
    missesAnOutput: (): Reported<NetworkInputs, NetworkOutputs> => {
        const { cidr, ...withoutCidr } = reported;
        void cidr;
        // @ts-expect-error `cidr` is always set in schema.json, so create and read must report it
        return withoutCidr;
    },

    // An input of schema.json without its entry in handles (the hooks would not say how they apply it).
    missesAnInput: (): NetworkDefinition => {
        const { networkDomain, ...rest } = network.handles;
        void networkDomain;
        // @ts-expect-error networkDomain is an input of Network in schema.json: handles needs an entry for it
        return { ...network, handles: rest };
    },

    // A handles entry for an input schema.json does not have.
    handlesAnUnknownInput: (): NetworkDefinition => ({
        ...network,
        handles: {
            ...network.handles,
            // @ts-expect-error `mtu` is not an input of Network in schema.json
            mtu: "updateNetwork",
        },
    }),

    // The definition's input lists are schema.json's: a name that is not an input is refused.
    // @ts-expect-error `mtu` is not an input of Network in schema.json
    unknownReplaceOnChange: (): NetworkDefinition => ({ ...network, replaceOnChanges: ["zone", "mtu"] }),

    // The SDK's args and outputs are generated too.
    sdkArgs: (): NetworkArgs => ({
        name: "app",
        zone: "zone1",
        // @ts-expect-error `mtu` is not an argument of Network in schema.json
        mtu: 1500,
    }),
    // @ts-expect-error `mtu` is not an output of Network in schema.json
    sdkOutput: (n: Network) => n.mtu,
    // Its JSDoc comes from schema.json's description (shown by editors); its type from the schema's type.
    sdkOutputType: (n: Network): import("@pulumi/pulumi").Output<string> => n.cidr,
};
