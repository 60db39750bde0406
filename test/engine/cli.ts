// Moved to testing/engine (shipped as pulumi-mold/testing); `npm run engine` runs dist/testing/engine/cli.js.
export * from "../../testing/engine/cli";
