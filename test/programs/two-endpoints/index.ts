// Two Mold endpoints in one program: the default provider (stack config or env) and an explicit one.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();

const second = new mold.Provider("second", {
    apiUrl: config.require("secondUrl"),
    apiKey: config.require("secondKey"),
    secretKey: config.requireSecret("secondSecret"),
    signature: config.get("secondSignature"),
});

const onDefault = new mold.Network("on-default", {
    name: "default-net",
    zone: "zone1",
    tags: pulumi.secret({ costCenter: "cc-4711-private" }),
});
const onSecond = new mold.Network("on-second", { name: "second-net", zone: "zone1" }, { provider: second, additionalSecretOutputs: ["cidr"] });

export const defaultNetworkId = onDefault.id;
export const secondNetworkId = onSecond.id;
export const secondCidr = onSecond.cidr;
export const defaultTags = onDefault.tags;
export const token = pulumi.secret("stack-output-s3cr3t");
