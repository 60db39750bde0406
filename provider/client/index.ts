// The Mold API client: one file per Mold concept, all re-exported here.
export * from "./client";
export * from "./config";
export * from "./errors";
export * from "./job-wait";
export * from "./signing";
