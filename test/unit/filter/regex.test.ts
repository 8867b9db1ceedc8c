/**
 * `$regex`/`$glob` translation (regex.ts): PCRE behaviour from the translated RE2 pattern (what SQLite runs), the
 * translations themselves, the SQLite function's contract. Postgres parity: test/conformance/regex-parity.test.ts.
 */
import { describe, expect, it } from "vitest";

import { SQLITE_REGEXP_FLAGS, SQLITE_REGEXP_FUNCTION, sqliteRegexpImplementation } from "../../../src/filter";
import { caseVariants, translateGlob, translateRegex } from "../../../src/filter/pattern";

const matches = (pattern: string, options: string, subject: string): boolean =>
  sqliteRegexpImplementation(translateRegex(pattern, options).re2, SQLITE_REGEXP_FLAGS, subject) === 1;

type Row = readonly [pattern: string, options: string, subject: string, expected: boolean];

const PCRE: Record<string, readonly Row[]> = {
  "unanchored search": [
    ["b", "", "abc", true],
    ["^b", "", "abc", false],
    ["", "", "", true],
  ],
  "newlines (PCRE2 defaults)": [
    [".", "", "\n", false],
    [".", "s", "\n", true],
    ["a$", "", "a\n", true],
    ["a$", "", "a\nb", false],
    ["a$", "m", "a\nb", true],
    ["^b", "", "a\nb", false],
    ["^b", "m", "a\nb", true],
    ["a\\nb", "", "a\nb", true],
    ["a[\\n]b", "", "a\nb", true],
    ["[^a]", "", "\n", true],
    ["a.$", "s", "a\n", true],
  ],
  "case-insensitive": [
    ["alpha", "i", "ALPHA", true],
    ["[a-c]x", "i", "BX", true],
    ["[^a]", "i", "A", false],
    ["école", "i", "ÉCOLE", true],
    ["\\x{e9}", "i", "É", true],
  ],
  "extended (x)": [
    ["a b # comment", "x", "ab", true],
    ["a\\ b", "x", "a b", true],
    ["[ ]", "x", " ", true],
    ["a #b\nc", "x", "ac", true],
    ["a +", "x", "aaa", true],
  ],
  "ASCII classes and boundaries (no UCP)": [
    ["^\\d+$", "", "0123", true],
    ["\\d", "", "٣", false],
    ["^\\w+$", "", "abc_1", true],
    ["\\w", "", "é", false],
    ["\\s", "", "\u00a0", false],
    ["\\s", "", "\t", true],
    ["\\bcat\\b", "", "a cat!", true],
    ["\\bcat\\b", "", "concat", false],
    ["\\Bcat", "", "concat", true],
  ],
  "brackets and literals": [
    ["[]a]", "", "]", true],
    ["[^]a]", "", "]", false],
    ["[^]a]", "", "b", true],
    ["a{", "", "a{", true],
    ["{x}", "", "{x}", true],
    ["a{2}", "", "aa", true],
    ["^a{2,}$", "", "a", false],
    ["\\.", "", "a", false],
    ["a/b", "", "a/b", true],
    ["\\x41", "", "A", true],
    ["[\\x{e9}-\\x{ea}]", "", "ê", true],
    ["[a\\-z]", "", "-", true],
    ["]", "", "]", true],
    ["}", "", "}", true],
  ],
  groups: [
    ["(ab)+$", "", "abab", true],
    ["(ab)+$", "", "abab\n", true],
    ["(ab)+$", "", "abab\n\n", false],
    ["(?:a$|b)$", "", "a\n", true],
    ["(?:a|b)c", "", "bc", true],
    ["a|", "", "x", true],
    ["a*?b", "", "aab", true],
  ],
  "code points (UTF-8 in Mongo)": [
    ["^.$", "", "😀", true],
    ["^[😀]$", "", "😀", true],
  ],
};

describe.each(Object.entries(PCRE))("$regex: %s", (_group, rows) => {
  it.each(rows.map((row) => [`/${row[0]}/${row[1]} on ${JSON.stringify(row[2])}`, row] as const))(
    "%s",
    (_name, [pattern, options, subject, expected]) => {
      expect(matches(pattern, options, subject)).toBe(expected);
    },
  );
});

