import { createRequire } from "node:module";

import { configDefaults, defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

/**
 * Tests that assert how fast readers answer while other work runs. They run last, one file at a time: beside another
 * test file on a 2-core machine, a reader's latency measured the other file's load as much as hubql's (a Postgres
 * purge test failed once in a full run at 147 ms against 123, then passed alone and in the next runs).
 */
const LATENCY = [
  "test/execution/purge-batches.test.ts",
  "test/execution/fairness.test.ts",
  "test/security/healthz.test.ts",
];

export default defineConfig({
  resolve: {
    // One graphql instance: type-graphql's build requires graphql's CommonJS entry, while files vitest transforms
    // would load graphql's .mjs entry; two copies make scalars from one unrecognisable to the other.
    alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }],
  },
  test: {
    // The temporary folder first: Postgres is then started (and stopped, before the folder goes) inside it.
    globalSetup: ["test/support/temp-dir-global-setup.ts", "test/support/postgres-global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line.
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
    // Two cores: more workers only fight over them.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: "main", include: ["test/**/*.test.ts"], exclude: [...configDefaults.exclude, ...LATENCY] },
      },
      { extends: true, test: { name: "latency", include: LATENCY, maxWorkers: 1, sequence: { groupOrder: 1 } } },
    ],
  },
});
