// Moved to testing/engine (shipped as pulumi-mold/testing); `npm run engine` runs dist/testing/engine/cli.js.
// Run directly (as the demo and older scripts do), this path still starts the engine's CLI.
export * from "../../testing/engine/cli";
import { main } from "../../testing/engine/cli";

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e) => {
            process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
            process.exit(1);
        },
    );
}
