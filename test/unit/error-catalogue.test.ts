import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { ErrorCode, GRAPHQL_PROTOCOL_CODES, InputReason } from "../../src/errors";

const CATALOGUE = readFileSync(join(__dirname, "../../docs/errors.md"), "utf8");

/** The codes docs/errors.md documents: its `### CODE` headings. */
function documentedCodes(): string[] {
  return [...CATALOGUE.matchAll(/^### ([A-Z_]+)\s*$/gm)].map((match) => match[1] as string);
}

/** The reasons it documents: the first cell of each row of its reasons table. */
function documentedReasons(): string[] {
  const section = CATALOGUE.split(/^## /m).find((part) => part.startsWith("Reasons")) ?? "";
  return [...section.matchAll(/^\| `([A-Z_]+)` +\|/gm)].map((match) => match[1] as string);
}

describe("the error catalogue (docs/errors.md)", () => {
  const documented = documentedCodes();
  const inCode = [...Object.values(ErrorCode), ...GRAPHQL_PROTOCOL_CODES];

  it("documents every code the server can answer with", () => {
    expect(inCode.filter((code) => !documented.includes(code))).toEqual([]);
  });

  it("documents no code the server does not have", () => {
    expect(documented.filter((code) => !(inCode as string[]).includes(code))).toEqual([]);
  });

  it("documents each code once", () => {
    expect(documented.length).toBe(new Set(documented).size);
    expect(documented.length).toBeGreaterThan(0);
  });
});

describe("the reasons in the error catalogue", () => {
  it("are exactly InputReason's, each once", () => {
    const documented = documentedReasons();
    expect([...documented].sort()).toEqual(Object.values(InputReason).sort());
    expect(documented.length).toBe(new Set(documented).size);
  });
});
