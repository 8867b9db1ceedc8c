// @ts-check
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

import hubql from "./eslint/layers.mjs";

/** The layer rules of ARCHITECTURE.md, enforced: each entry says what a folder may not import. */
const layerRules = [
  {
    files: ["src/services/**/*.ts"],
    message: "services never see GraphQL (ARCHITECTURE.md: layers)",
    patterns: ["type-graphql", "@apollo/*", "**/graphql/**", "**/server/**"],
  },
  {
    files: ["src/filter/**/*.ts"],
    message: "the filter compiler is pure: no ORM, no database, no GraphQL",
    patterns: [
      "typeorm",
      "typeorm/*",
      "pg",
      "better-sqlite3",
      "type-graphql",
      "**/db/entities/**",
      "**/db/database",
      "**/services/**",
      "**/graphql/**",
    ],
  },
  {
    files: ["src/graphql/**/*.ts"],
    message: "resolvers map arguments to a service call; SQL lives in services",
    patterns: ["typeorm", "typeorm/*", "pg", "better-sqlite3", "**/db/database"],
  },
  {
    files: ["src/db/**/*.ts"],
    message: "the db layer knows nothing above it",
    patterns: ["type-graphql", "@apollo/*", "**/services/**", "**/graphql/**", "**/server/**"],
  },
];

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "data/", "coverage/", "client/generated/", "test-results/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      curly: ["error", "multi-line"],
      eqeqeq: ["error", "always"],
      "no-console": "error",
    },
  },
  {
    // Decorated classes: type-graphql and TypeORM read the runtime types of these imports.
    files: ["src/graphql/**/*.ts"],
    rules: { "@typescript-eslint/consistent-type-imports": "off" },
  },
  ...layerRules.map(({ files, message, patterns }) => ({
    files,
    rules: { "no-restricted-imports": ["error", { patterns: [{ group: patterns, message }] }] },
  })),
  {
    files: ["eslint/**/*.mjs"],
    languageOptions: { globals: { process: "readonly", URL: "readonly" } },
  },
  {
    // The layer map (ARCHITECTURE.md): imports only point down, and no file or folder imports itself back.
    files: ["src/**/*.ts"],
    plugins: { hubql },
    rules: { "hubql/layers": "error", "hubql/no-cycles": "error" },
  },
  {
    // No AsyncLocalStorage: on Node 20 it installs promise hooks that run for every promise of the process. A
    // request's scope is passed down explicitly (src/db/request-scope.ts).
    files: ["src/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "ImportDeclaration[source.value=/async_hooks$/]",
          message: "No async_hooks in src/: pass the request's scope down (src/db/request-scope.ts).",
        },
      ],
    },
  },
  {
    files: ["test/**/*.ts", "test/**/*.mts", "scripts/**/*.ts", "client/**/*.ts"],
    rules: { "no-console": "off", "@typescript-eslint/no-non-null-assertion": "off" },
  },
  prettier,
);
