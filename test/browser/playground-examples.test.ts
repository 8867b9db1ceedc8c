/**
 * The playground's ready-made examples stay runnable: each tab parses, validates against hubql's schema, has JSON
 * variables, and together they cover every area (tasks, flows/jobs, queue). Fast; the browser test runs them.
 */
import { parse, validate } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";

import { buildHubqlSchema } from "../../src/graphql/schema";
import { PLAYGROUND_TABS, playgroundHtml } from "../../src/server/playground";

describe("playground examples", () => {
  let schema: Awaited<ReturnType<typeof buildHubqlSchema>>;
  beforeAll(async () => {
    schema = await buildHubqlSchema();
  });

  it.each(PLAYGROUND_TABS.map((tab, i) => [i, tab] as const))("tab %i validates against the schema", (_, tab) => {
    expect(validate(schema, parse(tab.query)).map((error) => error.message)).toEqual([]);
    expect(() => JSON.parse(tab.variables ?? "{}")).not.toThrow();
  });

  it("covers every area", () => {
    const queries = PLAYGROUND_TABS.map((tab) => tab.query).join("\n");
    for (const rootField of ["taskRecords(", "dbQuery(", "flows(", "jobs(", "queue(", "queueStatus"]) {
      expect(queries).toContain(rootField);
    }
  });

  it("renders one self-contained page that loads nothing from elsewhere", async () => {
    const html = await playgroundHtml();
    // No external script, stylesheet, font or image: every src/href is inline (data:, blob:) or relative.
    const references = [...html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']+)["']/g)].map((match) => match[1]!);
    expect(references.filter((ref) => /^(?:https?:)?\/\//.test(ref))).toEqual([]);
    expect(html).toContain('"endpoint":"/graphql"');
  });
});
