// pulumi-mold: Pulumi resources for ABLESTACK Mold. Resources are added per issue.
export { MoldClient, MoldClientOptions } from "../provider/client";
export { startSimulator } from "../simulator";
