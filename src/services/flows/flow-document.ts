import { badInput } from "../../errors";
import { isObject, parseJsonObject } from "./job-document";

/**
 * The flow document (`FlowInput.documentJson`): `Flow.as_dict()` with every job replaced by a placeholder
 * `{"@hubql_job": {"uuid": …, "index": n}}` (each job's document is stored once, in its row). Reading it puts
 * each job's stored text back in place of its placeholder. The splice works on the text, so job documents and
 * the flow's own values stay exact.
 */
export const JOB_PLACEHOLDER = "@hubql_job";

/** The key of a (uuid, index) pair in maps and sets. */
export function jobKey(uuid: string, index: number): string {
  return `${index}:${uuid}`;
}

interface Span {
  readonly start: number;
  readonly end: number;
  readonly uuid: string;
  readonly index: number;
}

const PLACEHOLDER_START = /\{\s*"@hubql_job"\s*:/y;

/**
 * The placeholders of a flow document's text, in text order: every object whose first key is spelled
 * `"@hubql_job"`, found by one pass over the text (strings and escapes skipped, braces matched).
 */
function placeholderSpans(text: string): Span[] {
  const spans: Span[] = [];
  const open: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === "\\") i++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === "{") open.push(i);
    else if (char === "}") {
      const start = open.pop() as number;
      PLACEHOLDER_START.lastIndex = start;
      if (!PLACEHOLDER_START.test(text)) continue;
      const value = readPlaceholder(JSON.parse(text.slice(start, i + 1)) as Record<string, unknown>);
      if (value) spans.push({ start, end: i + 1, ...value });
    }
  }
  return spans.sort((a, b) => a.start - b.start);
}

/** `{"@hubql_job": {"uuid": "…", "index": n}}` → its pair; null for anything else. */
function readPlaceholder(node: Record<string, unknown>): { uuid: string; index: number } | null {
  const value = node[JOB_PLACEHOLDER];
  if (Object.keys(node).length !== 1 || !isObject(value) || Object.keys(value).length !== 2) return null;
  const { uuid, index } = value;
  if (typeof uuid !== "string" || typeof index !== "number" || !Number.isInteger(index)) return null;
  return { uuid, index };
}

/**
 * A JSON object with `"@class": "Flow"` and the flow's uuid, whose placeholders name exactly the submitted
 * `(uuid, index)` pairs, each once, written as `{"@hubql_job": {"uuid", "index"}}`.
 */
export function validateFlowDocument(
  text: string,
  flowUuid: string,
  jobs: readonly { uuid: string; index: number }[],
  argument: string,
): void {
  const doc = parseJsonObject(text, argument);
  const fail = (problem: string) => badInput(`${argument}: ${problem}`, argument);
  if (doc["@class"] !== "Flow") throw fail(`$.@class must be "Flow"`);
  if (doc["uuid"] !== flowUuid) throw fail(`$.uuid must be the flow's uuid ${flowUuid}`);
  // Every object with the placeholder key, found on the parsed value (whatever its spelling in the text).
  const named: string[] = [];
  const stack: unknown[] = [doc];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) for (const child of node) stack.push(child);
    else if (isObject(node)) {
      if (!(JOB_PLACEHOLDER in node)) for (const child of Object.values(node)) stack.push(child);
      else {
        const pair = readPlaceholder(node);
        if (!pair) throw fail(`a placeholder must be exactly {"${JOB_PLACEHOLDER}": {"uuid": "…", "index": n}}`);
        named.push(jobKey(pair.uuid, pair.index));
      }
    }
  }
  const spans = placeholderSpans(text);
  if (spans.length !== named.length)
    throw fail(`write each placeholder with "${JOB_PLACEHOLDER}" as its first key, without escapes`);
  const submitted = new Set(jobs.map((job) => jobKey(job.uuid, job.index)));
  const seen = new Set<string>();
  for (const span of spans) {
    const key = jobKey(span.uuid, span.index);
    if (!submitted.has(key)) throw fail(`a placeholder names job ${span.uuid} index ${span.index}, not submitted`);
    if (seen.has(key)) throw fail(`job ${span.uuid} index ${span.index} has two placeholders`);
    seen.add(key);
  }
  const missing = jobs.find((job) => !seen.has(jobKey(job.uuid, job.index)));
  if (missing) throw fail(`job ${missing.uuid} index ${missing.index} has no placeholder`);
}

/**
 * The flow document with each placeholder replaced by its job's stored text (`jobTexts` by `jobKey`). A
 * placeholder whose job is gone (deleteJobs) or has no document stays as it is.
 */
export function spliceFlowDocument(text: string, jobTexts: ReadonlyMap<string, string>): string {
  let result = "";
  let at = 0;
  for (const span of placeholderSpans(text)) {
    const job = jobTexts.get(jobKey(span.uuid, span.index));
    if (job === undefined) continue;
    result += text.slice(at, span.start) + job;
    at = span.end;
  }
  return result + text.slice(at);
}
