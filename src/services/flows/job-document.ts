import { badInput } from "../../errors";
import { ON_MISSING_REFERENCES } from "./jobflow.model";

/**
 * jobflow's documents as hubql receives them: JSON *text* (a serialized Job, a flow skeleton, an output), parsed
 * once to validate it and derive the queryable columns, and stored as sent. Every walk here is iterative, so a
 * deep document cannot overflow the stack.
 */

/**
 * Deeper documents are refused. jobflow cannot produce one (`jsanitize` recurses and Python stops at 1000
 * frames), and the bound keeps every later serialization of a parsed part (the metadata column, the parsed views
 * in answers) far from V8's recursion limit (≈10,000 levels).
 */
export const MAX_DOCUMENT_DEPTH = 1000;

/** The largest `index` a job row holds (a 32-bit integer column). */
const MAX_INDEX = 2 ** 31 - 1;

export type OnMissingReferences = (typeof ON_MISSING_REFERENCES)[number];

/** A serialized jobflow Job (JobDoc.job), validated, with what the columns and the parents rule need. */
export interface JobDocument {
  readonly text: string;
  readonly uuid: string;
  readonly index: number;
  readonly name: string;
  readonly metadata: Record<string, unknown>;
  readonly hosts: string[];
  readonly onMissingReferences: OnMissingReferences;
  /** `config.manager_config` ({} when absent): worker, exec_config, resources, priority. */
  readonly managerConfig: Record<string, unknown>;
  /** Uuids the arguments reference (`function_args`, then `function_kwargs`), in first-appearance order, once each. */
  readonly inputReferences: string[];
  /** Uuids referenced anywhere in the document (what jobflow's `get_flow` checks). */
  readonly references: ReadonlySet<string>;
}

/** One step of a path inside a document, kept as a linked list so a wide, deep document costs no path strings. */
interface PathNode {
  readonly parent: PathNode | null;
  readonly key: string | number;
}

/** `$.function_args[0].attributes[1]` */
function pathText(node: PathNode | null): string {
  const keys: (string | number)[] = [];
  for (let at = node; at; at = at.parent) keys.push(at.key);
  return keys.reverse().reduce<string>((text, key) => text + (typeof key === "number" ? `[${key}]` : `.${key}`), "$");
}

/** JSON text → value; BAD_USER_INPUT naming `argument` when it is not JSON or nests deeper than the bound. */
export function parseJsonText(text: string, argument: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown; // V8's JSON.parse is iterative: no stack limit on depth
  } catch (error) {
    throw badInput(`${argument} is not JSON text: ${(error as Error).message}`, argument);
  }
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== "object") continue;
    if (depth > MAX_DOCUMENT_DEPTH)
      throw badInput(`${argument} nests deeper than ${MAX_DOCUMENT_DEPTH} levels`, argument);
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return value;
}

/** JSON text that must hold an object. */
export function parseJsonObject(text: string, argument: string): Record<string, unknown> {
  const value = parseJsonText(text, argument);
  if (!isObject(value)) throw badInput(`${argument} must be a JSON object`, argument);
  return value;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Python's truthiness of a JSON value (`x or default` in jobflow-remote). */
export function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return true;
}

/** The checks of one serialized Job (docs/flows-and-jobs.md, "jobflow documents"); `argument` names the input (`flow.jobs[2].documentJson`). */
export function readJobDocument(text: string, argument: string): JobDocument {
  const doc = parseJsonObject(text, argument);
  const fail = (path: string, problem: string) => badInput(`${argument}: ${path} ${problem}`, argument);
  if (doc["@class"] !== "Job") throw fail("$.@class", `must be "Job", not ${describe(doc["@class"])}`);
  const { uuid, index, name, metadata, hosts, config } = doc;
  if (typeof uuid !== "string" || uuid === "") throw fail("$.uuid", "must be a non-empty string");
  if (typeof index !== "number" || !Number.isInteger(index) || index < 1 || index > MAX_INDEX)
    throw fail("$.index", `must be an integer from 1 to ${MAX_INDEX}`);
  if (typeof name !== "string") throw fail("$.name", "must be a string");
  if (!isObject(metadata)) throw fail("$.metadata", "must be an object");
  if (!Array.isArray(hosts) || !hosts.every((host) => typeof host === "string"))
    throw fail("$.hosts", "must be a list of strings");
  if (!isObject(config)) throw fail("$.config", "must be an object");
  const onMissing = config["on_missing_references"] ?? "error";
  if (!(ON_MISSING_REFERENCES as readonly unknown[]).includes(onMissing))
    throw fail("$.config.on_missing_references", `must be one of ${ON_MISSING_REFERENCES.join(", ")}`);
  const managerConfig = config["manager_config"] ?? {};
  if (!isObject(managerConfig)) throw fail("$.config.manager_config", "must be an object");
  checkManagerConfig(managerConfig, fail);
  if (!isObject(doc["function"])) throw fail("$.function", "must be an object");
  if (!Array.isArray(doc["function_args"])) throw fail("$.function_args", "must be a list");
  if (!isObject(doc["function_kwargs"])) throw fail("$.function_kwargs", "must be an object");
  for (const key of ["metadata_updates", "config_updates", "name_updates"]) {
    if (doc[key] !== undefined && doc[key] !== null && !Array.isArray(doc[key]))
      throw fail(`$.${key}`, "must be a list");
  }
  const found = scanReferences(doc, argument);
  return {
    text,
    uuid,
    index,
    name,
    metadata,
    hosts: hosts as string[],
    onMissingReferences: onMissing as OnMissingReferences,
    managerConfig,
    inputReferences: found.inputs,
    references: found.all,
  };
}

