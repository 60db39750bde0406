// A Kubernetes version Mold's Kubernetes service offers. Stack config drives the edits the test makes between runs:
// enabled, the ISO's URL ("" = left out, refused at preview) and the semantic version.
import * as pulumi from "@pulumi/pulumi";
import * as mold from "pulumi-mold";

const config = new pulumi.Config();

const version = new mold.KubernetesVersion("v", {
    semanticVersion: config.get("semver") ?? "1.34.2",
    url: config.get("url") || (undefined as unknown as string),
    zone: "zone1",
    minCpuNumber: 2,
    minMemory: 2048,
    enabled: config.getBoolean("enabled") ?? true,
});

export const versionId = version.id;
export const name = version.name;
export const state = version.state;
export const isoState = version.isoState;
