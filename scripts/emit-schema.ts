/**
 * Writes schema/schema.graphql from the code, or with `--check` fails when the committed file differs from it
 * (CI runs the check, so clients and supergraph builds never read a stale schema).
 *
 *   node dist/scripts/emit-schema.js           # write
 *   node dist/scripts/emit-schema.js --check   # exit 1 when stale
 */
import "reflect-metadata";

import { existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

import { readSchemaFile, renderSchemaFile, SCHEMA_FILE } from "./schema-file";

async function main(check: boolean): Promise<number> {
  const expected = await renderSchemaFile();
  if (check) {
    if (existsSync(resolve(SCHEMA_FILE)) && readSchemaFile() === expected) return 0;
    console.error(`${SCHEMA_FILE} is out of date with the code: run \`npm run schema:emit\` and commit the result.`);
    return 1;
  }
  writeFileSync(resolve(SCHEMA_FILE), expected);
  console.log(`wrote ${SCHEMA_FILE}`);
  return 0;
}

main(process.argv.includes("--check")).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
