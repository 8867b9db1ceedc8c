import { describe, expect, it } from "vitest";

import { didYouMean, levenshtein, suggest } from "../../../src/filter/suggest";

describe("levenshtein", () => {
  it.each([
    ["", "", 0],
    ["abc", "", 3],
    ["kitten", "sitting", 3],
    ["$gtee", "$gte", 1],
    ["complete", "completed", 1],
  ] as const)("%s → %s = %i", (a, b, d) => {
    expect(levenshtein(a, b)).toBe(d);
    expect(levenshtein(b, a)).toBe(d);
  });
});

describe("suggest", () => {
  const fields = ["msgId", "msg_id", "completed", "started", "engineUuid", "engine_uuid"];

  it.each([
    ["complete", "completed"],
    ["msgid", "msgId"],
    ["MSG_ID", "msg_id"],
    ["enigne_uuid", "engine_uuid"],
    ["stared", "started"],
  ] as const)("%s → %s", (input, expected) => {
    expect(suggest(input, fields)).toBe(expected);
  });

  it("stays quiet when nothing is close", () => {
    expect(suggest("zzzzzz", fields)).toBeUndefined();
    expect(suggest("x", [])).toBeUndefined();
    expect(didYouMean("zzzzzz", fields)).toBe("");
    expect(didYouMean("$gtee", ["$gt", "$gte"])).toBe("; did you mean '$gte'?");
  });
});
