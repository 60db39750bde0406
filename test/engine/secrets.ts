// Moved to testing/engine (shipped as pulumi-mold/testing); kept so repository imports stay short.
export * from "../../testing/engine/secrets";