describe("$regex translation", () => {
  it("spells newline rules out for both engines", () => {
    expect(translateRegex("^a.b$", "")).toEqual({
      re2: "\\Aa[^\\x{a}]b(?:\\x{a}?\\z)",
      pg: "^a[^\\u000a]b(?=\\u000a?$)",
    });
    expect(translateRegex("^a$", "m")).toEqual({
      re2: "(?m:^)a(?m:$)",
      pg: "(?<![^\\u000a])a(?=\\u000a|$)",
    });
    expect(translateRegex(".", "s")).toEqual({ re2: "(?s:.)", pg: "." });
  });

  it("turns shorthands into ASCII classes and \\b into Postgres' \\y", () => {
    expect(translateRegex("\\d\\w\\s\\b", "")).toEqual({
      re2: "[0-9][0-9A-Z_a-z][\\x{9}-\\x{d} ]\\b",
      pg: "[0-9][0-9A-Z_a-z][\\u0009-\\u000d ]\\y",
    });
  });

  it("expands case-insensitivity into classes", () => {
    expect(translateRegex("a1", "i").re2).toBe("[Aa]1");
    expect(caseVariants(0x6b)).toEqual([0x4b, 0x6b]);
    // One-to-one mappings only: ß upper-cases to "SS", which is two characters.
    expect(caseVariants(0xdf)).toEqual([0xdf]);
    // Ranges fold through Unicode's cased code points and merge.
    expect(translateRegex("[a-z]", "i").re2).toBe("[A-Za-z]");
    expect(translateRegex("[k-l]", "i").re2).toBe("[K-Lk-l]");
  });

  it("drops laziness and keeps counts", () => {
    expect(translateRegex("a+?b{2,3}?", "").re2).toBe("a+b{2,3}");
  });

  it("escapes what each engine treats specially", () => {
    expect(translateRegex("[]^\\\\-]", "")).toEqual({
      re2: "[\\x{5d}\\x{5e}\\x{5c}\\x{2d}]",
      pg: "[\\]\\^\\\\\\-]",
    });
    expect(translateRegex("\\/{", "")).toEqual({ re2: "\\x{2f}\\x{7b}", pg: "/\\{" });
    expect(translateRegex("\\x{1F600}", "").pg).toBe("😀");
    expect(translateRegex("\\x01", "")).toEqual({ re2: "\\x{1}", pg: "\\u0001" });
  });

  it("refuses what RE2 cannot run, and what would expand beyond the bounds, with a reason", () => {
    const refusal = (pattern: string, options = "") => {
      try {
        translateRegex(pattern, options);
      } catch (error) {
        return (error as Error).message;
      }
      return "accepted";
    };
    expect(refusal("a(?=b)")).toMatch(/lookahead/);
    expect(refusal("a(?!b)")).toMatch(/lookahead/);
    expect(refusal("(?<=a)b")).toMatch(/lookbehind/);
    expect(refusal("(a)\\1")).toMatch(/back-references/);
    expect(refusal("a$b")).toMatch(/'\$' must end/);
    expect(refusal("(a$)*")).toMatch(/'\$' must end/);
    expect(refusal("(a{1,255}){1,255}b")).toMatch(/multiply/);
    expect(refusal("((a{1,30}){1,30}){1,30}b")).toMatch(/multiply/);
    expect(refusal("(?:[a-z]{1,200}x{1,200}){1,5}")).toMatch(/expands/);
    // Linear-time matching needs no refusal of nested unbounded repetition any more.
    expect(refusal("(a+)+$")).toBe("accepted");
    expect(refusal("(a|a)*!")).toBe("accepted");
  });

  it("translates a case-insensitive class over most of Unicode in a few milliseconds", () => {
    translateRegex("[a]", "i"); // builds the table of cased code points once
    const started = performance.now();
    for (let i = 0; i < 20; i++) translateRegex(`[\\x{1}-\\x{11100}]N${i}`, "i");
    expect((performance.now() - started) / 20).toBeLessThan(10);
  });

  it("matches hostile patterns in linear time", () => {
    const subject = `${"a".repeat(20_000)}`;
    for (const pattern of ["(a|a)*!", "(a+)+b", "(x+x+)+y", "^([0-9a-f-]|[0-9a-f-])*!", "(\\w+\\s?)*$"]) {
      const started = performance.now();
      matches(pattern, "", subject);
      expect(performance.now() - started, pattern).toBeLessThan(1000);
    }
  });
});

describe("$glob", () => {
  type GlobRow = readonly [glob: string, sqlite: string | null, subjects: Record<string, boolean>];
  const ROWS: readonly GlobRow[] = [
    ["a*", "a*", { a: true, abc: true, ba: false, "a\nb": true }],
    ["?", "?", { a: true, "": false, ab: false, é: true, "\n": true }],
    ["[!a]b", "[^a]b", { bb: true, ab: false }],
    ["[^a]", "[a^]", { "^": true, a: true, b: false }],
    ["[]a]", "[]a]", { "]": true, a: true, b: false }],
    ["[a-]", "[a-]", { "-": true, a: true, b: false }],
    ["[!]]", "[^]]", { "]": false, a: true }],
    ["a[*]", "a[*]", { "a*": true, ab: false }],
    ["[[]", "[[]", { "[": true }],
    ["[ab", "[[]ab", { "[ab": true, a: false }],
    ["\\*", "\\*", { "\\x": true, "\\": true, x: false }],
    // A range ending in "-" has no GLOB spelling: the regex function runs it.
    ["[+--]", null, { ",": true, "-": true, a: false }],
    ["[^-]", "[-^]", { "^": true, "-": true, a: false }],
    ["A", "A", { a: false, A: true }],
  ];

  it.each(ROWS.map((row) => [row[0], row] as const))("%s", (_name, [glob, sqlite, subjects]) => {
    const translated = translateGlob(glob);
    expect(translated.sqliteGlob).toBe(sqlite);
    for (const [subject, expected] of Object.entries(subjects)) {
      expect(sqliteRegexpImplementation(translated.re2, SQLITE_REGEXP_FLAGS, subject), subject).toBe(expected ? 1 : 0);
    }
  });
});

describe("the SQLite function", () => {
  it("is named for the db layer", () => {
    expect(SQLITE_REGEXP_FUNCTION).toBe("hubql_regexp");
    expect(sqliteRegexpImplementation.length).toBe(3);
  });

  it("answers 0 for anything but a string, never NULL", () => {
    for (const value of [null, undefined, 1, 1n, Buffer.from("a"), true]) {
      expect(sqliteRegexpImplementation("a", "u", value)).toBe(0);
    }
    expect(sqliteRegexpImplementation("a", "u", "cat")).toBe(1);
  });

  it("rejects a call without a text pattern", () => {
    expect(() => sqliteRegexpImplementation(null, "u", "a")).toThrow(/hubql_regexp/);
  });

  it("keeps no state between rows", () => {
    const { re2 } = translateRegex("a", "");
    expect([1, 2, 3].map(() => sqliteRegexpImplementation(re2, "u", "a"))).toEqual([1, 1, 1]);
  });
});
