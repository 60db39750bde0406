// What dynamic-provider hooks load at run time (`require("pulumi-mold/provider")`).
export * as client from "./client";
