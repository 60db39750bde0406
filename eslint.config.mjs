// ESLint for the repository (`npm run lint`, run by .ci/run before the tests): typescript-eslint's recommended
// rules. Layout is Prettier's job (.prettierrc.json), so no stylistic rules here.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["dist/**", "dist-*/**", "examples/*/dist/**", "**/node_modules/**", ".demo/**", "**/.pulumi-mold-engine/**"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        languageOptions: { globals: { ...globals.node } },
        rules: {
            // Dynamic providers load library code with require() at run time, inside the provider host.
            "@typescript-eslint/no-require-imports": "off",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
            // The simulator and the tests read Mold's untyped wire JSON; `any` is allowed there, not in provider/.
            "@typescript-eslint/no-explicit-any": "off",
        },
    },
    {
        files: ["provider/**/*.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "error" },
    },
);
