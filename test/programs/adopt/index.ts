// One existing network taken over (importId), another only referenced (Network.get).
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();

const shared = mold.Network.get("shared", config.require("sharedNetworkId"));

const adopted = new mold.Network("adopted", {
    importId: config.require("adoptNetworkId"),
    name: "adopted-net",
    zone: "zone1",
    gateway: config.get("gateway"),
    netmask: config.get("gateway") ? "255.255.255.0" : undefined,
    tags: { team: "platform" },
});

export const sharedName = shared.name;
export const sharedCidr = shared.cidr;
export const adoptedId = adopted.id;
export const adoptedName = adopted.name;
