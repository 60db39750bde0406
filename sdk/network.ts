// mold:index:Network — an isolated guest network, or a tier of a VPC (`vpc`).
// Its args, outputs and registration are generated from schema.json (sdk/generated/).
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";
import { NetworkBase } from "./generated/resources";
import type { NetworkArgs as GeneratedNetworkArgs } from "./generated/types";
import { Vpc } from "./vpc";

/** The generated args, except that `vpc` also takes a Vpc resource (then preview checks the tier's CIDR). */
export type NetworkArgs = Omit<GeneratedNetworkArgs, "vpc"> & { vpc?: GeneratedNetworkArgs["vpc"] | Vpc };

const provider = dynamicProvider("Network");

/** A tier's CIDR from plain gateway/netmask, for the overlap check of tiers declared after it. */
function plainTierCidr(args: NetworkArgs): string | undefined {
    if (typeof args.gateway !== "string" || typeof args.netmask !== "string") return undefined;
    const bits = args.netmask
        .split(".")
        .map((p) => Number(p).toString(2).padStart(8, "0"))
        .join("");
    if (!/^1*0*$/.test(bits) || bits.length !== 32) return undefined;
    const prefix = bits.indexOf("0") === -1 ? 32 : bits.indexOf("0");
    const ip = args.gateway.split(".").reduce((a, p) => a * 256 + Number(p), 0);
    const size = 2 ** (32 - prefix);
    const net = Math.floor(ip / size) * size;
    return `${[24, 16, 8, 0].map((s) => Math.floor(net / 2 ** s) % 256).join(".")}/${prefix}`;
}

/** With a Vpc resource: its id, plus what the tier check at preview needs (its CIDR, the tiers declared before). */
function tierArgs(name: string, args: NetworkArgs): GeneratedNetworkArgs {
    const { vpc, ...rest } = args;
    if (!(vpc instanceof Vpc)) return { ...rest, vpc };
    const tierName = typeof args.name === "string" ? args.name : name;
    const out: GeneratedNetworkArgs = { ...rest, vpc: vpc.vpcId, vpcCidr: vpc.declaredCidr, vpcTiers: { ...vpc.declaredTiers } };
    const cidr = plainTierCidr(args);
    if (cidr) vpc.declaredTiers[tierName] = cidr;
    return out;
}

export class Network extends NetworkBase {
    /** A read-only reference to an existing Network (never changed or deleted by this program). */
    static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): Network {
        return new Network(name, {} as NetworkArgs, { ...opts, id });
    }

    constructor(name: string, args: NetworkArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, tierArgs(name, args), opts);
    }
}
