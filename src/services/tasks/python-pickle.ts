/**
 * Reads the one kind of pickle ipyparallel's SQLiteDB writes into its `buffers`/`result_buffers` columns
 * (ipython-hub.md §14): `pickle.dumps(list_of_bytes, -1)`, a list of byte strings, in protocol 2 (Python 2, or
 * Python 3 writing protocol 2, where bytes become `_codecs.encode(str, 'latin1')` calls) up to protocol 5.
 * Anything else — another type, another callable, out-of-band buffers — is refused with a PickleError: unpickling
 * is code execution in Python, and here it is a small stack machine that builds nothing but lists and bytes.
 */
export class PickleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PickleError";
  }
}

const MARK = Symbol("mark");

interface GlobalRef {
  readonly global: string;
}

type Value = Buffer | string | Value[] | GlobalRef | { readonly tuple: Value[] };
type StackItem = Value | typeof MARK;

/** The callables protocol 2 uses for bytes; nothing else is ever called. */
const BYTES_CONSTRUCTORS = new Set(["_codecs encode", "__builtin__ bytes", "builtins bytes"]);

/** The byte strings of `data`, as views into it: they change if it does. */
export function unpickleBytesList(data: Uint8Array): Buffer[] {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const stack: StackItem[] = [];
  const memo: Value[] = [];
  let at = 0;

  const need = (n: number): number => {
    if (at + n > bytes.length) throw new PickleError("truncated pickle");
    const start = at;
    at += n;
    return start;
  };
  const u8 = () => bytes[need(1)] as number;
  const u32 = () => bytes.readUInt32LE(need(4));
  const u64 = () => {
    const value = bytes.readBigUInt64LE(need(8));
    if (value > BigInt(bytes.length)) throw new PickleError("truncated pickle");
    return Number(value);
  };
  // Views, not copies: the caller turns them into base64 at once (a copy was 50 of the 710 MB an import allocated).
  const take = (n: number) => bytes.subarray(need(n), at);
  const line = () => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) throw new PickleError("truncated pickle");
    const text = bytes.toString("latin1", at, end);
    at = end + 1;
    return text;
  };
  const pop = (): Value => {
    const item = stack.pop();
    if (item === undefined || item === MARK) throw new PickleError("malformed pickle: stack underflow");
    return item;
  };
  const popToMark = (): Value[] => {
    const index = stack.lastIndexOf(MARK);
    if (index < 0) throw new PickleError("malformed pickle: no mark");
    const items = stack.splice(index) as Value[];
    return items.slice(1);
  };
  const top = (): Value => {
    const item = stack[stack.length - 1];
    if (item === undefined || item === MARK) throw new PickleError("malformed pickle: empty stack");
    return item;
  };
  const list = (): Value[] => {
    const item = top();
    if (!Array.isArray(item)) throw new PickleError("malformed pickle: append to a non-list");
    return item;
  };
  const get = (index: number): Value => {
    const value = memo[index];
    if (value === undefined) throw new PickleError(`malformed pickle: memo ${index} unset`);
    return value;
  };

  if (bytes[0] !== 0x80) throw new PickleError("not a protocol 2–5 pickle (no PROTO opcode)");
  for (;;) {
    const opcode = u8();
    switch (opcode) {
      case 0x80: {
        const protocol = u8();
        if (protocol < 2 || protocol > 5)
          throw new PickleError(`pickle protocol ${protocol} is not supported (2–5 are)`);
        break;
      }
      case 0x95: // FRAME: a length hint only
        u64();
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x61: {
        // APPEND
        const value = pop();
        list().push(value);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popToMark();
        list().push(...items);
        break;
      }
      case 0x43: // SHORT_BINBYTES
      case 0x55: // SHORT_BINSTRING (Python 2 str = bytes)
        stack.push(take(u8()));
        break;
      case 0x42: // BINBYTES
      case 0x54: // BINSTRING
        stack.push(take(u32()));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(take(u64()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(take(u8()).toString("utf8"));
        break;
      case 0x58: // BINUNICODE
        stack.push(take(u32()).toString("utf8"));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(take(u64()).toString("utf8"));
        break;
      case 0x63: // GLOBAL "module\nname\n"
        stack.push({ global: `${line()} ${line()}` });
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push({ tuple: [] });
        break;
      case 0x85: // TUPLE1
        stack.push({ tuple: [pop()] });
        break;
      case 0x86: {
        // TUPLE2
        const second = pop();
        stack.push({ tuple: [pop(), second] });
        break;
      }
      case 0x74: // TUPLE
        stack.push({ tuple: popToMark() });
        break;
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(reduce(pop(), args));
        break;
      }
      case 0x94: // MEMOIZE
        memo.push(top());
        break;
      case 0x71: // BINPUT
        memo[u8()] = top();
        break;
      case 0x72: // LONG_BINPUT
        memo[u32()] = top();
        break;
      case 0x68: // BINGET
        stack.push(get(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(get(u32()));
        break;
      case 0x2e: {
        // STOP
        const result = pop();
        if (!Array.isArray(result) || !result.every((item) => Buffer.isBuffer(item))) {
          throw new PickleError("the pickle is not a list of bytes (what ipyparallel stores for buffers)");
        }
        return result as Buffer[];
      }
      default:
        throw new PickleError(
          `pickle opcode 0x${opcode.toString(16)} at byte ${at - 1} is not part of a list of bytes`,
        );
    }
  }
}

/** Only protocol 2's spellings of bytes: `_codecs.encode(text, 'latin1')` and `bytes()`. */
function reduce(callable: Value, args: Value): Buffer {
  const name = typeof callable === "object" && "global" in callable ? callable.global : null;
  const list = typeof args === "object" && "tuple" in args ? args.tuple : null;
  if (!name || !BYTES_CONSTRUCTORS.has(name) || !list) {
    throw new PickleError(`the pickle calls ${name ?? "something"}, which is not how a list of bytes is pickled`);
  }
  if (list.length === 0 && name !== "_codecs encode") return Buffer.alloc(0);
  const [text, encoding] = list;
  if (list.length === 2 && typeof text === "string" && encoding === "latin1") return Buffer.from(text, "latin1");
  throw new PickleError(`unexpected arguments to ${name} in the pickle`);
}