/** The manager config's run settings have the types jobflow-remote stores (when set at all). */
function checkManagerConfig(config: Record<string, unknown>, fail: (path: string, problem: string) => Error): void {
  const { worker, priority, resources, exec_config: execConfig } = config;
  if (truthy(worker) && typeof worker !== "string") throw fail("$.config.manager_config.worker", "must be a string");
  if (truthy(priority) && !(typeof priority === "number" && Number.isInteger(priority) && Math.abs(priority) < 2 ** 31))
    throw fail("$.config.manager_config.priority", "must be a 32-bit integer");
  if (resources !== undefined && resources !== null && !isObject(resources))
    throw fail("$.config.manager_config.resources", "must be an object");
  if (truthy(execConfig) && typeof execConfig !== "string" && !isObject(execConfig))
    throw fail("$.config.manager_config.exec_config", "must be a name or an object");
}

/**
 * Every serialized OutputReference in the document, as jobflow's `find_key_value` finds them (any depth, inside
 * references too), each checked as `OutputReference.__init__` would: a string uuid and `[kind, value]` attribute
 * pairs with kind "a" or "i". `inputs` are those under `function_args` then `function_kwargs`, in document order.
 */
function scanReferences(doc: Record<string, unknown>, argument: string): { inputs: string[]; all: Set<string> } {
  const inputs: string[] = [];
  const all = new Set<string>();
  const inputKeys = ["function_args", "function_kwargs"];
  for (const key of [...inputKeys, ...Object.keys(doc).filter((other) => !inputKeys.includes(other))]) {
    const isInput = inputKeys.includes(key);
    // Depth-first, children pushed in reverse so they come off the stack in document order.
    const stack: [unknown, PathNode][] = [[doc[key], { parent: null, key }]];
    while (stack.length > 0) {
      const [node, path] = stack.pop() as [unknown, PathNode];
      if (Array.isArray(node)) {
        for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], { parent: path, key: i }]);
        continue;
      }
      if (!isObject(node)) continue;
      if (node["@class"] === "OutputReference") {
        const uuid = checkReference(node, path, argument);
        // While the arguments are walked, `all` holds exactly the input references seen so far.
        if (isInput && !all.has(uuid)) inputs.push(uuid);
        all.add(uuid);
      }
      const entries = Object.entries(node);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [childKey, child] = entries[i] as [string, unknown];
        stack.push([child, { parent: path, key: childKey }]);
      }
    }
  }
  return { inputs, all };
}

function checkReference(ref: Record<string, unknown>, path: PathNode, argument: string): string {
  const fail = (problem: string) =>
    badInput(`${argument}: ${pathText(path)} is an OutputReference ${problem}`, argument);
  if (typeof ref["uuid"] !== "string" || ref["uuid"] === "") throw fail("without a uuid string");
  const attributes = ref["attributes"];
  if (!Array.isArray(attributes)) throw fail("whose attributes are not a list");
  attributes.forEach((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) throw fail(`whose attributes[${i}] is not a [kind, value] pair`);
    if (pair[0] !== "a" && pair[0] !== "i")
      throw fail(`whose attributes[${i}] has kind ${describe(pair[0])}: it must be "a" (attribute) or "i" (index)`);
  });
  return ref["uuid"];
}

function describe(value: unknown): string {
  return value === undefined ? "missing" : JSON.stringify(value).slice(0, 60);
}
