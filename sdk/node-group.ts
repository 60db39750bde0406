// mold:index:NodeGroup — Mold VMs bootstrapped over SSH into nodes of a self-managed (kubeadm) cluster.
// Usually made by KubeadmCluster; usable alone to add a worker group to a cluster made elsewhere.
// Its args, outputs and registration are generated from schema.json (sdk/generated/).
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider } from "./dynamic";
import { NodeGroupBase } from "./generated/resources";
import type { NodeGroupArgs } from "./generated/types";

export type { NodeGroupArgs, NodeGroupBastion, NodeGroupNode, NodeTaint } from "./generated/types";

const provider = dynamicProvider("NodeGroup");

export class NodeGroup extends NodeGroupBase {
    constructor(name: string, args: NodeGroupArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, args, opts);
    }
}
