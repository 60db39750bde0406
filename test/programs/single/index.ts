// One network, or nothing (`empty=true`): an up of a program that registers no resource warns.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();
export const networkId = config.getBoolean("empty") ? undefined : new mold.Network("net", { name: "single-net", zone: "zone1" }).id;
