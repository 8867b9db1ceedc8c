import { execFileSync } from "node:child_process";

import { describe, expect, it } from "vitest";

import { PickleError, unpickleBytesList } from "../../../src/services/tasks/python-pickle";

/** Pickles with the machine's Python, as ipyparallel's SQLiteDB does (`pickle.dumps(list_of_bytes, protocol)`). */
function pickle(expression: string, protocol: number): Buffer {
  const hex = execFileSync(
    "python3",
    ["-c", `import pickle,sys; sys.stdout.write(pickle.dumps(${expression}, ${protocol}).hex())`],
    { encoding: "utf8" },
  );
  return Buffer.from(hex, "hex");
}

const LIST = `[b"abc", b"", bytes(range(256)), b"abc", b"x" * 70000]`;
const expected = [
  Buffer.from("abc"),
  Buffer.alloc(0),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  Buffer.from("abc"),
  Buffer.alloc(70000, "x"),
];

describe("the ipyparallel buffer unpickler", () => {
  it.each([2, 3, 4, 5])("reads a list of bytes pickled with protocol %i", (protocol) => {
    expect(unpickleBytesList(pickle(LIST, protocol))).toEqual(expected);
    expect(unpickleBytesList(pickle("[b'one']", protocol))).toEqual([Buffer.from("one")]);
    expect(unpickleBytesList(pickle("[]", protocol))).toEqual([]);
  });

  it("reads Python 2's cPickle output (str as SHORT_BINSTRING)", () => {
    // cPickle.dumps(['ab', ''], -1) under Python 2.7
    const py2 = Buffer.from("80025d7101285502616271025500710365", "hex");
    expect(unpickleBytesList(Buffer.concat([py2, Buffer.from("2e", "hex")]))).toEqual([
      Buffer.from("ab"),
      Buffer.alloc(0),
    ]);
  });

  it.each([
    ["protocol 0", "[b'a']", 0],
    ["protocol 1", "[b'a']", 1],
    ["a dict", "{'a': b'b'}", 4],
    ["a list of str", "['a']", 4],
    ["a call to something else", "[__import__('collections').OrderedDict()]", 2],
    ["a list of ints", "[1, 2]", 5],
  ])("refuses %s", (_, expression, protocol) => {
    expect(() => unpickleBytesList(pickle(expression, protocol as number))).toThrow(PickleError);
  });

  it("refuses truncated input", () => {
    const whole = pickle(LIST, 5);
    expect(() => unpickleBytesList(whole.subarray(0, whole.length - 10))).toThrow(PickleError);
  });
});
